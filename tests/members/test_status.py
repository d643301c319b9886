"""Status changes and flags of members (issue 6 point 6): stop/restore membership, lost
contact and found again, flowing out and back, death. Each is dated and audited (the member's
pghistory event carries ``status_change``), goes only through ``members.status``, and each
illegal step gives a clear error and writes nothing. Street B cannot act on A's member.

Members (tests/members/conftest.py): 张卫东 (A, joined 2005-07-01), 李建国 (B).
"""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pghistory.models import Events

from members import status
from members.models import Member
from tests.members.conftest import member_snapshot

TODAY = timezone.localdate()
DAY = TODAY - timedelta(days=30)
#: Queries of the member detail page with the status panel (one of them the panel's scope check).
QUERIES = 8


def last_context(member):
    return Events.objects.tracks(member).order_by("-pgh_created_at", "-pgh_id")[0].pgh_context


# --- the legal paths ------------------------------------------------------------------------------


def test_stop_and_restore(users, members):
    zhang, operator = members["a"], users["operator_a"]
    status.stop(zhang, operator, on=DAY, reason="长期不交党费")
    zhang.refresh_from_db()
    assert (zhang.status, zhang.status_on) == (Member.Status.SUSPENDED, DAY)
    assert f"[{DAY:%Y-%m-%d} 停止党籍] 长期不交党费" in zhang.note
    context = last_context(zhang)
    assert context["status_change"] == "stop"
    assert context["reason"] == "长期不交党费"
    assert status.available(zhang, operator) == ["restore", "lose_contact", "death"]

    status.restore(zhang, operator, on=TODAY)
    zhang.refresh_from_db()
    assert (zhang.status, zhang.status_on) == (Member.Status.NORMAL, TODAY)
    assert last_context(zhang)["status_change"] == "restore"


def test_lost_contact_and_found(users, members):
    zhang, operator = members["a"], users["operator_a"]
    status.lose_contact(zhang, operator, on=DAY, reason_code="migrant_work", reason="去深圳")
    zhang.refresh_from_db()
    assert (zhang.lost_contact, zhang.lost_contact_on) == (True, DAY)
    assert "外出务工经商：去深圳" in zhang.note
    assert last_context(zhang)["reason_code"] == "migrant_work"
    assert Member.objects.filter(lost_contact=True).get() == zhang

    status.found(zhang, operator, on=TODAY)
    zhang.refresh_from_db()
    assert (zhang.lost_contact, zhang.lost_contact_on) == (False, None)
    assert last_context(zhang)["status_change"] == "found"


def test_flowing_out_and_back(users, members):
    zhang, operator = members["a"], users["operator_a"]
    status.flow_out(
        zhang,
        operator,
        on=DAY,
        destination="广东省深圳市",
        contact_organization="深圳流动党员党支部",
    )
    zhang.refresh_from_db()
    assert (zhang.flowing, zhang.flowing_destination) == (True, "广东省深圳市")
    assert "联系党组织：深圳流动党员党支部" in zhang.note
    context = last_context(zhang)
    assert context["contact_organization"] == "深圳流动党员党支部"
    assert context["destination"] == "广东省深圳市"

    status.flow_back(zhang, operator, on=TODAY)
    zhang.refresh_from_db()
    assert (zhang.flowing, zhang.flowing_destination) == (False, "")
    assert "自 广东省深圳市 返回" in zhang.note


def test_death_is_final_and_clears_flags(users, members):
    zhang, operator = members["a"], users["operator_a"]
    status.lose_contact(zhang, operator, on=DAY, reason_code="whereabouts_unknown")
    status.death(zhang, operator, on=TODAY)
    zhang.refresh_from_db()
    assert (zhang.status, zhang.status_on, zhang.lost_contact) == (
        Member.Status.DECEASED,
        TODAY,
        False,
    )
    assert status.available(zhang, operator) == []


# --- illegal steps: a clear error, nothing written ------------------------------------------------


@pytest.mark.parametrize(
    ("prepare", "action", "kwargs", "message"),
    [
        (None, "restore", {"on": DAY}, "党籍状态为“正常”，不能恢复党籍"),
        ("death", "death", {"on": TODAY}, "已登记死亡"),
        (None, "stop", {"on": TODAY + timedelta(days=1), "reason": "x"}, "不能晚于今天"),
        (None, "stop", {"on": date(2005, 6, 30), "reason": "x"}, "不能早于入党日期"),
        (None, "stop", {"on": DAY, "reason": " "}, "请填写停止党籍的原因"),
        ("stop", "restore", {"on": DAY - timedelta(days=1)}, "不能早于停止党籍日期"),
        (
            "stop",
            "flow_out",
            {"on": DAY, "destination": "x", "contact_organization": "y"},
            "不能登记为流动党员",
        ),
        (None, "found", {"on": DAY}, "未标记为失联"),
        ("lose", "lose_contact", {"on": DAY, "reason_code": "other"}, "已于"),
        (None, "lose_contact", {"on": DAY, "reason_code": "bogus"}, "请选择失联原因"),
        (None, "lose_contact", {"on": DAY, "reason_code": "other"}, "请填写说明"),
        (None, "flow_back", {"on": DAY}, "不是流动党员"),
        (
            None,
            "flow_out",
            {"on": DAY, "destination": "深圳", "contact_organization": ""},
            "请填写流入地联系党组织",
        ),
    ],
)
def test_illegal_changes_write_nothing(users, members, prepare, action, kwargs, message):
    zhang, operator = members["a"], users["operator_a"]
    if prepare == "death":
        status.death(zhang, operator, on=DAY)
    elif prepare == "stop":
        status.stop(zhang, operator, on=DAY, reason="违纪")
    elif prepare == "lose":
        status.lose_contact(zhang, operator, on=DAY, reason_code="migrant_work")
    before = member_snapshot()
    with pytest.raises(status.StatusError) as caught:
        status.ACTIONS[action](zhang, operator, **kwargs)
    assert any(message in m for m in caught.value.messages), caught.value.messages
    assert member_snapshot() == before


def test_wrong_street_and_wrong_role(users, members):
    before = member_snapshot()
    with pytest.raises(status.StatusError, match="不在您的管辖范围内"):
        status.stop(members["a"], users["operator_b"], on=DAY, reason="x")
    with pytest.raises(status.StatusError, match="权限"):
        status.stop(members["a"], users["auditor"], on=DAY, reason="x")
    assert member_snapshot() == before


# --- pages --------------------------------------------------------------------------------------


def test_detail_page_offers_the_changes_and_posts_them(users, members, client_for):
    zhang = members["a"]
    client = client_for(users["operator_a"])
    page = client.get(zhang.get_absolute_url()).content.decode()
    assert 'data-testid="status-stop"' in page
    assert 'data-testid="status-restore"' not in page
    url = reverse("members:member_status", args=[zhang.pk, "stop"])
    response = client.post(
        url, {"status-stop-on": DAY.isoformat(), "status-stop-reason": "违纪"}, follow=True
    )
    assert "已停止党籍" in response.content.decode()
    zhang.refresh_from_db()
    assert zhang.status == Member.Status.SUSPENDED
    page = client.get(zhang.get_absolute_url()).content.decode()
    assert 'data-testid="status-restore"' in page

    history = client.get(reverse("members:member_history", args=[zhang.pk])).content.decode()
    assert f"[{DAY:%Y-%m-%d} 停止党籍] 违纪" in history
    assert "修改 · 停止党籍" in history  # the workflow step names the event
    assert last_context(zhang)["status_change"] == "stop"
    assert last_context(zhang)["user"] == users["operator_a"].pk


def test_detail_page_query_count(users, members, client_for, django_assert_num_queries):
    """The action panel costs one scope query, whatever the number of changes offered."""
    client = client_for(users["operator_a"])
    url = members["a"].get_absolute_url()
    client.get(url)
    with django_assert_num_queries(QUERIES):
        client.get(url)
    status.stop(members["a"], users["operator_a"], on=DAY, reason="x")
    with django_assert_num_queries(QUERIES):
        client.get(url)


def test_detail_page_refusal_is_a_message(users, members, client_for):
    zhang = members["a"]
    client = client_for(users["operator_a"])
    before = member_snapshot()
    url = reverse("members:member_status", args=[zhang.pk, "restore"])
    response = client.post(url, {"status-restore-on": DAY.isoformat()}, follow=True)
    assert "不能恢复党籍" in response.content.decode()
    assert member_snapshot() == before


def test_other_street_gets_404_in_the_ui(users, members, client_for):
    before = member_snapshot()
    client = client_for(users["operator_b"])
    url = reverse("members:member_status", args=[members["a"].pk, "stop"])
    response = client.post(url, {"status-stop-on": DAY.isoformat(), "status-stop-reason": "x"})
    assert response.status_code == 404
    assert member_snapshot() == before


def test_auditor_sees_no_status_actions(users, members, client_for):
    page = client_for(users["auditor"]).get(members["a"].get_absolute_url()).content.decode()
    assert 'data-testid="status-actions"' not in page


# --- API ----------------------------------------------------------------------------------------


def test_api_change_and_refusal(users, members, api_for):
    zhang = members["a"]
    api = api_for(users["operator_a"])
    url = f"/api/v1/member-status/{zhang.pk}/"
    body = api.get(url).json()
    assert body["status"] == "normal" and "stop" in body["actions"]

    response = api.post(
        f"{url}flow_out/",
        {
            "on": DAY.isoformat(),
            "destination": "江苏省苏州市",
            "contact_organization": "苏州党支部",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["flowing"] is True
    assert last_context(zhang)["status_change"] == "flow_out"

    before = member_snapshot()
    response = api.post(f"{url}restore/", {"on": DAY.isoformat()}, format="json")
    assert response.status_code == 400
    assert "不能恢复党籍" in str(response.json())
    response = api.post(
        f"{url}lose_contact/", {"on": DAY.isoformat(), "reason_code": "bogus"}, format="json"
    )
    assert response.status_code == 400
    assert member_snapshot() == before


def test_api_other_street_gets_404(users, members, api_for):
    before = member_snapshot()
    api = api_for(users["operator_b"])
    url = f"/api/v1/member-status/{members['a'].pk}/"
    assert api.get(url).status_code == 404
    response = api.post(f"{url}death/", {"on": DAY.isoformat()}, format="json")
    assert response.status_code == 404
    assert member_snapshot() == before


def test_list_filters_cover_the_flags(users, members, client_for):
    operator = users["operator_a"]
    status.lose_contact(members["a"], operator, on=DAY, reason_code="migrant_work")
    client = client_for(users["admin"])
    lost = client.get(reverse("members:member_list"), {"lost_contact": "true"})
    assert "张卫东" in lost.content.decode() and "王秀英" not in lost.content.decode()
