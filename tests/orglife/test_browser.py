"""Recording a meeting in a real browser: choosing the branch loads its members into the
form (static/js/meeting-form.js), attendance is set per member, the detail page shows who
came and the rate; the compliance page renders without script or CSP errors."""

import pytest
from playwright.sync_api import expect

from members.models import Meeting
from tests.browser.test_organizations_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_record_a_meeting_with_attendance(
    live_server,
    district,
    users,
    people,
    new_page,  # noqa: F811
    screenshot_path,  # noqa: F811
):
    page = new_page(viewport={"width": 1366, "height": 900})
    base = live_server.url
    log_in(page, base, users["operator_a"].username)
    page.goto(f"{base}/members/meetings/")
    page.get_by_role("link", name="新增").click()
    page.select_option("#id_kind", "lecture")
    page.fill("#id_topic", "书记讲党课")
    page.select_option("#id_organization", str(district["a_branch"].pk))
    table = page.get_by_test_id("attendance-table")
    expect(table).to_contain_text("张卫东")
    expect(page.locator("#id_topic")).to_have_value("书记讲党课")  # kept across the reload
    page.fill("#id_held_on", "2025-05-20")
    page.fill("#id_host", "A书记")
    page.select_option(f"#id_att_{people['li'].pk}", "illness")
    page.get_by_test_id("attendance-all").click()  # the others present
    expect(page.locator(f"#id_att_{people['wang'].pk}")).to_have_value("present")
    expect(page.locator(f"#id_att_{people['li'].pk}")).to_have_value("illness")
    page.fill(f"#id_note_{people['li'].pk}", "住院")
    page.screenshot(path=screenshot_path("orglife-meeting-form"), full_page=True)
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("attendance-rate")).to_contain_text("66.7%")
    expect(page.get_by_test_id("absent-list")).to_contain_text("李建国")
    expect(page.get_by_test_id("absent-list")).to_contain_text("因病")
    page.screenshot(path=screenshot_path("orglife-meeting-detail"), full_page=True)
    assert Meeting.objects.get().attendance.count() == 3

    page.goto(f"{base}/members/meetings/compliance/?year=2025")
    expect(page.get_by_test_id("compliance-table")).to_contain_text("上海新村居民区第一党支部")
    page.screenshot(path=screenshot_path("orglife-compliance"), full_page=True)
    assert page.problems == []
