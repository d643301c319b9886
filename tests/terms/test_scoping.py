"""Elections and term rules across streets: a street never reads, lists, exports or finds
another street's elections; the term table is one for the whole district."""

from django.urls import reverse

from organizations.models import Election, TermRule
from tests.terms.conftest import S, results_for
from tests.terms.test_services import record


def test_elections_of_another_street_are_invisible(world, users, client_for, api_for):
    a_election = record(users["operator_a"], world)
    b_election = record(
        users["operator_b"],
        world,
        org=world["b_branch"],
        results=results_for(world["members"], (S, "李己", 40, True)),
    )
    for user, own, other in (
        (users["operator_a"], a_election, b_election),
        (users["operator_b"], b_election, a_election),
    ):
        client = client_for(user)
        assert client.get(own.get_absolute_url()).status_code == 200
        assert client.get(other.get_absolute_url()).status_code == 404
        history = reverse("organizations:election_history", args=[other.pk])
        assert client.get(history).status_code == 404
        listed = [
            r["url"] for r in client.get(reverse("organizations:election_list")).context["rows"]
        ]
        assert listed == [own.get_absolute_url()]
        export = client.get(reverse("organizations:election_list"), {"export": "csv"})
        text = b"".join(export.streaming_content).decode()
        assert own.organization.name in text and other.organization.name not in text
        found = client.get(
            reverse("autocomplete", args=["organizations.election"]), {"q": "居民区"}
        ).json()["results"]
        assert [r["id"] for r in found] == [own.pk]
        api = api_for(user)
        assert api.get(f"/api/v1/elections/{other.pk}/").status_code == 404
        assert [e["id"] for e in api.get("/api/v1/elections/").json()["results"]] == [own.pk]
    # The district sees both.
    client = client_for(users["admin"])
    assert len(client.get(reverse("organizations:election_list")).context["rows"]) == 2


def test_term_rules_are_district_wide_and_read_only_to_streets(world, users, client_for, api_for):
    rule = TermRule.objects.get(kind="committee")
    for user in (users["operator_a"], users["operator_b"], users["worker_a"], users["auditor"]):
        api = api_for(user)
        assert api.get(f"/api/v1/term-rules/{rule.pk}/").status_code == 200
        assert api.get("/api/v1/term-rules/").json()["count"] == 5
        assert (
            api.patch(
                f"/api/v1/term-rules/{rule.pk}/", {"term_years": 4}, format="json"
            ).status_code
            == 403
        )
        assert api.delete(f"/api/v1/term-rules/{rule.pk}/").status_code == 403
    page = client_for(users["operator_b"]).get(reverse("organizations:term_status"))
    assert "党委：5 年" in page.content.decode()
    assert TermRule.objects.get(kind="committee").term_years == 5
    assert not Election.objects.exists()


def test_term_rule_changes_are_audited(world, users, api_for):
    from django.apps import apps

    rule = TermRule.objects.get(kind="general_branch")
    response = api_for(users["admin"]).patch(
        f"/api/v1/term-rules/{rule.pk}/", {"term_years": 4}, format="json"
    )
    assert response.status_code == 200
    events = apps.get_model("organizations", "TermRuleEvent").objects.filter(
        pgh_obj_id=rule.pk, pgh_label="update"
    )
    assert [e.term_years for e in events] == [4]
