"""The member group of the search answers from the GIN index of name grams, never by reading
the member table through (issue 8: "no sequential scans at 2M members"). On 20,000 members
(tests/members/test_member_search.py's ``many``, ANALYZEd) the planner has a real choice;
the statement explained is the one ``search`` runs."""

import pytest

from search.engine import KINDS, index_scans
from tests.members.test_member_search import SELECTIVE, explain, many  # noqa: F401

MEMBERS = next(kind for kind in KINDS if kind.key == "members")


@pytest.mark.parametrize("user_key", ["admin", "operator_a"])
def test_member_search_uses_the_gin_index(users, many, user_key):  # noqa: F811
    with index_scans():  # as ``search`` runs it
        member_plans(users[user_key])


def member_plans(user):
    for term in SELECTIVE:  # 王 犇 欧阳 王芳 欧阳娜 蔡东磊: 1, 2 and 3 characters
        plan = explain(MEMBERS.queryset(user, term))
        assert "Seq Scan on members_member" not in plan, (term, plan)
        assert "Bitmap Index Scan on member_name_grams" in plan, (term, plan)
        # Tiers run in order under one LIMIT: no sort of every match.
        assert "Append" in plan and "Sort" not in plan, (term, plan)
    # 娜 is in 2.6% of the names: PostgreSQL may walk the in-scope branches' members by
    # index instead, and stop at the group's fifth row; it never reads the whole table.
    for term in ("娜", "张"):
        plan = explain(MEMBERS.queryset(user, term))
        assert "Seq Scan on members_member" not in plan, (term, plan)
        assert "Index Scan" in plan, (term, plan)


def test_the_explained_statement_is_the_one_run(users, many):  # noqa: F811
    rows = list(MEMBERS.queryset(users["admin"], "欧阳娜"))
    assert sorted((r["search_rank"], r["name"]) for r in rows) == [
        (0, "欧阳娜"),
        (1, "欧阳娜娜"),
        (2, "小欧阳娜"),
    ]


def test_sequential_scans_are_off_only_for_the_grams_groups(users, many):  # noqa: F811
    from django.db import connection

    from search.engine import search

    assert search(users["admin"], "欧阳娜")
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_seqscan")
        assert cursor.fetchone()[0] == "on"


@pytest.mark.parametrize("term", ["娜", "王", "欧阳"])
def test_a_street_search_asks_the_index_for_name_and_scope_together(users, many, term):  # noqa: F811
    """The index condition holds the grams and the street's scope token (members 0010): one
    GIN scan answers "has 娜 and is in 天平路街道", whatever the size of the city."""
    with index_scans():
        plan = explain(MEMBERS.queryset(users["operator_a"], term))
    assert "Bitmap Index Scan on member_name_grams" in plan, plan
    index_conditions = [line for line in plan.splitlines() if "Index Cond: ((name_grams @>" in line]
    assert index_conditions, plan
    assert all("scope_tokens @> '{@310104003}'" in line for line in index_conditions), plan
    assert "Seq Scan on members_member" not in plan, plan
    assert f"^{term[0]}" in plan, plan  # the prefix tier's start-of-name gram
