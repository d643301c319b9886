"""Masking of ID numbers and mobiles (issue 3, DESIGN.md 5).

For a user without ``accounts.view_sensitive`` no plain ID number or mobile appears in any
output, whatever the query string. For a user with it, outputs are masked by default and plain
only with ``?unmask=1``, and every unmasked page, API answer and export writes a
SensitiveAccess row naming the user, the members and the fields. The database itself holds
ciphertexts, blind indexes and masked forms only. Mass assignment of hashes, ciphertexts and
grams through the API is ignored.
"""

import io
import json
import zipfile

import pytest
from django.db import connection

from members.models import Member, id_number_hash
from portal import crypto, validators
from portal.models import SensitiveAccess
from portal.search import name_grams
from tests.members.conftest import (
    NEW_ID,
    NEW_MOBILE,
    PLAIN,
    assert_no_plain,
    new_member_api,
    new_member_form,
    plain_values,
)

FIELDS = ["id_number", "mobile"]


def body(response):
    """The text of any response: pages, JSON, CSV, and the XML parts of an XLSX file."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "".join(archive.read(name).decode() for name in archive.namelist())
    if response.get("Content-Type", "").startswith("application/json"):
        return json.dumps(json.loads(content), ensure_ascii=False)
    return content.decode("utf-8-sig")


def masked(key):
    return validators.mask_id_number(PLAIN[key]["id"]), validators.mask_mobile(PLAIN[key]["mobile"])


def get(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, (url, params, response.status_code)
    return body(response)


def lookup(api, number, **params):
    query = "?unmask=1" if params.get("unmask") else ""
    response = api.post(f"/api/v1/members/lookup/{query}", {"id_number": number}, format="json")
    assert response.status_code == 200, response.content
    return body(response)


# --- without view_sensitive -----------------------------------------------------------


@pytest.mark.parametrize("unmask", [{}, {"unmask": "1"}, {"unmask": "true"}])
def test_no_plain_values_anywhere_for_a_street_operator(
    client_for, api_for, users, members, unmask
):
    a = members["a"]
    client = client_for(users["operator_a"])
    pages = {
        "list": get(client, "/members/", **unmask),
        "list htmx": body(
            client.get("/members/", unmask, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="object-table")
        ),
        "detail": get(client, f"/members/{a.pk}/", **unmask),
        "history": get(client, f"/members/{a.pk}/history/", **unmask),
        "edit": get(client, f"/members/{a.pk}/edit/", **unmask),
        "csv": get(client, "/members/", export="csv", **unmask),
        "xlsx": get(client, "/members/", export="xlsx", **unmask),
        "autocomplete": get(client, "/autocomplete/members.member/", q="张", **unmask),
    }
    api = api_for(users["operator_a"])
    pages["api list"] = get(api, "/api/v1/members/", **unmask)
    pages["api sync"] = get(api, "/api/v1/members/", sync="1", **unmask)
    pages["api detail"] = get(api, f"/api/v1/members/{a.pk}/", **unmask)
    pages["api lookup"] = lookup(api, PLAIN["a"]["id"], **unmask)
    legacy = PLAIN["a"]["id"][:6] + PLAIN["a"]["id"][8:17]  # the 15-digit form
    pages["api lookup 15"] = lookup(api, legacy, **unmask)
    for where, text in pages.items():
        assert_no_plain(text, where=where)
    # The checks above looked at the right things: the masked forms are there.
    id_masked, mobile_masked = masked("a")
    for where in ("list", "detail", "history", "csv", "xlsx", "api list", "api lookup"):
        assert id_masked in pages[where], where
        assert mobile_masked in pages[where], where
    assert "张卫东" in pages["autocomplete"]
    assert not SensitiveAccess.objects.exists()


def test_no_plain_values_in_history_and_audit_log_after_edits(
    client_for, api_for, users, members, district
):
    a = members["a"]
    operator = client_for(users["operator_a"])
    new_mobile = "13787654321"
    data = new_member_form(
        district["a_branch"],
        name=a.name,
        id_number="",
        mobile=new_mobile,
        gender=a.gender,
        birth_date=a.birth_date.isoformat(),
        category="full",
        joined_on="2005-07-01",
        full_member_on="2006-07-01",
    )
    response = operator.post(f"/members/{a.pk}/edit/", data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    api = api_for(users["operator_a"])
    response = api.patch(f"/api/v1/members/{a.pk}/", {"mobile": "13511112222"}, format="json")
    assert response.status_code == 200
    leaks = [*plain_values(), new_mobile, "13511112222"]
    history = get(operator, f"/members/{a.pk}/history/", unmask="1")
    assert "137****4321" in history and "135****2222" in history
    auditor = client_for(users["auditor"])
    audit = get(auditor, "/audit/", model="members.member")
    assert "137****4321" in audit
    pages = {
        "history": history,
        "audit log": audit,
        "audit log all": get(auditor, "/audit/"),
        "access log": get(auditor, "/audit/sensitive/"),
        "auditor list": get(auditor, "/members/", unmask="1"),
        "auditor detail": get(auditor, f"/members/{a.pk}/", unmask="1"),
        "auditor export": get(auditor, "/members/", unmask="1", export="csv"),
    }
    for where, text in pages.items():
        assert not [v for v in leaks if v in text], where
    assert not SensitiveAccess.objects.exists()


@pytest.mark.parametrize("user_key", ["staff_a", "admin"])
def test_admin_pages_show_masked_values_only(client, staff_a, users, members, user_key):
    """The admin never unmasks, not even for a user holding view_sensitive."""
    client.force_login(staff_a if user_key == "staff_a" else users["admin"])
    a = members["a"]
    pages = {
        "changelist": get(client, "/admin/members/member/"),
        "search": get(client, "/admin/members/member/", q="张卫东"),
        "change": get(client, f"/admin/members/member/{a.pk}/change/"),
        "history": get(client, f"/admin/members/member/{a.pk}/history/"),
        "delete": get(client, f"/admin/members/member/{a.pk}/delete/"),
    }
    for where, text in pages.items():
        assert_no_plain(text, where=where)
    id_masked, mobile_masked = masked("a")
    assert id_masked in pages["changelist"] and mobile_masked in pages["changelist"]
    assert id_masked in pages["change"]


# --- with view_sensitive --------------------------------------------------------------


def accesses():
    return [
        (row.user.username, sorted(row.object_ids), row.fields, row.channel, row.model)
        for row in SensitiveAccess.objects.select_related("user").order_by("pk")
    ]


def test_masked_by_default_for_a_user_with_the_permission(client_for, api_for, users, members):
    admin = users["admin"]
    assert admin.has_perm("accounts.view_sensitive")
    client, api = client_for(admin), api_for(admin)
    a = members["a"]
    pages = {
        "list": get(client, "/members/"),
        "detail": get(client, f"/members/{a.pk}/"),
        "csv": get(client, "/members/", export="csv"),
        "xlsx": get(client, "/members/", export="xlsx"),
        "api list": get(api, "/api/v1/members/"),
        "api detail": get(api, f"/api/v1/members/{a.pk}/"),
        "api lookup": lookup(api, PLAIN["a"]["id"]),
        "unmask=0": get(client, "/members/", unmask="0"),
    }
    for where, text in pages.items():
        assert_no_plain(text, where=where)
    # The page offers the (logged) unmasking.
    assert "unmask=1" in pages["list"] and "unmask=1" in pages["detail"]
    assert not SensitiveAccess.objects.exists()


def test_unmasked_outputs_show_plain_values_and_are_logged(client_for, api_for, users, members):
    admin = users["admin"]
    client, api = client_for(admin), api_for(admin)
    ids = sorted(m.pk for m in members.values())
    a = members["a"]
    expected = []

    def check(where, text, keys, channel, logged_ids):
        for key in keys:
            assert PLAIN[key]["id"] in text, where
            assert PLAIN[key]["mobile"] in text, where
        expected.append(("district_admin", logged_ids, FIELDS, channel, "members.member"))
        assert accesses() == expected, where

    check("list", get(client, "/members/", unmask="1"), PLAIN, "ui", ids)
    check("detail", get(client, f"/members/{a.pk}/", unmask="1"), ["a"], "ui", [a.pk])
    check("csv", get(client, "/members/", unmask="1", export="csv"), PLAIN, "export", ids)
    check("xlsx", get(client, "/members/", unmask="1", export="xlsx"), PLAIN, "export", ids)
    filtered = get(client, "/members/", unmask="1", export="csv", q="张卫东")
    check("filtered csv", filtered, ["a"], "export", [a.pk])
    check("api list", get(api, "/api/v1/members/", unmask="1"), PLAIN, "api", ids)
    check("api sync", get(api, "/api/v1/members/", unmask="1", sync="1"), PLAIN, "api", ids)
    check("api detail", get(api, f"/api/v1/members/{a.pk}/", unmask="1"), ["a"], "api", [a.pk])
    check("api lookup", lookup(api, PLAIN["a"]["id"], unmask=True), ["a"], "api", [a.pk])
    # A page of one: only that member is logged.
    one = get(client, "/members/", unmask="1", per_page="1", sort="birth_date")
    check("page of one", one, ["b"], "ui", [members["b"].pk])  # 李建国 is the eldest
    assert PLAIN["a"]["id"] not in one
    # Nothing shown, nothing logged.
    get(client, "/members/", unmask="1", q="不存在的人")
    get(api, "/api/v1/members/", unmask="1", q="不存在的人")
    assert len(accesses()) == len(expected)
    # The history tab shows no plain values even when asked, so it logs nothing.
    assert_no_plain(get(client, f"/members/{a.pk}/history/", unmask="1"), where="history")
    assert len(accesses()) == len(expected)
    row = SensitiveAccess.objects.order_by("pk").first()
    assert row.path == "/members/?unmask=1"
    assert row.request_id
    # The access log shows who looked, for auditors.
    log = get(client_for(users["auditor"]), "/audit/sensitive/")
    assert "district_admin" in log
    assert_no_plain(log, where="access log")


# --- the stored data ------------------------------------------------------------------


def all_tables():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT quote_ident(table_name) FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
        return [name for (name,) in cursor.fetchall()]


def dump(table):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT t::text FROM {table} t")  # noqa: S608 - names from the catalogue
        return "\n".join(text for (text,) in cursor.fetchall())


def test_raw_sql_dump_holds_no_plain_values(client_for, api_for, users, members, district):
    """Members written through every door (model, UI form, API create, upsert, update,
    lookup), then every table of the database read as text."""
    admin = users["admin"]
    client, api = client_for(admin), api_for(admin)
    response = client.post("/members/add/", new_member_form(district["a_branch"]))
    assert response.status_code == 302
    other_id = "11010519491231002X"
    created = api.post(
        "/api/v1/members/",
        new_member_api(
            district["b_branch"],
            name="钱学文",
            id_number=other_id.lower(),
            mobile="+86 138-0013-8000",
            gender="female",
            birth_date="1949-12-31",
            joined_on="1975-07-01",
            full_member_on="1976-07-01",
        ),
        format="json",
    )
    assert created.status_code == 201, created.content
    upsert = api.post(
        "/api/v1/members/upsert/",
        {
            **new_member_api(
                district["b_branch"],
                name="钱学文",
                id_number=other_id,
                mobile="13700137000",
                gender="female",
                birth_date="1949-12-31",
                joined_on="1975-07-01",
                full_member_on="1976-07-01",
            ),
            "note": "更新",
        },
        format="json",
    )
    assert upsert.status_code == 200, upsert.content
    lookup(api, PLAIN["b"]["id"], unmask=True)
    get(client, "/members/", unmask="1")
    leaks = [*plain_values(), NEW_ID, NEW_MOBILE, other_id, "13800138000", "13700137000"]
    member_dump = dump("members_member")
    assert member_dump.count("\n") == 4  # five members
    assert validators.mask_id_number(other_id) in member_dump  # the masked form is stored
    event_dump = dump("members_memberevent")
    assert "137****7000" in event_dump
    for table in all_tables():
        text = dump(table)
        assert not [value for value in leaks if value in text], table


# --- mass assignment ------------------------------------------------------------------

FORGED = {
    "id_number_hash": "0" * 64,
    "id_number_cipher": "forged",
    "id_number_masked": "999999********9999",
    "mobile_hash": "1" * 64,
    "mobile_cipher": "forged",
    "mobile_masked": "000****0000",
    "name_grams": ["假", "假名"],
    "created_at": "2000-01-01T00:00:00Z",
    "updated_at": "2000-01-01T00:00:00Z",
    "id": 987654321,
}


def assert_stored_from_plain(member, number, mobile, name):
    member.refresh_from_db()
    assert member.id_number_hash == id_number_hash(number)
    assert member.id_number_hash == crypto.blind_index(number, "id_number")
    assert member.id_number == number
    assert member.id_number_masked == validators.mask_id_number(number)
    assert member.mobile == mobile
    assert member.mobile_hash == crypto.blind_index(mobile, "mobile")
    assert member.mobile_masked == validators.mask_mobile(mobile)
    assert member.name_grams == name_grams(name)
    assert member.created_at.year > 2000 and member.updated_at.year > 2000
    assert member.pk != FORGED["id"]


def test_mass_assignment_of_hashes_ciphers_and_grams_is_ignored(api_for, users, members, district):
    api = api_for(users["operator_a"])
    response = api.post(
        "/api/v1/members/", {**new_member_api(district["a_branch"]), **FORGED}, format="json"
    )
    assert response.status_code == 201, response.content
    member = Member.objects.get(pk=response.json()["id"])
    assert_stored_from_plain(member, NEW_ID, NEW_MOBILE, "赵敏")
    assert "id_number_hash" not in response.json() and "name_grams" not in response.json()
    # An update and an upsert ignore them too.
    response = api.patch(
        f"/api/v1/members/{member.pk}/", {**FORGED, "name": "赵敏敏"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert_stored_from_plain(member, NEW_ID, NEW_MOBILE, "赵敏敏")
    response = api.post(
        "/api/v1/members/upsert/",
        {**new_member_api(district["a_branch"]), **FORGED, "name": "赵小敏"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert_stored_from_plain(member, NEW_ID, NEW_MOBILE, "赵小敏")
    # A forged hash of B's member does not make the upsert touch B's row.
    b = members["b"]
    before = (b.name, b.id_number_hash, b.organization_id)
    response = api.post(
        "/api/v1/members/upsert/",
        {**new_member_api(district["a_branch"]), "id_number_hash": b.id_number_hash},
        format="json",
    )
    assert response.status_code == 200
    b.refresh_from_db()
    assert (b.name, b.id_number_hash, b.organization_id) == before


def test_a_stored_mobile_can_be_cleared_from_the_form_and_not_together_with_a_new_one(
    client_for, users, members, district
):
    a = members["a"]
    operator = client_for(users["operator_a"])
    base = new_member_form(
        district["a_branch"],
        name=a.name,
        id_number="",
        gender=a.gender,
        birth_date=a.birth_date.isoformat(),
        category="full",
        joined_on="2005-07-01",
        full_member_on="2006-07-01",
    )
    assert "clear_mobile" in operator.get(f"/members/{a.pk}/edit/").content.decode()
    both = operator.post(
        f"/members/{a.pk}/edit/", {**base, "mobile": "13700001111", "clear_mobile": "on"}
    )
    assert both.status_code == 400  # the edit view answers an invalid form with 400
    assert "mobile" in both.context["form"].errors
    assert Member.objects.get(pk=a.pk).mobile_masked  # nothing changed

    blank = operator.post(f"/members/{a.pk}/edit/", {**base, "mobile": ""})
    assert blank.status_code == 302
    assert Member.objects.get(pk=a.pk).mobile_masked  # a blank box keeps the stored number

    cleared = operator.post(f"/members/{a.pk}/edit/", {**base, "mobile": "", "clear_mobile": "on"})
    assert cleared.status_code == 302
    member = Member.objects.get(pk=a.pk)
    assert (member.mobile_masked, member.mobile_cipher, member.mobile_hash) == ("", "", "")
    # With nothing stored there is nothing to clear: the box is gone.
    assert "clear_mobile" not in operator.get(f"/members/{a.pk}/edit/").content.decode()
