"""The dashboard in a real browser: after sign-in the home page shows the cards with their
sparklines, the ECharts chart by street and the Leaflet map of grids and buildings; the
left navigation works from the keyboard; on a phone (390 px) it folds behind the menu
button and nothing overflows sideways. Screenshots go to var/screenshots/ (gitignored)."""

import re

import pytest
from playwright.sync_api import expect

from dashboard import summaries
from tests.browser.fixtures import SCREENSHOT_DIR
from tests.browser.test_organizations_browser import log_in
from tests.dashboard.conftest import world  # noqa: F401 - the hand-built fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(page, name):
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / f"{name}.png"), full_page=True)


def test_dashboard_cards_chart_and_map(live_server, users, world, new_page):  # noqa: F811
    from decimal import Decimal

    building = world["building"]
    building.latitude, building.longitude = Decimal("31.2010"), Decimal("121.4320")
    building.save()
    summaries.refresh()
    page = new_page(viewport={"width": 1366, "height": 1000})
    base = live_server.url
    log_in(page, base, users["admin"].username)

    expect(page.locator("h1")).to_contain_text("徐汇区")
    expect(page.get_by_test_id("dashboard-refreshed")).to_contain_text("数据更新于")
    expect(page.get_by_test_id("value-members.total")).to_have_text("4")
    expect(
        page.get_by_test_id("card-members.total").locator("svg.sparkline polyline")
    ).to_have_count(1)
    chart = page.get_by_test_id("dashboard-chart")
    expect(chart).to_have_attribute("data-loaded", "1")
    expect(chart.locator("svg")).to_have_count(1)
    expect(chart).to_contain_text("天平路街道")
    page.get_by_test_id("dashboard-chart-metric").select_option(label="未办结工单")
    expect(page.get_by_test_id("dashboard-coverage-chart").locator("svg")).to_have_count(1)
    # Two grid polygons and the one building with coordinates.
    expect(page.get_by_test_id("dashboard-map")).to_have_attribute("data-loaded", "2,1")
    expect(page.locator("#dashboard-map canvas")).to_have_count(1)  # preferCanvas
    expect(page.get_by_test_id("dashboard-map-count")).to_contain_text("2 个网格")

    # The left navigation: the dashboard link is the current page; a section opens from
    # the keyboard.
    nav = page.locator("#mainnav")
    expect(nav.get_by_role("link", name="工作台")).to_have_attribute("aria-current", "page")
    section = nav.get_by_role("button", name="城市网格库")
    section.focus()
    page.keyboard.press("Enter")
    expect(section).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="网格地图")).to_be_visible()
    shot(page, "dashboard")
    assert page.problems == []


def test_dashboard_on_a_phone(live_server, users, world, new_page):  # noqa: F811
    summaries.refresh()
    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    base = live_server.url
    log_in(page, base, users["operator_a"].username)
    expect(page.get_by_test_id("dashboard-region")).to_have_text("天平路街道")
    expect(page.locator("#mainnav")).to_be_hidden()
    expect(page.get_by_test_id("dashboard-chart")).to_have_attribute("data-loaded", "1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator(".navbar-toggler").tap()
    nav = page.locator("#mainnav")
    expect(nav).to_have_class(re.compile(r"\bcollapse\b.*\bshow\b"))
    expect(nav.get_by_role("link", name="工作台")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "dashboard_phone")
    assert page.problems == []
