"""The member list page and the member API list run a constant number of queries whatever the
page size (issue 3, DESIGN.md 7): pinned here, masked and unmasked, filtered and not."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members.models import Member
from portal.models import SensitiveAccess
from portal.search import name_grams
from tests.conftest import add_branches
from tests.members.conftest import make_id_number

#: Pinned query counts of one page. A subtree filter (``region_within``,
#: ``organization_within_code``) adds one query for the node's path; unmasking adds the
#: access log row.
PINNED = {
    # session, user, groups, permissions, scope region, capped count, page
    "ui": 7,
    "ui unmasked": 8,
    # token with its user, permissions, count, page (a search: the page's keys with the
    # count, then its rows)
    "api": 4,
    "api unmasked": 5,
    # token, permissions, page (no count)
    "api sync": 3,
}
SUBTREE = ("region_within", "organization_within_code")


def pinned(key, filters):
    return PINNED[key] + sum(name in filters for name in SUBTREE)


@pytest.fixture
def many(district):
    """150 members over 10 branches of A, each with an encrypted ID number and mobile, a
    residential community and grid, and an employer (the API shows all three)."""
    from grids.models import Grid
    from tests.buildings.conftest import make_enterprise

    branches = add_branches(district["a_general"], 10, "QRY", "计数")
    employers = [make_enterprise(district["a1"], f"计数公司{i}", 900 + i) for i in range(3)]
    grids = [
        Grid.objects.create(code=f"QG{i}", name=f"计数网格{i}", region=district["a1"])
        for i in range(3)
    ]
    members = []
    for i in range(150):
        name = f"党员{i:03d}"
        member = Member(
            name=name,
            name_grams=name_grams(name),
            organization=branches[i % 10],
            category=Member.Category.PROBATIONARY,
            joined_on=date(2024, 7, 1),
            residential_region=district["a1"],
            residential_grid=grids[i % 3],
            employer=employers[i % 3],
        )
        member.set_id_number(make_id_number(date(1970, 1, 1 + i % 28), 100 + i))
        member.set_mobile(f"139{i:08d}")
        member._apply_sensitive()
        members.append(member)
    return Member.objects.bulk_create(members)


def count(client, url, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, (url, response.content[:300])
    return len(queries)


@pytest.mark.parametrize("user_key", ["admin", "operator_a"])
@pytest.mark.parametrize(
    "filters",
    [{}, {"q": "党员"}, {"q": "党员1"}, {"status": "normal", "region_within": "310104003"}],
)
def test_ui_list_queries_do_not_grow_with_page_size(client_for, users, many, user_key, filters):
    client = client_for(users[user_key])
    small = count(client, "/members/", per_page=10, **filters)
    large = count(client, "/members/", per_page=100, **filters)
    assert small == large == pinned("ui", filters)


def test_unmasked_ui_list_queries_do_not_grow_with_page_size(client_for, users, many):
    client = client_for(users["admin"])
    small = count(client, "/members/", per_page=10, unmask=1)
    large = count(client, "/members/", per_page=100, unmask=1)
    assert small == large == PINNED["ui unmasked"]
    assert [len(row.object_ids) for row in SensitiveAccess.objects.order_by("pk")] == [10, 100]


@pytest.mark.parametrize("unmask", [{}, {"unmask": 1}])
def test_exports_do_not_query_per_row(client_for, users, many, unmask):
    client = client_for(users["admin"])
    small = count(client, "/members/", export="csv", q="党员00", **unmask)  # 10 rows
    large = count(client, "/members/", export="csv", **unmask)  # 150 rows
    assert small == large


@pytest.mark.parametrize("user_key", ["admin", "operator_a", "sync_a"])
@pytest.mark.parametrize("filters", [{}, {"q": "党员1", "organization_within_code": "S003"}])
def test_api_list_queries_do_not_grow_with_page_size(api_for, users, many, user_key, filters):
    api = api_for(users[user_key])
    count(api, "/api/v1/members/", limit=10)  # the token's first use writes last_used_at
    small = count(api, "/api/v1/members/", limit=10, **filters)
    large = count(api, "/api/v1/members/", limit=100, **filters)
    assert small == large == pinned("api", filters)
    small = count(api, "/api/v1/members/", limit=10, sync=1, **filters)
    large = count(api, "/api/v1/members/", limit=100, sync=1, **filters)
    assert small == large == pinned("api sync", filters)


def test_unmasked_api_list_queries_do_not_grow_with_page_size(api_for, users, many):
    api = api_for(users["admin"])
    count(api, "/api/v1/members/", limit=10)
    small = count(api, "/api/v1/members/", limit=10, unmask=1)
    large = count(api, "/api/v1/members/", limit=100, unmask=1)
    assert small == large == PINNED["api unmasked"]
