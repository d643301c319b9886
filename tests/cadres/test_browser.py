"""班长工程 in a real browser: the secretaries' two ECharts charts are drawn from the page's
JSON (no inline script), and a promotion refused then made through the form."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.test_organizations_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def frozen():
    """Not frozen here: the browser's cookies live in real time."""
    return timezone.localdate()


def test_secretary_charts(live_server, users, cadres, new_page, screenshot_path):  # noqa: F811
    page = new_page(viewport={"width": 1366, "height": 900})
    base = live_server.url
    log_in(page, base, users["operator_a"].username)
    page.get_by_test_id("nav-cadres").click()
    page.get_by_role("link", name="书记队伍").click()
    expect(page.locator("h1")).to_contain_text("书记队伍")
    expect(page.get_by_test_id("summary-total")).to_have_text("2")
    expect(page.get_by_test_id("summary-vacancies")).to_have_text("1")
    for chart in ("age-chart", "education-chart"):
        svg = page.get_by_test_id(chart).locator("svg")
        expect(svg).to_have_count(1)
    expect(page.get_by_test_id("education-chart").locator("svg")).to_contain_text("大学本科")
    expect(page.get_by_test_id("object-table")).to_contain_text("张卫东")
    page.screenshot(path=screenshot_path("browser_cadres_secretaries"), full_page=True)
    page.get_by_test_id("vacancy-link").click()
    expect(page.get_by_test_id("object-table")).to_contain_text("天平路街道机关党支部")
    assert page.problems == []


def test_promotion_form(live_server, users, workers, new_page, screenshot_path):  # noqa: F811
    chen = workers["chen"]
    page = new_page(viewport={"width": 1366, "height": 900})
    base = live_server.url
    log_in(page, base, users["operator_a"].username)
    page.goto(f"{base}/cadres/community-workers/{chen.pk}/")
    expect(page.get_by_test_id("eligibility")).to_contain_text("符合晋升下一级的条件")
    page.get_by_test_id("promote-link").click()
    form = page.get_by_test_id("promote-form")
    form.locator("#id_to_grade").select_option("8")
    form.get_by_role("button", name="保存").click()
    expect(page.locator('[data-field="to_grade"]')).to_contain_text("每次只能晋升一级")
    form = page.get_by_test_id("promote-form")
    form.locator("#id_to_grade").select_option("7")
    form.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("grade-changes")).to_contain_text("3档6级 → 3档7级")
    page.screenshot(path=screenshot_path("browser_cadres_promotion"), full_page=True)
    problems = [p for p in page.problems if "400" not in p]  # the refused form answers 400
    assert problems == []
