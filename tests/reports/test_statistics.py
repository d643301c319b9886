"""Member statistics (党内统计): figures of a hand-built fixture equal hand-computed values,
the XLSX has the page's layout (read back with openpyxl), jobs run in Celery with their
state, files are scoped to the requester and users in scope, and expire."""

import io
from datetime import date, timedelta

import openpyxl
import pytest
from django.utils import timezone

from members.models import Member
from organizations.models import Organization
from reports import statistics
from reports.models import ReportJob
from reports.tasks import expire_report_files
from tests.members.conftest import make_id_number, make_member

pytestmark = pytest.mark.django_db

AS_OF = date(2024, 12, 31)


@pytest.fixture
def people(district):
    """Seven members; five count on 2024-12-31 (see each line)."""
    a_branch, b_branch = district["a_branch"], district["b_branch"]
    enterprise_branch = Organization.objects.create(
        code="S003E01",
        name="天平某科技公司党支部",
        kind=Organization.Kind.BRANCH,
        sector=Organization.Sector.PRIVATE_ENTERPRISE,
        parent=district["a_general"],
        region=district["a1"],
    )

    def member(org, name, born, seq, **fields):
        return make_member(org, name, make_id_number(born, seq), **fields)

    return [
        # 1. counts: man, 34 (31-35), bachelor, full, community.
        member(
            a_branch,
            "一号",
            date(1990, 6, 1),
            1,
            education="bachelor",
            joined_on=date(2015, 7, 1),
            full_member_on=date(2016, 7, 1),
        ),
        # 2. counts: woman, Hui, 30 on the day (30 and under), postgraduate, probationary on
        #    the day (full member from 2025-06-01), community.
        member(
            a_branch,
            "二号",
            date(1994, 12, 31),
            2,
            ethnicity="03",
            education="postgraduate",
            joined_on=date(2024, 6, 1),
            full_member_on=date(2025, 6, 1),
        ),
        # 3. counts: woman, 64 (61-70), junior, full; died after the day.
        member(
            a_branch,
            "三号",
            date(1960, 1, 1),
            4,
            education="junior",
            status="deceased",
            status_on=date(2025, 3, 1),
        ),
        # 4. does not count: suspended before the day.
        member(
            a_branch,
            "四号",
            date(1950, 5, 5),
            5,
            education="high_school",
            status="suspended",
            status_on=date(2024, 5, 1),
        ),
        # 5. does not count: joined after the day.
        member(
            a_branch,
            "五号",
            date(1985, 1, 1),
            7,
            education="college",
            category="probationary",
            joined_on=date(2025, 1, 15),
            full_member_on=None,
        ),
        # 6. counts: woman, Zhuang, 44 (41-45), vocational, full, private enterprise.
        member(
            enterprise_branch,
            "六号",
            date(1980, 2, 29),
            6,
            ethnicity="08",
            education="vocational",
        ),
        # 7. counts (street B): man, 84 (81 and over), education not given, full.
        member(b_branch, "七号", date(1940, 1, 1), 9),
    ]


def figures(data, values):
    return dict(zip(data["keys"], values, strict=True))


def row(data, label):
    (found,) = [r for r in data["rows"] if r["label"] == label]
    return figures(data, found["values"])


def test_figures_equal_hand_computed_values(people, district):
    data = statistics.compute(Member.objects.all(), AS_OF, "徐汇区")
    total = figures(data, data["total"]["values"])
    assert total["total"] == 5
    assert (total["full"], total["probationary"]) == (4, 1)
    assert total["women"] == 3
    assert total["minority"] == 2
    ages = {key: value for key, value in total.items() if key.startswith("age_")}
    assert ages == {
        "age_0": 1,
        "age_31": 1,
        "age_36": 0,
        "age_41": 1,
        "age_46": 0,
        "age_51": 0,
        "age_56": 0,
        "age_61": 1,
        "age_71": 0,
        "age_81": 1,
    }
    assert [total[f"education_{e}"] for e in ("postgraduate", "bachelor", "college")] == [1, 1, 0]
    assert [total[f"education_{e}"] for e in ("vocational", "high_school", "junior")] == [1, 0, 1]
    assert total["education_unknown"] == 1

    community = row(data, "居民区")
    assert (community["total"], community["full"], community["probationary"]) == (4, 3, 1)
    assert (community["women"], community["minority"]) == (2, 1)
    private = row(data, "非公企业")
    assert (private["total"], private["women"], private["minority"], private["age_41"]) == (
        1,
        1,
        1,
        1,
    )
    assert row(data, "机关")["total"] == 0
    # Every column adds up: the total row is the sum of the sector rows.
    for index in range(len(data["keys"])):
        assert data["total"]["values"][index] == sum(r["values"][index] for r in data["rows"])


def test_as_of_a_later_date(people):
    """On 2025-12-31: 二号 is a full member, 三号 has died, 五号 has joined."""
    data = statistics.compute(Member.objects.all(), date(2025, 12, 31), "徐汇区")
    total = figures(data, data["total"]["values"])
    assert (total["total"], total["full"], total["probationary"]) == (5, 4, 1)


def test_xlsx_layout(people):
    data = statistics.compute(Member.objects.all(), AS_OF, "徐汇区")
    book = openpyxl.load_workbook(io.BytesIO(statistics.to_xlsx(data)))
    sheet = book.active
    assert sheet["A1"].value == "徐汇区党员数量构成统计表"
    assert "2024年12月31日" in sheet["A2"].value
    merged = {str(r) for r in sheet.merged_cells.ranges}
    # Title, date; 所属领域 / 党员总数 / 女性 / 少数民族 over two rows; the groups over their
    # columns: category (C:D), age (G:P, ten bands), education (Q:W, seven levels).
    assert {"A1:W1", "A2:W2", "A3:A4", "B3:B4", "E3:E4", "F3:F4"} <= merged
    assert {"C3:D3", "G3:P3", "Q3:W3"} <= merged
    assert (sheet["A3"].value, sheet["B3"].value, sheet["C3"].value) == (
        "所属领域",
        "党员总数",
        "党员类别",
    )
    assert (sheet["C4"].value, sheet["D4"].value) == ("正式党员", "预备党员")
    assert (sheet["G3"].value, sheet["G4"].value, sheet["P4"].value) == (
        "年龄",
        "30岁及以下",
        "81岁及以上",
    )
    assert (sheet["Q3"].value, sheet["Q4"].value, sheet["W4"].value) == ("学历", "研究生", "未填写")
    assert [c.value for c in sheet[5]][:6] == ["合计", 5, 4, 1, 3, 2]
    labels = [sheet.cell(row=r, column=1).value for r in range(6, 6 + len(data["rows"]))]
    assert labels == [r["label"] for r in data["rows"]]
    community = labels.index("居民区") + 6
    assert [c.value for c in sheet[community]][:6] == ["居民区", 4, 3, 1, 2, 1]


def start(client, region, as_of="2024-12-31"):
    return client.post("/reports/statistics/", {"as_of": as_of, "region": region})


def test_job_runs_and_is_shown(people, client_for, users, django_capture_on_commit_callbacks):
    client = client_for(users["operator_a"])
    assert client.get("/reports/statistics/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = start(client, "310104003")
    job = ReportJob.objects.get()
    assert response.status_code == 302 and response.url == f"/reports/jobs/{job.pk}/"
    assert job.state == ReportJob.State.DONE and job.progress == 100
    assert job.expires_at - job.finished_at == timedelta(days=7)
    # Street A only: 一号, 二号, 三号, 六号.
    assert job.data["total"]["values"][0] == 4
    page = client.get(f"/reports/jobs/{job.pk}/")
    assert 'data-testid="statistics-table"' in page.content.decode()
    download = client.get(f"/reports/jobs/{job.pk}/download/")
    assert download.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert sheet["A1"].value == "天平路街道党员数量构成统计表"
    assert sheet["B5"].value == 4


def test_region_outside_scope_is_refused(people, client_for, users):
    response = start(client_for(users["operator_b"]), "310104003")
    assert response.status_code == 400
    assert not ReportJob.objects.exists()


def test_future_date_is_refused(people, client_for, users):
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = start(client_for(users["admin"]), "310104", tomorrow.isoformat())
    assert response.status_code == 400


def test_community_worker_may_not_start(people, client_for, users):
    assert client_for(users["worker_a"]).get("/reports/statistics/").status_code == 403


def test_files_are_scoped(people, client_for, users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        start(client_for(users["operator_a"]), "310104003")
    job = ReportJob.objects.get()
    url = f"/reports/jobs/{job.pk}/download/"
    assert client_for(users["operator_b"]).get(url).status_code == 404
    assert client_for(users["operator_b"]).get(f"/reports/jobs/{job.pk}/").status_code == 404
    assert client_for(users["admin"]).get(url).status_code == 200  # the district is in scope


def test_files_expire(people, client_for, users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        start(client_for(users["operator_a"]), "310104003")
    job = ReportJob.objects.get()
    path = job.result.path
    assert expire_report_files(now=job.expires_at - timedelta(seconds=1)) == 0
    assert expire_report_files(now=job.expires_at) == 1
    job.refresh_from_db()
    assert job.state == ReportJob.State.EXPIRED and not job.result
    import os

    assert not os.path.exists(path)
    response = client_for(users["operator_a"]).get(f"/reports/jobs/{job.pk}/download/")
    assert response.status_code == 410


def test_file_days_setting(people, client_for, users, settings, django_capture_on_commit_callbacks):
    settings.REPORT_FILE_DAYS = 2
    with django_capture_on_commit_callbacks(execute=True):
        start(client_for(users["operator_a"]), "310104003")
    job = ReportJob.objects.get()
    assert job.expires_at - job.finished_at == timedelta(days=2)
