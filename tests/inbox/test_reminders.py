"""The daily reminder run on a frozen clock: exactly the expected items for exactly the
expected users, nothing twice, items done when their reason goes, and nothing of street A
for street B (see conftest for the fixture)."""

from datetime import date

import pytest
from celery.schedules import crontab
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members import services as member_services
from members.models import Applicant
from portal.celery import app
from portal.inbox import providers
from portal.inbox.models import InboxItem
from portal.inbox.tasks import generate_reminders
from tests.inbox.conftest import expected_keys, make_applicant


def open_keys():
    """{username: {key, ...}} of the open (not done) generated items."""
    result = {}
    for username, key in InboxItem.objects.filter(generated=True, done_at=None).values_list(
        "user__username", "key"
    ):
        result.setdefault(username, set()).add(key)
    return result


def test_the_run_writes_exactly_the_expected_items_for_the_expected_users(district, users, reasons):
    result = providers.generate()
    expected = expected_keys(district, reasons)
    assert open_keys() == expected
    total = sum(len(keys) for keys in expected.values())
    assert result == {"reminders": total, "created": total, "updated": 0, "done": 0}
    # Nobody else: not A's community worker (no right to act), the auditor (reads only),
    # the integration account (API only) or B's operator on A's reasons.
    assert set(InboxItem.objects.values_list("user__username", flat=True)) == set(expected)

    talk = InboxItem.objects.get(
        user=users["operator_a"], key=f"talk_due:applicant:{reasons['applicants']['talk'].pk}"
    )
    assert talk.kind == InboxItem.Kind.TALK_DUE
    assert talk.title == "赵谈话 的入党谈话应于 2026-06-20 前完成"
    assert talk.due_on == date(2026, 6, 20)
    assert talk.url == f"/members/development/{reasons['applicants']['talk'].pk}/"
    assert talk.source == reasons["applicants"]["talk"]
    assert talk.read_at is None and talk.done_at is None

    dues = InboxItem.objects.get(user=users["operator_a"], kind=InboxItem.Kind.DUES_ARREARS)
    assert dues.title == "上海新村居民区第一党支部 有 1 名党员连续 6 个月以上未交党费"
    assert dues.url == f"/members/dues/branch/{district['a_branch'].pk}/"
    overdue = InboxItem.objects.get(user=users["operator_a"], kind=InboxItem.Kind.TERM_OVERDUE)
    assert overdue.title == "上海新村居民区第一党支部 已于 2026-06-01 届满，尚未换届"
    kinds = set(InboxItem.objects.filter(user=users["operator_a"]).values_list("kind", flat=True))
    assert kinds == {
        "talk_due",
        "activist_due",
        "probation_due",
        "transfer_approval",
        "transfer_acceptance",
        "term_6m",
        "term_1m",
        "term_overdue",
        "dues_arrears",
    }


def test_a_second_run_the_same_day_writes_nothing(district, users, reasons):
    providers.generate()
    before = list(InboxItem.objects.order_by("pk").values())
    result = providers.generate()
    assert result["created"] == result["updated"] == result["done"] == 0
    assert list(InboxItem.objects.order_by("pk").values()) == before
    # Reading an item is kept across runs.
    item = InboxItem.objects.filter(user=users["operator_a"]).first()
    InboxItem.objects.filter(pk=item.pk).update(read_at=item.created_at)
    providers.generate()
    item.refresh_from_db()
    assert item.read_at is not None and item.done_at is None


def test_an_item_is_done_once_its_reason_has_gone(clock, district, users, reasons):
    providers.generate()
    talk_key = f"talk_due:applicant:{reasons['applicants']['talk'].pk}"
    clock.move_to(date(2026, 6, 16))
    applicant = Applicant.objects.get(pk=reasons["applicants"]["talk"].pk)
    member_services.talk(applicant, users["operator_a"], on=date(2026, 6, 16))
    result = providers.generate()
    assert result["done"] == 2  # the district admin's and A's operator's
    done = InboxItem.objects.filter(key=talk_key)
    assert {(i.user.username, i.done_at is not None) for i in done} == {
        ("district_admin", True),
        ("operator_a", True),
    }
    expected = expected_keys(district, reasons)
    for username in ("district_admin", "operator_a"):
        expected[username].discard(talk_key)
    assert open_keys() == expected


def test_a_term_moves_from_six_months_to_one_month_to_overdue(clock, district, reasons):
    org = district["a_general"]  # term ends 2026-12-01
    providers.generate()
    clock.move_to(date(2026, 11, 5))
    providers.generate()
    items = InboxItem.objects.filter(user__username="operator_a", object_id=org.pk)
    items = items.filter(kind__startswith="term")
    assert {(i.key.rsplit(":", 1)[1], i.done_at is None) for i in items} == {
        ("6m", False),
        ("1m", True),
    }
    clock.move_to(date(2026, 12, 2))
    providers.generate()
    assert {(i.key.rsplit(":", 1)[1], i.done_at is None) for i in items.all()} == {
        ("6m", False),
        ("1m", False),
        ("overdue", True),
    }
    # A new term (a new end date) closes the old term's reminders.
    org.term_end = date(2031, 12, 1)
    org.save(update_fields=["term_end"])
    providers.generate()
    assert not items.filter(done_at=None).exists()


def test_an_approved_transfer_asks_the_destination_next(clock, district, users, reasons):
    transfer = reasons["transfers"]["approval"]
    providers.generate()
    member_services.approve(transfer, users["operator_a"], on=date(2026, 6, 15))
    providers.generate()
    rows = InboxItem.objects.filter(object_id=transfer.pk, kind__startswith="transfer")
    assert {(i.user.username, i.kind, i.done_at is None) for i in rows} == {
        ("district_admin", "transfer_approval", False),
        ("operator_a", "transfer_approval", False),
        ("district_admin", "transfer_acceptance", True),
        ("operator_b", "transfer_acceptance", True),
    }


def test_street_b_gets_nothing_of_street_a(district, users, reasons):
    providers.generate()
    b_items = InboxItem.objects.filter(user=users["operator_b"])
    assert [i.title for i in b_items] == ["王乙申 的入党谈话应于 2026-06-20 前完成"]
    for username in ("worker_a", "auditor", "sync_a"):
        assert not InboxItem.objects.filter(user__username=username).exists()


def test_the_celery_task_runs_daily_by_beat_and_the_command_takes_a_date(district, users, reasons):
    entry = next(
        e
        for e in app.conf.beat_schedule.values()
        if e["task"] == "portal.inbox.tasks.generate_reminders"
    )
    assert entry["schedule"] == crontab(hour=6, minute=0)
    result = generate_reminders.delay("2026-06-15").get()  # eager in tests
    assert result["created"] == 10 + 9 + 1
    # The command replays a day: a week later 赵谈话's talk is overdue but still reminded,
    # 钱未到's notice has started.
    call_command("generate_reminders", "--date", "2026-06-24")
    later = reasons["applicants"]["talk_later"]
    assert InboxItem.objects.filter(key=f"talk_due:applicant:{later.pk}").count() == 2
    with pytest.raises(CommandError, match="--date"):
        call_command("generate_reminders", "--date", "2026-13-01")


def test_providers_are_found_over_the_installed_apps():
    modules = {collect.__module__ for collect in providers.providers()}
    assert {"members.reminders", "organizations.reminders"} <= modules


def test_the_run_costs_the_same_queries_whatever_the_number_of_reasons(
    district, users, reasons, django_assert_num_queries
):
    providers.generate()  # the content types are cached from here on
    with CaptureQueriesContext(connection) as first:
        providers.generate()
    for seq in range(30, 40):
        make_applicant(district["a_branch"], f"新申请{seq}", seq, applied_on=date(2026, 5, 20))
        make_applicant(district["b_branch"], f"乙申请{seq}", seq + 20, applied_on=date(2026, 5, 21))
    with django_assert_num_queries(len(first.captured_queries)):
        result = providers.generate()
    assert result["created"] == 2 * 10 + 2 * 10  # two recipients per new applicant
