"""Member validation through every door (issue 3, DESIGN.md 6): the UI form, the API (create
and upsert), the admin and the file import (members/imports.py, run synchronously) refuse the
same bad input with a clear error on the named field (or column), and write nothing. A
duplicate ID number names the existing member's organisation only to a user who may see that
member. 15-digit legacy numbers are converted; a lower-case x is stored upper-case.

The import at scale (jobs, 1,000-row files, reruns) is tested in test_member_imports.py.
"""

from datetime import date

import pytest

from members.models import Member, id_number_hash
from portal import validators
from tests.members.conftest import (
    NEW_ID,
    PLAIN,
    make_id_number,
    make_member,
    member_snapshot,
    new_member_api,
    new_member_form,
)

A_BRANCH_NAME = "上海新村居民区第一党支部"

#: case: (overrides of the valid new member, the field named, its message)
CASES = {
    "checksum": (
        {"id_number": NEW_ID[:17] + ("0" if NEW_ID[17] != "0" else "1")},
        "id_number",
        "身份证号码校验位不正确，请核对号码是否有误。",
    ),
    "format": (
        {"id_number": NEW_ID[:16]},
        "id_number",
        "身份证号码应为18位（前17位为数字，末位为数字或X），或15位数字的旧号码。",
    ),
    "region prefix": (
        {"id_number": make_id_number(date(1990, 3, 15), 122, region="990104")},
        "id_number",
        "身份证号码前两位“99”不是有效的省级行政区划代码。",
    ),
    "calendar date": (
        {
            "id_number": "310104"
            + "19900230"
            + "122"
            + validators.id_check_char("31010419900230122")
        },
        "id_number",
        "身份证号码中的出生日期（第7至14位）不是有效的日期。",
    ),
    "birth date disagrees": (
        {"birth_date": "1990-03-16"},
        "birth_date",
        "出生日期与身份证号不一致（身份证号为 1990-03-15）。",
    ),
    "gender disagrees": ({"gender": "male"}, "gender", "性别与身份证号不一致。"),
    "duplicate": (
        {"id_number": PLAIN["a"]["id"], "gender": "male", "birth_date": "1980-05-04"},
        "id_number",
        f"该身份证号已登记在“{A_BRANCH_NAME}”。",
    ),
    "non-branch organisation": (
        {"organization": "a_general"},
        "organization",
        "党员只能编入党支部（含联合党支部、临时党支部）。",
    ),
    "under 18 at joining": (
        {"joined_on": "2008-03-14", "full_member_on": "2009-03-14"},
        "joined_on",
        "入党时应年满 18 周岁。",
    ),
    "full member within a year": (
        {"full_member_on": "2016-06-30"},
        "full_member_on",
        "转正日期应在入党满一年之后。",
    ),
    "full member without date": (
        {"full_member_on": None},
        "full_member_on",
        "正式党员须填写转正日期。",
    ),
    "mobile prefix": (
        {"mobile": "12345678901"},
        "mobile",
        "不是有效的中国大陆手机号码：应以13至19开头。",
    ),
    "mobile length": ({"mobile": "1381234567"}, "mobile", "手机号码应为11位数字，可带+86前缀。"),
}


def resolve(district, overrides):
    """Overrides with an organisation key replaced by that organisation."""
    values = dict(overrides)
    organization = district[values.pop("organization", "a_branch")]
    return organization, values


@pytest.mark.parametrize("case", CASES)
def test_ui_form_names_the_field_and_writes_nothing(client_for, users, members, district, case):
    overrides, field, message = CASES[case]
    organization, values = resolve(district, overrides)
    client = client_for(users["operator_a"])
    before = member_snapshot()
    response = client.post("/members/add/", new_member_form(organization, **values))
    assert response.status_code == 400
    assert response.context["form"].errors == {field: [message]}
    assert message in response.content.decode()
    assert member_snapshot() == before


@pytest.mark.parametrize("door", ["create", "upsert"])
@pytest.mark.parametrize("case", CASES)
def test_api_names_the_field_and_writes_nothing(api_for, users, members, district, case, door):
    overrides, field, message = CASES[case]
    organization, values = resolve(district, overrides)
    api = api_for(users["operator_a"])
    before = member_snapshot()
    url = "/api/v1/members/" if door == "create" else "/api/v1/members/upsert/"
    response = api.post(url, new_member_api(organization, **values), format="json")
    if door == "upsert" and case == "duplicate":
        # Upserting by A's member's number is an update of that member, which is valid.
        assert response.status_code == 200, response.content
        return
    assert response.status_code == 400, response.content
    assert response.json() == {field: [message]}
    assert member_snapshot() == before


def test_control_the_valid_member_passes_every_door(client_for, api_for, users, members, district):
    client = client_for(users["operator_a"])
    response = client.post("/members/add/", new_member_form(district["a_branch"]))
    assert response.status_code == 302
    Member.objects.get(id_number_hash=id_number_hash(NEW_ID)).delete()
    response = api_for(users["operator_a"]).post(
        "/api/v1/members/", new_member_api(district["a_branch"]), format="json"
    )
    assert response.status_code == 201, response.content
    member = Member.objects.get(pk=response.json()["id"])
    assert (member.gender, member.birth_date) == ("female", date(1990, 3, 15))


def test_birth_date_and_gender_are_filled_from_the_id_number(api_for, users, members, district):
    api = api_for(users["operator_a"])
    data = new_member_api(district["a_branch"], gender=None, birth_date=None)
    response = api.post("/api/v1/members/", data, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["gender"], response.json()["birth_date"]) == ("female", "1990-03-15")


# --- duplicates: what the message may reveal ------------------------------------------


def test_duplicate_names_the_organisation_only_to_who_may_see_it(
    client_for, api_for, users, members, district
):
    b = members["b"]
    duplicate_of_b = {
        "id_number": PLAIN["b"]["id"],
        "gender": b.gender,
        "birth_date": b.birth_date.isoformat(),
    }
    before = member_snapshot()
    # Street A's operator may not see B's member: just "already registered".
    client = client_for(users["operator_a"])
    response = client.post("/members/add/", new_member_form(district["a_branch"], **duplicate_of_b))
    assert response.context["form"].errors == {"id_number": ["该身份证号已登记。"]}
    api = api_for(users["operator_a"])
    response = api.post(
        "/api/v1/members/", new_member_api(district["a_branch"], **duplicate_of_b), format="json"
    )
    assert response.json() == {"id_number": ["该身份证号已登记。"]}
    # Street B's operator may: the message names B's branch.
    named = "该身份证号已登记在“武康居民区第一党支部”。"
    client = client_for(users["operator_b"])
    response = client.post("/members/add/", new_member_form(district["b_branch"], **duplicate_of_b))
    assert response.context["form"].errors == {"id_number": [named]}
    api = api_for(users["operator_b"])
    response = api.post(
        "/api/v1/members/", new_member_api(district["b_branch"], **duplicate_of_b), format="json"
    )
    assert response.json() == {"id_number": [named]}
    # So may the district admin, even when registering into another street.
    api = api_for(users["admin"])
    response = api.post(
        "/api/v1/members/", new_member_api(district["a_branch"], **duplicate_of_b), format="json"
    )
    assert response.json() == {"id_number": [named]}
    assert member_snapshot() == before


def test_changing_a_members_number_to_anothers_is_a_duplicate(api_for, users, members):
    a_street = members["a_street"]
    api = api_for(users["operator_a"])
    before = member_snapshot()
    response = api.patch(
        f"/api/v1/members/{a_street.pk}/",
        {"id_number": PLAIN["a"]["id"], "gender": "male", "birth_date": "1980-05-04"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"id_number": [f"该身份证号已登记在“{A_BRANCH_NAME}”。"]}
    assert member_snapshot() == before


# --- edits keep agreeing with the stored number ---------------------------------------


def test_an_edit_must_agree_with_the_stored_number(client_for, api_for, users, members, district):
    a = members["a"]  # male, born 1980-05-04
    api = api_for(users["operator_a"])
    before = member_snapshot()
    url = f"/api/v1/members/{a.pk}/"
    response = api.patch(url, {"birth_date": "1980-05-05"}, format="json")
    assert response.json() == {
        "birth_date": ["出生日期与身份证号不一致（身份证号为 1980-05-04）。"]
    }
    response = api.patch(url, {"gender": "female"}, format="json")
    assert response.json() == {"gender": ["性别与身份证号不一致。"]}
    client = client_for(users["operator_a"])
    data = new_member_form(
        district["a_branch"], name=a.name, id_number="", mobile="", gender="male"
    )
    data["birth_date"] = "1980-05-05"
    response = client.post(f"/members/{a.pk}/edit/", data)
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"birth_date"}
    assert member_snapshot() == before
    # Control: the same edit with the right birth date saves, keeping the stored number.
    data["birth_date"] = "1980-05-04"
    data["occupation"] = "工程师"
    assert client.post(f"/members/{a.pk}/edit/", data).status_code == 302
    a.refresh_from_db()
    assert (a.occupation, a.id_number, a.mobile) == (
        "工程师",
        PLAIN["a"]["id"],
        PLAIN["a"]["mobile"],
    )


# --- the admin --------------------------------------------------------------------------


def admin_add_data(organization, **overrides):
    data = new_member_form(organization, **overrides)
    data["organization"] = organization.pk
    return data


@pytest.mark.parametrize(
    "case", ["checksum", "birth date disagrees", "duplicate", "non-branch organisation"]
)
def test_admin_refuses_the_same(client, staff_a, members, district, case):
    overrides, field, message = CASES[case]
    organization, values = resolve(district, overrides)
    client.force_login(staff_a)
    before = member_snapshot()
    response = client.post("/admin/members/member/add/", admin_add_data(organization, **values))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {field: [message]}
    assert member_snapshot() == before


def test_admin_duplicate_of_b_does_not_name_b(client, staff_a, members, district):
    client.force_login(staff_a)
    b = members["b"]
    data = admin_add_data(
        district["a_branch"],
        id_number=PLAIN["b"]["id"],
        gender=b.gender,
        birth_date=b.birth_date.isoformat(),
    )
    response = client.post("/admin/members/member/add/", data)
    assert response.context["adminform"].form.errors == {"id_number": ["该身份证号已登记。"]}


# --- legacy numbers and a lower-case x ------------------------------------------------

VECTOR = "11010519491231002X"
LEGACY = "110105491231002"  # the same person's 15-digit number


def test_model_converts_legacy_numbers_and_upper_cases_x(district):
    for raw in (
        LEGACY,
        VECTOR.lower(),
        f" {VECTOR[:6]} {VECTOR[6:].lower()} ",
        "１１０１０５４９１２３１００２",
    ):
        member = make_member(
            district["a_branch"],
            "钱学文",
            raw,
            joined_on=date(1975, 7, 1),
            full_member_on=date(1976, 7, 1),
        )
        member.refresh_from_db()
        assert member.id_number == VECTOR, raw
        assert member.id_number_hash == id_number_hash(VECTOR)
        assert member.id_number_masked == "110105********002X"
        assert (member.birth_date, member.gender) == (date(1949, 12, 31), "female")
        member.delete()


def test_ui_and_api_convert_and_then_see_the_same_number(client_for, api_for, users, district):
    legacy_person = {
        "name": "钱学文",
        "gender": "female",
        "birth_date": "1949-12-31",
        "joined_on": "1975-07-01",
        "full_member_on": "1976-07-01",
    }
    client = client_for(users["operator_a"])
    data = new_member_form(district["a_branch"], id_number=LEGACY, **legacy_person)
    response = client.post("/members/add/", data)
    assert response.status_code == 302, response.context["form"].errors
    member = Member.objects.get(name="钱学文")
    assert member.id_number == VECTOR
    api = api_for(users["operator_a"])
    # The same number, lower-case x, is a duplicate through the API ...
    data = new_member_api(district["a_branch"], id_number=VECTOR.lower(), **legacy_person)
    response = api.post("/api/v1/members/", data, format="json")
    assert response.json() == {"id_number": [f"该身份证号已登记在“{A_BRANCH_NAME}”。"]}
    # ... an upsert by it updates that member ...
    data["note"] = "更新"
    response = api.post("/api/v1/members/upsert/", data, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["id"] == member.pk
    assert response.json()["id_number"] == "110105********002X"
    # ... and the lookup finds it by either form.
    for number in (LEGACY, VECTOR.lower(), VECTOR):
        response = api.post("/api/v1/members/lookup/", {"id_number": number}, format="json")
        assert response.json()["id"] == member.pk, number
    member.refresh_from_db()
    assert (member.note, member.id_number) == ("更新", VECTOR)
    assert Member.objects.count() == 1


def test_api_stores_lower_case_x_upper_case(api_for, users, district):
    api = api_for(users["operator_a"])
    data = new_member_api(
        district["a_branch"],
        name="钱学文",
        id_number=VECTOR.lower(),
        gender="female",
        birth_date="1949-12-31",
        joined_on="1975-07-01",
        full_member_on="1976-07-01",
        mobile="+86 139 1234 0000",
    )
    response = api.post("/api/v1/members/", data, format="json")
    assert response.status_code == 201, response.content
    member = Member.objects.get(pk=response.json()["id"])
    assert (member.id_number, member.mobile) == (VECTOR, "13912340000")
    assert member.id_number_hash == id_number_hash(VECTOR)


# --- the import -----------------------------------------------------------------------


def import_csv(user, district, **overrides):
    """Run the member import (synchronously) on a one-row CSV of the valid new member."""
    import csv
    import io

    from portal import imports

    spec = imports.get_spec("members.member")
    headers = {column.field_name: column.header for column in spec.columns}
    organization, values = resolve(district, overrides)
    data = new_member_form(organization, **values)
    data["organization"] = organization.code
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers.values())
    writer.writerow([data.get(name, "") for name in headers])
    result = spec.run(buffer.getvalue().encode(), "members.csv", user)
    return result, headers


@pytest.mark.parametrize("case", [case for case in CASES if case != "duplicate"])
def test_csv_upload_names_the_row_and_column_and_writes_nothing(users, members, district, case):
    overrides, field, message = CASES[case]
    before = member_snapshot()
    result, headers = import_csv(users["operator_a"], district, **overrides)
    assert [(e.column, e.message) for e in result.errors] == [(headers[field], message)]
    assert result.errors[0].row >= 1
    assert member_snapshot() == before


def test_csv_upload_of_a_b_members_number_does_not_say_where(users, members, district):
    before = member_snapshot()
    b = members["b"]
    result, headers = import_csv(
        users["operator_a"],
        district,
        id_number=PLAIN["b"]["id"],
        gender=b.gender,
        birth_date=b.birth_date.isoformat(),
    )
    assert [(e.column, e.message) for e in result.errors] == [
        (headers["id_number"], "该身份证号已登记。")
    ]
    assert member_snapshot() == before
    # Control: the valid row imports.
    result, _headers = import_csv(users["operator_a"], district)
    assert (result.ok, result.created) == (True, 1)
    assert Member.objects.get(id_number_hash=id_number_hash(NEW_ID)).id_number == NEW_ID
