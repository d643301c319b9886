"""The coverage report and the building map in a real browser: the table's figures, the
ECharts chart drawn, the map's markers (one per building with coordinates) and a popup."""

import re

import pytest
from playwright.sync_api import expect

from buildings import coverage
from tests.browser.test_organizations_browser import log_in
from tests.buildings import conftest as buildings_fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: The hand-built coverage fixture of the buildings tests (3 buildings, 7 enterprises).
coverage_world = buildings_fixtures.coverage_world


def test_report_table_and_chart(live_server, coverage_world, users, new_page, screenshot_path):
    coverage.refresh()
    page = new_page(viewport={"width": 1366, "height": 900})
    base = live_server.url
    log_in(page, base, users["admin"].username)

    page.goto(f"{base}/coverage/")
    expect(page.locator("h1")).to_contain_text("徐汇区")
    table = page.get_by_test_id("coverage-table")
    street_a = table.locator("tbody tr").filter(has_text="天平路街道")
    # 4 enterprises, 3 two-new, 2 with members, 4 members, 1 organised (1 own / 0 joint),
    # 25.0% and 75.0%, 1 should found, 1 site, 2 workers, 1.5 two-new per worker
    expect(street_a.locator("td")).to_have_text(
        ["4", "3", "2", "4", "1 (1/0)", "25.0%", "75.0%", "1", "1", "2", "1.5"]
    )
    expect(page.get_by_test_id("coverage-total")).to_contain_text("33.3%")
    expect(page.get_by_test_id("coverage-refreshed")).to_contain_text("数据更新于")

    chart = page.get_by_test_id("coverage-chart")
    expect(chart.locator("svg")).to_have_count(1)
    expect(chart.locator("svg")).to_contain_text("组织覆盖率")
    expect(chart.locator("svg")).to_contain_text("湖南路街道")

    should_found = page.get_by_test_id("should-found-table")
    expect(should_found.locator("tbody tr")).to_have_count(2)
    expect(should_found).to_contain_text("天平公益服务社")

    # Drill down to street A: its community.
    table.get_by_role("link", name="天平路街道").click()
    expect(page).to_have_url(re.compile(r"region=310104003$"))
    expect(page.get_by_test_id("coverage-table").locator("tbody tr")).to_have_count(1)
    expect(page.get_by_test_id("coverage-table")).to_contain_text("上海新村居委会")
    page.screenshot(path=screenshot_path("browser_coverage_report"), full_page=True)
    assert page.problems == []


def test_map_shows_a_marker_per_building(
    live_server, coverage_world, users, new_page, screenshot_path
):
    coverage.refresh()
    page = new_page(viewport={"width": 1366, "height": 900})
    base = live_server.url
    log_in(page, base, users["admin"].username)

    page.goto(f"{base}/coverage/map/")
    box = page.get_by_test_id("coverage-map")
    expect(box).to_have_attribute("data-loaded", "2")
    # 天平大厦 and 湖南大厦 have coordinates; 天平中心 has none. Both are at 50%: amber.
    markers = box.locator("path.coverage-marker")
    expect(markers).to_have_count(2)
    expect(box.locator("path.coverage-mid")).to_have_count(2)
    expect(box.locator("img.leaflet-tile")).to_have_count(0)  # no tiles at all
    expect(page.get_by_test_id("coverage-map-legend")).to_contain_text("无存续企业")

    markers.first.click()
    popup = box.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("天平大厦")
    expect(popup).to_contain_text("组织覆盖率：50%")
    expect(popup.get_by_role("link", name="查看楼宇")).to_have_attribute(
        "href", coverage_world["buildings"]["b1"].get_absolute_url()
    )
    page.screenshot(path=screenshot_path("browser_coverage_map"), full_page=True)

    # Street B's operator sees B's building only.
    other = new_page(viewport={"width": 1366, "height": 900})
    log_in(other, base, users["operator_b"].username)
    other.goto(f"{base}/coverage/map/")
    expect(other.get_by_test_id("coverage-map")).to_have_attribute("data-loaded", "1")
    assert page.problems == [] and other.problems == []
