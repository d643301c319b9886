"""Scope tokens (members migration 0010, portal/search.py): the database keeps each member's
``@<region code>`` tokens for its organisation's region and every region above it, beside
the name grams in one GIN index, so a name search in a street's scope is one index lookup.

The tokens must follow every way a member's region can change: a new member, a move to
another branch, an organisation moved to another region, a region moved in the tree or
re-coded. They only ever narrow what ``scoping.restrict`` allows, so a search never shows a
row out of scope whatever they hold.
"""

from datetime import date

import pytest
from django.db.models import Q

from members.models import Member
from organizations.models import Organization
from portal import scoping
from search.engine import search
from tests.members.conftest import make_id_number, make_member

A1 = ["@310104", "@310104003", "@310104003001"]
B1 = ["@310104", "@310104004", "@310104004001"]


def stored_tokens(member):
    return Member.objects.values_list("scope_tokens", flat=True).get(pk=member.pk)


@pytest.fixture
def people(district):
    born = date(1975, 3, 1)
    return {
        name: make_member(district[branch], name, make_id_number(born, 101 + 2 * i))
        for i, (branch, name) in enumerate(
            [
                ("a_branch", "娜仁花"),
                ("a_branch", "王娜"),
                ("b_branch", "娜日苏"),
                ("b_branch", "李娜"),
            ]
        )
    }


def test_a_new_member_holds_its_regions_tokens(people):
    assert stored_tokens(people["娜仁花"]) == A1
    assert stored_tokens(people["李娜"]) == B1
    # A start-of-name gram beside the characters and pairs.
    assert "^娜" in people["娜仁花"].name_grams and "^王" in people["王娜"].name_grams


def test_saving_again_from_python_keeps_the_tokens(people):
    """The instance in memory never holds the tokens the trigger wrote; saving it again
    must not blank them."""
    member = Member.objects.defer("scope_tokens").get(pk=people["王娜"].pk)
    member.scope_tokens = []
    member.note = "再次保存"
    member.save()
    assert stored_tokens(member) == A1


def test_a_member_moved_to_another_branch_takes_its_tokens(district, people):
    member = people["王娜"]
    member.organization = district["b_branch"]
    member.save()
    assert stored_tokens(member) == B1


def test_an_organisation_moved_to_another_region_moves_its_members_tokens(district, people):
    # A bulk UPDATE, not a save: the database follows it all the same.
    Organization.objects.filter(pk=district["a_branch"].pk).update(region=district["b1"])
    assert stored_tokens(people["娜仁花"]) == B1 == stored_tokens(people["王娜"])
    assert stored_tokens(people["李娜"]) == B1


def test_a_region_moved_in_the_tree_moves_its_members_tokens(district, people):
    community = district["a1"]
    community.parent = district["b"]
    community.save()
    assert stored_tokens(people["娜仁花"]) == ["@310104", "@310104004", "@310104003001"]


def test_a_recoded_street_recodes_its_members_tokens(district, people):
    street = district["a"]
    street.code = "310104099"
    street.save()  # rewrites the community's path in one UPDATE (TreeNode.move_subtree)
    assert stored_tokens(people["王娜"]) == ["@310104", "@310104099", "@310104003001"]
    assert stored_tokens(people["李娜"]) == B1


def test_the_token_condition(users):
    assert scoping.token_condition(Member, users["operator_a"]) == Q(
        scope_tokens__contains=["@310104003"]
    )
    assert scoping.token_condition(Member, users["worker_a"]) == Q(
        scope_tokens__contains=["@310104003001"]
    )
    # Models without tokens, and users without a scope, get no condition.
    assert scoping.token_condition(Organization, users["operator_a"]) == Q()
    users["operator_a"].is_superuser = True
    assert scoping.token_condition(Member, users["operator_a"]) == Q()


def test_one_character_search_stays_in_scope(users, people, api_for):
    response = api_for(users["operator_a"]).get("/api/v1/members/", {"q": "娜"})
    assert response.status_code == 200
    assert sorted(row["name"] for row in response.json()["results"]) == ["娜仁花", "王娜"]
    groups = search(users["operator_b"], "娜")
    assert [(g["key"], [r["title"] for r in g["results"]]) for g in groups] == [
        ("members", ["娜日苏", "李娜"])
    ]


def test_the_search_box_ranks_a_rare_first_character_first(users, people):
    """娜 rarely starts a name: the prefix tier finds 娜仁花 through ``^娜`` in the index."""
    rows = search(users["admin"], "娜")[0]["results"]
    assert [(r["title"], r["rank"]) for r in rows] == [
        ("娜仁花", "prefix"),
        ("娜日苏", "prefix"),
        ("李娜", "contains"),
        ("王娜", "contains"),
    ]
