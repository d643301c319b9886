"""Grid work in a real browser: a grid worker on a phone (390x844) reports a case with a
photo from "my grid"; a street operator accepts and dispatches it to the worker; the worker
finds it in the inbox and resolves it with a proof photo; a second worker of the grid
verifies it (the resolver may not) and the operator closes it. The grid map shows the grid."""

import re

import pytest
from playwright.sync_api import expect

from grids.models import Case
from portal.accounts.roles import COMMUNITY_WORKER
from tests.browser.test_organizations_browser import log_in
from tests.conftest import make_user
from tests.grids import conftest as grid_fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: The grids of the grid tests (grid A in community a1, grid B in b1; category 环境卫生).
grids = grid_fixtures.grids
media = grid_fixtures.media

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
PNG = grid_fixtures.PNG_BYTES


def open_action(page, name, label):
    """Unfold the action's form (the first one is unfolded already)."""
    details = page.locator("details").filter(has=page.get_by_test_id(f"action-{name}"))
    if details.get_attribute("open") is None:
        details.locator("summary").filter(has_text=label).click()
    expect(page.get_by_test_id(f"submit-{name}")).to_be_visible()


def photo(name):
    return {"name": name, "mimeType": "image/png", "buffer": PNG}


def test_report_dispatch_resolve_verify_close_and_the_map(
    live_server, district, users, grids, media, new_page, screenshot_path
):
    base = live_server.url
    checker = make_user("cworker_a2", COMMUNITY_WORKER, district["a1"])
    grid = grids["grid_a"]

    # A grid worker on a phone reports a case from "my grid".
    worker = new_page(**PHONE)
    log_in(worker, base, users["worker_a"].username)
    worker.goto(f"{base}/grids/mine/")
    expect(worker.locator("h1")).to_contain_text(grid.name)
    worker.get_by_test_id("report-case").click()
    expect(worker.locator("#id_grid")).to_have_value(str(grid.pk))
    worker.select_option("#id_category", label="环境卫生")
    worker.fill("#id_title", "楼道堆物")
    worker.fill("#id_description", "3号楼楼道堆放杂物，影响通行。")
    worker.fill("#id_address", "宛平路1号3号楼")
    worker.set_input_files("#id_photos", [photo("scene.png")])
    worker.get_by_role("button", name="上报").click()
    expect(worker.get_by_test_id("case-state")).to_have_text("已上报")
    case = Case.objects.get(title="楼道堆物")
    expect(worker.locator("h1")).to_contain_text(case.number)
    expect(worker.get_by_test_id("case-timeline")).to_contain_text("上报")
    worker.screenshot(path=screenshot_path("browser_grid_reported_phone"), full_page=True)
    assert worker.evaluate("document.documentElement.scrollWidth") <= 390

    # The street operator accepts it and dispatches it to the worker's account.
    operator = new_page(viewport={"width": 1366, "height": 900})
    log_in(operator, base, users["operator_a"].username)
    operator.goto(f"{base}/grids/cases/?state=reported")
    operator.get_by_test_id("object-table").get_by_role("link", name=case.number).click()
    operator.get_by_test_id("submit-accept").click()
    expect(operator.get_by_test_id("case-state")).to_have_text("已受理")
    open_action(operator, "dispatch", "派单")
    operator.select_option("#id_dispatch-organization", label=district["a_branch"].name)
    operator.select_option("#id_dispatch-assignee_user", label="worker_a")
    operator.fill("#id_dispatch-note", "请网格员牵头清理")
    operator.get_by_test_id("submit-dispatch").click()
    expect(operator.get_by_test_id("case-state")).to_have_text("已派单")

    # The worker sees it in the inbox on "my grid" and resolves it with a proof photo.
    worker.goto(f"{base}/grids/mine/")
    inbox = worker.get_by_test_id("inbox-card")
    expect(inbox).to_contain_text("需求/问题已派给您办理")
    inbox.get_by_role("link", name=re.compile("派给您办理")).click()
    expect(worker.get_by_test_id("case-state")).to_have_text("已派单")
    open_action(worker, "resolve", "办结")
    worker.fill("#id_resolve-note", "已联系物业清理完毕")
    worker.set_input_files("#id_resolve-photos", [photo("done.png")])
    worker.get_by_test_id("submit-resolve").click()
    expect(worker.get_by_test_id("case-state")).to_have_text("已办结")
    expect(worker.get_by_test_id("no-actions")).to_be_visible()  # the resolver may not verify
    expect(worker.locator("img[alt^='照片']")).to_have_count(2)

    # Another worker of the grid verifies it; the operator closes it.
    second = new_page(**PHONE)
    log_in(second, base, checker.username)
    second.goto(f"{base}/grids/cases/{case.pk}/")
    second.get_by_test_id("submit-verify").click()
    expect(second.get_by_test_id("case-state")).to_have_text("已核实")
    operator.reload()
    open_action(operator, "close", "关闭")
    operator.get_by_test_id("submit-close").click()
    expect(operator.get_by_test_id("case-state")).to_have_text("已关闭")
    timeline = operator.get_by_test_id("case-timeline")
    for label in ("上报", "受理", "派单", "办结", "核实", "关闭"):
        expect(timeline).to_contain_text(label)
    operator.screenshot(path=screenshot_path("browser_grid_closed"), full_page=True)

    # The grid map shows the grid.
    operator.goto(f"{base}/grids/map/")
    expect(operator.get_by_test_id("grid-map")).to_have_attribute("data-loaded", "1")
    operator.screenshot(path=screenshot_path("browser_grid_map"), full_page=True)

    for page in (worker, operator, second):
        assert page.problems == []
