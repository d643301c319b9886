"""Every register's pages say where they are (issue 8 item 6): 工作台 > the register > the
object > the action, each step but the last a link."""

import re
from datetime import date

from tests.members.conftest import make_id_number, make_member


def crumbs(html):
    nav = re.search(r'<ol class="breadcrumb[^"]*" data-testid="breadcrumb">(.*?)</ol>', html, re.S)
    assert nav, "no breadcrumb"
    items = re.findall(r'<li class="breadcrumb-item[^"]*"[^>]*>(.*?)</li>', nav.group(1), re.S)
    return [
        (re.sub(r"<[^>]+>", "", item).strip(), re.search(r'href="([^"]+)"', item) is not None)
        for item in items
    ]


def test_register_pages_carry_their_breadcrumb(client_for, users, district):
    member = make_member(district["a_branch"], "路径甲", make_id_number(date(1980, 2, 3), 61))
    client = client_for(users["admin"])
    page = lambda url: crumbs(client.get(url).content.decode())  # noqa: E731
    assert page("/members/") == [("工作台", True), ("党员", False)]
    assert page(f"/members/{member.pk}/") == [("工作台", True), ("党员", True), ("路径甲", False)]
    assert page(f"/members/{member.pk}/edit/")[-2:] == [("路径甲", True), ("编辑", False)]
    assert page(f"/members/{member.pk}/history/")[-1] == ("变更历史", False)
    assert page("/members/add/") == [("工作台", True), ("党员", True), ("新增", False)]
