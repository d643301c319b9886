"""Reports in a real browser: a cross-database question (filters, table, ECharts chart) and the
member statistics (generated as a job, shown as a table with merged headers), with
screenshots."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_organizations_browser import log_in
from tests.reports import conftest as reports_fixtures

#: The hand-built world of the question tests (tests/reports/conftest.py) and what it uses.
world = reports_fixtures.world
coverage_world = reports_fixtures.coverage_world
grids = reports_fixtures.grids

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_question_report(live_server, world, users, new_page, screenshot_path):
    page = new_page(viewport={"width": 1366, "height": 900})
    base = live_server.url
    log_in(page, base, users["admin"].username)

    page.goto(f"{base}/reports/")
    page.get_by_role("link", name="超时工单（按承办方）").click()
    expect(page.locator("h1")).to_have_text("超时工单（按承办方）")
    table = page.get_by_test_id("question-table")
    expect(table.locator("tbody tr")).to_have_count(4)
    # Most overdue first (2 each: B网格长, A's branch), then the rest.
    expect(table.locator("tbody tr").nth(1)).to_contain_text("上海新村居民区第一党支部")
    chart = page.get_by_test_id("report-chart")
    expect(chart.locator("svg")).to_have_count(1)
    expect(chart.locator("svg")).to_contain_text("徐汇区市容所")

    # Narrow to street B with the filter bar.
    page.get_by_label("街道/社区（区划代码）").fill("310104004")
    page.get_by_role("button", name="筛选").click()
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table).not_to_contain_text("徐汇区市容所")
    page.screenshot(path=screenshot_path("browser_report_question"), full_page=True)
    assert page.problems == []


def test_statistics_report(live_server, world, users, new_page, screenshot_path):
    page = new_page(viewport={"width": 1600, "height": 900})
    base = live_server.url
    log_in(page, base, users["admin"].username)

    page.goto(f"{base}/reports/statistics/")
    page.get_by_label("统计截止日期").fill("2025-12-31")
    page.get_by_test_id("statistics-submit").click()
    status = page.get_by_test_id("job-status")
    expect(status).to_have_attribute("data-state", "done")
    table = page.get_by_test_id("statistics-table")
    expect(table.locator("thead th[colspan='10']")).to_have_text("年龄")
    # Every member of the world counts on 2025-12-31 except the suspended 戊四 and B网格长.
    total = table.get_by_test_id("statistics-total")
    expect(total.locator("th")).to_have_text("合计")
    expect(page.get_by_test_id("job-download")).to_be_visible()
    page.screenshot(path=screenshot_path("browser_report_statistics"), full_page=True)

    page.goto(f"{base}/reports/jobs/")
    expect(page.get_by_test_id("jobs-table").locator("tbody tr")).to_have_count(1)
    expect(page.get_by_test_id("jobs-table")).to_contain_text("已完成")
    page.screenshot(path=screenshot_path("browser_report_jobs"), full_page=True)
    assert page.problems == []
