"""API counts are exact up to API_COUNT_CAP and bounded past it."""

from tests.conftest import add_branches


def test_count_is_exact_below_the_cap_and_capped_above(api_for, users, district, settings):
    add_branches(district["a_general"], 30, "CAP", "计数")
    api = api_for(users["operator_a"])
    settings.API_COUNT_CAP = 100
    response = api.get("/api/v1/organizations/?limit=5")
    assert response.json()["count"] == 34 and "X-Count-Capped" not in response
    settings.API_COUNT_CAP = 20
    response = api.get("/api/v1/organizations/?limit=5")
    body = response.json()
    assert body["count"] == 20 and response["X-Count-Capped"] == "true"
    assert body["next"] is not None and len(body["results"]) == 5
    # past the cap, the cursor walks every row
    url, seen = "/api/v1/organizations/?sync=1&limit=10", 0
    while url:
        page = api.get(url).json()
        seen += len(page["results"])
        url = page["next"]
    assert seen == 34
