"""Every cadres page, API list and admin list answers for a district admin, with no plain
ID number or mobile anywhere; the navigation shows the section to those who may see it."""

import pytest
from django.urls import reverse

from cadres.models import LadderRule
from tests.cadres.conftest import assert_no_plain

PAGES = [
    "cadres:secretary_list",
    "cadres:vacancy_list",
    "cadres:trainingrecord_list",
    "cadres:trainingrecord_add",
    "cadres:trainingrecord_import",
    "cadres:annualreview_list",
    "cadres:annualreview_add",
    "cadres:communityworker_list",
    "cadres:communityworker_add",
    "cadres:eligibility",
    "cadres:gradechange_list",
    "cadres:ladderrule_list",
]
API = [
    "/api/v1/secretaries/",
    "/api/v1/secretaries/vacancies/",
    "/api/v1/training-records/",
    "/api/v1/annual-reviews/",
    "/api/v1/community-workers/",
    "/api/v1/community-workers/eligibility/",
    "/api/v1/grade-changes/",
    "/api/v1/ladder-rules/",
]
ADMIN = ["trainingrecord", "annualreview", "communityworker", "gradechange", "ladderrule"]


@pytest.mark.parametrize("name", PAGES)
def test_page(users, client_for, cadres, workers, name):
    response = client_for(users["admin"]).get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert_no_plain(html, where=name)
    assert " style=" not in html.split("<main", 1)[1]
    assert "onclick" not in html


def test_worker_pages(users, client_for, workers):
    client = client_for(users["admin"])
    chen = workers["chen"]
    for name in ("detail", "edit", "history", "promote"):
        response = client.get(reverse(f"cadres:communityworker_{name}", args=[chen.pk]))
        assert response.status_code == 200, name
    rule = LadderRule.objects.get(tier=1)
    assert client.get(reverse("cadres:ladderrule_edit", args=[rule.pk])).status_code == 200


@pytest.mark.parametrize("url", API)
def test_api_and_admin(users, client_for, api_for, cadres, workers, url):
    response = api_for(users["admin"]).get(url)
    assert response.status_code == 200
    assert_no_plain(response.content, where=url)


@pytest.mark.parametrize("model", ADMIN)
def test_admin(users, client_for, cadres, workers, model):
    response = client_for(users["admin"]).get(f"/admin/cadres/{model}/")
    assert response.status_code == 200
    assert_no_plain(response.content, where=model)


def test_navigation(users, client_for):
    html = client_for(users["worker_a"]).get(reverse("cadres:secretary_list")).content.decode()
    assert 'data-testid="nav-cadres"' in html
    assert reverse("cadres:eligibility") in html
