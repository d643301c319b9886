"""Fixtures of 班长工程: secretaries with hand-checkable figures on 2026-07-15, training
records and reviews, community workers in both streets."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from cadres.models import (
    AnnualReview,
    Certificate,
    CommunityWorker,
    Education,
    Post,
    TrainingRecord,
)
from members.models import Member
from organizations.models import LeadershipPosition, Organization
from tests.conftest import make_user
from tests.members.conftest import make_id_number, make_member

#: The day every figure is computed for.
TODAY = date(2026, 7, 15)

#: Plain ID numbers and mobiles of the fixture members: never in a cadres page or export.
PLAIN = {
    "zhang": (make_id_number(date(1980, 5, 4), 371), "13912345678"),
    "zhao": (make_id_number(date(1960, 1, 10), 482), "13698761234"),
    "li": (make_id_number(date(1972, 9, 9), 155), "18623456789"),
}


def assert_no_plain(text, where=""):
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    for number, mobile in PLAIN.values():
        for value in (number, number[:14], mobile):
            assert value not in text, f"plain sensitive value {value} in {where}"


@pytest.fixture
def frozen():
    with time_machine.travel(TODAY, tick=False):
        yield TODAY


@pytest.fixture
def cadres(district, frozen):
    """Street A: 张卫东 (secretary of A's branch since 2024-01-01, before that of A's
    general branch 2018-03-01 – 2023-12-31; 20.5 training hours this year; rated 好 for
    2025), 赵淑芬 (deputy of A's general branch since 2025-07-15, no holder education, no
    training); A's street-level branch has no secretary. Street B: 李建国 secretary of B's
    branch, whose post ended 2026-06-30, so B's branch is vacant."""
    a_branch, b_branch = district["a_branch"], district["b_branch"]
    zhang = make_member(
        a_branch,
        "张卫东",
        PLAIN["zhang"][0],
        PLAIN["zhang"][1],
        gender=Member.Gender.MALE,
        birth_date=date(1980, 5, 4),
        education=Member.Education.BACHELOR,
    )
    zhao = make_member(
        a_branch,
        "赵淑芬",
        PLAIN["zhao"][0],
        PLAIN["zhao"][1],
        gender=Member.Gender.FEMALE,
        birth_date=date(1960, 1, 10),
    )
    li = make_member(
        b_branch,
        "李建国",
        PLAIN["li"][0],
        PLAIN["li"][1],
        gender=Member.Gender.MALE,
        birth_date=date(1972, 9, 9),
        education=Member.Education.COLLEGE,
    )
    LeadershipPosition.objects.filter(organization=a_branch).update(
        holder=zhang, holder_name="张卫东"
    )
    LeadershipPosition.objects.filter(organization=b_branch).update(
        holder=li, holder_name="李建国", ended_on=date(2026, 6, 30)
    )
    LeadershipPosition.objects.create(
        organization=district["a_general"],
        title=LeadershipPosition.Title.SECRETARY,
        holder=zhang,
        holder_name="张卫东",
        started_on=date(2018, 3, 1),
        ended_on=date(2023, 12, 31),
    )
    LeadershipPosition.objects.create(
        organization=district["a_general"],
        title=LeadershipPosition.Title.DEPUTY_SECRETARY,
        holder=zhao,
        holder_name="赵淑芬",
        started_on=date(2025, 7, 15),
    )
    street_branch = Organization.objects.create(
        code="S003B99",
        name="天平路街道机关党支部",
        kind=Organization.Kind.BRANCH,
        sector=Organization.Sector.GOVERNMENT,
        parent=district["a_top"],
        region=district["a"],
    )
    trainings = []
    for title, started, hours in (
        ("社区治理示范培训", date(2026, 3, 1), "12.0"),
        ("党务知识网络培训", date(2026, 6, 1), "8.5"),
        ("2025 年集中轮训", date(2025, 11, 1), "40.0"),  # last year
        ("秋季轮训", date(2026, 9, 1), "16.0"),  # after the day of the figures
    ):
        record = TrainingRecord(
            member=zhang,
            title=title,
            organiser="区委组织部",
            kind=TrainingRecord.Kind.ROTATION,
            started_on=started,
            ended_on=started,
            hours=Decimal(hours),
        )
        record.save()
        trainings.append(record)
    b_training = TrainingRecord(
        member=li,
        title="湖南路培训",
        kind=TrainingRecord.Kind.ONLINE,
        started_on=date(2026, 2, 1),
        ended_on=date(2026, 2, 1),
        hours=Decimal("6"),
    )
    b_training.save()
    reviews = {
        "a_2024": AnnualReview.objects.create(
            member=zhang, organization=a_branch, year=2024, rating=AnnualReview.Rating.GOOD
        ),
        "a_2025": AnnualReview.objects.create(
            member=zhang,
            organization=a_branch,
            year=2025,
            rating=AnnualReview.Rating.EXCELLENT,
            score=Decimal("92.5"),
        ),
        "b_2025": AnnualReview.objects.create(
            member=li, organization=b_branch, year=2025, rating=AnnualReview.Rating.FAIR
        ),
    }
    return {
        "zhang": zhang,
        "zhao": zhao,
        "li": li,
        "street_branch": street_branch,
        "trainings": trainings,
        "b_training": b_training,
        "reviews": reviews,
    }


def make_worker(community, name, **fields):
    values = {
        "gender": "female",
        "birth_date": date(1985, 3, 3),
        "post": Post.SOCIAL_WORKER,
        "hired_on": date(2015, 1, 1),
        "education": Education.COLLEGE,
        "certificate": Certificate.ASSISTANT,
        "tier": 3,
        "grade": 6,
        "current_since": date(2023, 1, 1),
    }
    values.update(fields)
    return CommunityWorker.objects.create(community=community, name=name, **values)


def ensure_ladder_rules():
    """The rules migration 0002 seeds (a transactional test's flush removes them)."""
    from importlib import import_module

    from django.apps import apps

    import_module("cadres.migrations.0002_ladder_rules").seed(apps, None)


@pytest.fixture
def workers(district, frozen):
    """Street A (community a1): 陈晓 may step up (3 档 6 级 since 2023-01-01, 助理社会工作师);
    刘洋 too recent (since 2025-06-01); 孙丽 lacks the certificate grade 7 needs; 周强 at
    the top of 三档 (12); 吴敏 a deputy secretary still in 三档. Street B: 郑华 (eligible)."""
    ensure_ladder_rules()
    a1, b1 = district["a1"], district["b1"]
    return {
        "chen": make_worker(a1, "陈晓"),
        "liu": make_worker(a1, "刘洋", current_since=date(2025, 6, 1)),
        "sun": make_worker(
            a1, "孙丽", certificate=Certificate.NONE, current_since=date(2020, 1, 1)
        ),
        "zhou": make_worker(a1, "周强", grade=12),
        "wu": make_worker(a1, "吴敏", post=Post.DEPUTY_SECRETARY),
        "zheng": make_worker(b1, "郑华"),
    }


@pytest.fixture
def staff_a(district):
    """A street operator of A with admin site access."""
    from portal.accounts.roles import STREET_OPERATOR

    return make_user("staff_a", STREET_OPERATOR, district["a"], is_staff=True)
