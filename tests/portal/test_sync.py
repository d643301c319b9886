"""Keyset sync over rows that share a timestamp: a bulk import gives thousands of rows the
same ``updated_at``, and a nightly sync must still see each exactly once."""

from datetime import UTC, datetime

from organizations.models import Organization
from tests.conftest import add_branches


def test_sync_pages_through_thousands_of_ties_exactly_once(api_for, users, district):
    add_branches(district["a_general"], 1500, "TIE", "同时导入")
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    Organization.objects.filter(code__startswith="TIE").update(updated_at=moment)
    api = api_for(users["operator_a"])
    url, seen, pages = "/api/v1/organizations/?sync=1&limit=200", [], 0
    while url:
        body = api.get(url).json()
        assert "count" not in body
        seen += [row["code"] for row in body["results"]]
        url, pages = body["next"], pages + 1
        assert pages < 20
    expected = set(
        Organization.objects.filter(region__path__startswith=district["a"].path).values_list(
            "code", flat=True
        )
    )
    assert len(seen) == len(set(seen)) == len(expected) == 1504
    assert set(seen) == expected
    assert pages == 8


def test_a_forged_cursor_is_refused(api_for, users, district):
    response = api_for(users["operator_a"]).get("/api/v1/organizations/?cursor=bm9wZQ")
    assert response.status_code == 404
    assert response.json() == {"detail": "无效的游标。"}
