"""The organisation tree's rules: where a 党小组 may sit, no cycles, dissolved orgs get no
children, regions nest, and moving an org moves its subtree in one statement."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from organizations.models import LeadershipPosition, Organization


def build(district, **fields):
    values = {
        "code": "NEW1",
        "name": "新组织",
        "kind": Organization.Kind.BRANCH,
        "sector": Organization.Sector.COMMUNITY,
        "parent": district["a_general"],
        "region": district["a1"],
    }
    values.update(fields)
    return Organization(**values)


def errors_of(org):
    with pytest.raises(ValidationError) as info:
        org.full_clean()
    return info.value.message_dict


def test_a_valid_branch_passes(district):
    org = build(district)
    org.full_clean()
    org.save()
    assert org.path == district["a_general"].path + "NEW1/"
    assert org.depth == 3


def test_group_only_under_a_branch(district):
    assert "parent" in errors_of(build(district, kind=Organization.Kind.GROUP))
    assert "parent" in errors_of(build(district, kind=Organization.Kind.GROUP, parent=None))
    for kind in Organization.BRANCH_KINDS:
        parent = district["a_branch"]
        parent.kind = kind
        build(district, kind=Organization.Kind.GROUP, parent=parent).full_clean()


def test_nothing_under_a_group(district):
    message = errors_of(build(district, parent=district["a_group"]))["parent"]
    assert message == ["党小组之下不能再设组织。"]


def test_no_cycles(district):
    general = district["a_general"]
    general.parent = district["a_branch"]  # its own child
    assert "parent" in errors_of(general)
    general.parent = general
    assert "parent" in errors_of(general)


def test_dissolved_org_gets_no_new_children(district):
    branch = district["a_branch"]
    branch.dissolved_on = date(2025, 1, 1)
    branch.save()
    errors = errors_of(build(district, kind=Organization.Kind.GROUP, parent=branch))
    assert "已撤销" in errors["parent"][0]
    # existing children stay valid when edited
    group = Organization.objects.get(pk=district["a_group"].pk)
    group.name = "改名的党小组"
    group.full_clean()


def test_region_must_lie_within_the_parents_region(district):
    errors = errors_of(build(district, region=district["b1"]))
    assert "region" in errors


def test_dates_are_ordered(district):
    errors = errors_of(build(district, founded_on=date(2020, 1, 1), dissolved_on=date(2019, 1, 1)))
    assert "dissolved_on" in errors
    errors = errors_of(build(district, term_started_on=date(2024, 1, 1), term_end=date(2023, 1, 1)))
    assert "term_end" in errors


def test_moving_an_org_moves_its_subtree_in_one_statement(district):
    general = Organization.objects.get(pk=district["a_general"].pk)
    general.parent = district["root"]
    with CaptureQueriesContext(connection) as queries:
        general.save()
    updates = [q["sql"] for q in queries if q["sql"].startswith("UPDATE")]
    # one UPDATE of the row itself, one of the whole subtree
    assert len(updates) == 2
    paths = dict(
        Organization.objects.filter(path__startswith="/D310104/S003C001/").values_list(
            "code", "path"
        )
    )
    assert paths == {
        "S003C001": "/D310104/S003C001/",
        "S003C001B01": "/D310104/S003C001/S003C001B01/",
        "S003C001B01G1": "/D310104/S003C001/S003C001B01/S003C001B01G1/",
    }
    depths = set(
        Organization.objects.filter(code__startswith="S003C001").values_list("code", "depth")
    )
    assert depths == {("S003C001", 1), ("S003C001B01", 2), ("S003C001B01G1", 3)}


def test_recoding_rewrites_descendant_paths(district):
    general = Organization.objects.get(pk=district["a_general"].pk)
    general.code = "S003C999"
    general.save()
    group = Organization.objects.get(pk=district["a_group"].pk)
    assert group.path == "/D310104/S003/S003C999/S003C001B01/S003C001B01G1/"


def test_subtree_and_term_due_queries(district):
    general = district["a_general"]
    codes = set(general.descendants().values_list("code", flat=True))
    assert codes == {"S003C001", "S003C001B01", "S003C001B01G1"}
    assert list(general.descendants(include_self=False).values_list("code", flat=True)) == [
        "S003C001B01",
        "S003C001B01G1",
    ]
    assert [o.code for o in district["a_group"].ancestors()] == [
        "D310104",
        "S003",
        "S003C001",
        "S003C001B01",
    ]


def test_group_leader_only_in_a_group(district):
    position = LeadershipPosition(
        organization=district["a_branch"],
        title=LeadershipPosition.Title.GROUP_LEADER,
        holder_name="张三",
        started_on=date(2024, 1, 1),
    )
    with pytest.raises(ValidationError) as info:
        position.full_clean()
    assert "title" in info.value.message_dict
    position.ended_on = date(2023, 1, 1)
    position.title = LeadershipPosition.Title.SECRETARY
    with pytest.raises(ValidationError) as info:
        position.full_clean()
    assert "ended_on" in info.value.message_dict


def test_region_rules(district):
    from portal.models import Region

    street = Region(
        code="310105003", name="错码街道", level=Region.Level.STREET, parent=district["district"]
    )
    with pytest.raises(ValidationError) as info:
        street.full_clean()
    assert "code" in info.value.message_dict
    community = Region(
        code="310104003", name="层级错误", level=Region.Level.DISTRICT, parent=district["a"]
    )
    with pytest.raises(ValidationError) as info:
        community.full_clean()
    assert "level" in info.value.message_dict
    bad = Region(code="31010", name="位数错误", level=Region.Level.DISTRICT)
    with pytest.raises(ValidationError) as info:
        bad.full_clean()
    assert "code" in info.value.message_dict


def test_kind_change_keeps_children_valid(district):
    branch = Organization.objects.get(pk=district["a_branch"].pk)
    branch.kind = Organization.Kind.GENERAL_BRANCH  # it has a 党小组 below
    assert "kind" in errors_of(branch)
    branch.kind = Organization.Kind.JOINT_BRANCH
    branch.full_clean()
    general = Organization.objects.get(pk=district["a_general"].pk)
    general.kind = Organization.Kind.GROUP  # it has children
    assert "kind" in errors_of(general)
