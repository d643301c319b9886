"""The grids step of ``seed_demo`` (issue 5, item 7), small scale on the test district: valid
boundaries tiling each community without overlaps, distinct leaders, buildings and 双报到
members in their community's grids, cases and wishes in every state whose steps, deadlines
and overdue flags agree with their states, visits linked to the cases they opened; the same
seed gives the same data, and a second run adds nothing."""

import io
import random
from datetime import date
from itertools import combinations
from types import SimpleNamespace

import pytest
from django.utils import timezone

from grids import seeding
from grids.models import Case, CaseStep, Grid, Visit, Wish, WishStep
from grids.services.cases import stage_due
from members.models import Member
from portal import geo
from tests.buildings.conftest import registers  # noqa: F401 (fixture)
from tests.members.conftest import make_id_number, make_member

OPTIONS = {"seed": 2017, "grid_cases": 240, "grid_wishes": 160, "grid_visits": 200}


def run(seed=2017):
    command = SimpleNamespace(stderr=io.StringIO(), stdout=io.StringIO())
    seeding.seed_demo(command, {**OPTIONS, "seed": seed}, random.Random(seed))
    return command.stderr.getvalue()


@pytest.fixture
def world(district, registers):  # noqa: F811
    """30 members in each community's branch, a third of them living in the community."""
    members = []
    for index, key in enumerate(("a", "b")):
        for i in range(30):
            members.append(
                make_member(
                    district[f"{key}_branch"],
                    f"{key}{i}",
                    make_id_number(date(1950 + i, 1 + index, 1), 100 + i),
                    residential_region=district[f"{key}1"] if i % 3 == 0 else None,
                )
            )
    return members


def overlap(a, b):
    width = min(a.max_lng, b.max_lng) - max(a.min_lng, b.min_lng)
    height = min(a.max_lat, b.max_lat) - max(a.min_lat, b.min_lat)
    return width > 1e-9 and height > 1e-9


def test_grids_tile_their_communities_with_valid_boundaries(world, district):
    run()
    grids = list(Grid.objects.select_related("region"))
    assert {g.region.code for g in grids} == {"310104003001", "310104004001"}
    for grid in grids:
        assert geo.validate_polygon(grid.boundary) == grid.boundary
        assert geo.bounds(grid.boundary) == (grid.min_lng, grid.min_lat, grid.max_lng, grid.max_lat)
        assert 3 <= Grid.objects.filter(region=grid.region).count() <= 5
        assert grid.households > 0 and grid.population > grid.households
    for a, b in combinations(grids, 2):
        assert not overlap(a, b), (a.code, b.code)
    # Each community's grids cover its cell exactly: their areas add up to their bounding box.
    for community in (district["a1"], district["b1"]):
        mine = [g for g in grids if g.region == community]
        area = sum((g.max_lng - g.min_lng) * (g.max_lat - g.min_lat) for g in mine)
        box = (max(g.max_lng for g in mine) - min(g.min_lng for g in mine)) * (
            max(g.max_lat for g in mine) - min(g.min_lat for g in mine)
        )
        assert area == pytest.approx(box)


def test_grids_are_staffed_by_distinct_members_of_their_community(world, registers):  # noqa: F811
    run()
    leaders = list(Grid.objects.values_list("leader_id", flat=True))
    assert None not in leaders and len(set(leaders)) == len(leaders)
    for grid in Grid.objects.select_related("leader__organization").prefetch_related("workers"):
        workers = list(grid.workers.all())
        assert 2 <= len(workers) <= 4
        assert grid.leader not in workers
        assert {m.organization.region_id for m in [grid.leader, *workers]} == {grid.region_id}
    building = registers["building_a"]
    building.refresh_from_db()
    assert building.grid.region_id == building.region_id
    registered = Member.objects.filter(residential_grid__isnull=False)
    assert registered.exists()
    for member in registered.select_related("residential_grid"):
        assert member.residential_grid.region_id == member.residential_region_id


def test_cases_and_wishes_in_every_state_with_consistent_steps(world):
    run()
    now = timezone.now()
    assert set(Case.objects.values_list("state", flat=True)) == set(Case.State.values)
    assert set(Wish.objects.values_list("state", flat=True)) == set(Wish.State.values)
    last_steps = {}
    for step in CaseStep.objects.order_by("case_id", "created_at", "id"):
        previous = last_steps.get(step.case_id)
        assert step.from_state == (previous.to_state if previous else "")
        last_steps[step.case_id] = step
    overdue = 0
    for case in Case.objects.select_related("category"):
        step = last_steps[case.pk]
        assert step.to_state == case.state, case.number
        assert case.due_at == stage_due(case.category, case.state, step.created_at)
        assert case.overdue == (case.is_open and case.due_at is not None and case.due_at < now)
        assert case.number == f"C{timezone.localtime(case.reported_at):%Y%m%d}-{case.pk:06d}"
        assert (case.state == Case.State.CLOSED) == (case.closed_at is not None)
        if case.state in (Case.State.DISPATCHED, Case.State.IN_PROGRESS, Case.State.RESOLVED):
            assert case.assignee_organization_id or case.assignee_member_id or case.assignee_unit
        overdue += case.overdue
    assert 0 < overdue < Case.objects.filter(state__in=Case.OPEN_STATES).count()
    wish_steps = {}
    for step in WishStep.objects.order_by("wish_id", "created_at", "id"):
        wish_steps.setdefault(step.wish_id, []).append(step)
    for wish in Wish.objects.all():
        steps = wish_steps[wish.pk]
        assert steps[0].action == "submit" and steps[-1].to_state == wish.state
        assert (wish.claimed_at is not None) == ("claim" in [s.action for s in steps])
        if wish.state == Wish.State.CLAIMED:
            assert wish.claim_expires_at > now
        assert (
            wish.claimed_by_member_id != wish.submitted_by_member_id
            or not wish.claimed_by_member_id
        )
    visit_cases = Case.objects.filter(source=Case.Source.VISIT)
    assert Visit.objects.filter(case__isnull=False).count() == visit_cases.count() > 0
    assert Visit.objects.count() == OPTIONS["grid_visits"]


def signature():
    return (
        sorted(Grid.objects.values_list("code", "boundary", "households", "leader__name")),
        sorted(Case.objects.values_list("grid__code", "state", "title", "category__code")),
        sorted(Wish.objects.values_list("grid__code", "state", "title", "beneficiary_name")),
        sorted(Visit.objects.values_list("grid__code", "target", "household", "visited_on")),
    )


def test_the_same_seed_gives_the_same_data_and_a_second_run_adds_nothing(world):
    run()
    first = signature()
    counts = [m.objects.count() for m in (Grid, Case, CaseStep, Wish, WishStep, Visit)]
    assert "grids exist already" in run()
    assert [m.objects.count() for m in (Grid, Case, CaseStep, Wish, WishStep, Visit)] == counts
    Visit.objects.all().delete()
    Wish.objects.all().delete()
    Case.objects.all().delete()
    Member.objects.update(residential_grid=None)
    from buildings.models import Building

    Building.objects.update(grid=None)
    Grid.objects.all().delete()
    run()
    assert signature() == first
