"""The organisations' demo step: terms by the rules (some overdue, some due soon), past
elections with the elected linked as holders; it runs after the members step; idempotent."""

import io
import random
from datetime import date
from types import SimpleNamespace

from organizations import seeding
from organizations.models import Election, LeadershipPosition, Organization, add_years
from organizations.services import term_status
from portal.management.commands.seed_demo import seeding_modules
from tests.conftest import add_branches
from tests.terms.conftest import TODAY


def test_runs_after_the_members_step_lays_out_the_tree():
    labels = [label for label, _module in seeding_modules()]
    assert labels.index("organizations") > labels.index("members")
    assert labels[-1] == "organizations"


def test_seed_terms_and_elections(world, district, django_assert_max_num_queries):
    add_branches(district["a_general"], 300, "S003P", "示例")
    command = SimpleNamespace(stderr=io.StringIO(), stdout=io.StringIO())
    seeding.ELECTIONS = 400  # every organisation with enough members gets one
    try:
        with django_assert_max_num_queries(20):
            seeding.seed_demo(command, {}, random.Random(2017))
    finally:
        seeding.ELECTIONS = 60
    orgs = Organization.objects.exclude(kind="group")
    years = {"committee": 5, "working_committee": 5, "general_branch": 3, "branch": 3}
    for org in orgs:
        assert org.term_end == add_years(org.term_started_on, years[org.kind]), org
        assert org.term_started_on <= TODAY
    due = list(term_status())
    overdue = [o for o in due if o.days_left < 0]
    assert 5 <= len(overdue) <= 40 and 5 <= len(due) - len(overdue) <= 50
    # A's branch has the positions and the five members: its election elected members.
    election = Election.objects.get(organization=world["a_branch"])
    assert election.held_on == Organization.objects.get(pk=world["a_branch"].pk).term_started_on
    elected = election.results.filter(elected=True)
    assert elected.count() == 2
    for result in elected:
        assert result.candidate.organization_id == world["a_branch"].pk
        assert result.votes * 2 > election.present
        assert result.position.holder_id == result.candidate_id
    assert election.results.filter(elected=False).count() == 1
    assert not LeadershipPosition.objects.filter(ended_on__isnull=True, started_on__gt=TODAY)
    # A second run changes nothing.
    before = list(Organization.objects.order_by("pk").values_list("term_end", flat=True))
    seeding.seed_demo(command, {}, random.Random(1))
    assert Election.objects.filter(organization=world["a_branch"]).count() == 1
    assert list(Organization.objects.order_by("pk").values_list("term_end", flat=True)) == before
    assert date(2026, 6, 15) == TODAY
