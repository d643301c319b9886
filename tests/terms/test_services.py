"""record_election: every legal path and each illegal one (nothing written)."""

from datetime import date

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.http import Http404

from organizations import services
from organizations.models import Election, ElectionResult, LeadershipPosition, Organization
from tests.terms.conftest import O, P, S, election_data, results_for


def record(user, world, results=None, org=None, **overrides):
    members = world["members"]
    if results is None:
        results = results_for(
            members, (S, "张甲", 40, True), (O, "张乙", 30, True), (P, "张丙", 20, False)
        )
    return services.record_election(
        user,
        organization=org or world["a_branch"],
        results=results,
        **election_data(**overrides),
    )


def snapshot(org):
    org = Organization.objects.get(pk=org.pk)
    return (
        Election.objects.count(),
        ElectionResult.objects.count(),
        list(
            LeadershipPosition.objects.filter(organization=org)
            .order_by("pk")
            .values_list("title", "holder_name", "ended_on")
        ),
        (org.term_number, org.term_started_on, org.term_end),
    )


def test_general_election_opens_the_next_term_and_replaces_the_positions(world, users):
    election = record(users["operator_a"], world)
    org = Organization.objects.get(pk=world["a_branch"].pk)
    assert (org.term_number, org.term_started_on, org.term_end) == (
        4,
        date(2026, 6, 1),
        date(2029, 6, 1),  # 党支部: 3 years
    )
    assert election.term_number == 4
    positions = LeadershipPosition.objects.filter(organization=org).order_by("pk")
    assert [(p.title, p.holder_name, p.started_on, p.ended_on) for p in positions] == [
        (S, "A书记", date(2024, 1, 1), date(2026, 5, 31)),
        (O, "旧组织委员", date(2023, 5, 10), date(2026, 5, 31)),
        (S, "张甲", date(2026, 6, 1), None),
        (O, "张乙", date(2026, 6, 1), None),
    ]
    new = positions.filter(ended_on__isnull=True)
    assert {p.holder_id for p in new} == {
        world["members"]["张甲"].pk,
        world["members"]["张乙"].pk,
    }
    results = list(election.results.order_by("votes"))
    assert [(r.candidate_name, r.elected, r.position_id is not None) for r in results] == [
        ("张丙", False, False),
        ("张乙", True, True),
        ("张甲", True, True),
    ]


def test_general_election_of_an_organisation_without_a_term_starts_at_one(world, users):
    Organization.objects.filter(pk=world["a_branch"].pk).update(
        term_number=None, term_started_on=None, term_end=None
    )
    world["a_branch"].refresh_from_db()
    record(users["operator_a"], world)
    org = Organization.objects.get(pk=world["a_branch"].pk)
    assert (org.term_number, org.term_end) == (1, date(2029, 6, 1))


def test_committee_term_is_five_years_and_names_are_enough(district, users):
    top = district["a_top"]
    election = services.record_election(
        users["operator_a"],
        organization=top,
        results=[
            {
                "title": S,
                "candidate": None,
                "candidate_name": "王书记",
                "votes": 40,
                "elected": True,
            }
        ],
        **election_data(),
    )
    top.refresh_from_db()
    assert (top.term_number, top.term_end) == (1, date(2031, 6, 1))
    assert election.results.get().position.holder_name == "王书记"


def test_by_election_adds_positions_and_keeps_the_term(world, users):
    before = snapshot(world["a_branch"])[3]
    election = record(
        users["operator_a"],
        world,
        results=results_for(world["members"], (P, "张丙", 30, True)),
        kind=Election.Kind.BY_ELECTION,
    )
    assert election.term_number is None
    org = Organization.objects.get(pk=world["a_branch"].pk)
    assert (org.term_number, org.term_started_on, org.term_end) == before
    current = LeadershipPosition.objects.filter(organization=org, ended_on__isnull=True)
    assert sorted(current.values_list("holder_name", flat=True)) == ["A书记", "张丙", "旧组织委员"]


def test_history_names_the_step(world, users):
    from portal.history import events_for

    record(users["operator_a"], world)
    labels = [e["label"] for e in events_for(Organization.objects.get(pk=world["a_branch"].pk))]
    assert "修改 · 换届选举（2026-06-01）" in labels
    ended = apps.get_model("organizations", "LeadershipPositionEvent").objects.filter(
        pgh_label="update"
    )
    assert [e.pgh_context.metadata["step"] for e in ended] == ["换届选举（2026-06-01）"] * 2


ILLEGAL = [
    # (overrides, results rows or None for the default, field, row)
    ({"present": 40}, None, "present", None),  # 40 is not more than 4/5 of 50
    ({"present": 51}, None, "present", None),
    ({"ballots_issued": 46}, None, "ballots_issued", None),
    ({"ballots_returned": 46, "ballots_issued": 45}, None, "ballots_returned", None),
    ({"valid_ballots": 46}, None, "valid_ballots", None),
    ({"held_on": date(2026, 6, 16)}, None, "held_on", None),  # tomorrow
    ({"held_on": date(2023, 5, 9)}, None, "held_on", None),  # before the term started
    ({}, [(S, "张甲", 22, True)], "elected", 0),  # 22 of 45 present is not more than half
    ({}, [(S, "张甲", 40, True), (S, "张乙", 30, True)], "elected", 1),  # two secretaries
    ({}, [(S, "张甲", 45, True)], "votes", 0),  # more votes than the 44 valid ballots
    ({}, [(S, "李己", 40, True)], "candidate", 0),  # a member of B's branch
    ({}, [(S, "张甲", 40, False)], "__all__", None),  # nobody elected
]


@pytest.mark.parametrize(("overrides", "rows", "field", "row"), ILLEGAL)
def test_illegal_elections_write_nothing(world, users, overrides, rows, field, row):
    before = snapshot(world["a_branch"])
    results = results_for(world["members"], *rows) if rows else None
    with pytest.raises(services.ElectionError) as caught:
        record(users["operator_a"], world, results=results, **overrides)
    exc = caught.value
    if row is None:
        assert field in exc.field_errors, exc.message_dict
    else:
        assert field in exc.result_errors[row], exc.message_dict
    assert snapshot(world["a_branch"]) == before


def test_founding_date_bounds_the_election(world, users):
    Organization.objects.filter(pk=world["a_branch"].pk).update(
        term_started_on=None, founded_on=date(2026, 6, 10)
    )
    with pytest.raises(services.ElectionError) as caught:
        record(users["operator_a"], world)
    assert "成立日期" in caught.value.field_errors["held_on"][0]


def test_branch_candidates_must_be_members(world, users):
    rows = [{"title": S, "candidate": None, "candidate_name": "外人", "votes": 40, "elected": True}]
    with pytest.raises(services.ElectionError) as caught:
        record(users["operator_a"], world, results=rows)
    assert "candidate" in caught.value.result_errors[0]


def test_by_election_of_a_secretary_while_one_is_in_office_is_refused(world, users):
    with pytest.raises(services.ElectionError) as caught:
        record(
            users["operator_a"],
            world,
            results=results_for(world["members"], (S, "张甲", 40, True)),
            kind=Election.Kind.BY_ELECTION,
        )
    assert "现有书记在任" in caught.value.result_errors[0]["elected"][0]


def test_groups_have_no_term_and_no_election(district, users):
    with pytest.raises(services.ElectionError) as caught:
        services.record_election(
            users["operator_a"],
            organization=district["a_group"],
            results=[
                {
                    "title": S,
                    "candidate": None,
                    "candidate_name": "某",
                    "votes": 40,
                    "elected": True,
                }
            ],
            **election_data(),
        )
    assert "没有任期" in caught.value.field_errors["organization"][0]
    assert not Election.objects.exists()


def test_another_streets_organisation_is_not_found(world, users):
    with pytest.raises(Http404):
        record(users["operator_b"], world)
    assert not Election.objects.exists()


@pytest.mark.parametrize("role", ["auditor", "worker_a"])
def test_roles_without_the_right_are_refused(world, users, role):
    with pytest.raises(PermissionDenied):
        record(users[role], world)
    assert not Election.objects.exists()
