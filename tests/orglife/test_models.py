"""Validation of meetings and their attendance: the organisation's kind, the date, who may
attend, present or absent (never both), and nothing half-written."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from members import meetings
from members.models import Meeting, MeetingAttendance, MeetingKind, Member


def _errors(exc):
    return exc.value.message_dict


def test_a_branch_meeting_needs_a_branch_level_organisation(district):
    for org in (district["a_general"], district["a_top"], district["a_group"]):
        m = Meeting(organization=org, kind=MeetingKind.LECTURE, held_on=date(2025, 1, 1), topic="x")
        with pytest.raises(ValidationError) as exc:
            meetings.record(m)
        assert "党支部" in _errors(exc)["organization"][0]
    assert not Meeting.objects.exists()


def test_a_group_meeting_needs_a_group(district):
    m = Meeting(
        organization=district["a_branch"],
        kind=MeetingKind.GROUP,
        held_on=date(2025, 1, 1),
        topic="x",
    )
    with pytest.raises(ValidationError) as exc:
        meetings.record(m)
    assert _errors(exc)["organization"] == ["党小组会应由党小组召开，请选择党小组。"]
    m.organization = district["a_group"]
    meetings.record(m)
    assert m.pk


def test_the_date_may_not_be_in_the_future(district):
    tomorrow = timezone.localdate() + timedelta(days=1)
    m = Meeting(
        organization=district["a_branch"], kind=MeetingKind.THEME_DAY, held_on=tomorrow, topic="x"
    )
    with pytest.raises(ValidationError) as exc:
        meetings.record(m)
    assert _errors(exc)["held_on"] == ["召开日期不能晚于今天。"]


def test_not_after_the_organisation_was_dissolved(district):
    branch = district["a_branch"]
    branch.dissolved_on = date(2025, 1, 31)
    m = Meeting(
        organization=branch, kind=MeetingKind.THEME_DAY, held_on=date(2025, 2, 3), topic="x"
    )
    with pytest.raises(ValidationError) as exc:
        meetings.record(m)
    assert "已于 2025-01-31 撤销" in _errors(exc)["held_on"][0]


def test_an_attendee_from_another_branch_is_refused_by_name(district, people):
    m = Meeting(
        organization=district["a_branch"],
        kind=MeetingKind.COMMITTEE,
        held_on=date(2025, 1, 9),
        topic="x",
    )
    with pytest.raises(ValidationError) as exc:
        meetings.record(
            m, [meetings.Entry(people["zhang"], True), meetings.Entry(people["zhao"], True)]
        )
    assert _errors(exc)["attendance"] == [
        "党员“赵湖南”不是“上海新村居民区第一党支部”的党员，不能登记为本次会议的参会人员。"
    ]
    assert not Meeting.objects.exists() and not MeetingAttendance.objects.exists()


def test_group_meetings_are_attended_by_the_members_of_the_groups_branch(district, people):
    m = Meeting(
        organization=district["a_group"],
        kind=MeetingKind.GROUP,
        held_on=date(2025, 1, 9),
        topic="x",
    )
    meetings.record(m, [meetings.Entry(people["zhang"], True)])
    assert list(m.attendance.values_list("member__name", flat=True)) == ["张卫东"]


def test_present_and_absent_at_once_is_refused(district, people):
    m = Meeting(
        organization=district["a_branch"],
        kind=MeetingKind.COMMITTEE,
        held_on=date(2025, 1, 9),
        topic="x",
    )
    with pytest.raises(ValidationError) as exc:
        meetings.record(
            m,
            [
                meetings.Entry(people["zhang"], True),
                meetings.Entry(people["zhang"], False, "illness"),
            ],
        )
    assert _errors(exc)["attendance"] == ["党员“张卫东”不能既出席又缺席。"]
    with pytest.raises(ValidationError) as exc:
        meetings.record(m, [meetings.Entry(people["zhang"], True, "illness")])
    assert _errors(exc)["attendance"] == ["党员“张卫东”不能既出席又缺席。"]
    with pytest.raises(ValidationError) as exc:
        meetings.record(m, [meetings.Entry(people["wang"], False)])
    assert _errors(exc)["attendance"] == ["请填写党员“王秀英”的缺席原因。"]
    assert not Meeting.objects.exists()


def test_a_member_no_longer_active_cannot_be_added_but_may_stay(district, people, meeting_a):
    li = people["li"]
    Member.objects.filter(pk=li.pk).update(
        status=Member.Status.DECEASED, status_on=date(2025, 6, 1)
    )
    li.refresh_from_db()
    # Already recorded: the old meeting can still be saved with him on it.
    entries = [meetings.Entry(li, False, "illness")]
    meetings.record(meeting_a, entries)
    new = Meeting(
        organization=district["a_branch"],
        kind=MeetingKind.COMMITTEE,
        held_on=date(2025, 7, 1),
        topic="x",
    )
    with pytest.raises(ValidationError) as exc:
        meetings.record(new, entries)
    assert _errors(exc)["attendance"] == ["党员“李建国”党籍状态为“死亡”，不能登记参会。"]


def test_record_replaces_the_attendance_and_the_rate_follows(district, people, meeting_a):
    assert meetings.attendance_rate(meeting_a) == 66.7
    meetings.record(
        meeting_a,
        [meetings.Entry(people["zhang"], True), meetings.Entry(people["li"], True)],
    )
    rows = dict(meeting_a.attendance.values_list("member__name", "present"))
    assert rows == {"张卫东": True, "李建国": True}
    assert meetings.attendance_rate(meeting_a) == 100.0
    assert MeetingAttendance.objects.get(member=people["li"]).absence_reason == ""


def test_database_keeps_one_row_per_member_and_meeting(district, people, meeting_a):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        MeetingAttendance.objects.create(meeting=meeting_a, member=people["zhang"])


def test_events_are_recorded_for_meetings_and_attendance(district, people, meeting_a):
    from django.apps import apps

    assert (
        apps.get_model("members", "MeetingEvent").objects.filter(pgh_obj_id=meeting_a.pk).count()
        == 1
    )
    assert (
        apps.get_model("members", "MeetingAttendanceEvent")
        .objects.filter(meeting_id=meeting_a.pk)
        .count()
        == 3
    )


def test_a_member_who_moved_on_stays_on_the_old_meeting(
    district, people, meeting_a, client_for, users
):
    from django.urls import reverse

    li = people["li"]
    Member.objects.filter(pk=li.pk).update(organization=district["b_branch"])
    li = Member.objects.select_related("organization").get(pk=li.pk)
    meetings.record(meeting_a, [meetings.Entry(li, False, "illness", "住院")])
    form = client_for(users["admin"]).get(reverse("members:meeting_edit", args=[meeting_a.pk]))
    assert f'name="att_{li.pk}"' in form.content.decode()  # still listed, so not dropped
    new = Meeting(
        organization=district["a_branch"],
        kind=MeetingKind.COMMITTEE,
        held_on=date(2025, 7, 1),
        topic="x",
    )
    with pytest.raises(ValidationError) as exc:
        meetings.record(new, [meetings.Entry(li, True)])
    assert "不是“上海新村居民区第一党支部”的党员" in _errors(exc)["attendance"][0]
