"""The regional step of seed_demo on the small test district: meetings per level, shared
units, lists, pairings, industry committees; a second run adds nothing."""

import io
import random
from types import SimpleNamespace

import pytest
from django.db.models import Count

from regional import seeding
from regional.models import (
    IndustryCommittee,
    JointMeeting,
    JointMeetingMembership,
    Project,
    ProjectAllocation,
    ResidentUnit,
)
from tests.regional.conftest import org


@pytest.mark.django_db
def test_seed_demo(district):
    for n in range(6):
        key = "a" if n % 2 else "b"
        org(f"PX{n:02d}", f"民企{n}党支部", district[f"{key}1"], district[f"{key}_top"])
    command = SimpleNamespace(stderr=io.StringIO(), stdout=io.StringIO())
    seeding.seed_demo(command, {}, random.Random(1))
    levels = sorted(JointMeeting.objects.values_list("level", flat=True))
    assert levels == ["community", "community", "district", "street", "street"]
    assert 20 <= ResidentUnit.objects.count() <= 40
    shared = (
        JointMeetingMembership.objects.filter(meeting__level="street")
        .values("unit")
        .order_by()
        .annotate(n=Count("meeting"))
        .filter(n__gt=1)
    )
    assert shared.count() == 2
    assert Project.objects.count() == 2 and ProjectAllocation.objects.count() == 2
    assert sorted(IndustryCommittee.objects.values_list("industry", flat=True)) == list("CFGJM")
    seeding.seed_demo(command, {}, random.Random(1))
    assert JointMeeting.objects.count() == 5
