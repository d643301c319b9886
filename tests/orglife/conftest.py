"""Organisational-life fixtures: members of street A's branch and of street B's, and a
helper that writes meetings the way the service does."""

from datetime import date

import pytest

from members import meetings
from members.models import Meeting, MeetingKind
from tests.members.conftest import make_id_number, make_member


@pytest.fixture(autouse=True)
def default_frequencies(db):
    """The frequency table as the data migration seeds it. A transactional (browser) test
    flushes the database afterwards, migration data included, so it is put back here."""
    from importlib import import_module

    from members.models import MeetingFrequency

    migration = import_module("members.migrations.0009_organisational_life")
    for kind, period, count, note in migration.DEFAULT_FREQUENCIES:
        MeetingFrequency.objects.get_or_create(
            kind=kind, defaults={"period": period, "required_count": count, "note": note}
        )


def member(org, name, seq, **fields):
    return make_member(org, name, make_id_number(date(1970, 1, 1), seq), **fields)


@pytest.fixture
def people(district):
    """Three members of A's first branch, one of B's."""
    return {
        "zhang": member(district["a_branch"], "张卫东", 11),
        "wang": member(district["a_branch"], "王秀英", 12),
        "li": member(district["a_branch"], "李建国", 13),
        "zhao": member(district["b_branch"], "赵湖南", 14),
    }


def meeting(org, kind=MeetingKind.GENERAL_ASSEMBLY, on=date(2025, 3, 5), topic="学习党章", **kw):
    return meetings.record(Meeting(organization=org, kind=kind, held_on=on, topic=topic, **kw))


@pytest.fixture
def meeting_a(district, people):
    """A 支部党员大会 of A's branch: 张卫东 and 王秀英 present, 李建国 on sick leave."""
    m = Meeting(
        organization=district["a_branch"],
        kind=MeetingKind.GENERAL_ASSEMBLY,
        held_on=date(2025, 3, 5),
        topic="学习二十大精神",
        host="A书记",
    )
    return meetings.record(
        m,
        [
            meetings.Entry(people["zhang"], True),
            meetings.Entry(people["wang"], True),
            meetings.Entry(people["li"], False, "illness", "住院"),
        ],
    )


@pytest.fixture
def meeting_b(district, people):
    return meetings.record(
        Meeting(
            organization=district["b_branch"],
            kind=MeetingKind.THEME_DAY,
            held_on=date(2025, 4, 1),
            topic="湖南路主题党日",
        ),
        [meetings.Entry(people["zhao"], True)],
    )
