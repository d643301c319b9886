"""Terms and elections fixtures: the small test district (tests/conftest.py) with a term on
A's and B's branches, five members in A's branch and one in B's, on a frozen day."""

from datetime import date

import pytest
import time_machine

from organizations.models import Election, LeadershipPosition, Organization, TermRule
from tests.members.conftest import make_id_number, make_member

#: "Today" of every test here.
TODAY = date(2026, 6, 15)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture(autouse=True)
def term_rules(db):
    """The default rules of migration 0005 (a transactional test elsewhere may have flushed
    them from the reused test database)."""
    TermRule.ensure_defaults()


@pytest.fixture
def world(district):
    """A's branch: term 3 (2023-05-10 .. 2026-05-10, overdue), founded 1998, secretary and
    organisation member in office; five members 甲..戊. B's branch: term 2 ending 2026-09-01
    (due soon), one member."""
    Organization.objects.filter(pk=district["a_branch"].pk).update(
        founded_on=date(1998, 3, 1),
        term_number=3,
        term_started_on=date(2023, 5, 10),
        term_end=date(2026, 5, 10),
    )
    Organization.objects.filter(pk=district["b_branch"].pk).update(
        founded_on=date(2001, 1, 1),
        term_number=2,
        term_started_on=date(2023, 9, 1),
        term_end=date(2026, 9, 1),
    )
    a_branch = Organization.objects.get(pk=district["a_branch"].pk)
    LeadershipPosition.objects.create(
        organization=a_branch,
        title=LeadershipPosition.Title.ORGANIZATION_MEMBER,
        holder_name="旧组织委员",
        started_on=date(2023, 5, 10),
    )
    members = {
        name: make_member(a_branch, name, make_id_number(date(1970 + i, 3, 4), 11 + 2 * i))
        for i, name in enumerate(["张甲", "张乙", "张丙", "张丁", "张戊"])
    }
    members["李己"] = make_member(
        Organization.objects.get(pk=district["b_branch"].pk),
        "李己",
        make_id_number(date(1980, 1, 2), 91),
    )
    return {
        "a_branch": a_branch,
        "b_branch": Organization.objects.get(pk=district["b_branch"].pk),
        "members": members,
    }


def election_data(**overrides):
    """A valid general election of 50 eligible voters, 45 present."""
    data = {
        "held_on": date(2026, 6, 1),
        "kind": Election.Kind.GENERAL,
        "eligible_voters": 50,
        "present": 45,
        "ballots_issued": 45,
        "ballots_returned": 45,
        "valid_ballots": 44,
        "approved_by": "中共天平路街道工作委员会",
        "approval_number": "天委组〔2026〕12号",
        "approved_on": date(2026, 6, 5),
        "note": "",
    }
    data.update(overrides)
    return data


def results_for(members, *rows):
    """Result dicts from (title, member name, votes, elected) rows."""
    return [
        {
            "title": title,
            "candidate": members[name],
            "candidate_name": "",
            "votes": votes,
            "elected": elected,
        }
        for title, name, votes, elected in rows
    ]


S = LeadershipPosition.Title.SECRETARY
O = LeadershipPosition.Title.ORGANIZATION_MEMBER  # noqa: E741
P = LeadershipPosition.Title.PUBLICITY_MEMBER
