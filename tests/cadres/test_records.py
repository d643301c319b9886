"""Training records and 述职评议: validation names the field, the import writes all rows or
none and re-running it changes nothing, and the demo seeding step."""

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse

from cadres import seeding
from cadres.models import AnnualReview, CommunityWorker, GradeChange, TrainingRecord
from organizations.models import LeadershipPosition
from portal.models import ImportJob
from tests.cadres.conftest import PLAIN


def test_training_validation(users, api_for, cadres):
    api = api_for(users["operator_a"])
    base = {
        "member": cadres["zhang"].pk,
        "title": "新课程",
        "kind": "online",
        "started_on": "2026-05-01",
        "ended_on": "2026-05-02",
        "hours": "4",
    }
    bad = api.post("/api/v1/training-records/", {**base, "ended_on": "2026-04-01"}, format="json")
    assert bad.status_code == 400 and "ended_on" in bad.json()
    bad = api.post("/api/v1/training-records/", {**base, "hours": "0"}, format="json")
    assert bad.status_code == 400 and "hours" in bad.json()
    bad = api.post(
        "/api/v1/training-records/",
        {**base, "started_on": "2026-08-01", "ended_on": "2026-08-01"},
        format="json",
    )
    assert bad.status_code == 400 and "started_on" in bad.json()
    # B's member is not A's to record.
    bad = api.post("/api/v1/training-records/", {**base, "member": cadres["li"].pk}, format="json")
    assert bad.status_code == 400 and "member" in bad.json()
    good = api.post("/api/v1/training-records/", base, format="json")
    assert good.status_code == 201, good.json()
    record = TrainingRecord.objects.get(pk=good.json()["id"])
    assert record.key.endswith(":20260501:新课程")


def test_review_validation(users, api_for, client_for, cadres, district):
    api = api_for(users["operator_a"])
    base = {"member": cadres["zhang"].pk, "organization": district["a_branch"].pk, "rating": "good"}
    duplicate = api.post("/api/v1/annual-reviews/", {**base, "year": 2025}, format="json")
    assert duplicate.status_code == 400
    assert "已登记" in str(duplicate.json())
    future = api.post("/api/v1/annual-reviews/", {**base, "year": 2027}, format="json")
    assert future.status_code == 400 and "year" in future.json()
    score = api.post(
        "/api/v1/annual-reviews/", {**base, "year": 2023, "score": "120"}, format="json"
    )
    assert score.status_code == 400 and "score" in score.json()
    other = api.post(
        "/api/v1/annual-reviews/",
        {**base, "organization": district["b_branch"].pk, "year": 2023},
        format="json",
    )
    assert other.status_code == 400 and "organization" in other.json()
    page = client_for(users["operator_a"]).post(
        reverse("cadres:annualreview_add"), {**base, "year": 2023, "rating": "fair"}
    )
    assert page.status_code == 302
    assert AnnualReview.objects.filter(year=2023, rating="fair").count() == 1


def upload(client, text, capture, name="training.csv"):
    file = io.BytesIO(text.encode("utf-8"))
    file.name = name
    with capture(execute=True):
        response = client.post(reverse("cadres:trainingrecord_import"), {"file": file})
    assert response.status_code == 302
    return ImportJob.objects.latest("pk")


HEADER = "身份证号,课程/培训名称,主办单位,培训类别,开始日期,结束日期,学时,结业证书编号\n"


def test_training_import(users, client_for, cadres, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    client = client_for(users["operator_a"])
    zhang, zhao, li = PLAIN["zhang"][0], PLAIN["zhao"][0], PLAIN["li"][0]
    good = (
        HEADER
        + f"{zhang},党史专题培训,区委党校,集中轮训,2026-04-01,2026-04-03,24,PX001\n"
        + f"{zhao.lower()},网络学习,学习平台,网络培训,2026/5/1,2026/5/1,2.5,\n"
    )
    bad = (
        good
        + f"{li},外街道,区委党校,其他,2026-04-01,2026-04-01,3,\n"
        + f"{zhang},错误,区委党校,培训班,2026-13-01,2026-04-01,-1,\n"
    )
    before = TrainingRecord.objects.count()
    job = upload(client, bad, capture)
    assert job.status == ImportJob.Status.INVALID
    errors = {(e["row"], e["column"]) for e in job.errors}
    assert (4, "身份证号") in errors  # street B's member reads as unknown
    assert {(5, "培训类别"), (5, "开始日期")} <= errors
    assert TrainingRecord.objects.count() == before  # nothing written
    job = upload(client, good, capture)
    assert (job.status, job.created) == (ImportJob.Status.DONE, 2), job.errors
    assert TrainingRecord.objects.get(title="网络学习").member == cadres["zhao"]
    job = upload(client, good, capture)
    assert (job.status, job.created, job.unchanged) == (ImportJob.Status.DONE, 0, 2)
    # The secretaries' figures take the new hours in (张卫东: 20.5 + 24).
    rows = client.get("/api/v1/secretaries/").json()["results"]
    assert {r["holder_name"]: r["training_hours"] for r in rows}["张卫东"] == "44.5"


def test_training_import_template(users, client_for):
    response = client_for(users["operator_a"]).get(reverse("cadres:trainingrecord_import_template"))
    assert response.content.decode("utf-8-sig").startswith("身份证号,课程/培训名称")


class _Command:
    def __init__(self):
        self.stderr = io.StringIO()
        self.stdout = io.StringIO()


def test_seeding_links_and_fills(cadres, district):
    import random

    b_post = LeadershipPosition.objects.get(organization=district["b_branch"])
    LeadershipPosition.objects.filter(pk=b_post.pk).update(holder=None, ended_on=None)
    TrainingRecord.objects.all().delete()
    AnnualReview.objects.all().delete()
    command = _Command()
    seeding.seed_demo(command, {}, random.Random(1))
    b_post.refresh_from_db()
    assert b_post.holder == cadres["li"] and b_post.holder_name == "李建国"
    assert AnnualReview.objects.filter(year=date.today().year - 1).exists()
    assert CommunityWorker.objects.filter(community=district["a1"]).count() >= 2
    assert GradeChange.objects.exists() or CommunityWorker.objects.exists()
    counts = (
        TrainingRecord.objects.count(),
        AnnualReview.objects.count(),
        CommunityWorker.objects.count(),
    )
    seeding.seed_demo(command, {}, random.Random(1))
    assert counts == (
        TrainingRecord.objects.count(),
        AnnualReview.objects.count(),
        CommunityWorker.objects.count(),
    )
    # Every seeded worker's place on the ladder is within its tier's rules.
    for worker in CommunityWorker.objects.all():
        assert worker.clean() is None


@pytest.mark.parametrize("url", ["/api/schema/"])
def test_schema_builds(users, client_for, url):
    response = client_for(users["admin"]).get(url)
    assert response.status_code == 200
    assert b"/api/v1/community-workers/{id}/promote/" in response.content


def test_migration_rules_seeded(db):
    from cadres.models import LadderRule

    rules = {r.tier: (r.min_grade, r.max_grade, r.min_years) for r in LadderRule.objects.all()}
    assert rules == {1: (7, 18, 2), 2: (4, 15, 2), 3: (1, 12, 2)}
    call_command("check")
