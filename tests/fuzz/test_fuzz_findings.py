"""What the API fuzzing (tests/fuzz/test_schemathesis.py) found, pinned as plain tests."""

import pytest

from grids.models import Case


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ("2000-01-01T00:00-20:32", True),  # offset beyond PostgreSQL's ±15:59: was a 500
        ("2136-01-02T19:57:34.37-20:32", False),
        ("9999-12-31T23:00-10:00", False),  # past year 9999 in UTC
        ("0001-01-01T00:00+10:00", True),  # before year 1 in UTC
    ],
)
def test_time_filters_take_any_iso_offset(api_for, users, district, value, found):
    api = api_for(users["admin"])
    response = api.get("/api/v1/organizations/", {"updated_after": value})
    assert response.status_code == 200
    assert (response.json()["count"] > 0) is found


def test_case_time_filters_take_any_iso_offset(api_for, users, district):
    api = api_for(users["admin"])
    for name in ("reported_after", "reported_before"):
        for value in ("2000-01-01T00:00-20:32", "9999-12-31T23:00-10:00"):
            assert api.get("/api/v1/cases/", {name: value}).status_code == 200
    assert not Case.objects.exists()


@pytest.fixture
def schema(client):
    return client.get("/api/schema/?format=json").json()


def test_schema_matches_what_the_api_answers(schema):
    components = schema["components"]["schemas"]
    # Null relations are declared nullable.
    for component, field in (
        ("Case", "reporter_user"),
        ("Case", "assignee_user"),
        ("CaseStep", "actor"),
        ("Enterprise", "uscc_override_by"),
    ):
        assert components[component]["properties"][field].get("nullable") is True, field
    # The report list is an array; the search answer is one object.
    ok = "200"
    reports = schema["paths"]["/api/v1/reports/"]["get"]["responses"][ok]["content"]
    assert reports["application/json"]["schema"]["type"] == "array"
    search = schema["paths"]["/api/v1/search/"]["get"]["responses"][ok]["content"]
    assert search["application/json"]["schema"] == {"$ref": "#/components/schemas/SearchResponse"}


@pytest.mark.parametrize(
    ("name", "value"),
    [("age_max", "5.154282063958852e+16"), ("age_min", "99999999"), ("age_min", "-1")],
)
def test_number_filters_out_of_range_are_400_naming_the_filter(
    api_for, users, district, name, value
):
    response = api_for(users["admin"]).get("/api/v1/members/", {name: value})
    assert response.status_code == 400
    assert list(response.json()) == [name]


def test_every_number_filter_is_bounded_to_the_database_integer_range(api_for, users, district):
    api = api_for(users["admin"])
    for value in ("2147483648", "-2147483649", "1e40"):
        response = api.get("/api/v1/buildings/", {"park": value})
        assert response.status_code == 400 and list(response.json()) == ["park"], value
    assert api.get("/api/v1/buildings/", {"park": "2147483647"}).status_code == 200


@pytest.mark.parametrize("value", ["0", "0.0", "10000", "1.2e-260", "100.5"])
def test_year_filters_take_only_whole_calendar_years(api_for, users, district, value):
    """``year`` filters (meetings, elections, training, grade changes) on a date's year."""
    api = api_for(users["admin"])
    response = api.get("/api/v1/meetings/", {"year": value})
    assert response.status_code == 400 and list(response.json()) == ["year"]
    for good in ("2024", "2024.0"):
        assert api.get("/api/v1/meetings/", {"year": good}).status_code == 200


def test_time_filters_declared_by_any_app_compare_in_utc(api_for, users, district):
    """A FilterSet declaring its own plain IsoDateTimeFilter gets the UTC comparison too."""
    response = api_for(users["admin"]).get(
        "/api/v1/grade-changes/", {"updated_after": "2696-01-27T00:04:35+19:58"}
    )
    assert response.status_code == 200
