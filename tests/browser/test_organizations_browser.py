"""The organisation pages in a real browser: sign in, open the tree level by level (htmx),
filter, land on the list, open a detail page and its history tab; and the list on a phone."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base_url, username):
    page.goto(f"{base_url}/accounts/login/")
    expect(page.locator("h1")).to_contain_text("区域党建信息平台")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{base_url}/")


def test_tree_filter_list_detail_history(live_server, district, users, new_page, screenshot_path):
    page = new_page(viewport={"width": 1366, "height": 900})
    base = live_server.url
    log_in(page, base, users["admin"].username)
    expect(page.get_by_test_id("user-menu")).to_contain_text("district_admin")

    page.goto(f"{base}/organizations/tree/")
    expect(page.locator("h1")).to_have_text("组织树")
    tree = page.get_by_test_id("org-tree")
    root = tree.locator("details").filter(has_text="中共上海市徐汇区委员会").first
    expect(root).not_to_have_attribute("open", "")
    # The children are not in the page until the node is opened.
    expect(tree).not_to_contain_text("天平路街道党工委")

    # Open the root: htmx fetches /organizations/tree/<pk>/ into the node.
    with page.expect_response(re.compile(rf"/organizations/tree/{district['root'].pk}/$")) as r:
        root.locator("> summary").click(position={"x": 4, "y": 8})
    assert r.value.status == 200
    children = root.locator("> .tree-children")
    expect(children).to_contain_text("天平路街道党工委")
    expect(children).to_contain_text("湖南路街道党工委")
    expect(children.locator("> span")).to_have_count(0)  # the "加载中…" placeholder is gone

    # One level further: the nodes htmx swapped in are live htmx nodes themselves.
    street = children.locator("details").filter(has_text="天平路街道党工委").first
    street.locator("> summary").click(position={"x": 4, "y": 8})
    expect(street.locator("> .tree-children")).to_contain_text("上海新村居民区党总支")
    expect(street.locator("> .tree-children")).not_to_contain_text("武康居民区党总支")

    # Filter from the tree: lands on the list, filtered.
    page.get_by_test_id("tree-filter").fill("上海新村")
    page.get_by_test_id("tree-filter").press("Enter")
    expect(page).to_have_url(re.compile(r"/organizations/\?q="))
    table = page.get_by_test_id("object-table")
    expect(table.locator("tbody tr")).to_have_count(3)
    expect(table).to_contain_text("上海新村居民区第一党支部")
    expect(table).not_to_contain_text("武康")

    # Detail page of the branch, then its history tab.
    branch = district["a_branch"]
    table.get_by_role("link", name=branch.name).click()
    expect(page).to_have_url(f"{base}/organizations/{branch.pk}/")
    expect(page.locator("h1")).to_contain_text(branch.name)
    expect(page.locator(".breadcrumb")).to_contain_text("上海新村居民区党总支")
    expect(page.get_by_text("书记：A书记")).to_be_visible()

    page.get_by_test_id("history-tab").click()
    expect(page).to_have_url(f"{base}/organizations/{branch.pk}/history/")
    history = page.get_by_test_id("history-table")
    expect(history).to_be_visible()
    insert = history.locator("tbody tr").filter(has=page.locator(".badge", has_text="新增"))
    expect(insert).to_have_count(1)
    expect(insert).to_contain_text(branch.code)
    expect(insert).to_contain_text("组织名称")

    page.screenshot(path=screenshot_path("browser_org_history"), full_page=True)
    assert page.problems == []


def test_phone_navbar_collapses_and_list_is_usable(
    live_server, district, users, new_page, screenshot_path
):
    page = new_page(
        viewport={"width": 375, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    base = live_server.url
    log_in(page, base, users["admin"].username)

    page.goto(f"{base}/organizations/")
    toggler = page.locator(".navbar-toggler")
    menu = page.locator("#mainnav")
    expect(toggler).to_be_visible()
    expect(menu).to_be_hidden()
    expect(page.locator(".navbar-brand")).to_contain_text("区域党建信息平台")

    # The page itself does not scroll sideways; only the table scrolls inside its box.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    toggler.tap()
    # Bootstrap ignores a toggle while the collapse animates: wait until it has settled.
    expect(menu).to_have_class(re.compile(r"\bcollapse\b.*\bshow\b"))
    section = menu.get_by_role("button", name="党员党组织信息库")
    expect(section).to_be_visible()
    section.tap()
    expect(menu.get_by_role("link", name="组织树")).to_be_visible()
    toggler.tap()
    expect(menu).to_be_hidden()
    expect(menu).not_to_have_class(re.compile(r"collapsing"))

    # Filter on the phone: the search box and the button are reachable and work.
    search = page.locator("#filter-form input[name=q]")
    expect(search).to_be_visible()
    search.fill("第一党支部")
    page.locator("#filter-form").get_by_role("button", name="筛选").tap()
    expect(page).to_have_url(re.compile(r"q=%E7%AC%AC"))
    rows = page.get_by_test_id("object-table").locator("tbody tr")
    expect(rows).to_have_count(2)
    link = rows.first.get_by_role("link").first
    expect(link).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    page.screenshot(path=screenshot_path("browser_org_list_phone"), full_page=True)
    link.tap()
    expect(page.get_by_test_id("history-tab")).to_be_visible()
    assert page.problems == []
