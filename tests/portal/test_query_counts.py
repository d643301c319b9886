"""Every list page and API page runs a constant number of queries whatever the page size
(DESIGN.md 7). The figures are pinned here, so a regression (an N+1) fails loudly."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from organizations.models import LeadershipPosition
from tests.conftest import add_branches

#: Pinned query counts per page, for a signed-in user (UI) and a token (API).
PINNED = {
    "ui:/organizations/": 7,
    "ui:/organizations/positions/": 7,
    "ui:/regions/": 7,
    "api:/api/v1/organizations/": 4,
    "api:/api/v1/positions/": 4,
    "api:/api/v1/regions/": 4,
}


@pytest.fixture
def many(district):
    """150 branches with a secretary each, under the A street's 党总支."""
    orgs = add_branches(district["a_general"], 150, "BULK", "批量")
    LeadershipPosition.objects.bulk_create(
        LeadershipPosition(
            organization=o, title="secretary", holder_name="李四", started_on="2024-01-01"
        )
        for o in orgs
    )
    return orgs


def count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    return len(queries)


@pytest.mark.parametrize("path", ["/organizations/", "/organizations/positions/", "/regions/"])
def test_ui_list_queries_do_not_grow_with_page_size(client_for, users, many, path):
    client = client_for(users["admin"])
    small = count(client, f"{path}?per_page=10")
    large = count(client, f"{path}?per_page=100")
    assert small == large == PINNED[f"ui:{path}"]


@pytest.mark.parametrize(
    "path", ["/api/v1/organizations/", "/api/v1/positions/", "/api/v1/regions/"]
)
def test_api_list_queries_do_not_grow_with_page_size(api_for, users, many, path):
    api = api_for(users["admin"])
    count(api, f"{path}?limit=10")  # first use of the token writes last_used_at
    small = count(api, f"{path}?limit=10")
    large = count(api, f"{path}?limit=100")
    cursor = count(api, f"{path}?sync=1&limit=100")
    assert small == large == PINNED[f"api:{path}"]
    assert cursor <= small


def test_ui_list_with_filters_is_still_constant(client_for, users, many, district):
    client = client_for(users["operator_a"])
    url = f"/organizations/?within={district['a_general'].pk}&kind=branch&q=批量"
    assert count(client, url + "&per_page=10") == count(client, url + "&per_page=100")


def test_org_tree_children_constant(client_for, users, many, district):
    client = client_for(users["admin"])
    url = f"/organizations/tree/{district['a_general'].pk}/"
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count("tree-node") == 151
    assert len(queries) <= 8


def test_autocomplete_searches_positions_by_holder_and_organisation(client_for, users, many):
    client = client_for(users["operator_a"])
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/autocomplete/organizations.leadershipposition/?q=A书记").json()
    assert [row["text"] for row in body["results"]] == ["上海新村居民区第一党支部 书记 A书记"]
    body = client.get("/autocomplete/organizations.leadershipposition/?q=批量第7").json()
    assert len(body["results"]) == 11  # 批量第7, 第70..79
    assert len(queries) <= 8
    assert client.get("/autocomplete/accounts.apitoken/?q=x").status_code == 404
