"""Transfers of the organisational relationship (组织关系转接, issue 6 point 2): a transfer
between two streets is visible to both, moves only through ``members.services`` (neither
side can change the member's organisation by editing), and ends with the member in the
destination branch, the member's history showing the move with the transfer as context.
Each illegal step gives a clear error and writes nothing.

Members (tests/members/conftest.py): 张卫东 (A's community branch), 王秀英 (A's street-level
branch), 李建国 (B's community branch).
"""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from pghistory.models import Events

from members import services
from members.models import Member, Transfer, TransferStep, add_months
from portal.accounts.roles import STREET_OPERATOR
from tests.conftest import make_user
from tests.members.conftest import PLAIN, make_id_number, member_snapshot, new_member_form

TODAY = timezone.localdate()
ISSUED = TODAY - timedelta(days=10)


def start(user, member, destination=None, **overrides):
    data = {
        "member": member,
        "destination": destination,
        "letter_number": "JS2026-001",
        "issued_on": ISSUED,
        "dues_paid_until": date(2026, 10, 31),
        "reason": "工作调动",
    }
    data.update(overrides)
    return services.initiate(user, **data)


def snapshot():
    return (
        sorted(Transfer.objects.values_list("pk", "state", "completed_on", "refusal")),
        TransferStep.objects.count(),
        member_snapshot(),
    )


@pytest.fixture
def a_to_b(users, members, district):
    """张卫东's transfer from A's community branch to B's, initiated by A's operator."""
    return start(users["operator_a"], members["a"], district["b_branch"])


# --- the legal paths ------------------------------------------------------------------------------


def test_transfer_between_two_streets(users, members, district, client_for, api_for):
    zhang = members["a"]
    transfer = start(users["operator_a"], zhang, district["b_branch"])
    assert (transfer.kind, transfer.state) == (Transfer.Kind.WITHIN, "pending_approval")
    assert transfer.valid_until == add_months(ISSUED, 3)
    assert transfer.dues_paid_until == date(2026, 10, 31)
    assert transfer.source_organization == district["a_branch"]

    # Both streets see it, in the UI and the API.
    for user in (users["operator_a"], users["operator_b"]):
        client = client_for(user)
        assert client.get(f"/members/transfers/{transfer.pk}/").status_code == 200
        assert "JS2026-001" in client.get("/members/transfers/").content.decode()
        assert api_for(user).get(f"/api/v1/transfers/{transfer.pk}/").status_code == 200

    # B may not approve for A; A approves.
    with pytest.raises(services.WorkflowError, match="只有转出党支部的上级"):
        services.approve(transfer, users["operator_b"], on=TODAY)
    services.approve(transfer, users["operator_a"], on=TODAY, note="同意")
    transfer.refresh_from_db()
    assert transfer.state == "pending_acceptance"

    # Neither side moves the member by editing while it is pending.
    street_branch = members["a_street"].organization
    response = api_for(users["operator_a"]).patch(
        f"/api/v1/members/{zhang.pk}/", {"organization": street_branch.pk}, format="json"
    )
    assert response.status_code == 400
    assert "只能通过转接变更" in response.json()["organization"][0]
    form = new_member_form(
        street_branch,
        name="张卫东",
        id_number="",
        gender="male",
        birth_date="1980-05-04",
        mobile="",
        joined_on="2005-07-01",
    )
    response = client_for(users["operator_a"]).post(f"/members/{zhang.pk}/edit/", form)
    assert response.status_code == 400
    assert "只能通过转接变更" in response.content.decode()
    assert client_for(users["operator_b"]).get(f"/members/{zhang.pk}/edit/").status_code == 404
    # Other fields stay editable by the current holder.
    response = api_for(users["operator_a"]).patch(
        f"/api/v1/members/{zhang.pk}/", {"note": "待转出"}, format="json"
    )
    assert response.status_code == 200

    # A may not accept for B; B accepts.
    with pytest.raises(services.WorkflowError, match="只有转入党支部"):
        services.accept(transfer, users["operator_a"], on=TODAY)
    services.accept(transfer, users["operator_b"], on=TODAY)
    transfer.refresh_from_db()
    zhang.refresh_from_db()
    assert (transfer.state, transfer.completed_on) == ("completed", TODAY)
    assert zhang.organization == district["b_branch"]

    # The member is B's now; the transfer stays visible to both.
    assert client_for(users["operator_a"]).get(f"/members/{zhang.pk}/").status_code == 404
    assert client_for(users["operator_b"]).get(f"/members/{zhang.pk}/").status_code == 200
    for user in (users["operator_a"], users["operator_b"]):
        assert client_for(user).get(f"/members/transfers/{transfer.pk}/").status_code == 200
        history = client_for(user).get(f"/members/transfers/{transfer.pk}/history/")
        assert history.status_code == 200

    # History intact: the insert, the note edit and the move, with the transfer as context.
    events = list(Events.objects.tracks(zhang).order_by("pgh_created_at", "pgh_id"))
    assert [e.pgh_label for e in events] == ["insert", "update", "update"]
    move = events[-1]
    assert move.pgh_diff["organization_id"] == [district["a_branch"].pk, district["b_branch"].pk]
    assert move.pgh_context["transfer"] == transfer.pk
    assert move.pgh_context["transfer_letter"] == "JS2026-001"
    assert list(transfer.steps.values_list("action", flat=True)) == [
        "initiate",
        "approve",
        "accept",
    ]


def test_transfer_out_of_the_district_marks_the_member(users, members):
    transfer = start(users["operator_a"], members["a"], external_organization="浦东新区某党支部")
    assert transfer.kind == Transfer.Kind.OUT
    services.approve(transfer, users["operator_a"], on=TODAY)
    transfer.refresh_from_db()
    assert (transfer.state, transfer.completed_on) == ("completed", TODAY)
    member = Member.objects.get(pk=members["a"].pk)
    assert member.transferred_out
    assert member.organization == transfer.source_organization  # the record stays
    with pytest.raises(services.WorkflowError, match="已转出本区"):
        start(users["operator_a"], member, external_organization="别处", letter_number="2")


def test_transfer_into_the_district_creates_the_member(users, district, client_for):
    number = make_id_number(date(1991, 8, 8), 361)
    transfer = services.receive(
        users["operator_b"],
        destination=district["b_branch"],
        member_data={
            "name": "孙强",
            "category": Member.Category.FULL,
            "joined_on": date(2015, 7, 1),
            "full_member_on": date(2016, 7, 1),
        },
        id_number=number,
        external_organization="江苏省南京市某党支部",
        letter_number="SU-9",
        issued_on=ISSUED,
        dues_paid_until=date(2026, 9, 30),
        on=TODAY,
    )
    assert (transfer.kind, transfer.state, transfer.source_organization) == (
        "in",
        "completed",
        None,
    )
    member = transfer.member
    assert (member.name, member.organization, member.id_number) == (
        "孙强",
        district["b_branch"],
        number,
    )
    assert (
        client_for(users["operator_b"]).get(f"/members/transfers/{transfer.pk}/").status_code == 200
    )
    assert (
        client_for(users["operator_a"]).get(f"/members/transfers/{transfer.pk}/").status_code == 404
    )


def test_reject_at_each_side_and_revoke(users, members, district):
    operator_a, operator_b = users["operator_a"], users["operator_b"]
    transfer = start(operator_a, members["a"], district["b_branch"])
    with pytest.raises(services.WorkflowError, match="请填写退回原因"):
        services.reject(transfer, operator_a, on=TODAY, note="")
    services.reject(transfer, operator_a, on=TODAY, note="介绍信填写有误")
    transfer.refresh_from_db()
    assert (transfer.state, transfer.refusal) == ("rejected", "介绍信填写有误")

    transfer = start(operator_a, members["a"], district["b_branch"], letter_number="2")
    services.approve(transfer, operator_a, on=TODAY)
    with pytest.raises(services.WorkflowError, match="只有转入党支部"):
        services.reject(transfer, operator_a, on=TODAY, note="x")
    services.reject(transfer, operator_b, on=TODAY, note="查无此人")
    transfer.refresh_from_db()
    assert transfer.state == "rejected"

    transfer = start(operator_a, members["a"], district["b_branch"], letter_number="3")
    services.approve(transfer, operator_a, on=TODAY)
    colleague = make_user("operator_a2", STREET_OPERATOR, district["a"])
    with pytest.raises(services.WorkflowError, match="只有发起人可以撤回"):
        services.revoke(transfer, colleague, on=TODAY)
    services.revoke(transfer, operator_a, on=TODAY, note="暂缓")
    transfer.refresh_from_db()
    assert transfer.state == "revoked"
    with pytest.raises(services.WorkflowError, match="不能接收"):
        services.accept(transfer, operator_b, on=TODAY)
    assert Member.objects.get(pk=members["a"].pk).organization == district["a_branch"]


# --- illegal steps: a clear error, nothing written ----------------------------------------------


def test_a_member_with_a_pending_transfer_cannot_start_another(users, members, district, a_to_b):
    before = snapshot()
    with pytest.raises(
        services.WorkflowError, match="已有正在办理的组织关系转接（介绍信 JS2026-001）"
    ):
        start(users["operator_a"], members["a"], district["b_branch"], letter_number="X")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("actor", "overrides", "message"),
    [
        ("worker_a", {}, "没有发起组织关系转接的权限"),
        ("auditor", {}, "没有发起组织关系转接的权限"),
        ("operator_b", {}, "不存在或不在您的管辖范围内"),
        ("operator_a", {"destination": "a_branch"}, "与所在党支部相同"),
        ("operator_a", {"destination": "b_general"}, "应为未撤销的党支部"),
        ("operator_a", {"destination": None}, "请填写接收党组织名称"),
        ("operator_a", {"letter_number": " "}, "请填写介绍信编号"),
        ("operator_a", {"issued_on": TODAY + timedelta(days=1)}, "不能晚于今天"),
    ],
)
def test_illegal_initiation(users, members, district, actor, overrides, message):
    if isinstance(overrides.get("destination"), str):
        overrides["destination"] = district[overrides["destination"]]
    overrides.setdefault("destination", district["b_branch"])
    before = snapshot()
    with pytest.raises(services.WorkflowError) as caught:
        start(users[actor], members["a"], **overrides)
    assert message in " ".join(caught.value.messages)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("approved", "action", "actor", "on", "message"),
    [
        (False, "accept", "operator_b", TODAY, "不能接收"),  # skipped the approval
        (True, "approve", "operator_a", TODAY, "不能审批同意"),  # twice
        (False, "approve", "operator_b", TODAY, "只有转出党支部的上级"),
        (False, "approve", "worker_a", TODAY, "没有办理组织关系转接的权限"),
        (True, "accept", "operator_a", TODAY, "只有转入党支部"),
        (False, "approve", "operator_a", ISSUED - timedelta(days=1), "不能早于"),
        (False, "approve", "operator_a", TODAY + timedelta(days=1), "不能晚于今天"),
        (True, "revoke", "operator_b", TODAY, "只有发起人可以撤回"),
    ],
)
def test_illegal_step(users, a_to_b, approved, action, actor, on, message):
    if approved:
        services.approve(a_to_b, users["operator_a"], on=TODAY)
    before = snapshot()
    with pytest.raises(services.WorkflowError) as caught:
        services.TRANSFER_ACTIONS[action](a_to_b, users[actor], on=on, note="x")
    assert message in " ".join(caught.value.messages)
    assert snapshot() == before


def test_an_expired_letter_cannot_be_accepted(users, members, district):
    transfer = start(
        users["operator_a"], members["a"], district["b_branch"], issued_on=date(2026, 1, 5)
    )
    assert transfer.valid_until == date(2026, 4, 5)
    services.approve(transfer, users["operator_a"], on=date(2026, 1, 6))
    before = snapshot()
    with pytest.raises(services.WorkflowError, match="介绍信已于 2026-04-05 过期"):
        services.accept(transfer, users["operator_b"], on=TODAY)
    assert snapshot() == before


# --- scope, pages and API -----------------------------------------------------------------------


def test_transfer_within_street_a_is_404_for_street_b(users, members, client_for, api_for):
    transfer = start(users["operator_a"], members["a"], members["a_street"].organization)
    assert (
        client_for(users["operator_b"]).get(f"/members/transfers/{transfer.pk}/").status_code == 404
    )
    response = client_for(users["operator_b"]).post(
        f"/members/transfers/{transfer.pk}/approve/", {"approve-on": TODAY.isoformat()}
    )
    assert response.status_code == 404
    api = api_for(users["operator_b"])
    assert api.get(f"/api/v1/transfers/{transfer.pk}/").status_code == 404
    assert api.get("/api/v1/transfers/").json()["count"] == 0
    assert (
        api.post(f"/api/v1/transfers/{transfer.pk}/approve/", {"on": str(TODAY)}).status_code == 404
    )
    transfer.refresh_from_db()
    assert transfer.state == "pending_approval"


def test_pages_initiate_approve_and_accept(users, members, district, client_for):
    client = client_for(users["operator_a"])
    page = client.get(f"/members/transfers/add/?member={members['a'].pk}").content.decode()
    assert "武康居民区第一党支部" in page  # B's branches may receive
    response = client.post(
        "/members/transfers/add/",
        {
            "member": members["a"].pk,
            "destination": district["b_branch"].pk,
            "letter_number": "UI-1",
            "issued_on": ISSUED.isoformat(),
            "dues_paid_until": "2026-10-31",
        },
    )
    assert response.status_code == 302, response.content.decode()
    transfer = Transfer.objects.get()
    url = f"/members/transfers/{transfer.pk}/"
    assert 'data-testid="action-approve"' in client.get(url).content.decode()
    assert client.post(f"{url}approve/", {"approve-on": TODAY.isoformat()}).status_code == 302
    client_b = client_for(users["operator_b"])
    assert 'data-testid="action-accept"' in client_b.get(url).content.decode()
    assert client_b.post(f"{url}accept/", {"accept-on": TODAY.isoformat()}).status_code == 302
    assert Member.objects.get(pk=members["a"].pk).organization == district["b_branch"]
    page = client_b.get(url).content.decode()
    assert "已完成" in page and PLAIN["a"]["id"] not in page


def test_api_mirrors_the_buttons(users, members, district, api_for):
    api_a, api_b = api_for(users["operator_a"]), api_for(users["operator_b"])
    response = api_a.post(
        "/api/v1/transfers/",
        {
            "member": members["a"].pk,
            "destination": district["b_branch"].pk,
            "letter_number": "API-1",
            "issued_on": str(ISSUED),
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    response = api_b.post(f"/api/v1/transfers/{pk}/approve/", {"on": str(TODAY)}, format="json")
    assert response.status_code == 400
    assert "只有转出党支部的上级" in response.json()["non_field_errors"][0]
    assert api_a.post(f"/api/v1/transfers/{pk}/approve/", {"on": str(TODAY)}).status_code == 200
    response = api_b.post(f"/api/v1/transfers/{pk}/accept/", {"on": str(TODAY)}, format="json")
    assert response.status_code == 200
    assert response.json()["state"] == "completed"
    assert [s["action"] for s in response.json()["steps"]] == ["initiate", "approve", "accept"]
    assert Member.objects.get(pk=members["a"].pk).organization == district["b_branch"]
