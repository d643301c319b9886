"""Row scoping on reads (DESIGN.md 5): a street operator of street A, A's integration token
and a community worker of A's community see exactly their rows and nothing of street B.

Real HTTP through Django's test client (UI) and DRF's APIClient (API) on PostgreSQL, for
Region, Organization and LeadershipPosition. The ``district`` fixture (tests/conftest.py)
builds street A = 天平路街道 (310104003) and street B = 湖南路街道 (310104004), each with a
community, an organisation chain S00x > S00xC001 > S00xC001B01 > S00xC001B01G1 and one
secretary's position on the branch.

Writes are in test_scoping_writes.py, Django admin in test_scoping_admin.py.
"""

import csv
import io
import json

import openpyxl
import pytest
from rest_framework.test import APIClient

from organizations.models import LeadershipPosition, Organization
from portal.models import Region

# --- who should see what -------------------------------------------------------------

REGIONS_ALL = {"310104", "310104003", "310104004", "310104003001", "310104004001"}
REGIONS_A = {"310104003", "310104003001"}
REGIONS_A1 = {"310104003001"}

ORGS_A = {"S003", "S003C001", "S003C001B01", "S003C001B01G1"}
ORGS_B = {"S004", "S004C001", "S004C001B01", "S004C001B01G1"}
ORGS_ALL = {"D310104", *ORGS_A, *ORGS_B}
ORGS_A1 = ORGS_A - {"S003"}  # the street's working committee sits at street level

POSITIONS_A = {"A书记"}
POSITIONS_ALL = {"A书记", "B书记"}

#: Strings that only street B's rows carry: none may reach a street-A reader.
B_MARKERS = ("湖南路", "武康", "S004", "310104004", "B书记")

EXPECTED = {
    # user key: (regions, organisations, positions)
    "operator_a": (REGIONS_A, ORGS_A, POSITIONS_A),
    "sync_a": (REGIONS_A, ORGS_A, POSITIONS_A),
    "worker_a": (REGIONS_A1, ORGS_A1, POSITIONS_A),
    "admin": (REGIONS_ALL, ORGS_ALL, POSITIONS_ALL),
    "auditor": (REGIONS_ALL, ORGS_ALL, POSITIONS_ALL),
}

#: model key -> (UI list URL, API list URL, natural key, export column of that key, index
#: into EXPECTED's tuples)
MODELS = {
    "region": ("/regions/", "/api/v1/regions/", "code", 0, 0),
    "organization": ("/organizations/", "/api/v1/organizations/", "code", 0, 1),
    "position": ("/organizations/positions/", "/api/v1/positions/", "holder_name", 2, 2),
}


def expected_rows(user_key, model_key):
    return EXPECTED[user_key][MODELS[model_key][4]]


def objects_of(district, street):
    """(model key, object) of every row of ``street`` ("a" or "b")."""
    return [
        ("region", district[street]),
        ("region", district[f"{street}1"]),
        ("organization", district[f"{street}_top"]),
        ("organization", district[f"{street}_general"]),
        ("organization", district[f"{street}_branch"]),
        ("organization", district[f"{street}_group"]),
        ("position", LeadershipPosition.objects.get(holder_name=f"{street.upper()}书记")),
    ]


def table_state():
    """Every row of the three models, to prove a refused request changed nothing."""
    return (
        sorted(Region.objects.values_list("id", "code", "name", "parent_id", "path")),
        sorted(
            Organization.objects.values_list("id", "code", "name", "parent_id", "region_id", "path")
        ),
        sorted(
            LeadershipPosition.objects.values_list("id", "organization_id", "holder_name", "title")
        ),
    )


# --- helpers that read what a response shows --------------------------------------------


def ui_list_keys(client, url, key, **params):
    """The natural keys of every row a UI list shows (one page of up to 200 rows)."""
    response = client.get(url, {"per_page": 200, **params})
    assert response.status_code == 200, (url, response.status_code)
    page = response.context["page"]
    keys = [getattr(obj, key) for obj in page.object_list]
    assert page.paginator.count == len(keys)
    assert len(keys) == len(set(keys))
    return set(keys), response.content.decode()


def api_list_keys(api, url, key, **params):
    response = api.get(url, {"limit": 1000, **params})
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    body = response.json()
    keys = [row[key] for row in body["results"]]
    if "count" in body:
        assert body["count"] == len(keys)
    assert len(keys) == len(set(keys))
    return set(keys), response.content.decode()


def csv_rows(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def xlsx_rows(response):
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    data = b"".join(response.streaming_content)
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    rows = [
        ["" if c is None else str(c) for c in row]
        for row in workbook.active.iter_rows(values_only=True)
    ]
    workbook.close()
    return rows


def no_b_marker(text):
    found = [marker for marker in B_MARKERS if marker in text]
    assert found == [], f"street B leaked: {found}"


@pytest.fixture
def session_api():
    """``session_api(user)``: an APIClient signed in with a browser session, not a token."""

    def make(user):
        api = APIClient()
        api.force_login(user)
        return api

    return make


# --- UI lists, search, exports ----------------------------------------------------------


@pytest.mark.parametrize("model_key", MODELS)
@pytest.mark.parametrize("user_key", ["operator_a", "worker_a", "admin", "auditor"])
def test_ui_list_shows_exactly_the_rows_in_scope(client_for, users, model_key, user_key):
    url, _api, key, *_rest = MODELS[model_key]
    keys, html = ui_list_keys(client_for(users[user_key]), url, key)
    assert keys == expected_rows(user_key, model_key)
    if user_key in ("operator_a", "worker_a"):
        no_b_marker(html)


@pytest.mark.parametrize("model_key", MODELS)
def test_ui_list_htmx_partial_is_scoped_too(client_for, users, model_key):
    url, _api, key, *_rest = MODELS[model_key]
    response = client_for(users["operator_a"]).get(
        url, {"per_page": 200}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="object-table"
    )
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "portal/includes/object_table.html"
    assert {getattr(o, key) for o in response.context["page"].object_list} == expected_rows(
        "operator_a", model_key
    )
    no_b_marker(response.content.decode())


@pytest.mark.parametrize(
    ("model_key", "term", "expected"),
    [
        ("organization", "湖南路", set()),
        ("organization", "S004", set()),
        ("organization", "武康", set()),
        ("organization", "S00", ORGS_A),
        ("organization", "党支部", {"S003C001B01"}),
        ("organization", "居民区", ORGS_A1),
        ("region", "湖南路", set()),
        ("region", "310104004", set()),
        ("region", "3101040", REGIONS_A),
        ("region", "居委会", REGIONS_A1),
        ("position", "B书记", set()),
        ("position", "武康", set()),
        ("position", "书记", POSITIONS_A),
    ],
)
def test_search_finds_only_rows_in_scope(
    client_for, api_for, session_api, users, model_key, term, expected
):
    url, api_url, key, *_rest = MODELS[model_key]
    operator = users["operator_a"]
    assert ui_list_keys(client_for(operator), url, key, q=term)[0] == expected
    for api in (api_for(operator), session_api(operator), api_for(users["sync_a"])):
        assert api_list_keys(api, api_url, key, q=term)[0] == expected
    # The district admin finds B's rows with the same words: the data is there.
    admin_keys = ui_list_keys(client_for(users["admin"]), url, key, q=term)[0]
    assert admin_keys >= expected
    if not expected:
        assert admin_keys, f"{term!r} should match some of street B's rows for the admin"


@pytest.mark.parametrize(
    ("model_key", "params", "expected"),
    [
        ("organization", {"within_code": "S004"}, set()),
        ("organization", {"within_code": "D310104"}, ORGS_A),  # the district: A's part only
        ("organization", {"region_within": "310104004"}, set()),
        ("organization", {"region_within": "310104"}, ORGS_A),
        ("organization", {"kind": "working_committee"}, {"S003"}),
        ("region", {"within_code": "310104004"}, set()),
        ("region", {"within_code": "310104"}, REGIONS_A),
        ("region", {"level": "street"}, {"310104003"}),
        ("position", {"current": "true"}, POSITIONS_A),
        ("position", {"title": "secretary"}, POSITIONS_A),
    ],
)
def test_filters_never_reach_outside_the_scope(
    client_for, api_for, users, model_key, params, expected
):
    url, api_url, key, *_rest = MODELS[model_key]
    operator = users["operator_a"]
    assert ui_list_keys(client_for(operator), url, key, **params)[0] == expected
    assert api_list_keys(api_for(operator), api_url, key, **params)[0] == expected


def test_filters_by_b_ids_find_nothing(client_for, api_for, users, district):
    operator = users["operator_a"]
    b_top, b_branch = district["b_top"], district["b_branch"]
    cases = [
        ("/organizations/", "/api/v1/organizations/", "code", {"parent": b_top.pk}),
        ("/organizations/", "/api/v1/organizations/", "code", {"within": b_top.pk}),
        ("/regions/", "/api/v1/regions/", "code", {"parent": district["b"].pk}),
        (
            "/organizations/positions/",
            "/api/v1/positions/",
            "holder_name",
            {"organization": b_branch.pk},
        ),
        (
            "/organizations/positions/",
            "/api/v1/positions/",
            "holder_name",
            {"organization_within": b_top.pk},
        ),
    ]
    for url, api_url, key, params in cases:
        assert ui_list_keys(client_for(operator), url, key, **params)[0] == set(), params
        assert api_list_keys(api_for(operator), api_url, key, **params)[0] == set(), params
        # ... while the admin does find rows with the very same filter.
        assert api_list_keys(api_for(users["admin"]), api_url, key, **params)[0], params


@pytest.mark.parametrize("model_key", MODELS)
@pytest.mark.parametrize("user_key", ["operator_a", "worker_a", "admin"])
def test_csv_and_xlsx_exports_hold_exactly_the_rows_in_scope(
    client_for, users, model_key, user_key
):
    url, _api, _key, column, *_rest = MODELS[model_key]
    client = client_for(users[user_key])
    expected = expected_rows(user_key, model_key)
    for rows in (
        csv_rows(client.get(url, {"export": "csv"})),
        xlsx_rows(client.get(url, {"export": "xlsx"})),
    ):
        header, body = rows[0], rows[1:]
        assert len(header) >= 3
        assert len(body) == len(expected)
        assert {row[column] for row in body} == expected
        if user_key != "admin":
            no_b_marker(json.dumps(rows, ensure_ascii=False))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_of_a_search_for_b_is_empty(client_for, users, fmt):
    client = client_for(users["operator_a"])
    response = client.get("/organizations/", {"q": "湖南路", "export": fmt})
    rows = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
    assert len(rows) == 1  # the header only
    assert rows[0][0] == "组织编码"
    # The same export for the district admin holds B's working committee.
    admin = client_for(users["admin"])
    response = admin.get("/organizations/", {"q": "湖南路", "export": fmt})
    rows = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
    assert [row[0] for row in rows[1:]] == ["S004"]


# --- API lists --------------------------------------------------------------------------


@pytest.mark.parametrize("model_key", MODELS)
@pytest.mark.parametrize("user_key", ["operator_a", "sync_a", "worker_a", "admin", "auditor"])
def test_api_list_shows_exactly_the_rows_in_scope(api_for, users, model_key, user_key):
    _url, api_url, key, *_rest = MODELS[model_key]
    api = api_for(users[user_key])
    expected = expected_rows(user_key, model_key)
    keys, text = api_list_keys(api, api_url, key)
    assert keys == expected
    # Sync mode (keyset pagination) and updated_after answer the same rows.
    assert api_list_keys(api, api_url, key, sync=1)[0] == expected
    assert api_list_keys(api, api_url, key, updated_after="2000-01-01T00:00:00Z")[0] == expected
    if user_key in ("operator_a", "sync_a", "worker_a"):
        # B's rows appear nowhere, not even as a nested relation.
        decoded = json.dumps(json.loads(text), ensure_ascii=False)
        no_b_marker(decoded)


def test_api_list_via_session_is_scoped(session_api, users):
    api = session_api(users["operator_a"])
    assert api_list_keys(api, "/api/v1/organizations/", "code")[0] == ORGS_A
    assert api_list_keys(api, "/api/v1/regions/", "code")[0] == REGIONS_A
    assert api_list_keys(api, "/api/v1/positions/", "holder_name")[0] == POSITIONS_A


# --- autocomplete -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "term", "expected"),
    [
        ("organizations.organization", "", ORGS_A),
        ("organizations.organization", "S00", ORGS_A),
        ("organizations.organization", "S004", set()),
        ("organizations.organization", "湖南路", set()),
        ("organizations.organization", "武康", set()),
        ("organizations.organization", "党", ORGS_A),
        ("organizations.organization", "徐汇区委", set()),
        ("portal.region", "", REGIONS_A),
        ("portal.region", "310104", REGIONS_A),
        ("portal.region", "湖南路", set()),
        ("portal.region", "徐汇", set()),
    ],
)
def test_autocomplete_offers_only_rows_in_scope(client_for, users, label, term, expected):
    response = client_for(users["operator_a"]).get(f"/autocomplete/{label}/", {"q": term})
    assert response.status_code == 200
    results = response.json()["results"]
    assert {row["code"] for row in results} == expected
    no_b_marker(json.dumps(results, ensure_ascii=False))


def test_autocomplete_for_positions_and_worker(client_for, users, district):
    client = client_for(users["operator_a"])
    response = client.get("/autocomplete/organizations.leadershipposition/", {"q": ""})
    assert response.status_code == 200
    a_position = LeadershipPosition.objects.get(holder_name="A书记")
    assert [row["id"] for row in response.json()["results"]] == [a_position.pk]

    client = client_for(users["worker_a"])
    response = client.get("/autocomplete/organizations.organization/", {"q": ""})
    assert {row["code"] for row in response.json()["results"]} == ORGS_A1
    response = client.get("/autocomplete/portal.region/", {"q": "3101"})
    assert {row["code"] for row in response.json()["results"]} == REGIONS_A1

    # The district admin's autocomplete does offer B: the empty answers above are scoping.
    client = client_for(users["admin"])
    response = client.get("/autocomplete/organizations.organization/", {"q": "湖南路"})
    assert {row["code"] for row in response.json()["results"]} == {"S004"}


# --- detail, history, edit and delete pages of B's rows: 404 ----------------------------

MISSING_PK = 987654321


def ui_urls(model_key, pk):
    base = MODELS[model_key][0]
    urls = {
        "detail": f"{base}{pk}/",
        "history": f"{base}{pk}/history/",
        "edit": f"{base}{pk}/edit/",
        "delete": f"{base}{pk}/delete/",
    }
    if model_key == "organization":
        urls["tree"] = f"/organizations/tree/{pk}/"
    return urls


def expected_ui_status(user_key, model_key, page, in_scope):
    """What a page answers: 403 when the roles lack the action (whatever the row), else 200
    in scope and 404 out of scope (a row out of scope looks exactly like a missing one)."""
    view_only = user_key in ("worker_a", "auditor")
    if page in ("edit", "delete") and view_only:
        return 403
    if model_key == "region" and page == "delete":
        return 403  # street operators may not delete regions at all
    return 200 if in_scope else 404


@pytest.mark.parametrize("user_key", ["operator_a", "worker_a"])
def test_ui_pages_of_rows_out_of_scope_are_404(client_for, users, district, user_key):
    client = client_for(users[user_key])
    before = table_state()
    out_of_scope = objects_of(district, "b")
    in_scope = objects_of(district, "a")
    if user_key == "worker_a":
        # A community worker's scope is the community: the street's own rows are out too.
        out_of_scope += [("region", district["a"]), ("organization", district["a_top"])]
        in_scope = [(m, o) for m, o in in_scope if (m, o) not in out_of_scope]
    checked = 0
    for inside, objects in ((True, in_scope), (False, out_of_scope)):
        for model_key, obj in objects:
            for page, url in ui_urls(model_key, obj.pk).items():
                expected = expected_ui_status(user_key, model_key, page, inside)
                assert client.get(url).status_code == expected, (url, obj)
                if page in ("edit", "delete") and not inside:
                    # POSTing the form answers the same, and writes nothing.
                    assert client.post(url, {"name": "改名"}).status_code == expected, url
                checked += 1
    # A row that does not exist answers exactly like B's rows.
    for model_key in MODELS:
        for page, url in ui_urls(model_key, MISSING_PK).items():
            assert client.get(url).status_code == expected_ui_status(
                user_key, model_key, page, False
            )
    assert table_state() == before
    assert checked == sum(len(ui_urls(m, o.pk)) for m, o in in_scope + out_of_scope)


def test_delete_post_for_b_rows_deletes_nothing(client_for, users, district):
    client = client_for(users["operator_a"])
    before = table_state()
    leaf = district["b_group"]
    position = LeadershipPosition.objects.get(holder_name="B书记")
    assert client.post(f"/organizations/{leaf.pk}/delete/").status_code == 404
    assert client.post(f"/organizations/positions/{position.pk}/delete/").status_code == 404
    assert table_state() == before
    # The same request on A's leaf does delete it: the 404 above is scoping, not a broken page.
    a_leaf = district["a_group"]
    response = client.post(f"/organizations/{a_leaf.pk}/delete/")
    assert response.status_code == 302
    assert not Organization.objects.filter(pk=a_leaf.pk).exists()


def api_detail_url(model_key, pk):
    return f"{MODELS[model_key][1]}{pk}/"


def put_body(model_key, obj):
    """A complete, valid body for PUT: what the row holds, with a new name."""
    if model_key == "region":
        return {"code": obj.code, "name": "改名", "level": obj.level, "parent": obj.parent_id}
    if model_key == "organization":
        return {
            "code": obj.code,
            "name": "改名",
            "kind": obj.kind,
            "sector": obj.sector,
            "parent": obj.parent_id,
            "region": obj.region_id,
        }
    return {
        "organization": obj.organization_id,
        "title": obj.title,
        "holder_name": "改名",
        "started_on": obj.started_on.isoformat(),
    }


@pytest.mark.parametrize("auth", ["operator_a token", "operator_a session", "sync_a token"])
def test_api_detail_of_rows_out_of_scope_is_404(api_for, session_api, users, district, auth):
    username, kind = auth.split()
    api = (api_for if kind == "token" else session_api)(users[username])
    before = table_state()
    for model_key, obj in objects_of(district, "b"):
        url = api_detail_url(model_key, obj.pk)
        body = put_body(model_key, obj)
        assert api.get(url).status_code == 404, url
        assert api.put(url, body, format="json").status_code == 404, url
        assert api.patch(url, {"name": "改名"}, format="json").status_code == 404, url
        # Street operators may not delete regions at all: 403 whatever the row (not a hint).
        assert api.delete(url).status_code == (403 if model_key == "region" else 404), url
        missing = api_detail_url(model_key, MISSING_PK)
        assert api.get(missing).status_code == 404
        assert api.delete(missing).status_code == (403 if model_key == "region" else 404)
    assert table_state() == before
    # The same requests on A's rows succeed: the 404s above come from scoping.
    for model_key, obj in objects_of(district, "a"):
        url = api_detail_url(model_key, obj.pk)
        assert api.get(url).status_code == 200, url
        assert api.put(url, put_body(model_key, obj), format="json").status_code == 200, url
    assert api.delete(api_detail_url("organization", district["a_group"].pk)).status_code == 204


def test_api_detail_404_body_does_not_differ_from_a_missing_row(api_for, users, district):
    api = api_for(users["operator_a"])
    b = api.get(api_detail_url("organization", district["b_top"].pk))
    missing = api.get(api_detail_url("organization", MISSING_PK))
    assert (b.status_code, b.json()) == (missing.status_code, missing.json())


def test_worker_api_details(api_for, users, district):
    api = api_for(users["worker_a"])
    for model_key, obj in [
        *objects_of(district, "b"),
        ("region", district["a"]),
        ("organization", district["a_top"]),
    ]:
        assert api.get(api_detail_url(model_key, obj.pk)).status_code == 404, obj
    for model_key, obj in [
        ("region", district["a1"]),
        ("organization", district["a_general"]),
        ("organization", district["a_group"]),
        ("position", LeadershipPosition.objects.get(holder_name="A书记")),
    ]:
        assert api.get(api_detail_url(model_key, obj.pk)).status_code == 200, obj


def test_api_row_of_a_names_no_b_row(api_for, users, district):
    """A's rows show only A's relations (and the district above, their own parent)."""
    api = api_for(users["operator_a"])
    body = api.get(api_detail_url("organization", district["a_top"].pk)).json()
    assert body["parent"]["code"] == "D310104"
    assert body["region"]["code"] == "310104003"
    no_b_marker(json.dumps(body, ensure_ascii=False))


# --- the organisation tree page -------------------------------------------------------


def test_tree_shows_only_a(client_for, users, district):
    client = client_for(users["operator_a"])
    response = client.get("/organizations/tree/")
    assert response.status_code == 200
    assert [n.code for n in response.context["nodes"]] == ["S003"]
    no_b_marker(response.content.decode())
    response = client.get(f"/organizations/tree/{district['a_top'].pk}/")
    assert [n.code for n in response.context["nodes"]] == ["S003C001"]
    assert client.get(f"/organizations/tree/{district['root'].pk}/").status_code == 404


# --- integration accounts: API only ------------------------------------------------------


def test_integration_account_gets_403_on_every_ui_page(client_for, api_for, users, district):
    client = client_for(users["sync_a"])
    a_org = district["a_branch"]
    urls = [
        "/",
        "/regions/",
        f"/regions/{district['a'].pk}/",
        "/organizations/",
        "/organizations/?export=csv",
        "/organizations/?export=xlsx",
        "/organizations/add/",
        "/organizations/import/",
        "/organizations/tree/",
        f"/organizations/{a_org.pk}/",
        f"/organizations/{a_org.pk}/edit/",
        f"/organizations/{a_org.pk}/history/",
        f"/organizations/{district['b_top'].pk}/",
        "/organizations/positions/",
        "/autocomplete/organizations.organization/?q=S",
        "/audit/",
        "/admin/",
        "/admin/organizations/organization/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "接口账号只能通过 API 访问" in response.content.decode(), url
    before = table_state()
    response = client.post(f"/organizations/{a_org.pk}/edit/", {"name": "改名"})
    assert response.status_code == 403
    assert table_state() == before
    # The same account's token works on the API, scoped to A.
    assert api_list_keys(api_for(users["sync_a"]), "/api/v1/organizations/", "code")[0] == ORGS_A
