"""The Content-Security-Policy in a real browser (issue 9, item 5): with ``script-src
'self'; style-src 'self'`` and no 'unsafe-inline', the pages that run the most front-end
code (dashboard, a list with htmx, the ECharts coverage report, the Leaflet grid map, the
search page with its live box, the Swagger UI API docs) work and Chromium reports no
``securitypolicyviolation`` event and no console error or warning."""

import pytest
from playwright.sync_api import expect

from buildings import coverage
from tests.browser.test_organizations_browser import log_in
from tests.buildings import conftest as buildings_fixtures
from tests.grids import conftest as grid_fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

coverage_world = buildings_fixtures.coverage_world
grids = grid_fixtures.grids

#: Runs in every document before its own scripts: records what the policy blocked.
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__cspViolations.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') +
    ' at ' + e.sourceFile + ':' + e.lineNumber + ' ' + (e.sample || ''));
});
"""


def watched_page(new_page):
    page = new_page(viewport={"width": 1366, "height": 900})
    page.add_init_script(WATCH_CSP)
    page.console_messages = []
    page.on(
        "console",
        lambda message: (
            message.type in ("error", "warning")
            and page.console_messages.append(f"{message.type}: {message.text}")
        ),
    )
    return page


def violations(page):
    return page.evaluate("window.__cspViolations || []")


def test_pages_run_under_the_policy_without_violations(
    live_server, coverage_world, grids, users, new_page, screenshot_path
):
    coverage.refresh()
    base = live_server.url
    page = watched_page(new_page)
    log_in(page, base, users["operator_a"].username)
    header = page.request.get(f"{base}/").headers["content-security-policy"]
    assert "script-src 'self'" in header and "unsafe-inline" not in header

    seen = {}

    def check(name):
        page.wait_for_load_state("networkidle")
        seen[name] = violations(page)

    # The dashboard: cards, ECharts charts and the Leaflet map.
    page.goto(f"{base}/")
    check("dashboard")

    # A list with its filters (htmx) and the topbar's live search box.
    page.goto(f"{base}/organizations/")
    expect(page.locator("table")).to_be_visible()
    check("organizations list")

    # The coverage report: an ECharts chart (it sets element styles from script).
    page.goto(f"{base}/coverage/")
    expect(page.get_by_test_id("coverage-chart").locator("svg")).to_have_count(1)
    check("coverage report")

    # The grid map: Leaflet (positions panes and markers with inline styles from script).
    page.goto(f"{base}/grids/map/")
    expect(page.get_by_test_id("grid-map")).to_have_attribute("data-loaded", "1")
    check("grid map")

    # The search page, and the live results of the topbar box.
    page.goto(f"{base}/search/?q=天平")
    check("search")

    # Swagger UI: its start-up script is a file, its one <style> is allowed by hash.
    page.goto(f"{base}/api/docs/")
    expect(page.locator(".swagger-ui .information-container")).to_be_visible(timeout=30_000)
    check("api docs")
    page.screenshot(path=screenshot_path("browser_csp_api_docs"), full_page=True)

    assert {name: found for name, found in seen.items() if found} == {}
    csp_console = [m for m in page.console_messages if "Content Security Policy" in m]
    assert csp_console == []
    assert page.problems == []
