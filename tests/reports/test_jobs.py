"""The jobs page: a user's imports and report jobs (whole-district staff: all in scope), with
state, progress, who started them and their files; polled by htmx while a job runs; the
time of the last coverage refresh; a constant number of queries."""

from datetime import datetime

import pytest
from django.utils import timezone

from buildings.models import CoverageSummary
from portal.models import ImportJob
from reports.models import ReportJob

pytestmark = pytest.mark.django_db


def report_job(user, region, state=ReportJob.State.DONE, **fields):
    return ReportJob.objects.create(
        kind=ReportJob.Kind.MEMBER_STATISTICS,
        params={"as_of": "2024-12-31"},
        user=user,
        region=region,
        state=state,
        **fields,
    )


def import_job(user, status=ImportJob.Status.DONE, **fields):
    return ImportJob.objects.create(
        user=user, spec="members.member", filename=f"{user.username}.csv", status=status, **fields
    )


@pytest.fixture
def jobs(district, users):
    return {
        "a_report": report_job(users["operator_a"], district["a"], progress=100),
        "a_import": import_job(
            users["operator_a"], ImportJob.Status.INVALID, message="发现 2 处错误"
        ),
        "b_report": report_job(
            users["operator_b"], district["b"], ReportJob.State.RUNNING, progress=40
        ),
        "b_import": import_job(users["operator_b"]),
    }


def names(response):
    return [(row["kind"], row["name"]) for row in response.context["jobs"]]


def test_own_jobs(jobs, client_for, users):
    response = client_for(users["operator_a"]).get("/reports/jobs/")
    assert response.status_code == 200
    rows = response.context["jobs"]
    assert {row["name"] for row in rows} == {"天平路街道，截至 2024-12-31", "operator_a.csv"}
    report = next(row for row in rows if row["file_url"])
    assert report["file_url"] == f"/reports/jobs/{jobs['a_report'].pk}/download/"
    failed = next(row for row in rows if row["error_url"])
    assert failed["error_url"] == f"/imports/{jobs['a_import'].pk}/errors.csv"
    assert failed["kind"] == "导入：党员"
    assert not response.context["running"]  # no polling: nothing of A's runs
    # Only the inbox bell polls (every page has it); the jobs table does not.
    assert response.content.decode().count("hx-trigger") == 1


def test_running_job_is_polled(jobs, client_for, users):
    client = client_for(users["operator_b"])
    response = client.get("/reports/jobs/")
    assert response.context["running"]
    text = response.content.decode()
    assert 'hx-get="/reports/jobs/"' in text and "every 2s" in text
    partial = client.get("/reports/jobs/", headers={"HX-Request": "true"})
    assert partial.templates[0].name == "reports/includes/jobs_table.html"


def test_district_admin_sees_all_in_scope(jobs, client_for, users):
    response = client_for(users["admin"]).get("/reports/jobs/")
    assert len(response.context["jobs"]) == 4
    by_name = {row["name"]: row for row in response.context["jobs"]}
    # Another user's import: listed, but its page is the uploader's (portal's rule).
    assert by_name["operator_a.csv"]["url"] is None
    assert by_name["operator_a.csv"]["user"] == users["operator_a"]


def test_coverage_refresh_line(jobs, client_for, users, district):
    CoverageSummary.objects.create(
        level=CoverageSummary.Level.STREET,
        region=district["a"],
        refreshed_at=timezone.make_aware(datetime(2025, 3, 1, 2, 30)),
    )
    response = client_for(users["operator_a"]).get("/reports/jobs/")
    assert "最近一次刷新于 2025-03-01 02:30" in response.content.decode()


def test_queries_are_constant(jobs, client_for, users, district, django_assert_num_queries):
    client = client_for(users["admin"])
    client.get("/reports/jobs/")
    with django_assert_num_queries(PINNED):
        client.get("/reports/jobs/")
    for _ in range(5):
        report_job(users["operator_a"], district["a"])
        import_job(users["operator_b"])
    with django_assert_num_queries(PINNED):
        response = client.get("/reports/jobs/")
    assert len(response.context["jobs"]) == 14


#: session, user, groups, permissions, scope region, import jobs, report jobs, coverage time.
PINNED = 8
