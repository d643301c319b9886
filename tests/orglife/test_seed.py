"""The demo's organisational life: a year of meetings for a sample of branches, valid, with
attendance from each branch's own members, some branches compliant and some not, fast."""

import io
import random
from datetime import date
from types import SimpleNamespace

from members import meetings
from members.models import Meeting, MeetingAttendance, Member
from members.seeding import DemoDistrict
from tests.conftest import add_branches


def _members(branches, per_branch):
    Member.objects.bulk_create(
        Member(
            name=f"党员{b.pk}-{i}",
            organization=b,
            category=Member.Category.FULL,
            joined_on=date(2000, 1, 1),
            full_member_on=date(2001, 1, 1),
            id_number_cipher="x",
            id_number_hash=f"{b.pk}-{i}",
            id_number_masked="x",
        )
        for b in branches
        for i in range(per_branch)
    )


def test_a_year_of_meetings_for_a_sample_of_branches(
    users, district, django_assert_max_num_queries
):
    branches = add_branches(district["a_general"], 80, "S003Y", "演示")
    _members(branches, 20)
    command = SimpleNamespace(stdout=io.StringIO(), stderr=io.StringIO())
    demo = DemoDistrict(command, {"seed": 2017}, random.Random(2017))
    # Bulk writes: a handful of statements for thousands of rows (fast: no timed test here,
    # DESIGN.md 7: the demo seed shows it).
    with django_assert_max_num_queries(20):
        demo.create_meetings()
    assert "meetings: " in command.stderr.getvalue()
    year = date.today().year - 1
    assert Meeting.objects.count() > 1000
    assert not Meeting.objects.exclude(held_on__year=year).exists()
    for meeting in Meeting.objects.select_related("organization").order_by("?")[:30]:
        meeting.full_clean()
    rows = MeetingAttendance.objects.select_related("meeting__organization", "member")
    assert rows.count() > 5_000
    for row in rows.order_by("?")[:50]:
        assert row.member.organization_id == row.meeting.organization_id
        row.clean()
    report = meetings.compliance(users["admin"], year=year)
    sampled = [b for b in report if b.met]
    assert any(b.compliant for b in sampled) and any(not b.compliant for b in sampled)
    count = Meeting.objects.count()
    demo.create_meetings()  # idempotent
    assert Meeting.objects.count() == count
