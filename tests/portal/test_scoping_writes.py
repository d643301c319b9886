"""Row scoping on writes (DESIGN.md 5): street A's operator and A's integration token can
neither create an organisation in street B nor move one there, through the UI form, the
API (POST, PUT, PATCH of ``parent``, ``upsert``) or an import; the database is unchanged
afterwards. Read-only roles get 403 on every write; expired and revoked tokens get 401.

The ``district`` fixture (tests/conftest.py): street A = 天平路街道 (310104003) with
community a1 (310104003001) and orgs S003 > S003C001 > S003C001B01 > S003C001B01G1; street
B = 湖南路街道 (310104004) with b1 (310104004001) and S004 > ... likewise; the district
committee D310104 above both streets' working committees.
"""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from organizations.models import LeadershipPosition, Organization
from portal import imports
from portal.accounts.models import ApiToken
from portal.models import ImportJob, Region

OUT_OF_SCOPE = "不存在或不在您的管辖范围内"
INVALID_CHOICE = "选择一个有效的选项"


def org_snapshot():
    """(code, parent_id, region_id, path) of every organisation, plus its name."""
    return sorted(
        Organization.objects.values_list("code", "parent_id", "region_id", "path", "name")
    )


def all_snapshot():
    return (
        org_snapshot(),
        sorted(Region.objects.values_list("code", "parent_id", "path", "name")),
        sorted(
            LeadershipPosition.objects.values_list(
                "id", "organization_id", "title", "holder_name", "started_on"
            )
        ),
    )


@pytest.fixture
def api_clients(api_for, users):
    """Street A's writers over the API: the operator by token and by session, and A's
    integration account by its token."""

    def session(user):
        api = APIClient()
        api.force_login(user)
        return api

    return {
        "operator_a token": api_for(users["operator_a"]),
        "operator_a session": session(users["operator_a"]),
        "sync_a token": api_for(users["sync_a"]),
    }


WRITERS = ["operator_a token", "operator_a session", "sync_a token"]


# --- browser-like form submission ------------------------------------------------------


class _FormReader(HTMLParser):
    """Collects what a browser submits for the first <form method=post> of a page."""

    def __init__(self):
        super().__init__()
        self.data, self._select, self._first_option, self._in_form = {}, None, None, False
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method", "").lower() == "post":
            self._in_form = True
        if not self._in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name and name != "csrfmiddlewaretoken":
            kind = attrs.get("type", "text")
            if kind == "checkbox":
                if "checked" in attrs:
                    self.data[name] = attrs.get("value", "on")
            elif kind not in ("submit", "file"):
                self.data[name] = attrs.get("value") or ""
        elif tag == "select" and name:
            self._select, self._first_option = name, None
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in attrs:
                self.data[self._select] = value
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            self.data.setdefault(self._select, self._first_option or "")
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._in_form = False


def rendered_form(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    reader = _FormReader()
    reader.feed(response.content.decode())
    return reader.data


def org_form(parent, region, code="S003C001B02", kind="branch", name="新建第二党支部"):
    return {
        "code": code,
        "name": name,
        "short_name": "",
        "kind": kind,
        "sector": "community",
        "parent": parent.pk if parent else "",
        "region": region.pk,
        "founded_on": "",
        "dissolved_on": "",
        "term_number": "",
        "term_started_on": "",
        "term_end": "",
        "contact_phone": "",
        "address": "",
        "note": "",
    }


# --- UI forms ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parent_key", "region_key", "bad_fields"),
    [
        ("b_general", "b1", {"parent", "region"}),  # wholly in B
        ("a_general", "b1", {"region"}),  # A's parent, B's community
        ("b_general", "a1", {"parent"}),  # B's parent, A's community
        ("root", "a", {"parent"}),  # the district committee is above A's scope
    ],
)
def test_ui_form_cannot_create_an_org_in_b(
    client_for, users, district, parent_key, region_key, bad_fields
):
    client = client_for(users["operator_a"])
    before = org_snapshot()
    data = org_form(district[parent_key], district[region_key])
    response = client.post("/organizations/add/", data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == bad_fields
    for field in bad_fields:
        assert INVALID_CHOICE in errors[field][0]
    assert org_snapshot() == before
    # The same form with A's rows in those fields is accepted: the refusal was the scope.
    response = client.post("/organizations/add/", org_form(district["a_general"], district["a1"]))
    assert response.status_code == 302
    created = Organization.objects.get(code="S003C001B02")
    assert (created.parent, created.region, created.path) == (
        district["a_general"],
        district["a1"],
        "/D310104/S003/S003C001/S003C001B02/",
    )
    assert org_snapshot() == sorted(
        [
            *before,
            ("S003C001B02", created.parent_id, created.region_id, created.path, "新建第二党支部"),
        ]
    )


@pytest.mark.parametrize(
    ("org_key", "changes", "bad_fields"),
    [
        ("a_general", {"parent": "b_top"}, {"parent"}),
        ("a_branch", {"parent": "b_general", "region": "b1"}, {"parent", "region"}),
        ("a_top", {"parent": "b_top"}, {"parent"}),
        ("a_general", {"region": "b1"}, {"region"}),
        ("a_general", {"parent": "root"}, {"parent"}),  # not its parent now: out of scope
    ],
)
def test_ui_form_cannot_move_an_org_into_b(
    client_for, users, district, org_key, changes, bad_fields
):
    client = client_for(users["operator_a"])
    org = district[org_key]
    url = f"/organizations/{org.pk}/edit/"
    data = rendered_form(client, url)
    assert data["code"] == org.code
    before = org_snapshot()
    data.update({field: district[key].pk for field, key in changes.items()})
    response = client.post(url, data)
    assert response.status_code == 400
    assert set(response.context["form"].errors) == bad_fields
    assert org_snapshot() == before
    # Subtree of A untouched, B's subtree gained nothing.
    assert set(
        Organization.objects.filter(path__startswith="/D310104/S004/").values_list(
            "code", flat=True
        )
    ) == {"S004", "S004C001", "S004C001B01", "S004C001B01G1"}


def test_ui_form_cannot_attach_a_position_or_region_to_b(client_for, users, district):
    client = client_for(users["operator_a"])
    before = all_snapshot()
    response = client.post(
        "/organizations/positions/add/",
        {
            "organization": district["b_branch"].pk,
            "title": "deputy_secretary",
            "holder_name": "越权",
            "started_on": "2024-01-01",
        },
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"organization"}
    a_position = LeadershipPosition.objects.get(holder_name="A书记")
    url = f"/organizations/positions/{a_position.pk}/edit/"
    data = rendered_form(client, url)
    data["organization"] = district["b_branch"].pk
    response = client.post(url, data)
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"organization"}

    response = client.post(
        "/regions/add/",
        {
            "code": "310104004002",
            "name": "越权居委会",
            "level": "community",
            "parent": district["b"].pk,
        },
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"parent"}
    url = f"/regions/{district['a1'].pk}/edit/"
    data = rendered_form(client, url)
    data["parent"] = district["b"].pk
    response = client.post(url, data)
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"parent"}
    assert all_snapshot() == before


def test_ui_add_form_offers_only_a_rows(client_for, users, district):
    response = client_for(users["operator_a"]).get("/organizations/add/")
    form = response.context["form"]
    assert {o.code for o in form.fields["parent"].queryset} == {
        "S003",
        "S003C001",
        "S003C001B01",
        "S003C001B01G1",
    }
    assert {r.code for r in form.fields["region"].queryset} == {"310104003", "310104003001"}
    html = response.content.decode()
    assert "湖南路" not in html and "武康" not in html and "中共上海市徐汇区委员会" not in html


def test_saving_a_top_level_row_as_rendered_keeps_its_parent(client_for, users, district):
    """Regression: the parent of A's top rows (the district committee, the district) is out
    of A's scope. The edit form must still offer it as the current choice, so saving the
    page as rendered neither detaches A's tree from the district nor is refused."""
    client = client_for(users["operator_a"])
    before = all_snapshot()
    top = district["a_top"]
    data = rendered_form(client, f"/organizations/{top.pk}/edit/")
    assert data["parent"] == str(district["root"].pk)
    data["contact_phone"] = "021-64000000"
    response = client.post(f"/organizations/{top.pk}/edit/", data)
    assert response.status_code == 302
    top.refresh_from_db()
    assert (top.parent_id, top.path, top.contact_phone) == (
        district["root"].pk,
        "/D310104/S003/",
        "021-64000000",
    )
    assert org_snapshot() == before[0]

    street = district["a"]
    data = rendered_form(client, f"/regions/{street.pk}/edit/")
    assert data["parent"] == str(district["district"].pk)
    data["name"] = "天平路街道（改）"
    response = client.post(f"/regions/{street.pk}/edit/", data)
    assert response.status_code == 302
    street.refresh_from_db()
    assert (street.parent_id, street.path) == (district["district"].pk, "/310104/310104003/")
    # The district admin still sees street A under the district.
    admin_page = client_for(users["admin"]).get("/regions/", {"within_code": "310104"})
    assert admin_page.context["page"].paginator.count == 5


# --- API: POST, PUT, PATCH ----------------------------------------------------------------


def org_body(parent, region, code="S003C001B02", kind="branch"):
    return {
        "code": code,
        "name": "新建第二党支部",
        "kind": kind,
        "sector": "community",
        "parent": parent,
        "region": region,
    }


@pytest.mark.parametrize("writer", WRITERS)
def test_api_post_cannot_create_an_org_in_b(api_clients, district, writer):
    api = api_clients[writer]
    before = org_snapshot()
    b_general, b1, a_general, a1 = (
        district["b_general"],
        district["b1"],
        district["a_general"],
        district["a1"],
    )
    cases = [
        (org_body(b_general.pk, b1.pk), {"parent", "region"}),
        (org_body("S004C001", "310104004001"), {"parent", "region"}),  # natural keys
        (org_body({"id": b_general.pk}, {"code": "310104004001"}), {"parent", "region"}),
        (org_body(a_general.pk, b1.pk), {"region"}),
        (org_body(b_general.pk, a1.pk), {"parent"}),
        (org_body("D310104", "310104003", kind="working_committee"), {"parent"}),
    ]
    for body, bad_fields in cases:
        response = api.post("/api/v1/organizations/", body, format="json")
        assert response.status_code == 400, body
        errors = response.json()
        assert set(errors) == bad_fields, (body, errors)
        for field in bad_fields:
            assert OUT_OF_SCOPE in errors[field][0]
    assert org_snapshot() == before
    # Control: with A's parent and community the same body is created.
    response = api.post("/api/v1/organizations/", org_body(a_general.pk, a1.pk), format="json")
    assert response.status_code == 201
    assert response.json()["path"] == "/D310104/S003/S003C001/S003C001B02/"


@pytest.mark.parametrize("writer", WRITERS)
def test_api_patch_and_put_cannot_move_an_org_into_b(api_clients, district, writer):
    api = api_clients[writer]
    before = org_snapshot()
    general, branch = district["a_general"], district["a_branch"]
    cases = [
        (general, {"parent": district["b_top"].pk}, {"parent"}),
        (general, {"parent": "S004"}, {"parent"}),
        (general, {"parent": {"id": district["b_top"].pk}}, {"parent"}),
        (general, {"region": district["b1"].pk}, {"region"}),
        (branch, {"parent": "S004C001", "region": "310104004001"}, {"parent", "region"}),
        (district["a_top"], {"parent": "S004"}, {"parent"}),
        (general, {"parent": district["root"].pk}, {"parent"}),  # not its parent: refused
    ]
    for org, body, bad_fields in cases:
        url = f"/api/v1/organizations/{org.pk}/"
        response = api.patch(url, body, format="json")
        assert response.status_code == 400, body
        assert set(response.json()) == bad_fields, (body, response.json())
        full = {**org_body(org.parent_id, org.region_id, code=org.code, kind=org.kind), **body}
        full["sector"] = org.sector
        response = api.put(url, full, format="json")
        assert response.status_code == 400, full
        assert set(response.json()) == bad_fields, (full, response.json())
    assert org_snapshot() == before
    # Control: a move inside A is accepted and rewrites the subtree's paths.
    response = api.patch(
        f"/api/v1/organizations/{branch.pk}/", {"parent": district["a_top"].pk}, format="json"
    )
    assert response.status_code == 200
    assert (
        Organization.objects.get(code="S003C001B01G1").path
        == "/D310104/S003/S003C001B01/S003C001B01G1/"
    )


@pytest.mark.parametrize("writer", WRITERS)
def test_api_cannot_attach_positions_or_regions_to_b(api_clients, district, writer):
    api = api_clients[writer]
    before = all_snapshot()
    position = LeadershipPosition.objects.get(holder_name="A书记")
    response = api.post(
        "/api/v1/positions/",
        {
            "organization": district["b_branch"].pk,
            "title": "deputy_secretary",
            "holder_name": "越权",
            "started_on": "2024-01-01",
        },
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"organization"}
    response = api.patch(
        f"/api/v1/positions/{position.pk}/", {"organization": "S004C001B01"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"organization"}
    response = api.post(
        "/api/v1/regions/",
        {"code": "310104004002", "name": "越权居委会", "level": "community", "parent": "310104004"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"parent"}
    response = api.patch(
        f"/api/v1/regions/{district['a1'].pk}/", {"parent": district["b"].pk}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"parent"}
    assert all_snapshot() == before


@pytest.mark.parametrize("writer", WRITERS)
def test_api_put_of_a_top_level_row_keeps_its_parent(api_clients, district, writer):
    """Regression: A's working committee and street A hang under rows above A's scope. A PUT
    that sends back the current parent is accepted (keeping a link is not a move); naming
    any other row out of scope is still refused."""
    api = api_clients[writer]
    top, street = district["a_top"], district["a"]
    body = api.get(f"/api/v1/organizations/{top.pk}/").json()
    assert body["parent"]["code"] == "D310104"
    body = {k: v for k, v in body.items() if k not in ("id", "url", "path", "depth")}
    body.update(parent=body["parent"]["id"], region=body["region"]["id"], name="天平路街道党工委")
    response = api.put(f"/api/v1/organizations/{top.pk}/", body, format="json")
    assert response.status_code == 200, response.json()
    response = api.put(
        f"/api/v1/organizations/{top.pk}/", {**body, "parent": "D310104"}, format="json"
    )
    assert response.status_code == 200, response.json()
    top.refresh_from_db()
    assert (top.parent_id, top.path) == (district["root"].pk, "/D310104/S003/")
    response = api.put(
        f"/api/v1/regions/{street.pk}/",
        {"code": street.code, "name": street.name, "level": "street", "parent": "310104"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    street.refresh_from_db()
    assert street.path == "/310104/310104003/"
    # B's working committee as the new parent is refused.
    response = api.put(
        f"/api/v1/organizations/{top.pk}/", {**body, "parent": "S004"}, format="json"
    )
    assert (response.status_code, set(response.json())) == (400, {"parent"})


# --- API: upsert --------------------------------------------------------------------------


@pytest.mark.parametrize("writer", WRITERS)
def test_api_upsert_cannot_create_update_or_move_into_b(api_clients, district, writer):
    api = api_clients[writer]
    url = "/api/v1/organizations/upsert/"
    before = org_snapshot()
    b_branch_name = district["b_branch"].name

    # A new code under B's parent in B's community.
    response = api.post(url, org_body("S004C001", "310104004001", code="NEW01"), format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"parent", "region"}

    # B's existing code, with A's parent and community: not B's row to change, and the
    # code is taken, so nothing is created either.
    body = org_body("S003C001", "310104003001", code="S004C001B01")
    response = api.post(url, body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"code"}

    # B's existing code, untouched fields and B's own parent: refused as well.
    body = org_body("S004C001", "310104004001", code="S004C001B01")
    response = api.post(url, body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"code", "parent", "region"}

    # A's existing code moved under B.
    body = org_body("S004C001", "310104003001", code="S003C001B01")
    response = api.post(url, body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"parent"}

    # A list with a good row and a bad one: all or nothing.
    good = org_body("S003C001", "310104003001", code="NEW02")
    bad = org_body("S004C001", "310104004001", code="NEW03")
    response = api.post(url, [good, bad], format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"1"}
    assert set(response.json()["1"]) == {"parent", "region"}

    assert org_snapshot() == before
    assert Organization.objects.get(code="S004C001B01").name == b_branch_name

    # Control: the good row alone is created, then updated by the same key.
    response = api.post(url, good, format="json")
    assert response.status_code == 201
    response = api.post(url, {**good, "name": "改名"}, format="json")
    assert response.status_code == 200
    assert Organization.objects.get(code="NEW02").name == "改名"


# --- imports ------------------------------------------------------------------------------

HEADER = "组织编码,组织名称,组织类别,所属领域,上级组织编码,区划代码"


def org_csv(*rows):
    return ("\r\n".join([HEADER, *(",".join(row) for row in rows)]) + "\r\n").encode("utf-8")


@pytest.mark.parametrize(
    ("rows", "expected_errors"),
    [
        # wholly in B
        (
            [("NEW01", "越权党支部", "党支部", "居民区", "S004C001", "310104004001")],
            {(2, "上级组织编码", OUT_OF_SCOPE), (2, "区划代码", OUT_OF_SCOPE)},
        ),
        # A's parent, B's community
        (
            [("NEW01", "越权党支部", "党支部", "居民区", "S003C001", "310104004001")],
            {(2, "区划代码", OUT_OF_SCOPE)},
        ),
        # B's parent, A's community
        (
            [("NEW01", "越权党支部", "党支部", "居民区", "S004C001", "310104003001")],
            {(2, "上级组织编码", OUT_OF_SCOPE)},
        ),
        # B's existing row renamed
        (
            [("S004C001B01", "改名", "党支部", "居民区", "S003C001", "310104003001")],
            {(2, "组织编码", "该编码已被管辖范围外的数据占用")},
        ),
        # A's existing branch moved under B
        (
            [
                (
                    "S003C001B01",
                    "上海新村居民区第一党支部",
                    "党支部",
                    "居民区",
                    "S004C001",
                    "310104003001",
                )
            ],
            {(2, "上级组织编码", OUT_OF_SCOPE)},
        ),
        # a good row and a bad one: nothing is written
        (
            [
                ("NEW02", "新党支部", "党支部", "居民区", "S003C001", "310104003001"),
                ("NEW03", "越权党支部", "党支部", "居民区", "S004C001", "310104004001"),
            ],
            {(3, "上级组织编码", OUT_OF_SCOPE), (3, "区划代码", OUT_OF_SCOPE)},
        ),
        # a new row under a new in-file parent that itself sits in B
        (
            [
                ("NEW04", "越权党总支", "党总支", "居民区", "S004", "310104004001"),
                ("NEW05", "越权党支部", "党支部", "居民区", "NEW04", "310104004001"),
            ],
            {
                (2, "上级组织编码", OUT_OF_SCOPE),
                (2, "区划代码", OUT_OF_SCOPE),
                (3, "区划代码", OUT_OF_SCOPE),
            },
        ),
    ],
)
@pytest.mark.parametrize("user_key", ["operator_a", "sync_a"])
def test_import_cannot_create_or_move_an_org_into_b(
    users, district, rows, expected_errors, user_key
):
    spec = imports.get_spec("organizations.organization")
    before = all_snapshot()
    result = spec.run(org_csv(*rows), "x.csv", users[user_key])
    assert not result.ok
    assert (result.created, result.updated) == (0, 0)
    found = {(e.row, e.column, e.message) for e in result.errors}
    assert {(row, column) for row, column, _m in found} == {
        (row, column) for row, column, _m in expected_errors
    }
    for row, column, text in expected_errors:
        assert any(r == row and c == column and text in m for r, c, m in found), (row, column)
    assert all_snapshot() == before


def test_import_control_a_rows_are_written(users, district):
    spec = imports.get_spec("organizations.organization")
    before = org_snapshot()
    content = org_csv(("NEW02", "新党支部", "党支部", "居民区", "S003C001", "310104003001"))
    result = spec.run(content, "x.csv", users["operator_a"])
    assert result.ok, result.errors
    assert (result.created, result.updated) == (1, 0)
    new = Organization.objects.get(code="NEW02")
    assert org_snapshot() == sorted(
        [*before, ("NEW02", district["a_general"].pk, district["a1"].pk, new.path, "新党支部")]
    )


@pytest.mark.parametrize(
    ("list_url", "label"),
    [("/organizations/", "organizations.organization"), ("/regions/", "portal.region")],
)
def test_a_streets_own_export_re_imports_unchanged(client_for, users, district, list_url, label):
    """Regression: the export names the parent of A's top rows (D310104, 310104), which is
    above A's scope. Re-importing the file keeps those links: nothing changes, no error."""
    client = client_for(users["operator_a"])
    response = client.get(list_url, {"export": "csv"})
    content = b"".join(response.streaming_content)
    assert ("D310104" if label.startswith("organizations") else ",310104,") in content.decode()
    before = all_snapshot()
    result = imports.get_spec(label).run(content, "x.csv", users["operator_a"])
    assert result.errors == []
    expected_rows = 4 if label.startswith("organizations") else 2
    assert (result.total, result.created, result.updated, result.unchanged) == (
        expected_rows,
        0,
        0,
        expected_rows,
    )
    assert all_snapshot() == before


def test_import_may_keep_but_not_choose_a_parent_above_the_scope(users, district):
    spec = imports.get_spec("organizations.organization")
    before = all_snapshot()
    rows = [
        # S003C001 hangs under S003: the district committee is not its parent to keep.
        ("S003C001", "上海新村居民区党总支", "党总支", "居民区", "D310104", "310104003001"),
        # A new row may not pick the district committee either.
        ("NEW06", "新党工委", "党工委", "机关", "D310104", "310104003"),
    ]
    result = spec.run(org_csv(*rows), "x.csv", users["operator_a"])
    assert {(e.row, e.column) for e in result.errors} == {(2, "上级组织编码"), (3, "上级组织编码")}
    assert all(OUT_OF_SCOPE in e.message for e in result.errors)
    assert all_snapshot() == before


def test_import_of_regions_into_b_is_refused(users, district):
    spec = imports.get_spec("portal.region")
    before = all_snapshot()
    content = "区划代码,名称,层级,上级代码\r\n310104004002,越权居委会,居民区/村,310104004\r\n"
    result = spec.run(content.encode("utf-8"), "x.csv", users["operator_a"])
    assert [(e.row, e.column) for e in result.errors] == [(2, "上级代码")]
    assert OUT_OF_SCOPE in result.errors[0].message
    assert all_snapshot() == before


def test_import_upload_through_the_ui_is_refused(
    client_for, users, district, django_capture_on_commit_callbacks
):
    client = client_for(users["operator_a"])
    before = all_snapshot()
    upload = SimpleUploadedFile(
        "x.csv",
        org_csv(("NEW01", "越权党支部", "党支部", "居民区", "S004C001", "310104004001")),
        content_type="text/csv",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/organizations/import/", {"file": upload})
    assert response.status_code == 302
    job = ImportJob.objects.get(user=users["operator_a"])
    assert response["Location"] == f"/imports/{job.pk}/"
    assert job.status == ImportJob.Status.INVALID
    assert (job.created, job.updated) == (0, 0)
    assert {(e["row"], e["column"]) for e in job.errors} == {(2, "上级组织编码"), (2, "区划代码")}
    assert all_snapshot() == before
    # Street B's operator cannot open A's job page.
    assert client_for(users["operator_b"]).get(f"/imports/{job.pk}/").status_code == 404


# --- read-only roles ----------------------------------------------------------------------


def api_write_attempts(district):
    a_position = LeadershipPosition.objects.get(holder_name="A书记")
    org, region = district["a_group"], district["a1"]
    return [
        ("post", "/api/v1/organizations/", org_body("S003C001B01", "310104003001", code="X1")),
        (
            "put",
            f"/api/v1/organizations/{org.pk}/",
            org_body(org.parent_id, org.region_id, org.code, "group"),
        ),
        ("patch", f"/api/v1/organizations/{org.pk}/", {"name": "改名"}),
        ("delete", f"/api/v1/organizations/{org.pk}/", None),
        (
            "post",
            "/api/v1/organizations/upsert/",
            org_body("S003C001B01", "310104003001", code="X1"),
        ),
        ("post", "/api/v1/organizations/upsert/", {"code": org.code, "name": "改名"}),
        (
            "post",
            "/api/v1/regions/",
            {
                "code": "310104003002",
                "name": "新居委会",
                "level": "community",
                "parent": "310104003",
            },
        ),
        ("patch", f"/api/v1/regions/{region.pk}/", {"name": "改名"}),
        ("delete", f"/api/v1/regions/{region.pk}/", None),
        (
            "post",
            "/api/v1/positions/",
            {
                "organization": org.pk,
                "title": "group_leader",
                "holder_name": "甲",
                "started_on": "2024-01-01",
            },
        ),
        ("patch", f"/api/v1/positions/{a_position.pk}/", {"holder_name": "改名"}),
        ("delete", f"/api/v1/positions/{a_position.pk}/", None),
    ]


@pytest.mark.parametrize("user_key", ["auditor", "worker_a"])
def test_read_only_roles_get_403_on_every_api_write(api_for, users, district, user_key):
    api = api_for(users[user_key])
    before = all_snapshot()
    for method, url, body in api_write_attempts(district):
        response = getattr(api, method)(url, body, format="json")
        assert response.status_code == 403, (method, url, response.content[:200])
    assert all_snapshot() == before
    # ... while they read the same rows.
    assert api.get(f"/api/v1/organizations/{district['a_group'].pk}/").status_code == 200


@pytest.mark.parametrize("user_key", ["auditor", "worker_a"])
def test_read_only_roles_get_403_on_ui_write_pages(client_for, users, district, user_key):
    client = client_for(users[user_key])
    org, region = district["a_group"], district["a1"]
    position = LeadershipPosition.objects.get(holder_name="A书记")
    before = all_snapshot()
    urls = [
        "/organizations/add/",
        f"/organizations/{org.pk}/edit/",
        f"/organizations/{org.pk}/delete/",
        "/organizations/import/",
        "/regions/add/",
        f"/regions/{region.pk}/edit/",
        f"/regions/{region.pk}/delete/",
        "/regions/import/",
        "/organizations/positions/add/",
        f"/organizations/positions/{position.pk}/edit/",
        f"/organizations/positions/{position.pk}/delete/",
    ]
    for url in urls:
        assert client.get(url).status_code == 403, url
        assert (
            client.post(url, org_form(district["a_branch"], region, code="X1")).status_code == 403
        ), url
    assert all_snapshot() == before
    assert client.get(f"/organizations/{org.pk}/").status_code == 200
    # No add/edit/delete buttons are offered either.
    page = client.get(f"/organizations/{org.pk}/")
    assert (page.context["can_add"], page.context["can_change"], page.context["can_delete"]) == (
        False,
        False,
        False,
    )


@pytest.mark.parametrize("user_key", ["auditor", "worker_a"])
def test_read_only_roles_cannot_write_through_the_import_framework(users, district, user_key):
    """Regression: the import page is 403 for them, and the import itself (what the Celery
    task runs) refuses too: new rows need the add permission, existing rows the change one."""
    spec = imports.get_spec("organizations.organization")
    before = all_snapshot()
    rows = [
        ("NEW07", "新党支部", "党支部", "居民区", "S003C001", "310104003001"),
        ("S003C001B01", "改名", "党支部", "居民区", "S003C001", "310104003001"),
    ]
    result = spec.run(org_csv(*rows), "x.csv", users[user_key])
    assert [(e.row, e.column) for e in result.errors] == [(2, "组织编码"), (3, "组织编码")]
    assert "没有新增" in result.errors[0].message
    assert (result.created, result.updated) == (0, 0)
    assert all_snapshot() == before


# --- tokens: expired, revoked, unknown ------------------------------------------------------


def token_client(key):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def assert_401(response):
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("user_key", ["sync_a", "operator_a", "admin"])
def test_expired_and_revoked_tokens_get_401(users, district, user_key):
    user = users[user_key]
    before = all_snapshot()
    org = district["a_branch"]

    expired, expired_key = ApiToken.issue(user, name="过期令牌", days=30)
    api = token_client(expired_key)
    assert api.get("/api/v1/organizations/").status_code == 200  # valid until it expires
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    revoked, revoked_key = ApiToken.issue(user, name="吊销令牌", days=30)
    assert token_client(revoked_key).get(f"/api/v1/organizations/{org.pk}/").status_code == 200
    revoked.revoke()

    for key, reason in (
        (expired_key, "令牌已过期"),
        (revoked_key, "令牌已吊销"),
        ("not-a-token-at-all", "令牌无效、已过期或已吊销"),
    ):
        api = token_client(key)
        for response in (
            api.get("/api/v1/organizations/"),
            api.get(f"/api/v1/organizations/{org.pk}/"),
            api.get("/api/v1/regions/"),
            api.patch(f"/api/v1/organizations/{org.pk}/", {"name": "改名"}, format="json"),
            api.post(
                "/api/v1/organizations/upsert/",
                org_body("S003C001", "310104003001", "X1"),
                format="json",
            ),
            api.delete(
                f"/api/v1/positions/{LeadershipPosition.objects.get(holder_name='A书记').pk}/"
            ),
        ):
            assert_401(response)
            assert reason in response.json()["detail"]
    assert all_snapshot() == before


def test_token_of_a_deactivated_user_and_no_token_get_401(users, district):
    _token, key = ApiToken.issue(users["sync_a"], name="停用账号的令牌")
    users["sync_a"].is_active = False
    users["sync_a"].save()
    response = token_client(key).get("/api/v1/organizations/")
    assert_401(response)
    assert response.json() == {"detail": "令牌所属用户已停用。"}
    assert_401(APIClient().get("/api/v1/organizations/"))
    assert_401(APIClient().post("/api/v1/organizations/", {}, format="json"))
