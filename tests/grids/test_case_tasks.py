"""The overdue task, run with a frozen clock: it flags exactly the open cases past their stage
deadline, notifies each one's assignee account or the grid's community workers once, and a
second run flags nothing new. A transition clears the flag and sets the next deadline."""

from datetime import UTC, datetime, timedelta

import pytest

from grids.models import Case
from grids.services import cases as services
from grids.tasks import flag_overdue_cases
from portal.celery import app
from portal.inbox.models import InboxItem
from tests.grids.conftest import report_case

T0 = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch):
    class Clock:
        now = T0

    monkeypatch.setattr("django.utils.timezone.now", lambda: Clock.now)
    return Clock


def overdue_numbers():
    return set(Case.objects.filter(overdue=True).values_list("number", flat=True))


def notified():
    """(case number, username) of every overdue message in the inboxes."""
    numbers = dict(Case.objects.values_list("pk", "number"))
    rows = InboxItem.objects.filter(kind="case_overdue").values_list(
        "object_id", "user__username", "url"
    )
    for case_id, _username, url in rows:
        assert url == f"/grids/cases/{case_id}/"
    return sorted((numbers[case_id], username) for case_id, username, _url in rows)


def test_flags_exactly_the_cases_past_their_deadline(clock, district, users, case_users, grids):
    worker, cworker_b = users["worker_a"], case_users["cworker_b"]
    category = grids["category"]  # 2h to accept, 4h to dispatch, 24h to resolve
    # Grid B, dispatched to cworker_b 30 hours before T0: 24h to resolve, so 6h late.
    clock.now = T0 - timedelta(hours=31)
    late_b = report_case(cworker_b, grids["grid_b"], category, title="B晚了")
    late_b = services.accept(late_b, cworker_b)
    clock.now = T0 - timedelta(hours=30)
    late_b = services.dispatch(late_b, users["operator_b"], unit="物业", assignee_user=cworker_b)
    # Rejected long ago: ended, no deadline.
    rejected = services.reject(report_case(worker, grids["grid_a"], category), worker, note="重复")
    # A closed case with a stale deadline left on it is still not flagged (not open).
    stale = report_case(worker, grids["grid_a"], category, title="已关闭")
    Case.objects.filter(pk=stale.pk).update(state=Case.State.CLOSED)
    # Reported at T0 (due T0+2h) and at T0+2h (due T0+4h).
    clock.now = T0
    late_a = report_case(worker, grids["grid_a"], category, title="A晚了")
    clock.now = T0 + timedelta(hours=2)
    on_time = report_case(worker, grids["grid_a"], category, title="A未超时")
    exactly_due = report_case(worker, grids["grid_a"], category, title="刚到时限")
    Case.objects.filter(pk=exactly_due.pk).update(due_at=T0 + timedelta(hours=3))

    result = flag_overdue_cases(now=T0 + timedelta(hours=3))

    assert result == {"flagged": 2, "notified": 3}
    assert overdue_numbers() == {late_a.number, late_b.number}
    assert rejected.number not in overdue_numbers() and on_time.number not in overdue_numbers()
    # late_a has no assignee account: the grid's community workers (worker_a, cworker_a2);
    # late_b goes to its assignee account only.
    assert notified() == sorted(
        [(late_a.number, "worker_a"), (late_a.number, "cworker_a2"), (late_b.number, "cworker_b")]
    )

    # A second run flags nothing new and notifies no one again.
    assert flag_overdue_cases(now=T0 + timedelta(hours=3)) == {
        "flagged": 0,
        "notified": 0,
    }
    assert len(notified()) == 3

    # Accepting clears the flag and starts the 4h dispatch stage; late again after it.
    clock.now = T0 + timedelta(hours=3)
    late_a = services.accept(late_a, worker)
    assert not late_a.overdue and late_a.due_at == T0 + timedelta(hours=7)
    # At T0+6h: on_time (due T0+4h) and exactly_due (T0+3h), not late_a (due T0+7h now).
    assert flag_overdue_cases(now=T0 + timedelta(hours=6))["flagged"] == 2
    assert late_a.number not in overdue_numbers()
    assert flag_overdue_cases(now=T0 + timedelta(hours=8))["flagged"] == 1
    assert overdue_numbers() == {late_a.number, late_b.number, on_time.number, exactly_due.number}


def test_the_beat_runs_it_every_ten_minutes_by_name(clock, users, case_users, grids):
    entry = next(
        e for e in app.conf.beat_schedule.values() if e["task"] == "grids.tasks.flag_overdue_cases"
    )
    assert entry["schedule"] == 600.0
    case = report_case(users["worker_a"], grids["grid_a"], grids["category"])
    later = (T0 + timedelta(hours=5)).isoformat()
    result = flag_overdue_cases.delay(later).get()  # as the beat sends it: eager in tests
    assert result == {"flagged": 1, "notified": 2}
    assert overdue_numbers() == {case.number}
