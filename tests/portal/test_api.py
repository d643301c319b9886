"""The REST contract (issue 2) on /api/v1/regions/, /organizations/ and /positions/.

Lists answer ``{count, next, previous, results}`` (cursor mode omits ``count``), details live
at ``/api/v1/<resource>/<id>/``, every object carries ``id`` and ``url``, relations are brief
nested objects on read and take an id or a natural key on write, and errors are
``{"field": ["中文 message"]}`` keyed by the field's API name.
"""

import os
import re
from datetime import date, timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
import yaml
from django.utils import timezone

from organizations.models import LeadershipPosition, Organization
from portal.models import Region

RESOURCES = {
    "regions": Region,
    "organizations": Organization,
    "positions": LeadershipPosition,
}
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def is_chinese_error_list(messages):
    return (
        isinstance(messages, list)
        and messages
        and all(isinstance(m, str) and CHINESE.search(m) for m in messages)
    )


def path_of(url):
    """An absolute API link as a path the test client can follow."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def new_org(**overrides):
    """A valid new 党支部 under 天平路 上海新村居民区党总支 (S003C001), as API input."""
    data = {
        "code": "S003C001B02",
        "name": "上海新村居民区第二党支部",
        "kind": "branch",
        "sector": "community",
        "parent": "S003C001",
        "region": "310104003001",
    }
    data.update(overrides)
    return data


@pytest.fixture
def api(users, api_for):
    return api_for(users["admin"])


# --- list and detail shape -----------------------------------------------------------


@pytest.mark.parametrize("resource", RESOURCES)
def test_list_shape_and_every_object_has_id_and_url(api, district, resource):
    response = api.get(f"/api/v1/{resource}/")
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["count", "next", "previous", "results"]
    model = RESOURCES[resource]
    assert body["count"] == model.objects.count() == len(body["results"])
    assert body["next"] is None and body["previous"] is None
    for obj in body["results"]:
        assert isinstance(obj["id"], int)
        assert urlsplit(obj["url"]).path == f"/api/v1/{resource}/{obj['id']}/"
        detail = api.get(obj["url"])
        assert detail.status_code == 200
        assert detail.json() == obj


def test_offset_pages_link_to_each_other(api, district):
    first = api.get("/api/v1/organizations/?limit=4").json()
    assert first["count"] == 9 and len(first["results"]) == 4 and first["previous"] is None
    second = api.get(path_of(first["next"])).json()
    assert len(second["results"]) == 4 and second["previous"] is not None
    third = api.get(path_of(second["next"])).json()
    assert len(third["results"]) == 1 and third["next"] is None
    ids = [o["id"] for page in (first, second, third) for o in page["results"]]
    assert sorted(ids) == sorted(Organization.objects.values_list("pk", flat=True))


@pytest.mark.parametrize("resource", RESOURCES)
def test_missing_detail_is_404_in_chinese(api, district, resource):
    response = api.get(f"/api/v1/{resource}/999999999/")
    assert response.status_code == 404
    assert CHINESE.search(response.json()["detail"])
    assert api.patch(f"/api/v1/{resource}/999999999/", {}, format="json").status_code == 404
    assert api.delete(f"/api/v1/{resource}/999999999/").status_code == 404


# --- cursor (sync) mode --------------------------------------------------------------


def walk(api, url):
    """Follow ``next`` links from ``url``; returns the pages' bodies."""
    pages = []
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        pages.append(body)
        url = path_of(body["next"]) if body["next"] else None
        assert len(pages) < 100, "cursor pagination does not end"
    return pages


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize("start", ["?sync=1&limit=2", "?cursor=&limit=2"])
def test_cursor_mode_pages_through_every_row_once_in_updated_at_id_order(
    api, district, resource, start
):
    model = RESOURCES[resource]
    # Several rows share one updated_at: the order must still be total and pages exact.
    same_time = timezone.now() - timedelta(days=1)
    tied = list(model.objects.order_by("-pk").values_list("pk", flat=True)[:3])
    model.objects.filter(pk__in=tied).update(updated_at=same_time)

    pages = walk(api, f"/api/v1/{resource}/{start}")
    for body in pages:
        assert "count" not in body
        assert list(body) == ["next", "previous", "results"]
        assert len(body["results"]) <= 2
    rows = [obj for body in pages for obj in body["results"]]
    ids = [obj["id"] for obj in rows]
    assert len(ids) == len(set(ids)), "a row came twice"
    expected = list(model.objects.order_by("updated_at", "id").values_list("pk", flat=True))
    assert ids == expected
    assert len(pages) == (len(expected) + 1) // 2


def test_cursor_mode_sees_rows_changed_after_it_started(api, district):
    """A sync that resumes after a write picks the changed row up at the end."""
    first = api.get("/api/v1/organizations/?sync=1&limit=3").json()
    seen = {o["id"] for o in first["results"]}
    changed = Organization.objects.exclude(pk__in=seen).order_by("updated_at").first()
    early = Organization.objects.get(pk=first["results"][0]["id"])
    early.note = "同步期间修改"
    early.save()
    rest = [o for body in walk(api, path_of(first["next"])) for o in body["results"]]
    rest_ids = [o["id"] for o in rest]
    assert changed.pk in rest_ids
    assert rest_ids[-1] == early.pk
    assert rest[-1]["note"] == "同步期间修改"


def test_cursor_mode_keeps_filters(api, district):
    pages = walk(api, "/api/v1/organizations/?sync=1&limit=1&region_within=310104004")
    codes = sorted(o["code"] for body in pages for o in body["results"])
    assert codes == ["S004", "S004C001", "S004C001B01", "S004C001B01G1"]


# --- page size cap -------------------------------------------------------------------


def test_limit_above_max_page_size_is_capped(api, district, settings):
    settings.API_MAX_PAGE_SIZE = 3
    body = api.get("/api/v1/organizations/?limit=500").json()
    assert body["count"] == 9
    assert len(body["results"]) == 3
    assert "limit=3" in body["next"]

    body = api.get("/api/v1/organizations/?sync=1&limit=500").json()
    assert len(body["results"]) == 3 and body["next"]


@pytest.mark.skipif("API_MAX_PAGE_SIZE" in os.environ, reason="API_MAX_PAGE_SIZE is set")
def test_default_max_page_size_is_1000(api, district, settings):
    assert settings.API_MAX_PAGE_SIZE == 1000
    body = api.get("/api/v1/organizations/?limit=100000").json()
    assert len(body["results"]) == 9 and body["next"] is None


# --- filters -------------------------------------------------------------------------


def test_updated_after(api, district):
    long_ago = timezone.now() - timedelta(days=30)
    Organization.objects.update(updated_at=long_ago)
    recent = Organization.objects.filter(code__in=["S003", "S004C001"])
    recent.update(updated_at=timezone.now())
    since = (timezone.now() - timedelta(days=1)).isoformat()
    body = api.get("/api/v1/organizations/", {"updated_after": since}).json()
    assert body["count"] == 2
    assert sorted(o["code"] for o in body["results"]) == ["S003", "S004C001"]
    # Timezone offsets are honoured: 29 days ago in Shanghai time, written with +08:00.
    since = timezone.localtime(timezone.now() - timedelta(days=29)).isoformat()
    assert "+08:00" in since
    assert api.get("/api/v1/organizations/", {"updated_after": since}).json()["count"] == 2

    bad = api.get("/api/v1/organizations/", {"updated_after": "昨天"})
    assert bad.status_code == 400
    assert is_chinese_error_list(bad.json()["updated_after"])


def codes_of(api, url, params):
    response = api.get(url, params)
    assert response.status_code == 200, response.content
    return sorted(o["code"] for o in response.json()["results"])


def test_subtree_filters(api, district):
    street_a = ["S003", "S003C001", "S003C001B01", "S003C001B01G1"]
    url = "/api/v1/organizations/"
    assert codes_of(api, url, {"within": district["a_top"].pk}) == street_a
    assert codes_of(api, url, {"within_code": "S003"}) == street_a
    assert codes_of(api, url, {"within_code": "S003C001B01"}) == ["S003C001B01", "S003C001B01G1"]
    assert codes_of(api, url, {"region_within": "310104003"}) == street_a
    assert len(codes_of(api, url, {"region_within": "310104"})) == 9
    # An unknown node or a non-numeric id is an empty result, not an error.
    assert codes_of(api, url, {"within_code": "NOPE"}) == []
    assert codes_of(api, url, {"within": "abc"}) == []

    regions = "/api/v1/regions/"
    assert codes_of(api, regions, {"within_code": "310104004"}) == ["310104004", "310104004001"]
    assert codes_of(api, regions, {"within": district["a"].pk}) == ["310104003", "310104003001"]

    positions = api.get("/api/v1/positions/", {"organization_within": district["b_top"].pk}).json()
    assert [p["holder_name"] for p in positions["results"]] == ["B书记"]


def test_ui_filters_work_on_the_api(api, district):
    url = "/api/v1/organizations/"
    assert codes_of(api, url, {"kind": "group"}) == ["S003C001B01G1", "S004C001B01G1"]
    assert codes_of(api, url, {"q": "武康", "kind": ["branch", "general_branch"]}) == [
        "S004C001",
        "S004C001B01",
    ]
    today = timezone.localdate()
    Organization.objects.filter(code="S003C001").update(term_end=today + timedelta(days=10))
    Organization.objects.filter(code="S004C001").update(term_end=today + timedelta(days=400))
    assert codes_of(api, url, {"term_due": "true"}) == ["S003C001"]
    assert codes_of(api, url, {"term_due": "false", "kind": "general_branch"}) == ["S004C001"]


# --- relations: brief on read, id or natural key on write ----------------------------


def test_relations_are_brief_nested_objects(api, district):
    branch = district["a_branch"]
    body = api.get(f"/api/v1/organizations/{branch.pk}/").json()
    general, community = district["a_general"], district["a1"]
    assert set(body["parent"]) == {"id", "url", "code", "name"}
    assert body["parent"]["id"] == general.pk
    assert body["parent"]["code"] == general.code and body["parent"]["name"] == general.name
    assert urlsplit(body["parent"]["url"]).path == f"/api/v1/organizations/{general.pk}/"
    assert body["region"] == {
        "id": community.pk,
        "url": body["region"]["url"],
        "code": community.code,
        "name": community.name,
    }
    assert urlsplit(body["region"]["url"]).path == f"/api/v1/regions/{community.pk}/"

    position = api.get("/api/v1/positions/", {"organization": branch.pk}).json()["results"][0]
    assert position["organization"]["id"] == branch.pk
    assert position["organization"]["code"] == branch.code
    assert urlsplit(position["organization"]["url"]).path == f"/api/v1/organizations/{branch.pk}/"

    root = api.get(f"/api/v1/organizations/{district['root'].pk}/").json()
    assert root["parent"] is None


@pytest.mark.parametrize(
    "parent",
    ["id", "code", "object_id", "object_code"],
)
def test_relations_accept_an_id_a_natural_key_or_an_object(api, district, parent):
    general, community = district["a_general"], district["a1"]
    value = {
        "id": general.pk,
        "code": general.code,
        "object_id": {"id": general.pk},
        "object_code": {"code": general.code},
    }[parent]
    region = {
        "id": community.pk,
        "code": community.code,
        "object_id": {"id": community.pk},
        "object_code": {"code": community.code},
    }[parent]
    response = api.post(
        "/api/v1/organizations/", new_org(parent=value, region=region), format="json"
    )
    assert response.status_code == 201, response.json()
    created = Organization.objects.get(code="S003C001B02")
    assert created.parent == general and created.region == community
    assert created.path == "/D310104/S003/S003C001/S003C001B02/"
    assert response.json()["parent"]["code"] == general.code


def test_position_written_with_the_organization_code(api, district):
    response = api.post(
        "/api/v1/positions/",
        {
            "organization": "S003C001B01",
            "title": "deputy_secretary",
            "holder_name": "王副书记",
            "started_on": "2024-03-01",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["organization"]["id"] == district["a_branch"].pk
    assert urlsplit(response.json()["url"]).path == f"/api/v1/positions/{response.json()['id']}/"


@pytest.mark.parametrize(
    "value",
    ["NO-SUCH-ORG", 999999999, {"code": "NO-SUCH-ORG"}, {"id": 999999999}],
)
def test_unknown_relation_is_a_chinese_error_on_the_field(api, district, value):
    response = api.post("/api/v1/organizations/", new_org(parent=value), format="json")
    assert response.status_code == 400
    errors = response.json()
    assert list(errors) == ["parent"]
    assert is_chinese_error_list(errors["parent"])
    assert "不存在" in errors["parent"][0]
    key = value if not isinstance(value, dict) else next(iter(value.values()))
    assert f"“{key}”" in errors["parent"][0]


@pytest.mark.parametrize("value", [True, [1], 1.5, {"name": "x"}])
def test_relation_of_the_wrong_type_is_a_chinese_error(api, district, value):
    response = api.post("/api/v1/organizations/", new_org(region=value), format="json")
    assert response.status_code == 400
    assert is_chinese_error_list(response.json()["region"])


def test_relation_out_of_scope_answers_like_a_missing_one(users, api_for, district):
    api = api_for(users["operator_a"])
    response = api.post(
        "/api/v1/organizations/",
        new_org(parent="S004C001", region="310104004001", code="S004C001B09"),
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()
    assert "不存在或不在您的管辖范围内" in errors["parent"][0]
    assert "不存在或不在您的管辖范围内" in errors["region"][0]
    missing = api.post("/api/v1/organizations/", new_org(parent="NOPE"), format="json")
    assert missing.json()["parent"][0].replace("NOPE", "S004C001") == errors["parent"][0]
    assert not Organization.objects.filter(code="S004C001B09").exists()


# --- validation errors ---------------------------------------------------------------


def test_group_under_a_general_branch_is_a_parent_error(api, district):
    response = api.post(
        "/api/v1/organizations/",
        new_org(code="S003C001G9", name="错误的党小组", kind="group"),
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()
    assert list(errors) == ["parent"]
    assert is_chinese_error_list(errors["parent"])
    assert "党小组只能设在党支部" in errors["parent"][0]
    assert not Organization.objects.filter(code="S003C001G9").exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("founded_on", "2024/13/01"),
        ("founded_on", "2024-02-30"),
        ("term_end", "明年"),
        ("kind", "cell"),
        ("sector", ""),
        ("term_number", "第三届"),
        ("code", "含 空格"),
        ("code", "S003"),  # already taken
        ("name", ""),
    ],
)
def test_bad_values_are_chinese_errors_under_the_api_field_name(api, district, field, value):
    response = api.post("/api/v1/organizations/", new_org(**{field: value}), format="json")
    assert response.status_code == 400, response.json()
    errors = response.json()
    assert list(errors) == [field], errors
    assert is_chinese_error_list(errors[field]), errors


def test_missing_required_fields_are_each_reported(api, district):
    response = api.post("/api/v1/organizations/", {"name": "只有名称"}, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"code", "kind", "sector", "region"}
    for messages in errors.values():
        assert is_chinese_error_list(messages)


def test_cross_field_rule_is_keyed_by_the_field(api, district):
    response = api.post(
        "/api/v1/organizations/",
        new_org(founded_on="2020-01-01", dissolved_on="2019-01-01"),
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["dissolved_on"]
    assert "撤销日期不能早于成立日期" in response.json()["dissolved_on"][0]

    position = api.post(
        "/api/v1/positions/",
        {
            "organization": "S003C001B01",
            "title": "secretary",
            "holder_name": "张三",
            "started_on": "2024-03-01",
            "ended_on": "2024-01-01",
        },
        format="json",
    )
    assert position.status_code == 400
    assert list(position.json()) == ["ended_on"]
    assert is_chinese_error_list(position.json()["ended_on"])


def test_region_rules_are_chinese_errors(api, district):
    response = api.post(
        "/api/v1/regions/",
        {"code": "310105001", "name": "错误街道", "level": "street", "parent": "310104"},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["code"]
    assert is_chinese_error_list(response.json()["code"])
    response = api.post(
        "/api/v1/regions/",
        {"code": "310104009", "name": "错误层级", "level": "city", "parent": {"code": "310104"}},
        format="json",
    )
    assert list(response.json()) == ["level"]
    assert is_chinese_error_list(response.json()["level"])


def test_malformed_json_is_a_chinese_error(api, district):
    response = api.post("/api/v1/organizations/", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert CHINESE.search(response.json()["detail"])


def test_read_only_fields_are_ignored_on_write(api, district):
    response = api.post(
        "/api/v1/organizations/",
        new_org(path="/HACK/", depth=0, id=123456),
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["path"] == "/D310104/S003/S003C001/S003C001B02/"
    assert body["depth"] == 3 and body["id"] != 123456


# --- upsert by natural key -----------------------------------------------------------


def test_upsert_single_creates_then_updates(api, district):
    url = "/api/v1/organizations/upsert/"
    created = api.post(url, new_org(), format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["name"] == "上海新村居民区第二党支部"
    again = api.post(url, new_org(name="上海新村居民区第二党支部（更名）"), format="json")
    assert again.status_code == 200, again.json()
    assert again.json()["id"] == created.json()["id"]
    assert Organization.objects.filter(code="S003C001B02").count() == 1
    assert Organization.objects.get(code="S003C001B02").name.endswith("（更名）")


def test_upsert_single_invalid_answers_field_errors(api, district):
    response = api.post(
        "/api/v1/organizations/upsert/", new_org(founded_on="20240101x"), format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["founded_on"]
    assert is_chinese_error_list(response.json()["founded_on"])
    missing_key = api.post("/api/v1/organizations/upsert/", {"name": "无编码"}, format="json")
    assert missing_key.status_code == 400
    assert is_chinese_error_list(missing_key.json()["code"])


def test_upsert_list_writes_all(api, district):
    items = [
        new_org(),
        # A child of the row created just before it in the same list.
        new_org(
            code="S003C001B02G1", name="第二党支部第一党小组", kind="group", parent="S003C001B02"
        ),
        # An existing row, updated.
        new_org(code="S003C001B01", name="上海新村居民区第一党支部（改）", parent="S003C001"),
    ]
    response = api.post("/api/v1/organizations/upsert/", items, format="json")
    assert response.status_code == 200, response.json()
    assert [o["code"] for o in response.json()] == ["S003C001B02", "S003C001B02G1", "S003C001B01"]
    group = Organization.objects.get(code="S003C001B02G1")
    assert group.path == "/D310104/S003/S003C001/S003C001B02/S003C001B02G1/"
    assert district["a_branch"].__class__.objects.get(code="S003C001B01").name.endswith("（改）")


def test_upsert_list_is_all_or_nothing(api, district):
    before = Organization.objects.count()
    old_name = district["a_branch"].name
    items = [
        new_org(),
        new_org(code="S003C001B01", name="不应写入的更名", parent="S003C001"),
        new_org(code="S003C001B03", kind="group"),  # a 党小组 under a 党总支: invalid
        new_org(code="S003C001B04", founded_on="2024-99-99"),  # invalid too
        new_org(code="S003C001B05"),
    ]
    response = api.post("/api/v1/organizations/upsert/", items, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"2", "3"}
    assert list(errors["2"]) == ["parent"] and is_chinese_error_list(errors["2"]["parent"])
    assert list(errors["3"]) == ["founded_on"]
    assert is_chinese_error_list(errors["3"]["founded_on"])
    assert Organization.objects.count() == before
    assert Organization.objects.get(code="S003C001B01").name == old_name
    assert not Organization.objects.filter(code__in=["S003C001B02", "S003C001B05"]).exists()


def test_upsert_list_item_without_a_key_is_reported_by_index(api, district):
    response = api.post(
        "/api/v1/organizations/upsert/", [new_org(), {"name": "无编码"}, "不是对象"], format="json"
    )
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"1", "2"}
    assert is_chinese_error_list(errors["1"]["code"])
    assert is_chinese_error_list(errors["2"]["code"])
    assert not Organization.objects.filter(code="S003C001B02").exists()


def test_upsert_regions_by_code(api, district):
    url = "/api/v1/regions/upsert/"
    item = {"code": "310104003002", "name": "新居委会", "level": "community", "parent": "310104003"}
    assert api.post(url, item, format="json").status_code == 201
    item["name"] = "新居委会（更名）"
    response = api.post(url, item, format="json")
    assert response.status_code == 200
    assert Region.objects.get(code="310104003002").name == "新居委会（更名）"


def test_no_upsert_without_a_natural_key(api, district):
    """Positions have no natural key: no upsert route (the path is a detail URL, POST 405)."""
    before = LeadershipPosition.objects.count()
    response = api.post("/api/v1/positions/upsert/", {"holder_name": "张三"}, format="json")
    assert response.status_code == 405
    assert CHINESE.search(response.json()["detail"])
    assert LeadershipPosition.objects.count() == before


def test_upsert_out_of_scope_row_is_not_found_for_update_and_not_created(users, api_for, district):
    """An operator of street A cannot upsert street B's row: it is not theirs to find, and
    creating it again under the same code is refused."""
    api = api_for(users["operator_a"])
    name = district["b_branch"].name
    response = api.post(
        "/api/v1/organizations/upsert/",
        new_org(code="S004C001B01", name="越权修改", parent="S003C001"),
        format="json",
    )
    assert response.status_code == 400
    assert "code" in response.json()
    assert Organization.objects.get(code="S004C001B01").name == name


# --- moving and deleting -------------------------------------------------------------


def test_patch_parent_moves_the_subtree(api, district):
    branch, group = district["a_branch"], district["a_group"]
    response = api.patch(f"/api/v1/organizations/{branch.pk}/", {"parent": "S003"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["parent"]["code"] == "S003"
    assert response.json()["path"] == "/D310104/S003/S003C001B01/"
    assert response.json()["depth"] == 2
    group.refresh_from_db()
    assert group.path == "/D310104/S003/S003C001B01/S003C001B01G1/"
    assert group.depth == 3
    moved = codes_of(api, "/api/v1/organizations/", {"within_code": "S003C001"})
    assert moved == ["S003C001"]
    detail = api.get(f"/api/v1/organizations/{group.pk}/").json()
    assert detail["path"] == group.path


def test_patch_parent_into_its_own_subtree_is_refused(api, district):
    general = district["a_general"]
    response = api.patch(
        f"/api/v1/organizations/{general.pk}/", {"parent": {"code": "S003C001B01"}}, format="json"
    )
    assert response.status_code == 400
    assert is_chinese_error_list(response.json()["parent"])
    general.refresh_from_db()
    assert general.parent == district["a_top"]


def test_put_replaces_and_validates(api, district):
    branch = district["a_branch"]
    body = api.get(f"/api/v1/organizations/{branch.pk}/").json()
    body.update(term_number=3, term_started_on="2024-01-01", term_end="2023-12-31")
    response = api.put(f"/api/v1/organizations/{branch.pk}/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["term_end"]
    body["term_end"] = "2029-01-01"
    response = api.put(f"/api/v1/organizations/{branch.pk}/", body, format="json")
    assert response.status_code == 200, response.json()
    branch.refresh_from_db()
    assert branch.term_end == date(2029, 1, 1)


def test_delete_with_children_is_refused_in_chinese(api, district):
    general = district["a_general"]
    response = api.delete(f"/api/v1/organizations/{general.pk}/")
    assert response.status_code == 400
    errors = response.json()
    assert list(errors) == ["non_field_errors"]
    assert is_chinese_error_list(errors["non_field_errors"])
    assert Organization.objects.filter(pk=general.pk).exists()

    region = api.delete(f"/api/v1/regions/{district['a'].pk}/")
    assert region.status_code == 400
    assert is_chinese_error_list(region.json()["non_field_errors"])


def test_delete_leaf(api, district):
    group = district["a_group"]
    assert api.delete(f"/api/v1/organizations/{group.pk}/").status_code == 204
    assert not Organization.objects.filter(pk=group.pk).exists()
    assert api.get(f"/api/v1/organizations/{group.pk}/").status_code == 404


# --- authentication ------------------------------------------------------------------


def test_anonymous_and_bad_tokens_are_refused_in_chinese(client, district):
    response = client.get("/api/v1/organizations/")
    assert response.status_code in (401, 403)
    assert CHINESE.search(response.json()["detail"])
    response = client.get("/api/v1/organizations/", HTTP_AUTHORIZATION="Token nope")
    assert response.status_code in (401, 403)
    assert CHINESE.search(response.json()["detail"])


# --- OpenAPI schema and docs ---------------------------------------------------------


def test_schema_is_openapi_3_with_every_resource(client_for, users, district):
    client = client_for(users["admin"])
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "区域党建信息平台 API"
    paths = schema["paths"]
    for resource in RESOURCES:
        assert f"/api/v1/{resource}/" in paths
        assert f"/api/v1/{resource}/{{id}}/" in paths
        assert set(paths[f"/api/v1/{resource}/"]) >= {"get", "post"}
        assert set(paths[f"/api/v1/{resource}/{{id}}/"]) >= {"get", "put", "patch", "delete"}
    assert "/api/v1/organizations/upsert/" in paths
    assert "/api/v1/regions/upsert/" in paths
    assert "/api/v1/positions/upsert/" not in paths
    params = {p["name"] for p in paths["/api/v1/organizations/"]["get"]["parameters"]}
    assert {"limit", "offset", "updated_after", "within", "within_code", "region_within"} <= params
    assert (
        "application/json" in paths["/api/v1/organizations/"]["get"]["responses"]["200"]["content"]
    )

    as_json = client.get("/api/schema/?format=json")
    assert as_json.status_code == 200
    assert as_json.json()["paths"].keys() == paths.keys()
    # Every $ref points at a component that exists.
    components = schema["components"]["schemas"]
    refs = set(re.findall(r"#/components/schemas/([\w.-]+)", as_json.content.decode()))
    assert refs and refs <= set(components)


class _AssetParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.assets = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.assets.append(attrs["src"])
        if tag == "link" and attrs.get("href"):
            self.assets.append(attrs["href"])


def test_swagger_ui_is_served_from_local_static_files(client_for, users, district):
    client = client_for(users["admin"])
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    parser = _AssetParser()
    parser.feed(html)
    assert any("swagger-ui" in src for src in parser.assets), parser.assets
    for src in parser.assets:
        assert not re.match(r"^(https?:)?//", src), f"CDN asset in /api/docs/: {src}"
        asset = client.get(src)
        assert asset.status_code == 200, src
    assert not re.search(r"https?://(cdn|unpkg|cdnjs|fonts)\.", html)
