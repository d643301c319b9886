"""A name search counts its matches in the page's own query (portal/pagination.py): the
count is still exact up to API_COUNT_CAP and capped past it, and pages past the end are
empty with the right count."""

from datetime import date

import pytest

from members.models import Member
from portal.search import name_grams
from tests.conftest import add_branches
from tests.members.conftest import make_id_number


@pytest.fixture
def named(district):
    branches = add_branches(district["a_general"], 3, "CNT", "计数")
    members = []
    for i in range(30):
        name = f"{'张' if i < 25 else '李'}计{i:02d}"
        member = Member(
            name=name,
            name_grams=name_grams(name),
            organization=branches[i % 3],
            category=Member.Category.PROBATIONARY,
            joined_on=date(2024, 7, 1),
        )
        member.set_id_number(make_id_number(date(1970, 1, 1 + i % 28), 300 + i))
        member._apply_sensitive()
        members.append(member)
    return Member.objects.bulk_create(members)


def test_search_count_is_exact_below_the_cap_and_capped_above(api_for, users, named, settings):
    api = api_for(users["operator_a"])
    settings.API_COUNT_CAP = 100
    response = api.get("/api/v1/members/", {"q": "张", "limit": 10})
    body = response.json()
    assert body["count"] == 25 and "X-Count-Capped" not in response
    assert [row["name"] for row in body["results"]] == [f"张计{i:02d}" for i in range(10)]
    assert body["next"] is not None

    settings.API_COUNT_CAP = 20
    response = api.get("/api/v1/members/", {"q": "张", "limit": 10, "offset": 10})
    body = response.json()
    assert body["count"] == 20 and response["X-Count-Capped"] == "true"
    assert [row["name"] for row in body["results"]] == [f"张计{i:02d}" for i in range(10, 20)]
    assert all("*" in row["id_number"] for row in body["results"])  # still masked


def test_search_page_past_the_end_is_empty_with_its_count(api_for, users, named):
    api = api_for(users["operator_a"])
    body = api.get("/api/v1/members/", {"q": "李", "limit": 10, "offset": 10}).json()
    assert body["count"] == 5 and body["results"] == []
