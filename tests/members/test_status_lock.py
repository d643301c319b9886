"""A member's status and flags (党籍状态, 失联, 流动) change only through the status workflow
(issue 6): ``Member.clean`` refuses an edit of an existing member that changes one of
``Member.STATUS_FIELDS``, naming the field, so the UI form, the API (update and upsert), the
import and the admin all refuse it and write nothing. Creating a member may set them, and
``members.status`` (inside ``member.allow_status_change()``) still changes them.

Members (tests/members/conftest.py): 张卫东 (street A, joined 2005-07-01), 李建国 (B).
"""

import csv
import io
import re
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from members import status
from members.models import Member, id_number_hash
from portal import imports
from tests.members.conftest import (
    NEW_ID,
    PLAIN,
    member_snapshot,
    new_member_api,
    new_member_form,
)

DAY = timezone.localdate() - timedelta(days=30)
MESSAGE = "党籍状态、失联和流动情况只能通过“状态变更”办理（党员详情页的“党籍状态与标记”）。"


def disabled(html, name):
    """Is the form control named ``name`` rendered disabled?"""
    tag = re.search(rf'<(?:input|select|textarea)[^>]*\bname="{name}"[^>]*>', html)
    assert tag, f"no control named {name}"
    return re.search(r"\sdisabled(\s|>|=)", tag.group(0)) is not None


# --- the model --------------------------------------------------------------------------


def test_model_refuses_a_change_of_a_loaded_member_and_names_the_field(members):
    zhang = Member.objects.get(pk=members["a"].pk)
    zhang.flowing, zhang.flowing_destination = True, "广东省深圳市"
    with pytest.raises(ValidationError) as caught:
        zhang.full_clean()
    assert caught.value.message_dict == {"flowing": [MESSAGE], "flowing_destination": [MESSAGE]}
    # Inside the workflow's permission the same change validates, and once saved the saved
    # values are the stored ones: validating again is fine, changing back is refused.
    with zhang.allow_status_change():
        zhang.full_clean()
        zhang.save()
    zhang.full_clean()
    zhang.flowing = False
    with pytest.raises(ValidationError) as caught:
        zhang.full_clean()
    assert set(caught.value.message_dict) == {"flowing"}


# --- the UI form ------------------------------------------------------------------------


def test_form_shows_them_disabled_and_a_crafted_post_changes_nothing(client_for, users, members):
    zhang = members["a"]
    client = client_for(users["operator_a"])
    html = client.get(f"/members/{zhang.pk}/edit/").content.decode()
    for name in Member.STATUS_FIELDS:
        assert disabled(html, name), name
    assert not disabled(html, "occupation")
    assert f'<a href="/members/{zhang.pk}/">党员详情页</a>的“党籍状态与标记”中变更' in html

    data = new_member_form(
        zhang.organization,
        name=zhang.name,
        id_number="",
        mobile="",
        gender="male",
        birth_date="1980-05-04",
        joined_on="2005-07-01",
        full_member_on="2006-07-01",
        occupation="工程师",
        status="suspended",
        status_on=DAY.isoformat(),
        lost_contact="on",
        lost_contact_on=DAY.isoformat(),
        flowing="on",
        flowing_destination="广东省深圳市",
    )
    response = client.post(f"/members/{zhang.pk}/edit/", data)
    assert response.status_code == 302, response.context["form"].errors
    zhang.refresh_from_db()
    assert zhang.occupation == "工程师"  # the edit itself went through
    assert (zhang.status, zhang.status_on) == (Member.Status.NORMAL, None)
    assert (zhang.lost_contact, zhang.lost_contact_on) == (False, None)
    assert (zhang.flowing, zhang.flowing_destination) == (False, "")


def test_form_edit_after_a_status_change_keeps_the_new_status(client_for, users, members):
    zhang, operator = members["a"], users["operator_a"]
    status.stop(zhang, operator, on=DAY, reason="长期不交党费")
    client = client_for(operator)
    data = new_member_form(
        zhang.organization,
        name=zhang.name,
        id_number="",
        mobile="",
        gender="male",
        birth_date="1980-05-04",
        occupation="教师",
        status="normal",  # a stale page: disabled, so ignored
    )
    assert client.post(f"/members/{zhang.pk}/edit/", data).status_code == 302
    zhang.refresh_from_db()
    assert (zhang.occupation, zhang.status, zhang.status_on) == (
        "教师",
        Member.Status.SUSPENDED,
        DAY,
    )


def test_form_creates_a_member_with_a_status(client_for, users, members, district):
    client = client_for(users["operator_a"])
    html = client.get("/members/add/").content.decode()
    assert not disabled(html, "status") and not disabled(html, "flowing")
    data = new_member_form(
        district["a_branch"],
        status="suspended",
        status_on="2020-01-01",
        flowing="on",
        flowing_destination="江苏省南京市",
    )
    assert client.post("/members/add/", data).status_code == 302
    created = Member.objects.get(id_number_hash=id_number_hash(NEW_ID))
    assert (created.status, created.status_on) == (Member.Status.SUSPENDED, date(2020, 1, 1))
    assert (created.flowing, created.flowing_destination) == (True, "江苏省南京市")


# --- the API ----------------------------------------------------------------------------


def test_api_patch_of_status_is_a_400_naming_it_and_writes_nothing(api_for, users, members):
    api = api_for(users["operator_a"])
    before = member_snapshot()
    response = api.patch(
        f"/api/v1/members/{members['a'].pk}/",
        {"status": "suspended", "status_on": DAY.isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"status": [MESSAGE], "status_on": [MESSAGE]}
    assert member_snapshot() == before


def test_api_put_of_the_unchanged_representation_is_fine(api_for, users, members):
    zhang, operator = members["a"], users["operator_a"]
    status.lose_contact(zhang, operator, on=DAY, reason_code="whereabouts_unknown")
    api = api_for(operator)
    url = f"/api/v1/members/{zhang.pk}/"
    body = api.get(url).json()
    assert (body["lost_contact"], body["lost_contact_on"]) == (True, DAY.isoformat())
    for masked in ("id_number", "mobile"):  # read masked; left out, the stored one stays
        body.pop(masked)
    body["note"] = f"{body['note']}\n已电话联系家属"
    response = api.put(url, body, format="json")
    assert response.status_code == 200, response.content
    zhang.refresh_from_db()
    assert zhang.note.endswith("已电话联系家属")
    assert (zhang.lost_contact, zhang.lost_contact_on) == (True, DAY)
    # The same PUT with the flag cleared is refused.
    response = api.put(url, {**body, "lost_contact": False}, format="json")
    assert response.status_code == 400
    assert response.json() == {"lost_contact": [MESSAGE]}


def test_api_upsert_changing_lost_contact_is_a_400_and_writes_nothing(api_for, users, members):
    zhang = members["a"]
    api = api_for(users["operator_a"])
    item = new_member_api(
        zhang.organization,
        name=zhang.name,
        id_number=PLAIN["a"]["id"],
        mobile=None,
        gender="male",
        birth_date="1980-05-04",
        joined_on="2005-07-01",
        full_member_on="2006-07-01",
    )
    before = member_snapshot()
    response = api.post(
        "/api/v1/members/upsert/",
        {**item, "lost_contact": True, "lost_contact_on": DAY.isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"lost_contact": [MESSAGE], "lost_contact_on": [MESSAGE]}
    assert member_snapshot() == before
    # Control: the same upsert that leaves the flags as they are updates the member.
    response = api.post("/api/v1/members/upsert/", {**item, "note": "更新"}, format="json")
    assert response.status_code == 200, response.content
    assert Member.objects.get(pk=zhang.pk).note == "更新"


def test_api_creates_a_member_with_a_status(api_for, users, members, district):
    api = api_for(users["operator_a"])
    response = api.post(
        "/api/v1/members/",
        new_member_api(district["a_branch"], status="deceased", status_on="2024-02-01"),
        format="json",
    )
    assert response.status_code == 201, response.content
    assert (response.json()["status"], response.json()["status_on"]) == (
        "deceased",
        "2024-02-01",
    )


# --- the import -------------------------------------------------------------------------

HEADER = ["姓名", "身份证号", "所在党支部编码", "党员类别", "入党日期", "转正日期"]


def run_import(user, rows, extra_header):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([*HEADER, *extra_header])
    writer.writerows(rows)
    return imports.get_spec("members.member").run(buffer.getvalue().encode(), "m.csv", user)


def zhang_row(branch_code):
    return ["张卫东", PLAIN["a"]["id"], branch_code, "正式党员", "2005-07-01", "2006-07-01"]


def new_row(branch_code):
    return ["赵敏", NEW_ID, branch_code, "正式党员", "2015-07-01", "2016-07-01"]


def test_import_changing_flowing_of_an_existing_member_is_a_row_error(users, members, district):
    code = district["a_branch"].code
    before = member_snapshot()
    result = run_import(
        users["operator_a"],
        [[*new_row(code), "否", ""], [*zhang_row(code), "是", "广东省深圳市"]],
        ["流动党员", "流向地"],
    )
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (3, "流动党员", MESSAGE),
        (3, "流向地", MESSAGE),
    ]
    assert member_snapshot() == before  # not even the valid new row
    # Control: the file that keeps the flags as stored is written.
    result = run_import(
        users["operator_a"],
        [[*new_row(code), "否", ""], [*zhang_row(code), "否", ""]],
        ["流动党员", "流向地"],
    )
    assert result.ok, result.errors
    assert (result.created, result.unchanged) == (1, 1)


def test_import_creates_members_with_their_status(users, members, district):
    result = run_import(
        users["operator_a"],
        [[*new_row(district["a_branch"].code), "停止党籍", "2021-03-01"]],
        ["党籍状态", "状态变更日期"],
    )
    assert result.ok, result.errors
    created = Member.objects.get(id_number_hash=id_number_hash(NEW_ID))
    assert (created.status, created.status_on) == (Member.Status.SUSPENDED, date(2021, 3, 1))


# --- the workflow -----------------------------------------------------------------------


def test_the_status_workflow_still_changes_them(users, members):
    zhang, operator = members["a"], users["operator_a"]
    status.flow_out(
        zhang,
        operator,
        on=DAY,
        destination="广东省深圳市",
        contact_organization="深圳流动党员党支部",
    )
    status.lose_contact(zhang, operator, on=DAY, reason_code="migrant_work")
    stopped = status.stop(zhang, operator, on=DAY, reason="长期不参加组织生活")
    stopped.full_clean()  # the returned member knows its new stored values
    zhang.refresh_from_db()
    assert (zhang.status, zhang.lost_contact, zhang.flowing) == (
        Member.Status.SUSPENDED,
        True,
        True,
    )
    dead = status.death(zhang, operator, on=timezone.localdate())
    dead.refresh_from_db()
    assert (dead.status, dead.lost_contact, dead.flowing, dead.flowing_destination) == (
        Member.Status.DECEASED,
        False,
        False,
        "",
    )


# --- the admin --------------------------------------------------------------------------


def admin_change_data(member, **overrides):
    """POST data of the admin change form: every editable input field of ``member``."""
    data = {
        "name": member.name,
        "id_number": "",
        "gender": member.gender,
        "ethnicity": member.ethnicity,
        "birth_date": member.birth_date.isoformat(),
        "mobile": "",
        "education": member.education,
        "occupation": member.occupation,
        "employer_name": member.employer_name,
        "organization": member.organization_id,
        "category": member.category,
        "joined_on": member.joined_on.isoformat(),
        "full_member_on": member.full_member_on.isoformat(),
        "note": member.note,
    }
    data.update(overrides)
    return data


def test_admin_change_form_has_them_read_only(client, staff_a, members):
    zhang = members["a"]
    client.force_login(staff_a)
    url = f"/admin/members/member/{zhang.pk}/change/"
    html = client.get(url).content.decode()
    for name in Member.STATUS_FIELDS:
        assert f'name="{name}"' not in html, name
    assert "党籍状态" in html  # shown, read-only
    add = client.get("/admin/members/member/add/").content.decode()
    for name in Member.STATUS_FIELDS:
        assert f'name="{name}"' in add, name

    data = admin_change_data(
        zhang,
        occupation="会计",
        status="suspended",
        status_on=DAY.isoformat(),
        flowing="on",
        flowing_destination="广东省深圳市",
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    zhang.refresh_from_db()
    assert (zhang.occupation, zhang.status, zhang.flowing) == ("会计", Member.Status.NORMAL, False)
