"""The API: /api/v1/elections/ (create = record_election, nested results), term rules,
term status, position holders, term fields of organisations after an election."""

from datetime import date

import pytest

from organizations.models import Election, LeadershipPosition, Organization, TermRule
from tests.terms.conftest import O, P, S, election_data
from tests.terms.test_services import record, snapshot

ELECTIONS = "/api/v1/elections/"


def body(world, rows, **overrides):
    data = {
        k: (v.isoformat() if isinstance(v, date) else v)
        for k, v in election_data(**overrides).items()
    }
    data["organization"] = world["a_branch"].pk
    data["results"] = [
        {"title": t, "candidate": world["members"][n].pk, "votes": v, "elected": e}
        for t, n, v, e in rows
    ]
    return data


def test_create_records_the_election_with_its_results(world, users, api_for):
    api = api_for(users["sync_a"])
    rows = [(S, "张甲", 40, True), (O, "张乙", 30, True), (P, "张丙", 20, False)]
    response = api.post(ELECTIONS, body(world, rows), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["term_number"] == 4
    assert [
        (r["candidate_name"], r["elected"], r["position"] is not None) for r in data["results"]
    ] == [
        ("张甲", True, True),
        ("张乙", True, True),
        ("张丙", False, False),
    ]
    org = api.get(f"/api/v1/organizations/{world['a_branch'].pk}/").json()
    assert (org["term_number"], org["term_end"]) == (4, "2029-06-01")
    positions = api.get(
        "/api/v1/positions/", {"organization": world["a_branch"].pk, "current": "true"}
    )
    holders = {
        p["holder_name"]: p["holder"] and p["holder"]["id"] for p in positions.json()["results"]
    }
    assert holders == {"张甲": world["members"]["张甲"].pk, "张乙": world["members"]["张乙"].pk}


def test_validation_errors_name_the_fields_and_rows(world, users, api_for):
    api = api_for(users["operator_a"])
    before = snapshot(world["a_branch"])
    rows = [(S, "张甲", 40, True), (S, "张乙", 30, True), (O, "张丙", 45, True)]
    response = api.post(ELECTIONS, body(world, rows, ballots_returned=46), format="json")
    assert response.status_code == 400
    errors = response.json()
    assert list(errors) == ["ballots_returned", "results"]
    assert errors["results"][0] == {}
    assert "一名书记" in errors["results"][1]["elected"][0]
    assert "不能多于有效选票" in errors["results"][2]["votes"][0]
    # A missing field is reported by the serializer, before anything runs.
    data = body(world, rows[:1])
    del data["present"]
    assert list(api.post(ELECTIONS, data, format="json").json()) == ["present"]
    # A member out of the user's scope is not a choice at all.
    data = body(world, [(S, "李己", 40, True)])
    assert "candidate" in api.post(ELECTIONS, data, format="json").json()["results"]["0"]
    assert snapshot(world["a_branch"]) == before


def test_another_streets_organisation_is_refused_and_nothing_written(world, users, api_for):
    api = api_for(users["operator_b"])
    response = api.post(ELECTIONS, body(world, [(S, "张甲", 40, True)]), format="json")
    assert response.status_code == 400
    assert "organization" in response.json()
    assert not Election.objects.exists()


def test_elections_are_not_changed_over_the_api(world, users, api_for):
    election = record(users["operator_a"], world)
    api = api_for(users["sync_a"])
    url = f"{ELECTIONS}{election.pk}/"
    assert api.patch(url, {"note": "x"}, format="json").status_code == 405
    assert api.delete(url).status_code == 405
    assert api.get(url).json()["results"][0]["candidate"]["id"] == world["members"]["张甲"].pk


def test_election_scope_and_list_query_count(world, users, api_for, django_assert_num_queries):
    election = record(users["operator_a"], world)
    b = api_for(users["operator_b"])
    assert b.get(f"{ELECTIONS}{election.pk}/").status_code == 404
    assert b.get(ELECTIONS).json()["count"] == 0
    a = api_for(users["sync_a"])
    position = LeadershipPosition.objects.first()
    for day in range(2, 12):
        extra = Election.objects.create(
            organization=world["a_branch"],
            held_on=date(2026, 6, day),
            kind="by_election",
            eligible_voters=10,
            present=9,
            ballots_issued=9,
            ballots_returned=9,
            valid_ballots=9,
        )
        extra.results.create(
            title=P,
            candidate=world["members"]["张戊"],
            candidate_name="张戊",
            votes=day,
            position=position,
        )
    a.get(ELECTIONS, {"limit": 1})  # the token's first use of the minute is written once
    with django_assert_num_queries(LIST_QUERIES):
        response = a.get(ELECTIONS)
    assert response.json()["count"] == 11
    with django_assert_num_queries(LIST_QUERIES):
        assert len(a.get(ELECTIONS, {"limit": 2}).json()["results"]) == 2


#: Token and user, permissions, count, page, results, their candidates, their positions.
LIST_QUERIES = 7


def test_term_rules_are_read_by_streets_and_kept_by_the_district(world, users, api_for):
    street = api_for(users["operator_a"])
    rules = {
        r["kind"]: r["term_years"] for r in street.get("/api/v1/term-rules/").json()["results"]
    }
    assert rules == {
        "branch": 3,
        "committee": 5,
        "general_branch": 3,
        "joint_branch": 3,
        "working_committee": 5,
    }
    rule = TermRule.objects.get(kind="branch")
    url = f"/api/v1/term-rules/{rule.pk}/"
    assert street.patch(url, {"term_years": 4}, format="json").status_code == 403
    assert api_for(users["sync_a"]).patch(url, {"term_years": 4}, format="json").status_code == 403
    admin = api_for(users["admin"])
    assert admin.patch(url, {"term_years": 11}, format="json").status_code == 400
    assert admin.patch(url, {"term_years": 4}, format="json").status_code == 200
    assert api_for(users["operator_b"]).get(url).json()["term_years"] == 4
    # The next election uses the new length.
    record(users["operator_a"], world)
    assert Organization.objects.get(pk=world["a_branch"].pk).term_end == date(2030, 6, 1)


def test_term_status(world, users, api_for, django_assert_max_num_queries):
    api = api_for(users["admin"])
    with django_assert_max_num_queries(8):
        rows = api.get("/api/v1/term-status/").json()["results"]
    assert [(r["code"], r["days_left"], r["overdue"]) for r in rows] == [
        (world["a_branch"].code, -36, True),
        (world["b_branch"].code, 78, False),
    ]
    rows = api_for(users["operator_b"]).get("/api/v1/term-status/").json()["results"]
    assert [r["code"] for r in rows] == [world["b_branch"].code]
    rows = api.get("/api/v1/term-status/", {"overdue": "false"}).json()["results"]
    assert [r["code"] for r in rows] == [world["b_branch"].code]


@pytest.mark.parametrize("field", ["term_number", "term_end", "term_started_on"])
def test_term_fields_are_read_only_after_an_election(world, users, api_for, field):
    api = api_for(users["operator_a"])
    url = f"/api/v1/organizations/{world['a_branch'].pk}/"
    value = {"term_number": 9, "term_end": "2031-01-01", "term_started_on": "2023-05-11"}[field]
    # Before any election: editable (initial entry, imports).
    assert api.patch(url, {field: value}, format="json").status_code == 200
    Organization.objects.filter(pk=world["a_branch"].pk).update(
        term_number=3, term_started_on=date(2023, 5, 10), term_end=date(2026, 5, 10)
    )
    world["a_branch"].refresh_from_db()
    record(users["operator_a"], world)
    response = api.patch(url, {field: value}, format="json")
    assert response.status_code == 400
    assert "只能通过登记选举变更" in response.json()[field][0]
    # Unchanged values and other fields still save.
    current = api.get(url).json()
    response = api.patch(url, {field: current[field], "note": "已换届"}, format="json")
    assert response.status_code == 200


def test_position_holder_over_the_api(world, users, api_for):
    api = api_for(users["operator_a"])
    member = world["members"]["张戊"]
    response = api.post(
        "/api/v1/positions/",
        {
            "organization": world["a_branch"].pk,
            "title": P,
            "holder_name": "张戊",
            "holder": member.pk,
            "started_on": "2026-06-02",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert LeadershipPosition.objects.get(pk=response.json()["id"]).holder == member
    # B's member is not a choice for A.
    response = api.post(
        "/api/v1/positions/",
        {
            "organization": world["a_branch"].pk,
            "title": P,
            "holder_name": "李己",
            "holder": world["members"]["李己"].pk,
            "started_on": "2026-06-02",
        },
        format="json",
    )
    assert response.status_code == 400 and "holder" in response.json()


def test_imports_cannot_change_the_term_after_an_election(world, users):
    from portal import imports

    spec = imports.get_spec("organizations.organization")
    org = world["a_branch"]
    header = "组织编码,组织名称,组织类别,所属领域,上级组织编码,区划代码,届次,本届开始,届满日期\n"
    row = f"{org.code},{org.name},党支部,居民区,{org.parent.code},{org.region.code}"
    row += ",9,2023-05-10,2030-01-01\n"
    content = (header + row).encode()
    result = spec.run(content, "orgs.csv", users["operator_a"], dry_run=True)
    assert result.ok, result.errors  # no election yet: the import may set the term
    record(users["operator_a"], world)
    result = spec.run(content, "orgs.csv", users["operator_a"])
    assert not result.ok
    assert {e.column for e in result.errors} >= {"届次", "届满日期"}
    org.refresh_from_db()
    assert (org.term_number, org.term_end) == (4, date(2029, 6, 1))
