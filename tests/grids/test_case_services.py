"""The case workflow (grids.services.cases): each legal path writes its timeline steps and
deadlines; each illegal transition raises a clear TransitionError and changes nothing (the
case's columns, its steps and the notifications are as they were).

Users: ``worker_a`` and ``cworker_a2`` (community workers of a1, grid A), ``cworker_b``
(b1, grid B), ``operator_a``/``operator_b`` (streets A/B), ``admin`` (district), ``auditor``.
Category 环境卫生: 2h to accept, 4h to dispatch, 24h to resolve, 8h to verify.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from grids.models import Case, CasePhoto, CaseStep
from grids.services import TransitionError
from grids.services import cases as services
from portal.inbox.models import InboxItem
from tests.grids.conftest import (
    JPEG_BYTES,
    PNG_BYTES,
    WEBP_BYTES,
    case_snapshot,
    report_case,
)

T0 = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai

PNG, JPEG, WEBP = PNG_BYTES, JPEG_BYTES, WEBP_BYTES


@pytest.fixture
def clock(monkeypatch):
    """A frozen ``timezone.now``; ``clock.now`` may be moved by the test."""

    class Clock:
        now = T0

    monkeypatch.setattr("django.utils.timezone.now", lambda: Clock.now)
    return Clock


@pytest.fixture
def people(users, case_users):
    return {**users, **case_users}


def steps(case):
    return list(CaseStep.objects.filter(case=case).values_list("action", "from_state", "to_state"))


def inbox(user):
    """(kind, case id) of the user's inbox messages about cases, oldest first."""
    return list(
        InboxItem.objects.filter(user=user, content_type=ContentType.objects.get_for_model(Case))
        .order_by("id")
        .values_list("kind", "object_id")
    )


def test_the_whole_way_writes_each_step_with_its_deadline(clock, district, people, grids):
    worker, operator, checker = people["worker_a"], people["operator_a"], people["cworker_a2"]
    case = report_case(worker, grids["grid_a"], grids["category"])
    assert re.fullmatch(rf"C20261130-{case.pk:06d}", case.number)
    assert (case.state, case.level, case.due_at) == (
        "reported",
        "community",
        T0 + timedelta(hours=2),
    )
    # The grid's other community worker hears of the new case; the reporter does not.
    assert inbox(checker) == [("case_reported", case.pk)] and inbox(worker) == []

    clock.now = T0 + timedelta(hours=1)
    case = services.accept(case, worker, note="属实")
    assert case.due_at == clock.now + timedelta(hours=4)
    case = services.dispatch(
        case, operator, organization=district["a_branch"], assignee_user=worker, note="请支部处理"
    )
    assert (case.state, case.assignee_organization, case.assignee_user) == (
        "dispatched",
        district["a_branch"],
        worker,
    )
    assert case.due_at == clock.now + timedelta(hours=24)
    assert inbox(worker) == [("case_dispatched", case.pk)]
    case = services.start(case, worker)
    case = services.resolve(case, worker, note="已清理", photos=[])
    assert case.due_at == clock.now + timedelta(hours=8)
    case = services.verify(case, checker, note="现场已核实")
    assert (case.state, case.due_at) == ("verified", None)
    clock.now = T0 + timedelta(hours=5)
    case = services.close(case, operator)
    assert (case.state, case.due_at, case.closed_at) == ("closed", None, clock.now)

    case.refresh_from_db()
    assert case.state == "closed"
    assert steps(case) == [
        ("report", "", "reported"),
        ("accept", "reported", "accepted"),
        ("dispatch", "accepted", "dispatched"),
        ("start", "dispatched", "in_progress"),
        ("resolve", "in_progress", "resolved"),
        ("verify", "resolved", "verified"),
        ("close", "verified", "closed"),
    ]
    actors = list(case.steps.values_list("actor__username", flat=True))
    assert actors == [
        "worker_a",
        "worker_a",
        "operator_a",
        "worker_a",
        "worker_a",
        "cworker_a2",
        "operator_a",
    ]
    notes = list(case.steps.values_list("note", flat=True))
    assert notes[1:3] == ["属实", "请支部处理"] and notes[4] == "已清理"


def test_reject_and_reopen_paths(clock, people, grids):
    worker, checker = people["worker_a"], people["cworker_a2"]
    rejected = services.reject(
        report_case(worker, grids["grid_a"], grids["category"]), checker, note="重复上报"
    )
    assert (rejected.state, rejected.due_at, rejected.closed_at) == ("rejected", None, T0)
    assert steps(rejected)[-1] == ("reject", "reported", "rejected")

    case = report_case(worker, grids["grid_a"], grids["category"])
    case = services.accept(case, worker)
    case = services.dispatch(case, worker, unit="徐汇区绿化市容局")
    case = services.resolve(case, worker, note="已清理")  # straight from dispatched
    case = services.verify(case, checker)
    clock.now = T0 + timedelta(hours=3)
    case = services.reopen(case, checker, note="又堆上了")
    assert (case.state, case.due_at) == ("in_progress", clock.now + timedelta(hours=24))
    assert steps(case)[-3:] == [
        ("resolve", "dispatched", "resolved"),
        ("verify", "resolved", "verified"),
        ("reopen", "verified", "in_progress"),
    ]
    assert case.assignee_unit == "徐汇区绿化市容局"


def test_escalation_moves_the_case_up_and_out_of_the_workers_reach(clock, people, grids):
    worker, operator, admin = people["worker_a"], people["operator_a"], people["admin"]
    case = report_case(worker, grids["grid_a"], grids["category"])
    clock.now = T0 + timedelta(hours=1)
    case = services.escalate(case, worker, note="需街道协调")
    assert (case.state, case.level) == ("reported", "street")
    assert case.due_at == clock.now + timedelta(hours=2)  # the stage restarts
    assert inbox(operator) == [("case_escalated", case.pk)]
    assert inbox(people["operator_b"]) == [] and inbox(admin) == []
    assert services.available_actions(case, worker) == []
    assert services.available_actions(case, operator) == ["accept", "reject", "escalate"]

    case = services.escalate(case, operator)
    assert case.level == "district"
    assert inbox(admin) == [("case_escalated", case.pk)]
    assert services.available_actions(case, operator) == []
    case = services.accept(case, admin)
    assert steps(case) == [
        ("report", "", "reported"),
        ("escalate", "reported", "reported"),
        ("escalate", "reported", "reported"),
        ("accept", "reported", "accepted"),
    ]


def to_state(case, state, people, district):
    """Bring ``case`` (reported by worker_a) to ``state`` through the services."""
    worker, checker = people["worker_a"], people["cworker_a2"]
    path = {
        "accepted": [lambda c: services.accept(c, worker)],
        "rejected": [lambda c: services.reject(c, worker, note="不属实")],
        "resolved": [
            lambda c: services.accept(c, worker),
            lambda c: services.dispatch(c, worker, organization=district["a_branch"]),
            lambda c: services.resolve(c, worker, note="已办"),
        ],
    }
    path["closed"] = [
        *path["resolved"],
        lambda c: services.verify(c, checker),
        lambda c: services.close(c, checker),
    ]
    for step in path.get(state, []):
        case = step(case)
    return case


ILLEGAL = [
    # (state, user, action, kwargs, message fragments)
    ("resolved", "operator_a", "close", {}, ["已办结", "关闭"]),
    ("resolved", "worker_a", "verify", {}, ["办结人不能核实"]),
    ("rejected", "operator_a", "dispatch", {"unit": "某单位"}, ["不予受理", "派单"]),
    ("closed", "operator_a", "reopen", {"note": "再办"}, ["已关闭", "重新办理"]),
    ("reported", "cworker_b", "accept", {}, ["不在您的管辖范围内"]),
    ("reported", "operator_b", "accept", {}, ["不在您的管辖范围内"]),
    ("reported", "auditor", "accept", {}, ["没有办理需求/问题的权限"]),
    ("accepted", "worker_a", "accept", {}, ["已受理", "受理"]),
    ("reported", "worker_a", "start", {}, ["已上报", "开始办理"]),
    ("reported", "worker_a", "reject", {}, ["请填写不予受理说明"]),
    ("accepted", "worker_a", "dispatch", {}, ["请选择承办党组织"]),
    ("resolved", "cworker_a2", "resolve", {"note": "x"}, ["已办结", "办结"]),
]


@pytest.mark.parametrize(("state", "user_key", "action", "kwargs", "fragments"), ILLEGAL)
def test_illegal_transitions_are_refused_and_change_nothing(
    clock, district, people, grids, state, user_key, action, kwargs, fragments
):
    case = to_state(
        report_case(people["worker_a"], grids["grid_a"], grids["category"]), state, people, district
    )
    assert case.state == state
    before = case_snapshot(case)
    clock.now = T0 + timedelta(hours=1)
    with pytest.raises(TransitionError) as refused:
        services.ACTIONS[action](case, people[user_key], **kwargs)
    message = " ".join(refused.value.messages)
    for fragment in fragments:
        assert fragment in message
    assert case_snapshot(case) == before


def test_a_worker_cannot_act_on_a_street_level_case(clock, people, grids):
    case = report_case(people["worker_a"], grids["grid_a"], grids["category"])
    case = services.escalate(case, people["worker_a"])
    before = case_snapshot(case)
    for action in ("accept", "escalate"):
        with pytest.raises(TransitionError, match="已上报至街道层级"):
            services.ACTIONS[action](case, people["cworker_a2"])
    assert case_snapshot(case) == before


def test_escalation_stops_at_the_district(people, grids):
    case = report_case(people["worker_a"], grids["grid_a"], grids["category"])
    case = services.escalate(services.escalate(case, people["worker_a"]), people["operator_a"])
    before = case_snapshot(case)
    with pytest.raises(TransitionError, match="已在区级办理"):
        services.escalate(case, people["admin"])
    assert case_snapshot(case) == before


def test_dispatch_targets_must_be_in_scope_and_able_to_act(district, people, grids):
    case = services.accept(
        report_case(people["worker_a"], grids["grid_a"], grids["category"]), people["worker_a"]
    )
    before = case_snapshot(case)
    with pytest.raises(TransitionError) as refused:
        services.dispatch(case, people["operator_a"], organization=district["b_branch"])
    assert refused.value.message_dict == {"organization": ["该党组织不存在或不在您的管辖范围内。"]}
    with pytest.raises(TransitionError) as refused:
        services.dispatch(
            case, people["operator_a"], unit="某单位", assignee_user=people["cworker_b"]
        )
    assert "assignee_user" in refused.value.message_dict
    with pytest.raises(TransitionError) as refused:
        services.dispatch(case, people["operator_a"], member=grids["worker_b"])
    assert "member" in refused.value.message_dict
    assert case_snapshot(case) == before

    # Without an assignee account, the grid's community workers are told.
    services.dispatch(case, people["operator_a"], member=grids["worker_a"])
    assert inbox(people["worker_a"]) == [("case_dispatched", case.pk)]
    assert inbox(people["cworker_a2"])[-1] == ("case_dispatched", case.pk)


def test_report_checks_the_grid_scope_and_the_category(people, grids):
    with pytest.raises(TransitionError) as refused:
        report_case(people["worker_a"], grids["grid_b"], grids["category"])
    assert "grid" in refused.value.message_dict
    grids["category"].active = False
    grids["category"].save()
    with pytest.raises(TransitionError) as refused:
        report_case(people["worker_a"], grids["grid_a"], grids["category"])
    assert refused.value.message_dict == {"category": ["类别“环境卫生”已停用。"]}
    with pytest.raises(TransitionError):
        report_case(people["auditor"], grids["grid_a"], grids["category"])
    assert Case.objects.count() == 0


def test_report_validates_the_model(people, grids):
    with pytest.raises(ValidationError) as refused:
        report_case(people["worker_a"], grids["grid_a"], grids["category"], latitude=31.2)
    assert "latitude" in refused.value.message_dict
    assert Case.objects.count() == 0


def test_photos_are_checked_by_content_and_size(media, settings, people, grids):
    uploads = [
        SimpleUploadedFile("a.png", PNG),
        SimpleUploadedFile("b.jpg", JPEG),
        SimpleUploadedFile("c.webp", WEBP),
    ]
    case = report_case(people["worker_a"], grids["grid_a"], grids["category"], photos=uploads)
    stored = CasePhoto.objects.filter(case=case).order_by("id")
    # Re-encoded by Pillow (portal.uploads): PNG stays PNG, WebP becomes JPEG.
    assert [p.content_type for p in stored] == ["image/png", "image/jpeg", "image/jpeg"]
    assert stored[0].image.read().startswith(PNG[:8])

    fake = SimpleUploadedFile("evil.png", b"<?php echo 1; ?>")
    with pytest.raises(ValidationError) as refused:
        report_case(people["worker_a"], grids["grid_a"], grids["category"], photos=[fake])
    assert refused.value.message_dict == {"photos": ["“evil.png”不是 PNG、JPEG 或 WebP 图片。"]}
    settings.CASE_PHOTO_MAX_BYTES = 1024 * 1024
    big = SimpleUploadedFile("big.jpg", JPEG + b"\x00" * (1024 * 1024))
    with pytest.raises(ValidationError) as refused:
        report_case(people["worker_a"], grids["grid_a"], grids["category"], photos=[big])
    assert refused.value.message_dict == {"photos": ["照片“big.jpg”超过 1 MB。"]}
    assert Case.objects.count() == 1


def test_resolve_keeps_proof_photos_and_asks_the_reporter_to_verify(media, district, people, grids):
    case = report_case(people["cworker_a2"], grids["grid_a"], grids["category"])
    case = to_state(case, "accepted", people, district)
    case = services.dispatch(case, people["worker_a"], unit="物业")
    case = services.resolve(
        case, people["worker_a"], note="已清理", photos=[SimpleUploadedFile("p.png", PNG)]
    )
    assert case.photos.get().uploaded_by == people["worker_a"]
    assert inbox(people["cworker_a2"])[-1] == ("case_resolved", case.pk)
    assert services.available_actions(case, people["worker_a"]) == []
    assert services.available_actions(case, people["cworker_a2"]) == ["verify"]
