"""Row scope of the member registry (issue 3, DESIGN.md 5): street A's operator and A's
integration token cannot read, list, export, search, look up, upsert, update or delete street
B's members. B's rows answer 404 or are absent, and the database is unchanged afterwards. A's
community worker sees only the community's members; A's staff operator sees only A's in the
admin.

Members (tests/members/conftest.py): 张卫东 (A's community branch), 王秀英 (A's street-level
branch), 李建国 (B's community branch).
"""

import csv
import io

import openpyxl
import pytest

from members.models import Member
from tests.members.conftest import (
    NEW_ID,
    PLAIN,
    member_snapshot,
    new_member_api,
    new_member_form,
)
from tests.portal.pagetables import table_rows

#: Strings only street B's member and organisations carry.
B_MARKERS = ("李建国", "湖南路", "武康", "S004")
NAMES_A = {"张卫东", "王秀英"}
NAMES_ALL = {"张卫东", "王秀英", "李建国"}


def ui_names(client, **params):
    response = client.get("/members/", params)
    assert response.status_code == 200
    html = response.content.decode()
    # An empty table has one row holding a single "no records" cell.
    return {row[0] for row in table_rows(html, "object-table") if len(row) > 1}, html


def api_names(api, **params):
    response = api.get("/api/v1/members/", params)
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["results"]}


def export_names(client, fmt, **params):
    response = client.get("/members/", {**params, "export": fmt})
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
        rows = [[c or "" for c in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "姓名"
    return {row[0] for row in rows[1:]}, content


# --- UI -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user_key", "expected"),
    [("operator_a", NAMES_A), ("worker_a", {"张卫东"}), ("admin", NAMES_ALL)],
)
def test_ui_list_and_exports_hold_exactly_the_members_in_scope(
    client_for, users, members, user_key, expected
):
    client = client_for(users[user_key])
    names, html = ui_names(client)
    assert names == expected
    assert ui_names(client, q="李")[0] == expected & {"李建国"}
    assert ui_names(client, q="李建国")[0] == expected & {"李建国"}
    assert ui_names(client, region_within="310104004")[0] == expected & {"李建国"}
    assert ui_names(client, status="normal", region_within="310104")[0] == expected
    for fmt in ("csv", "xlsx"):
        assert export_names(client, fmt)[0] == expected
        assert export_names(client, fmt, q="李建国")[0] == expected & {"李建国"}
    if "李建国" not in expected:
        for marker in B_MARKERS:
            assert marker not in html, marker


@pytest.mark.parametrize("user_key", ["operator_a", "worker_a"])
def test_ui_pages_of_members_out_of_scope_are_404(client_for, users, members, user_key):
    client = client_for(users[user_key])
    outside = [members["b"]] + ([members["a_street"]] if user_key == "worker_a" else [])
    before = member_snapshot()
    for member in outside:
        for page in ("", "history/", "edit/", "delete/"):
            url = f"/members/{member.pk}/{page}"
            assert client.get(url).status_code in (403, 404), url
            assert client.get(url, {"unmask": "1"}).status_code in (403, 404), url
        assert client.get(f"/members/{member.pk}/").status_code == 404
        assert client.get(f"/members/{member.pk}/history/").status_code == 404
    assert member_snapshot() == before
    # Control: a member in scope opens.
    assert client.get(f"/members/{members['a'].pk}/").status_code == 200


def test_ui_writes_to_b_members_are_404_and_change_nothing(client_for, users, members, district):
    client = client_for(users["operator_a"])
    b = members["b"]
    before = member_snapshot()
    data = new_member_form(district["a_branch"], name="改名", id_number="")
    assert client.post(f"/members/{b.pk}/edit/", data).status_code == 404
    assert client.post(f"/members/{b.pk}/delete/").status_code == 404
    assert member_snapshot() == before
    # Control: the same operator may edit and delete A's members.
    assert client.get(f"/members/{members['a'].pk}/edit/").status_code == 200
    assert client.get(f"/members/{members['a'].pk}/delete/").status_code == 200


def test_ui_cannot_put_a_member_into_b(client_for, users, members, district):
    client = client_for(users["operator_a"])
    before = member_snapshot()
    # A new member in B's branch: B's branch is "not a valid choice", like a missing one.
    response = client.post("/members/add/", new_member_form(district["b_branch"]))
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"organization"}
    # Moving A's member to B's branch: refused the same way.
    a = members["a"]
    data = new_member_form(
        district["b_branch"],
        name=a.name,
        id_number="",
        mobile="",
        gender=a.gender,
        birth_date=a.birth_date.isoformat(),
    )
    response = client.post(f"/members/{a.pk}/edit/", data)
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"organization"}
    assert member_snapshot() == before


def test_ui_new_member_with_b_members_id_number_names_no_b_organisation(
    client_for, users, members, district
):
    client = client_for(users["operator_a"])
    before = member_snapshot()
    data = new_member_form(
        district["a_branch"],
        id_number=PLAIN["b"]["id"],
        gender=members["b"].gender,
        birth_date=members["b"].birth_date.isoformat(),
    )
    response = client.post("/members/add/", data)
    assert response.status_code == 400
    assert response.context["form"].errors == {"id_number": ["该身份证号已登记。"]}
    html = response.content.decode()
    for marker in B_MARKERS:
        assert marker not in html, marker
    assert member_snapshot() == before


@pytest.mark.parametrize(
    ("user_key", "expected"), [("operator_a", NAMES_A), ("worker_a", {"张卫东"})]
)
def test_autocomplete_offers_only_members_in_scope(client_for, users, members, user_key, expected):
    client = client_for(users[user_key])
    for term, wanted in (("", expected), ("李", set()), ("李建国", set()), ("张", {"张卫东"})):
        body = client.get("/autocomplete/members.member/", {"q": term}).json()
        assert {row["text"] for row in body["results"]} == wanted & expected, term


# --- API ------------------------------------------------------------------------------


@pytest.fixture(params=["operator_a", "sync_a"])
def api_a(request, api_for, users):
    """Street A's operator's token, and A's integration token."""
    return api_for(users[request.param])


def test_api_lists_and_searches_only_a(api_a, members, district):
    assert api_names(api_a) == NAMES_A
    b_branch = district["b_branch"]
    for params in (
        {"q": "李"},
        {"q": "李建国"},
        {"organization": b_branch.pk},
        {"organization_within": b_branch.pk},
        {"organization_within": district["root"].pk, "q": "李建国"},
        {"organization_within_code": "S004"},
        {"region_within": "310104004"},
        {"updated_after": "2000-01-01T00:00:00Z", "q": "李建国"},
    ):
        assert api_names(api_a, **params) == set(), params
    assert api_names(api_a, organization_within=district["root"].pk) == NAMES_A
    cursor = api_a.get("/api/v1/members/", {"sync": "1", "updated_after": "2000-01-01T00:00:00Z"})
    assert {row["name"] for row in cursor.json()["results"]} == NAMES_A


def test_api_detail_update_delete_of_b_are_404_and_change_nothing(api_a, members, district):
    b = members["b"]
    url = f"/api/v1/members/{b.pk}/"
    before = member_snapshot()
    assert api_a.get(url).status_code == 404
    assert api_a.get(url, {"unmask": "1"}).status_code == 404
    missing = api_a.get("/api/v1/members/987654321/")
    assert api_a.get(url).json() == missing.json()  # no hint that B's row exists
    assert api_a.patch(url, {"name": "改名"}, format="json").status_code == 404
    body = new_member_api(district["a_branch"], id_number=PLAIN["b"]["id"])
    assert api_a.put(url, body, format="json").status_code == 404
    assert api_a.delete(url).status_code == 404
    assert member_snapshot() == before


def test_api_lookup_of_b_is_404(api_a, members):
    before = member_snapshot()
    for number in (PLAIN["b"]["id"], PLAIN["b"]["id"].lower()):
        response = api_a.post("/api/v1/members/lookup/", {"id_number": number}, format="json")
        assert response.status_code == 404
        for marker in B_MARKERS:
            assert marker not in response.content.decode()
    # Control: A's member is found by the same door.
    response = api_a.post("/api/v1/members/lookup/", {"id_number": PLAIN["a"]["id"]}, format="json")
    assert response.status_code == 200
    assert response.json()["name"] == "张卫东"
    assert member_snapshot() == before


def test_api_upsert_by_b_id_number_changes_nothing(api_a, members, district):
    before = member_snapshot()
    b = members["b"]
    same_person = new_member_api(
        district["a_branch"],
        name="改名",
        id_number=PLAIN["b"]["id"],
        gender=b.gender,
        birth_date=b.birth_date.isoformat(),
    )
    for body in (
        same_person,
        {**same_person, "organization": district["b_branch"].pk},
        [new_member_api(district["a_branch"]), same_person],  # all or nothing
    ):
        response = api_a.post("/api/v1/members/upsert/", body, format="json")
        assert response.status_code == 400, response.content
        text = response.content.decode()
        for marker in B_MARKERS:
            assert marker not in text, marker
    # The first body: B's row is not found in A's scope, and a second member with the same
    # number is refused without naming where it is registered.
    response = api_a.post("/api/v1/members/upsert/", same_person, format="json")
    assert response.json() == {"id_number": ["该身份证号已登记。"]}
    assert member_snapshot() == before
    assert not Member.objects.filter(name="改名").exists()


def test_api_cannot_create_in_or_move_into_b(api_a, members, district):
    before = member_snapshot()
    response = api_a.post("/api/v1/members/", new_member_api(district["b_branch"]), format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"organization"}
    response = api_a.patch(
        f"/api/v1/members/{members['a'].pk}/",
        {"organization": district["b_branch"].pk},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"organization"}
    response = api_a.patch(
        f"/api/v1/members/{members['a'].pk}/", {"organization": "S004C001B01"}, format="json"
    )
    assert response.status_code == 400
    assert member_snapshot() == before
    # Control: creating in A works (and is then A's to read).
    response = api_a.post("/api/v1/members/", new_member_api(district["a_branch"]), format="json")
    assert response.status_code == 201, response.content
    assert Member.objects.filter(pk=response.json()["id"]).exists()


def test_worker_api_sees_only_the_community(api_for, users, members):
    api = api_for(users["worker_a"])
    assert api_names(api) == {"张卫东"}
    assert api.get(f"/api/v1/members/{members['a_street'].pk}/").status_code == 404
    response = api.post(
        "/api/v1/members/lookup/", {"id_number": PLAIN["a_street"]["id"]}, format="json"
    )
    assert response.status_code == 404
    # A community worker may only read.
    before = member_snapshot()
    assert api.patch(f"/api/v1/members/{members['a'].pk}/", {"note": "x"}).status_code == 403
    assert api.post("/api/v1/members/upsert/", {"id_number": NEW_ID}).status_code in (400, 403)
    assert member_snapshot() == before


# --- admin ----------------------------------------------------------------------------


def test_admin_shows_a_staff_operator_only_a_members(client, staff_a, users, members):
    client.force_login(staff_a)
    response = client.get("/admin/members/member/")
    assert response.status_code == 200
    cl = response.context["cl"]
    assert {m.name for m in cl.result_list} == NAMES_A
    assert cl.full_result_count == 2
    html = response.content.decode()
    for marker in B_MARKERS:
        assert marker not in html, marker
    response = client.get("/admin/members/member/", {"q": "李建国"})
    assert list(response.context["cl"].result_list) == []
    # The district admin (staff, not a superuser) sees the district.
    client.force_login(users["admin"])
    response = client.get("/admin/members/member/")
    assert {m.name for m in response.context["cl"].result_list} == NAMES_ALL


@pytest.mark.parametrize("page", ["change", "history", "delete"])
def test_admin_pages_of_b_members_answer_like_a_missing_row(client, staff_a, members, page):
    client.force_login(staff_a)
    before = member_snapshot()
    b = members["b"]
    url = f"/admin/members/member/{b.pk}/{page}/"
    response = client.get(url, follow=True)
    assert response.redirect_chain == [("/admin/", 302)]
    message = f"ID 为“{b.pk}”的 党员 不存在。可能已经被删除了？"
    assert [str(m) for m in response.context["messages"]] == [message]
    response = client.post(url, {"post": "yes", "name": "改名"}, follow=True)
    assert response.redirect_chain == [("/admin/", 302)]
    assert member_snapshot() == before
    assert client.get(f"/admin/members/member/{members['a'].pk}/{page}/").status_code == 200
