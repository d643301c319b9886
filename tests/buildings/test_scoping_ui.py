"""Row scope of the register pages (issue 4, DESIGN.md 5): an operator of street B cannot
list, read, edit, delete, export, search or look up street A's parks, buildings, enterprises,
service sites and tenancies (and A's community worker none of B's, nor A's street-level
park). Rows out of scope answer 404 or are absent, history tabs included, and the database
is unchanged afterwards.

Fixtures: ``registers`` (tests/buildings/conftest.py) holds per street a park (street level),
a building, an enterprise in it (so a tenancy) and a 金领驿站.
"""

import csv
import io

import openpyxl
import pytest

from buildings.models import Building, Enterprise, Park, ServiceSite, Tenancy
from tests.portal.pagetables import table_rows

#: list URL, model, the registers key of street <k>'s object, a name column index
PAGES = {
    "park": ("/parks/", Park, "park_{}", 1),
    "building": ("/buildings/", Building, "building_{}", 1),
    "enterprise": ("/enterprises/", Enterprise, "enterprise_{}", 1),
    "servicesite": ("/service-sites/", ServiceSite, "site_{}", 1),
}
#: Strings only street A's rows carry, and only street B's.
MARKERS = {
    "a": ("天平路", "上海新村", "PA01", "BA01", "SSA01"),
    "b": ("湖南路", "武康", "PB01", "BB01"),
}
#: (user, the street whose rows they must not see, the street they see)
OUTSIDERS = [("operator_b", "a", "b"), ("worker_a", "b", "a")]


def snapshot():
    return [
        list(model.objects.order_by("pk").values())
        for model in (Park, Building, Enterprise, ServiceSite, Tenancy)
    ]


def names(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, url
    rows = [row for row in table_rows(response.content, "object-table") if len(row) > 1]
    return {row[1] if url != "/tenancies/" else row[0] for row in rows}, response.content.decode()


def exported(client, url, fmt, **params):
    response = client.get(url, {**params, "export": fmt})
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if fmt == "csv":
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
    return [[c or "" for c in row] for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize(("user_key", "hidden", "own"), OUTSIDERS)
@pytest.mark.parametrize("model", list(PAGES))
def test_lists_exports_and_searches_hold_only_rows_in_scope(
    client_for, users, registers, model, user_key, hidden, own
):
    url, _model, key, _column = PAGES[model]
    client = client_for(users[user_key])
    outside = registers[key.format(hidden)]
    inside = registers[key.format(own)]
    seen, html = names(client, url)
    assert outside.name not in seen
    if model != "park":  # A's park sits at street level, above A's community worker
        assert inside.name in seen
    for marker in MARKERS[hidden]:
        assert marker not in html, marker
    for params in ({"q": outside.name[:3]}, {"q": outside.name}, {"region_within": "310104"}):
        assert outside.name not in names(client, url, **params)[0], params
    code = getattr(outside, "code", None) or outside.uscc
    assert names(client, url, q=code)[0] == set()
    for fmt in ("csv", "xlsx"):
        rows = exported(client, url, fmt)
        assert outside.name not in {row[1] for row in rows[1:]}
        assert not any(marker in cell for row in rows for cell in row for marker in MARKERS[hidden])
        assert exported(client, url, fmt, q=code)[1:] == []


@pytest.mark.parametrize(("user_key", "hidden", "own"), OUTSIDERS)
def test_tenancy_list_and_export_hold_only_rows_in_scope(
    client_for, users, registers, user_key, hidden, own
):
    client = client_for(users[user_key])
    outside = registers[f"enterprise_{hidden}"]
    seen, html = names(client, "/tenancies/")
    assert seen == {registers[f"enterprise_{own}"].name}
    for marker in MARKERS[hidden]:
        assert marker not in html, marker
    assert names(client, "/tenancies/", q=outside.name)[0] == set()
    assert names(client, "/tenancies/", enterprise=outside.pk)[0] == set()
    for fmt in ("csv", "xlsx"):
        rows = exported(client, "/tenancies/", fmt)
        assert {row[0] for row in rows[1:]} == {registers[f"enterprise_{own}"].name}


@pytest.mark.parametrize(("user_key", "hidden", "own"), OUTSIDERS)
@pytest.mark.parametrize("model", list(PAGES))
def test_pages_of_rows_out_of_scope_are_404(
    client_for, users, registers, model, user_key, hidden, own
):
    _url, _model, key, _column = PAGES[model]
    client = client_for(users[user_key])
    outside = registers[key.format(hidden)]
    before = snapshot()
    for page in ("", "history/", "edit/", "delete/"):
        url = f"{outside.get_absolute_url()}{page}"
        expected = (404,) if page in ("", "history/") else (403, 404)
        assert client.get(url).status_code in expected, url
        if page in ("edit/", "delete/"):
            assert client.post(url, {"name": "改名"}).status_code in expected, url
    assert snapshot() == before
    # Control: the user's own street's building and enterprise open.
    if model in ("building", "enterprise"):
        assert client.get(registers[key.format(own)].get_absolute_url()).status_code == 200


def test_operator_writes_to_a_rows_are_404_and_change_nothing(client_for, users, registers):
    client = client_for(users["operator_b"])
    before = snapshot()
    for model, (_url, _model, key, _column) in PAGES.items():
        obj = registers[key.format("a")]
        assert client.post(f"{obj.get_absolute_url()}edit/", {"name": "x"}).status_code == 404
        assert client.post(f"{obj.get_absolute_url()}delete/").status_code == 404, model
    assert snapshot() == before
    # Control: B's operator edits and deletes in B.
    site = registers["site_b"]
    assert client.post(f"{site.get_absolute_url()}delete/").status_code == 302
    assert not ServiceSite.objects.filter(pk=site.pk).exists()


@pytest.mark.parametrize(
    "label",
    ["buildings.park", "buildings.building", "buildings.enterprise", "buildings.servicesite"],
)
def test_autocomplete_offers_only_rows_in_scope(client_for, users, registers, label):
    key = {
        "buildings.park": "park_{}",
        "buildings.building": "building_{}",
        "buildings.enterprise": "enterprise_{}",
        "buildings.servicesite": "site_{}",
    }[label]
    a, b = registers[key.format("a")], registers[key.format("b")]
    client = client_for(users["operator_b"])
    for term in ("", a.name[:2], a.name, getattr(a, "code", None) or a.uscc):
        response = client.get(f"/autocomplete/{label}/", {"q": term})
        assert response.status_code == 200
        found = {row["id"] for row in response.json()["results"]}
        assert a.pk not in found, term
    found = {row["id"] for row in client.get(f"/autocomplete/{label}/").json()["results"]}
    assert found == {b.pk}
    # Tenancies are not looked up by name at all.
    assert client.get("/autocomplete/buildings.tenancy/").status_code == 404


def test_detail_pages_show_nothing_of_other_streets(client_for, users, registers, district):
    """A member of B's branch works for A's enterprise: A's operator does not see them on
    the building or enterprise page; B's operator cannot open either page."""
    from datetime import date

    from tests.members.conftest import make_id_number, make_member

    make_member(
        district["b_branch"],
        "湖南路党员",
        make_id_number(date(1970, 1, 1), 901),
        employer=registers["enterprise_a"],
    )
    client = client_for(users["operator_a"])
    for obj in (registers["building_a"], registers["enterprise_a"]):
        response = client.get(obj.get_absolute_url())
        assert response.status_code == 200
        html = response.content.decode()
        assert response.context["members_total"] == 0
        for marker in ("湖南路党员", *MARKERS["b"]):
            assert marker not in html, (obj, marker)


def test_tenancy_history_of_a_moved_enterprise_links_only_buildings_in_scope(
    client_for, users, registers, district
):
    """B's enterprise moves to A's building: A's operator sees where it was (the building's
    name, its tenancy) but gets no link into B."""
    enterprise = registers["enterprise_b"]
    enterprise.region = district["a1"]
    enterprise.building = registers["building_a"]
    enterprise.floor = 5
    enterprise.room = ""
    enterprise.full_clean()
    enterprise.save()
    response = client_for(users["operator_a"]).get(enterprise.get_absolute_url())
    html = response.content.decode()
    rows = table_rows(html, "tenancies")
    assert [row[0] for row in rows] == ["天平路街道大厦", "湖南路街道大厦"]
    assert registers["building_a"].get_absolute_url() in html
    assert registers["building_b"].get_absolute_url() not in html
    # B's operator no longer sees the enterprise at all.
    assert client_for(users["operator_b"]).get(enterprise.get_absolute_url()).status_code == 404
