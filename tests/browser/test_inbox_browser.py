"""The inbox in a real browser: the bell in the top bar loads its unread count by htmx, is
read out as "待办与提醒（N 条未读）", opens the inbox grouped by kind, and marking all read
empties the badge."""

import pytest
from playwright.sync_api import expect

from portal.inbox.services import notify
from tests.browser.test_organizations_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_bell_counts_and_opens_the_inbox(live_server, users, new_page, screenshot_path):
    operator = users["operator_a"]
    notify([operator], "case_dispatched", "需求/问题已派给您办理：C1 楼道堆物", url="/grids/mine/")
    notify([operator], "term_1m", "上海新村居民区党总支 将于 2026-12-01 届满")
    notify([operator], "case_dispatched", "需求/问题已派给您办理：C2 路灯不亮")
    notify([users["operator_b"]], "case_dispatched", "B 的消息")
    page = new_page(viewport={"width": 1366, "height": 900})
    base = live_server.url
    log_in(page, base, operator.username)

    bell = page.get_by_role("link", name="待办与提醒（3 条未读）")
    expect(bell).to_be_visible()
    expect(page.get_by_test_id("inbox-badge")).to_have_text("3")
    bell.click()
    expect(page).to_have_url(f"{base}/inbox/")
    groups = page.get_by_test_id("inbox-group")
    expect(groups).to_have_count(2)
    expect(groups.nth(0)).to_contain_text("换届提醒（一个月内届满）")
    expect(groups.nth(1)).to_contain_text("C2 路灯不亮")
    expect(page.locator("main")).not_to_contain_text("B 的消息")
    page.screenshot(path=screenshot_path("inbox"), full_page=True)

    page.get_by_test_id("mark-all-read").click()
    expect(page.locator(".alert-success")).to_contain_text("已将 3 条标为已读")
    expect(page.get_by_test_id("inbox-empty")).to_be_visible()
    expect(page.get_by_role("link", name="待办与提醒（0 条未读）")).to_be_visible()
    expect(page.get_by_test_id("inbox-badge")).to_have_count(0)
    assert page.problems == []
