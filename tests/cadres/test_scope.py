"""Every cadres model is scoped: a street sees, changes, exports and finds only its own rows;
another street's row answers 404 on every door (pages, export, API, admin, autocomplete).
The ladder rules are the district's: streets read them, only district admins change them."""

import pytest
from django.urls import reverse

from cadres import services
from cadres.models import AnnualReview, CommunityWorker, GradeChange, LadderRule, TrainingRecord
from organizations.models import LeadershipPosition
from tests.cadres.conftest import assert_no_plain


@pytest.fixture
def rows(users, cadres, workers, frozen):
    """One row of each model in A and in B."""
    from datetime import date

    a_change = services.promote(workers["chen"], 3, 7, date(2026, 7, 1), "", users["admin"])
    b_change = services.promote(workers["zheng"], 3, 7, date(2026, 7, 1), "", users["admin"])
    return {
        "trainingrecord": (cadres["trainings"][0], cadres["b_training"]),
        "annualreview": (cadres["reviews"]["a_2025"], cadres["reviews"]["b_2025"]),
        "communityworker": (workers["chen"], workers["zheng"]),
        "gradechange": (a_change, b_change),
    }


REGISTERS = {
    "trainingrecord": ("training-records", "社区治理示范培训", "湖南路培训"),
    "annualreview": ("annual-reviews", "张卫东", "李建国"),
    "communityworker": ("community-workers", "陈晓", "郑华"),
}


@pytest.mark.parametrize("model", REGISTERS)
def test_pages_across_streets(users, client_for, rows, model):
    a, b = rows[model]
    _prefix, a_text, b_text = REGISTERS[model]
    client = client_for(users["operator_a"])
    listing = client.get(reverse(f"cadres:{model}_list"))
    html = listing.content.decode()
    assert listing.status_code == 200 and a_text in html and b_text not in html
    assert_no_plain(html, where=f"{model} list")
    export = client.get(reverse(f"cadres:{model}_list") + "?export=csv")
    body = b"".join(export.streaming_content).decode("utf-8-sig")
    assert a_text in body and b_text not in body
    assert_no_plain(body, where=f"{model} export")
    xlsx = client.get(reverse(f"cadres:{model}_list") + "?export=xlsx")
    assert xlsx.status_code == 200
    for page in ("detail", "edit", "history", "delete"):
        assert client.get(reverse(f"cadres:{model}_{page}", args=[a.pk])).status_code == 200, page
        assert client.get(reverse(f"cadres:{model}_{page}", args=[b.pk])).status_code == 404, page
    assert client.post(reverse(f"cadres:{model}_edit", args=[b.pk]), {}).status_code == 404
    assert client.post(reverse(f"cadres:{model}_delete", args=[b.pk])).status_code == 404
    assert type(b).objects.filter(pk=b.pk).exists()
    detail = client.get(reverse(f"cadres:{model}_detail", args=[a.pk])).content
    assert_no_plain(detail, where=f"{model} detail")


@pytest.mark.parametrize("model", REGISTERS)
def test_api_across_streets(users, api_for, rows, model):
    a, b = rows[model]
    prefix, a_text, b_text = REGISTERS[model]
    api = api_for(users["operator_b"])
    listing = api.get(f"/api/v1/{prefix}/")
    ids = [row["id"] for row in listing.json()["results"]]
    assert ids == [b.pk]
    assert_no_plain(listing.content, where=f"{prefix} API")
    assert api.get(f"/api/v1/{prefix}/{a.pk}/").status_code == 404
    assert api.patch(f"/api/v1/{prefix}/{a.pk}/", {"note": "x"}, format="json").status_code == 404
    assert api.delete(f"/api/v1/{prefix}/{a.pk}/").status_code == 404
    assert api.get(f"/api/v1/{prefix}/{b.pk}/").status_code == 200


def test_grade_changes_across_streets(users, client_for, api_for, rows):
    a, b = rows["gradechange"]
    listing = api_for(users["operator_a"]).get("/api/v1/grade-changes/")
    assert [row["id"] for row in listing.json()["results"]] == [a.pk]
    assert api_for(users["operator_a"]).get(f"/api/v1/grade-changes/{b.pk}/").status_code == 404
    page = client_for(users["operator_a"]).get(reverse("cadres:gradechange_list")).content.decode()
    assert "陈晓" in page and "郑华" not in page
    # Read only through the API: the history is written by ``promote`` alone.
    response = api_for(users["admin"]).post("/api/v1/grade-changes/", {}, format="json")
    assert response.status_code == 405


def test_secretaries_across_streets(users, client_for, api_for, rows, district):
    a_post = LeadershipPosition.objects.get(organization=district["a_branch"])
    b_post = LeadershipPosition.objects.get(organization=district["b_branch"])
    LeadershipPosition.objects.filter(pk=b_post.pk).update(ended_on=None)
    api = api_for(users["operator_b"])
    names = [row["holder_name"] for row in api.get("/api/v1/secretaries/").json()["results"]]
    assert names == ["李建国"]
    assert api.get(f"/api/v1/secretaries/{a_post.pk}/").status_code == 404
    assert api.get(f"/api/v1/secretaries/{b_post.pk}/").status_code == 200
    client = client_for(users["operator_b"])
    assert client.get(reverse("cadres:secretary_detail", args=[a_post.pk])).status_code == 404
    export = client.get(reverse("cadres:secretary_list") + "?export=csv")
    body = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "李建国" in body and "张卫东" not in body
    vacancies = client.get(reverse("cadres:vacancy_list") + "?export=csv")
    body = b"".join(vacancies.streaming_content).decode("utf-8-sig")
    assert "天平路街道机关党支部" not in body
    # The API is read only.
    assert api.post("/api/v1/secretaries/", {}, format="json").status_code == 405


def test_community_worker_sees_own_community_read_only(users, client_for, api_for, rows):
    a, b = rows["communityworker"]
    client = client_for(users["worker_a"])
    assert client.get(reverse("cadres:communityworker_detail", args=[a.pk])).status_code == 200
    assert client.get(reverse("cadres:communityworker_detail", args=[b.pk])).status_code == 404
    assert client.get(reverse("cadres:communityworker_edit", args=[a.pk])).status_code == 403
    response = api_for(users["worker_a"]).patch(
        f"/api/v1/community-workers/{a.pk}/", {"note": "x"}, format="json"
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("model", "term", "a_text"),
    [
        ("cadres.trainingrecord", "培训", "社区治理示范培训"),
        ("cadres.communityworker", "华", None),
        ("cadres.annualreview", "居民区", "张卫东"),
    ],
)
def test_autocomplete_across_streets(users, client_for, rows, model, term, a_text):
    client = client_for(users["operator_a"])
    response = client.get(reverse("autocomplete", args=[model]) + f"?q={term}")
    assert response.status_code == 200
    texts = " ".join(r["text"] for r in response.json()["results"])
    assert "湖南路" not in texts and "郑华" not in texts and "李建国" not in texts
    if a_text:
        assert a_text in texts


ADMIN = {
    "trainingrecord": "cadres/trainingrecord",
    "annualreview": "cadres/annualreview",
    "communityworker": "cadres/communityworker",
    "gradechange": "cadres/gradechange",
}


@pytest.mark.parametrize("model", ADMIN)
def test_admin_across_streets(staff_a, client_for, rows, model):
    a, b = rows[model]
    client = client_for(staff_a)
    path = ADMIN[model]
    listing = client.get(f"/admin/{path}/")
    assert listing.status_code == 200
    shown = {obj.pk for obj in listing.context["cl"].result_list}
    assert a.pk in shown and b.pk not in shown
    response = client.get(f"/admin/{path}/{b.pk}/change/", follow=True)
    assert response.redirect_chain == [("/admin/", 302)]
    assert client.get(f"/admin/{path}/{a.pk}/change/").status_code == 200
    assert_no_plain(client.get(f"/admin/{path}/{a.pk}/change/").content, where=f"admin {model}")


def test_admin_keeps_ladder_fields_read_only(staff_a, client_for, rows):
    worker = rows["communityworker"][0]
    html = client_for(staff_a).get(f"/admin/cadres/communityworker/{worker.pk}/change/")
    assert 'name="grade"' not in html.content.decode()
    assert 'name="name"' in html.content.decode()


def test_admin_grade_changes_read_only(staff_a, client_for, rows):
    a, _b = rows["gradechange"]
    client = client_for(staff_a)
    assert client.get("/admin/cadres/gradechange/add/").status_code == 403
    assert (
        client.post(f"/admin/cadres/gradechange/{a.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert GradeChange.objects.filter(pk=a.pk).exists()


# --- ladder rules ----------------------------------------------------------------------


def test_ladder_rules_streets_read_district_changes(users, api_for, client_for, staff_a, district):
    rule = LadderRule.objects.get(tier=3)
    street = api_for(users["operator_a"])
    assert street.get("/api/v1/ladder-rules/").json()["count"] == 3
    assert (
        street.patch(
            f"/api/v1/ladder-rules/{rule.pk}/", {"min_years": 1}, format="json"
        ).status_code
        == 403
    )
    assert (
        api_for(users["sync_a"])
        .patch(f"/api/v1/ladder-rules/{rule.pk}/", {"min_years": 1}, format="json")
        .status_code
        == 403
    )
    assert (
        client_for(users["operator_a"])
        .get(reverse("cadres:ladderrule_edit", args=[rule.pk]))
        .status_code
        == 403
    )
    assert client_for(staff_a).get(f"/admin/cadres/ladderrule/{rule.pk}/change/").status_code in (
        200,
        403,
    )
    admin = api_for(users["admin"])
    response = admin.patch(f"/api/v1/ladder-rules/{rule.pk}/", {"min_years": 3}, format="json")
    assert response.status_code == 200, response.json()
    rule.refresh_from_db()
    assert rule.min_years == 3
    # A post belongs to one tier only; a bad range names its field.
    response = admin.patch(
        f"/api/v1/ladder-rules/{rule.pk}/", {"posts": ["secretary"]}, format="json"
    )
    assert response.status_code == 400 and "posts" in response.json()
    response = admin.patch(f"/api/v1/ladder-rules/{rule.pk}/", {"max_grade": 0}, format="json")
    assert response.status_code == 400 and "max_grade" in response.json()
    page = client_for(users["admin"]).post(
        reverse("cadres:ladderrule_edit", args=[rule.pk]),
        {
            "tier": 3,
            "name": "三档",
            "posts": "committee_member,social_worker",
            "min_grade": 1,
            "max_grade": 12,
            "min_years": 2,
            "certificate_from_grade": 7,
            "certificate": 1,
            "education_from_grade": 10,
            "education": 4,
        },
    )
    assert page.status_code == 302
    rule.refresh_from_db()
    assert rule.min_years == 2


def test_street_operator_lacks_ladder_rule_permissions(users):
    operator = users["operator_a"]
    assert operator.has_perm("cadres.view_ladderrule")
    for action in ("add", "change", "delete"):
        assert not operator.has_perm(f"cadres.{action}_ladderrule")
        assert not users["sync_a"].has_perm(f"cadres.{action}_ladderrule")
    assert users["admin"].has_perm("cadres.change_ladderrule")


def test_models_registered(rows):
    assert {TrainingRecord, AnnualReview, CommunityWorker} <= {type(r[0]) for r in rows.values()}
