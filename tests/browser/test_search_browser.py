"""The one search box in a real browser: a street operator searches from the search page,
sees the results grouped by kind (members masked), moves through them with the arrow keys
and opens one; an ID number typed into the box is not sent (it would land in the URL)."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_organizations_browser import log_in
from tests.search import conftest as search_fixtures
from tests.search.conftest import PLAIN_IDS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

registers = search_fixtures.registers
grids = search_fixtures.grids
world = search_fixtures.world


def test_search_grouped_results_keyboard_and_id_numbers(
    live_server, world, users, new_page, screenshot_path
):
    page = new_page(viewport={"width": 1366, "height": 900})
    base = live_server.url
    log_in(page, base, users["operator_a"].username)
    page.goto(f"{base}/search/")

    box = page.get_by_label("党员、党组织、企业/社会组织、楼宇、网格、需求/问题")
    box.fill("欧阳娜")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q="))
    members = page.get_by_test_id("search-group-members")
    expect(members.get_by_role("heading")).to_contain_text("党员")
    links = members.locator("a.search-result")
    expect(links).to_have_count(3)
    expect(links.nth(0)).to_contain_text("欧阳娜")
    expect(links.nth(0)).to_have_attribute("data-rank", "exact")
    expect(links.nth(2)).to_contain_text("小欧阳娜")
    expect(members).to_contain_text(world["people"]["欧阳娜"].id_number_masked)
    assert PLAIN_IDS[0] not in page.content()

    # A query that finds several kinds: one group each, in the page's order.
    box = page.get_by_test_id("search-input")
    box.fill("天平路")
    box.press("Enter")
    for kind in ("organizations", "enterprises", "buildings"):
        expect(page.get_by_test_id(f"search-group-{kind}")).to_be_visible()
    expect(page.get_by_test_id("search-group-members")).to_have_count(0)

    # Keyboard: down from the box to the first result, down again, up, Enter opens it.
    box.focus()
    box.press("ArrowDown")
    focused = page.locator(":focus")
    expect(focused).to_have_attribute("href", re.compile(r"^/organizations/\?q="))
    page.keyboard.press("ArrowDown")
    expect(page.locator(":focus")).to_have_class(re.compile("search-result"))
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(box).to_be_focused()
    page.screenshot(path=screenshot_path("browser_search"), full_page=True)
    box.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/organizations/\d+/$"))

    # An ID number is not sent: the form stays, the hint says where to look members up.
    page.goto(f"{base}/search/")
    box = page.get_by_test_id("search-input")
    box.fill(PLAIN_IDS[0])
    box.press("Enter")
    expect(page.locator("[data-search-hint]").first).to_be_visible()
    assert PLAIN_IDS[0] not in page.url
    assert page.problems == []
