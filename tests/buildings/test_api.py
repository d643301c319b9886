"""The registers' REST API (issue 4, item 5): /parks/, /buildings/, /enterprises/,
/service-sites/ and the read-only /tenancies/ with the registers' filters, upsert by natural
key, ``updated_after`` + cursor sync, brief nested relations and a constant number of
queries per page; street A's operator and integration token never reach street B's rows;
the three USCC cases and the audited override.

Fixture (tests/buildings/conftest.py ``registers``): per street a park, a building, an
enterprise in it (with its open tenancy) and a 金领驿站.
"""

from datetime import date

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from buildings.models import (
    Building,
    Enterprise,
    EnterpriseFacts,
    Park,
    ServiceSite,
    Tenancy,
    sync_tenancies,
)
from portal.accounts.roles import DISTRICT_ADMIN, INTEGRATION, STREET_OPERATOR
from portal.search import name_grams
from tests.buildings.conftest import corrupt_check, make_uscc

#: Strings only street B's rows (and the regions and organisations they link to) carry.
B_MARKERS = ("湖南路", "武康", "PB01", "BB01", "SSB01", "310104004", "S004")
OVERRIDE_REASON = "2015年厦门试点发放，营业执照原件已核验"

#: Per resource: its path, the fixture key of its rows, how a row names itself in a list.
RESOURCES = {
    "parks": ("park", "code"),
    "buildings": ("building", "code"),
    "enterprises": ("enterprise", "uscc"),
    "service-sites": ("site", "code"),
}
MODELS = {
    "parks": Park,
    "buildings": Building,
    "enterprises": Enterprise,
    "service-sites": ServiceSite,
    "tenancies": Tenancy,
}


def snapshot():
    """Every stored column of every register row, and the number of audit events."""
    rows = {}
    for name, model in MODELS.items():
        fields = [f.attname for f in model._meta.concrete_fields]
        rows[name] = sorted(model.objects.values_list(*fields))
        rows[f"{name} events"] = apps.get_model(
            "buildings", f"{model.__name__}Event"
        ).objects.count()
    return rows


def new_enterprise(uscc, **overrides):
    body = {
        "uscc": uscc,
        "name": "上海新村数据服务有限公司",
        "kind": "private",
        "industry": "I",
        "region": "310104003001",
        "building": "BA01",
        "floor": 5,
        "room": "501",
        "moved_in_on": "2023-03-01",
        "employees": 12,
    }
    body.update(overrides)
    return body


def results(api, path, **params):
    response = api.get(f"/api/v1/{path}/", params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def assert_no_b(response):
    text = response.content.decode()
    for marker in B_MARKERS:
        assert marker not in text, marker


@pytest.fixture(params=["operator_a", "sync_a"])
def api_a(request, api_for, users):
    """Street A's operator's token, and A's integration token."""
    return api_for(users[request.param])


# --- scope ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", RESOURCES)
def test_lists_hold_only_a_and_the_admin_sees_both(api_a, api_for, users, registers, path):
    key, natural = RESOURCES[path]
    a, b = registers[f"{key}_a"], registers[f"{key}_b"]
    assert {row["id"] for row in results(api_a, path)} == {a.pk}
    for params in (
        {"q": getattr(b, natural)},
        {"region_within": "310104004"},
        {"updated_after": "2000-01-01T00:00:00Z", "q": b.name},
        {"sync": "1"},
    ):
        assert b.pk not in {row["id"] for row in results(api_a, path, **params)}, params
    admin = api_for(users["admin"])
    assert {row["id"] for row in results(admin, path)} == {a.pk, b.pk}


def test_tenancies_list_only_a(api_a, api_for, users, registers):
    tenancy_a = Tenancy.objects.get(enterprise=registers["enterprise_a"])
    assert [row["id"] for row in results(api_a, "tenancies")] == [tenancy_a.pk]
    b_building = registers["building_b"].pk
    assert results(api_a, "tenancies", building=b_building) == []
    assert len(results(api_for(users["admin"]), "tenancies")) == 2


@pytest.mark.parametrize("path", [*RESOURCES, "tenancies"])
def test_b_rows_answer_404_like_missing_ones_and_change_nothing(api_a, registers, path):
    if path == "tenancies":
        b = Tenancy.objects.get(enterprise=registers["enterprise_b"])
    else:
        b = registers[f"{RESOURCES[path][0]}_b"]
    url = f"/api/v1/{path}/{b.pk}/"
    missing = api_a.get(f"/api/v1/{path}/987654321/")
    before = snapshot()
    response = api_a.get(url)
    assert response.status_code == 404
    assert response.json() == missing.json()
    if path != "tenancies":
        assert api_a.patch(url, {"name": "改名"}, format="json").status_code == 404
        assert api_a.put(url, {"name": "改名"}, format="json").status_code == 404
        assert api_a.delete(url).status_code == 404
    assert snapshot() == before


def test_tenancies_are_read_only(api_for, users, registers):
    api = api_for(users["admin"])
    tenancy = Tenancy.objects.get(enterprise=registers["enterprise_a"])
    before = snapshot()
    url = f"/api/v1/tenancies/{tenancy.pk}/"
    assert api.patch(url, {"room": "999"}, format="json").status_code == 405
    assert api.delete(url).status_code == 405
    assert api.post("/api/v1/tenancies/", {}, format="json").status_code == 405
    assert api.post("/api/v1/tenancies/upsert/", {}, format="json").status_code in (404, 405)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("parks", {"code": "PB01", "name": "改名园区", "region": "310104003"}),
        (
            "buildings",
            {"code": "BB01", "name": "改名大厦", "address": "某路1号", "region": "310104003001"},
        ),
        (
            "service-sites",
            {"code": "SSB01", "name": "改名驿站", "kind": "station", "region": "310104003001"},
        ),
    ],
)
def test_upsert_of_a_b_code_changes_nothing_and_says_nothing_of_b(api_a, registers, path, body):
    before = snapshot()
    for payload in (body, [{**body, "code": "NEW01"}, body]):
        response = api_a.post(f"/api/v1/{path}/upsert/", payload, format="json")
        assert response.status_code == 400, response.content
        assert_no_b(response)
    assert snapshot() == before


def test_upsert_of_b_uscc_by_a_is_refused_without_naming_b(api_a, registers):
    b = registers["enterprise_b"]
    before = snapshot()
    for uscc in (b.uscc, b.uscc.lower()):
        response = api_a.post(
            "/api/v1/enterprises/upsert/", new_enterprise(uscc, name="改名"), format="json"
        )
        assert response.status_code == 400
        assert response.json() == {"uscc": ["该统一社会信用代码已登记。"]}
    # A list is written all or nothing.
    response = api_a.post(
        "/api/v1/enterprises/upsert/",
        [new_enterprise(make_uscc(900)), new_enterprise(b.uscc)],
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"1": {"uscc": ["该统一社会信用代码已登记。"]}}
    assert snapshot() == before


def test_cannot_create_in_or_move_into_b(api_a, registers):
    before = snapshot()
    # B's community, B's building, B's organisation: "does not exist" like a missing one.
    for field, value in (
        ("region", "310104004001"),
        ("building", "BB01"),
        ("building", registers["building_b"].pk),
        ("party_organization", "S004C001B01"),
    ):
        response = api_a.post(
            "/api/v1/enterprises/", new_enterprise(make_uscc(901), **{field: value}), format="json"
        )
        assert response.status_code == 400, (field, response.content)
        assert set(response.json()) == {field}
        response = api_a.patch(
            f"/api/v1/enterprises/{registers['enterprise_a'].pk}/", {field: value}, format="json"
        )
        assert response.status_code == 400
    response = api_a.patch(
        f"/api/v1/buildings/{registers['building_a'].pk}/", {"park": "PB01"}, format="json"
    )
    assert response.status_code == 400 and set(response.json()) == {"park"}
    assert snapshot() == before


def test_community_worker_reads_only(api_for, users, registers):
    api = api_for(users["worker_a"])
    assert {r["id"] for r in results(api, "enterprises")} == {registers["enterprise_a"].pk}
    before = snapshot()
    url = f"/api/v1/enterprises/{registers['enterprise_a'].pk}/"
    assert api.patch(url, {"note": "x"}, format="json").status_code == 403
    response = api.post("/api/v1/enterprises/upsert/", new_enterprise(make_uscc(5)), format="json")
    assert response.status_code == 403
    assert snapshot() == before


# --- upsert, representation, sync -------------------------------------------------------


def test_enterprise_upsert_creates_then_updates_by_uscc_in_any_spelling(api_for, users, registers):
    api = api_for(users["operator_a"])
    code = make_uscc(321)
    response = api.post("/api/v1/enterprises/upsert/", new_enterprise(code), format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["uscc"] == code
    assert created["building"]["code"] == "BA01"
    assert created["region"] == {
        "id": registers["building_a"].region_id,
        "url": f"http://testserver/api/v1/regions/{registers['building_a'].region_id}/",
        "code": "310104003001",
        "name": "上海新村居委会",
    }
    enterprise = Enterprise.objects.get(uscc=code)
    assert "数据" in enterprise.name_grams
    assert Tenancy.objects.get(enterprise=enterprise, moved_out_on=None).room == "501"

    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code.lower())
    body = new_enterprise(
        full_width, name="上海新村数据科技有限公司", room="502", moved_in_on="2024-06-01"
    )
    response = api.post("/api/v1/enterprises/upsert/", body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["id"] == created["id"]
    enterprise.refresh_from_db()
    assert (enterprise.uscc, enterprise.name, enterprise.room) == (code, body["name"], "502")
    assert "科技" in enterprise.name_grams
    # The move to another room closed the old tenancy and opened a new one.
    assert list(enterprise.tenancies.values_list("room", "moved_in_on", "moved_out_on")) == [
        ("502", date(2024, 6, 1), None),
        ("501", date(2023, 3, 1), date(2024, 6, 1)),
    ]
    assert Enterprise.objects.filter(uscc=code).count() == 1


@pytest.mark.parametrize(
    ("path", "body", "change"),
    [
        ("parks", {"code": "PA02", "name": "徐汇新园", "region": "310104003"}, "operator"),
        (
            "buildings",
            {
                "code": "BA02",
                "name": "天平大厦",
                "address": "天平路8号",
                "region": "310104003001",
                "park": "PA01",
                "floors": 12,
            },
            "property_manager",
        ),
        (
            "service-sites",
            {
                "code": "SSA02",
                "name": "天平党建服务站",
                "kind": "station",
                "region": "310104003",
                "building": "BA01",
            },
            "opening_hours",
        ),
    ],
)
def test_upsert_by_code(api_for, users, registers, path, body, change):
    api = api_for(users["operator_a"])
    response = api.post(f"/api/v1/{path}/upsert/", body, format="json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    response = api.post(f"/api/v1/{path}/upsert/", {**body, change: "改过"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["id"] == pk and response.json()[change] == "改过"
    assert MODELS[path].objects.filter(code=body["code"]).count() == 1


def test_facts_are_read_only_and_null_before_the_first_refresh(api_for, users, registers):
    api = api_for(users["operator_a"])
    a = registers["enterprise_a"]
    url = f"/api/v1/enterprises/{a.pk}/"
    row = api.get(url).json()
    assert (row["members"], row["full_members"], row["should_found"]) == (None, None, None)
    assert row["organization_kind"] is None
    assert row["uscc_override_by"] is None
    EnterpriseFacts.objects.create(enterprise=a, members=4, full_members=3, should_found=True)
    row = api.get(url).json()
    assert (row["members"], row["full_members"], row["should_found"]) == (4, 3, True)
    assert row["organization_kind"] == "none"
    EnterpriseFacts.objects.filter(enterprise=a).update(
        should_found=False, has_joint_organization=True
    )
    assert api.get(url).json()["organization_kind"] == "joint"
    EnterpriseFacts.objects.filter(enterprise=a).update(has_own_organization=True)
    assert api.get(url).json()["organization_kind"] == "own"
    # Sent anyway, the facts are ignored.
    response = api.patch(url, {"members": 99, "should_found": True}, format="json")
    assert response.status_code == 200
    assert EnterpriseFacts.objects.get(enterprise=a).members == 4
    # The facts filter the list.
    assert [r["id"] for r in results(api, "enterprises", has_members="true")] == [a.pk]


def test_filters(api_for, users, registers, district):
    api = api_for(users["admin"])
    a, b = registers["enterprise_a"], registers["enterprise_b"]
    ids = lambda path, **p: [r["id"] for r in results(api, path, **p)]  # noqa: E731
    assert ids("enterprises", building_code="BB01") == [b.pk]
    assert ids("enterprises", q=a.uscc.lower()) == [a.pk]
    assert ids("enterprises", q=a.uscc[:8]) == [a.pk, b.pk]  # a code by prefix
    assert ids("enterprises", q="天平路") == [a.pk]
    assert ids("enterprises", kind="state") == []
    assert ids("enterprises", has_organization="false") == [a.pk, b.pk]
    assert ids("buildings", park_code="PA01") == [registers["building_a"].pk]
    assert ids("buildings", has_service_site="true", region_within="310104004") == [
        registers["building_b"].pk
    ]
    assert ids("service-sites", kind="golden_collar", building=registers["building_a"].pk) == [
        registers["site_a"].pk
    ]
    assert ids("tenancies", enterprise=a.pk, current="true") == [
        Tenancy.objects.get(enterprise=a).pk
    ]


def test_updated_after_and_cursor_sync_walk_every_row_once(api_for, users, registers):
    api = api_for(users["sync_a"])
    community = registers["building_a"].region
    Enterprise.objects.bulk_create(
        Enterprise(
            uscc=make_uscc(2000 + i),
            name=f"同步测试企业{i}",
            name_grams=name_grams(f"同步测试企业{i}"),
            kind="private",
            region=community,
        )
        for i in range(25)
    )
    url, seen = "/api/v1/enterprises/?sync=1&limit=10&updated_after=2000-01-01T00:00:00Z", []
    while url:
        body = api.get(url).json()
        assert "count" not in body
        seen += [row["uscc"] for row in body["results"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == 26
    future = api.get("/api/v1/enterprises/", {"updated_after": "2100-01-01T00:00:00Z"})
    assert future.json()["results"] == []


# --- the three USCC cases and the override ----------------------------------------------


def test_roles_grant_the_override_to_district_admins_only(users):
    assert users["admin"].has_perm("buildings.override_uscc")
    for key in ("operator_a", "sync_a", "worker_a", "auditor"):
        assert not users[key].has_perm("buildings.override_uscc"), key
    # Street operators and integration accounts keep every other enterprise permission.
    for key in ("operator_a", "sync_a"):
        assert users[key].has_perms(
            [f"buildings.{a}_enterprise" for a in ("view", "add", "change", "delete")]
        )
    from portal.accounts.roles import WITHHELD

    assert set(WITHHELD) == {STREET_OPERATOR, INTEGRATION} and DISTRICT_ADMIN not in WITHHELD


def test_bad_check_character_is_refused_naming_uscc(api_a, registers):
    before = snapshot()
    code = corrupt_check(make_uscc(777))
    response = api_a.post("/api/v1/enterprises/", new_enterprise(code), format="json")
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"uscc"}
    assert "早期试点" in errors["uscc"][0]
    # A reason does not help a user without the permission.
    body = new_enterprise(code, uscc_override_reason=OVERRIDE_REASON)
    for door in ("/api/v1/enterprises/", "/api/v1/enterprises/upsert/"):
        response = api_a.post(door, body, format="json")
        assert response.status_code == 400
        assert response.json() == {
            "uscc_override_reason": ["您没有接受例外信用代码的权限，请联系区级管理员。"]
        }
    assert snapshot() == before


@pytest.mark.parametrize(("authority", "kind"), [("A", "1"), ("N", "2"), ("Y", "1"), ("5", "3")])
def test_a_n_y_prefixed_valid_codes_are_accepted(api_a, registers, authority, kind):
    code = make_uscc(555, authority=authority, kind=kind, region="350203")
    response = api_a.post("/api/v1/enterprises/", new_enterprise(code.lower()), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["uscc"] == code
    assert response.json()["uscc_override_by"] is None


def test_corrupted_organisation_code_is_refused_even_for_an_admin_with_a_reason(
    api_for, users, registers
):
    api = api_for(users["admin"])
    code = make_uscc(556)
    first17 = code[:10] + ("1" if code[10] != "1" else "2") + code[11:17]
    from portal import validators

    bad = first17 + validators.uscc_check_char(first17)  # only the nested check can tell
    before = snapshot()
    body = new_enterprise(bad, uscc_override_reason=OVERRIDE_REASON)
    response = api.post("/api/v1/enterprises/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"uscc"}
    assert "组织机构代码" in response.json()["uscc"][0]
    assert snapshot() == before


def test_override_with_reason_and_permission_is_accepted_and_recorded(api_for, users, registers):
    admin = users["admin"]
    api = api_for(admin)
    code = corrupt_check(make_uscc(778))
    # Without a reason even the district admin is refused.
    response = api.post("/api/v1/enterprises/", new_enterprise(code), format="json")
    assert response.status_code == 400 and set(response.json()) == {"uscc"}

    body = new_enterprise(code.lower(), uscc_override_reason=f"  {OVERRIDE_REASON} ")
    response = api.post("/api/v1/enterprises/", body, format="json")
    assert response.status_code == 201, response.content
    row = response.json()
    assert row["uscc"] == code
    assert row["uscc_override_reason"] == OVERRIDE_REASON
    assert row["uscc_override_by"] == admin.username
    enterprise = Enterprise.objects.get(uscc=code)
    assert enterprise.uscc_override_by == admin
    event = enterprise.events.get()
    assert (event.pgh_label, event.uscc_override_by_id) == ("insert", admin.pk)
    assert event.uscc_override_reason == OVERRIDE_REASON
    assert [r["id"] for r in results(api, "enterprises", uscc_overridden="true")] == [enterprise.pk]
    # A client cannot name someone else as the approver.
    response = api.patch(
        f"/api/v1/enterprises/{enterprise.pk}/",
        {"uscc_override_by": users["operator_a"].username},
        format="json",
    )
    assert response.status_code == 200
    enterprise.refresh_from_db()
    assert enterprise.uscc_override_by == admin


def test_a_valid_code_drops_a_stale_reason(api_for, users, registers):
    api = api_for(users["operator_a"])
    body = new_enterprise(make_uscc(779), uscc_override_reason="不需要")
    response = api.post("/api/v1/enterprises/", body, format="json")
    assert response.status_code == 201
    assert response.json()["uscc_override_reason"] == ""


# --- queries --------------------------------------------------------------------------

#: Pinned query counts per API page (a token's request: token, user and page queries).
PINNED = {
    "parks": 4,
    "buildings": 4,
    "enterprises": 4,
    "service-sites": 4,
    "tenancies": 4,
}


@pytest.fixture
def many(registers, district):
    """120 of each register row in street A, linked to each other, half the enterprises with
    facts and an organisation, all with a tenancy."""
    community, street = district["a1"], district["a"]
    parks = Park.objects.bulk_create(
        Park(code=f"PQ{i:03d}", name=f"园区{i}", region=street) for i in range(120)
    )
    buildings = Building.objects.bulk_create(
        Building(
            code=f"BQ{i:03d}",
            name=f"楼宇{i}",
            address=f"天平路{i}号",
            region=community,
            park=parks[i],
            floors=10,
        )
        for i in range(120)
    )
    ServiceSite.objects.bulk_create(
        ServiceSite(
            code=f"SQ{i:03d}", name=f"站点{i}", kind="point", region=community, building=building
        )
        for i, building in enumerate(buildings)
    )
    enterprises = Enterprise.objects.bulk_create(
        Enterprise(
            uscc=make_uscc(3000 + i),
            name=f"批量企业{i}",
            name_grams=name_grams(f"批量企业{i}"),
            kind="private",
            region=community,
            building=buildings[i],
            floor=2,
            party_organization=district["a_branch"] if i % 2 else None,
        )
        for i in range(120)
    )
    EnterpriseFacts.objects.bulk_create(
        EnterpriseFacts(enterprise=e, members=3, full_members=3) for e in enterprises[::2]
    )
    sync_tenancies([e.pk for e in enterprises])


def count(api, url):
    with CaptureQueriesContext(connection) as queries:
        response = api.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    return len(queries), response.json()


@pytest.mark.parametrize("path", PINNED)
def test_list_queries_do_not_grow_with_page_size(api_for, users, many, path):
    api = api_for(users["operator_a"])
    count(api, f"/api/v1/{path}/?limit=5")  # the token's first use writes last_used_at
    small, body = count(api, f"/api/v1/{path}/?limit=10")
    large, body_large = count(api, f"/api/v1/{path}/?limit=100")
    cursor, body_cursor = count(api, f"/api/v1/{path}/?sync=1&limit=100")
    assert len(body["results"]) == 10
    assert len(body_large["results"]) == len(body_cursor["results"]) == 100
    assert small == large == PINNED[path]
    assert cursor <= small


def test_schema_lists_the_resources_and_upserts(client_for, users, district):
    import yaml

    response = client_for(users["admin"]).get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    paths = schema["paths"]
    for path in RESOURCES:
        assert f"/api/v1/{path}/" in paths and f"/api/v1/{path}/upsert/" in paths, path
    assert set(paths["/api/v1/tenancies/"]) == {"get"}
    assert "/api/v1/tenancies/upsert/" not in paths
    enterprise = schema["components"]["schemas"]["Enterprise"]["properties"]
    for name in ("members", "full_members", "should_found", "organization_kind"):
        assert enterprise[name]["readOnly"] is True, name
    assert enterprise["uscc_override_by"]["readOnly"] is True


def test_a_building_is_placed_in_a_grid_through_the_api_and_only_one_of_its_community(
    api_for, users, registers, district
):
    from grids.models import Grid

    in_a1 = Grid.objects.create(code="GA09", name="上海新村第九网格", region=district["a1"])
    in_b1 = Grid.objects.create(code="GB09", name="武康第九网格", region=district["b1"])
    api = api_for(users["admin"])
    building = registers["building_a"]
    response = api.patch(f"/api/v1/buildings/{building.pk}/", {"grid": "GA09"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["grid"]["code"] == "GA09"
    assert Building.objects.get(pk=building.pk).grid == in_a1
    response = api.patch(f"/api/v1/buildings/{building.pk}/", {"grid": in_b1.pk}, format="json")
    assert response.status_code == 400 and "grid" in response.json()
    assert Building.objects.get(pk=building.pk).grid == in_a1
