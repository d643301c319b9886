"""书记队伍: the figures of each secretary on a frozen day equal hand-computed values, the
filters, the summary by age and education, the vacant branches, exports without sensitive
values, and a constant number of queries."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from organizations.models import LeadershipPosition
from tests.cadres.conftest import assert_no_plain
from tests.conftest import add_branches

LIST = reverse("cadres:secretary_list")


def export_rows(client, url):
    response = client.get(url)
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert_no_plain(body, where=url)
    return list(csv.DictReader(io.StringIO(body)))


def test_figures_of_the_api(users, api_for, cadres):
    """张卫东: born 1980-05-04 -> 46 on 2026-07-15; in post since 2024-01-01 -> 926 days
    -> 2.5 years; secretary also 2018-03-01 – 2023-12-31 (2131 days) -> 3057 days -> 8.4
    years; training 12 + 8.5 this year (last year's 40 and September's 16 not counted);
    latest review 2025 好. 赵淑芬: 66, deputy since 2025-07-15 -> 1.0 year, no training."""
    response = api_for(users["operator_a"]).get("/api/v1/secretaries/")
    assert response.status_code == 200
    rows = {row["holder_name"]: row for row in response.json()["results"]}
    assert set(rows) == {"张卫东", "赵淑芬"}
    zhang, zhao = rows["张卫东"], rows["赵淑芬"]
    assert (zhang["age"], zhang["tenure"], zhang["secretary_years"]) == (46, "2.5", "8.4")
    assert zhang["training_hours"] == "20.5"
    assert (zhang["latest_rating"], zhang["latest_review_year"]) == ("excellent", 2025)
    assert (zhang["street"], zhang["education"], zhang["gender"]) == (
        "天平路街道",
        "bachelor",
        "male",
    )
    assert zhang["organization_kind"] == "branch"
    assert (zhao["title"], zhao["age"], zhao["tenure"]) == ("deputy_secretary", 66, "1.0")
    assert zhao["training_hours"] == "0.0" and zhao["latest_rating"] is None
    assert_no_plain(response.content, where="secretaries API")


def test_as_of_moves_the_figures(users, api_for, cadres):
    """On 2025-12-31: 张卫东 is 45, 1.0 year in post (730 days), no training of 2025 before
    that day other than the 2025-11-01 course (40 hours)."""
    response = api_for(users["operator_a"]).get("/api/v1/secretaries/?as_of=2025-12-31")
    rows = {row["holder_name"]: row for row in response.json()["results"]}
    assert rows["张卫东"]["age"] == 45
    assert rows["张卫东"]["tenure"] == "2.0"
    assert rows["张卫东"]["training_hours"] == "40.0"
    assert "赵淑芬" in rows  # deputy since 2025-07-15


def test_page_summary_and_vacancies(users, client_for, cadres):
    client = client_for(users["operator_a"])
    response = client.get(LIST)
    assert response.status_code == 200
    context = response.context
    assert context["summary"]["total"] == 2
    assert context["summary"]["no_training"] == 1
    ages = dict(context["summary"]["age"])
    assert ages["45–54岁"] == 1 and ages["55岁及以上"] == 1 and ages["35岁以下"] == 0
    education = dict(context["summary"]["education"])
    assert education["大学本科"] == 1 and education["未知"] == 1
    # A's street-level branch has no secretary; B's vacancy is not A's business.
    assert context["vacancies"] == 1
    assert context["chart"]["age"]["values"] == [0, 0, 1, 1, 0]
    html = response.content.decode()
    assert 'data-testid="age-chart"' in html and "js/cadres-secretaries.js" in html
    assert "<script>" not in html.replace("<script src", "")
    assert_no_plain(html, where="secretary list")


def test_vacancies_by_street(users, client_for, api_for, cadres):
    admin = client_for(users["admin"])
    names = {
        row["组织名称"]
        for row in export_rows(admin, reverse("cadres:vacancy_list") + "?export=csv")
    }
    assert names == {"天平路街道机关党支部", "武康居民区第一党支部"}
    api = api_for(users["operator_b"]).get("/api/v1/secretaries/vacancies/")
    assert [row["name"] for row in api.json()["results"]] == ["武康居民区第一党支部"]
    # Before B's secretary left (2026-06-30), B's branch was not vacant.
    api = api_for(users["operator_b"]).get("/api/v1/secretaries/vacancies/?as_of=2026-06-01")
    assert api.json()["results"] == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"张卫东", "赵淑芬"}),
        ("age_band=45to54", {"张卫东"}),
        ("age_band=55plus", {"赵淑芬"}),
        ("education=bachelor", {"张卫东"}),
        ("rating=excellent", {"张卫东"}),
        ("no_training=true", {"赵淑芬"}),
        ("no_training=false", {"张卫东"}),
        ("title=deputy_secretary", {"赵淑芬"}),
        ("kind=general_branch", {"赵淑芬"}),
        ("sector=community", {"张卫东", "赵淑芬"}),
        ("region=310104003001", {"张卫东", "赵淑芬"}),
        ("region=310104004", set()),
        ("q=张", {"张卫东"}),
    ],
)
def test_filters(users, client_for, cadres, query, expected):
    rows = export_rows(client_for(users["admin"]), f"{LIST}?{query}&export=csv")
    assert {row["姓名"] for row in rows} == expected


def test_export_figures(users, client_for, cadres):
    rows = export_rows(client_for(users["operator_a"]), LIST + "?export=csv")
    zhang = next(row for row in rows if row["姓名"] == "张卫东")
    assert zhang["年龄"] == "46" and zhang["本年度培训学时"] == "20.5"
    assert zhang["累计任书记年限"] == "8.4" and zhang["最近述职评议"] == "好"
    response = client_for(users["operator_a"]).get(LIST + "?export=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_detail_page(users, client_for, cadres, district):
    post = LeadershipPosition.objects.get(organization=district["a_branch"])
    client = client_for(users["operator_a"])
    response = client.get(reverse("cadres:secretary_detail", args=[post.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "社区治理示范培训" in html and "92.5" in html and "上海新村居民区党总支" in html
    assert_no_plain(html, where="secretary detail")
    b_post = LeadershipPosition.objects.get(organization=district["b_branch"])
    assert client.get(reverse("cadres:secretary_detail", args=[b_post.pk])).status_code == 404


def _add_secretaries(district, count, prefix):
    branches = add_branches(district["a_general"], count, prefix, "测试")
    LeadershipPosition.objects.bulk_create(
        LeadershipPosition(
            organization=branch,
            title=LeadershipPosition.Title.SECRETARY,
            holder_name=f"书记{i}",
            started_on=date(2020, 1, 1),
        )
        for i, branch in enumerate(branches)
    )


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(queries)


def test_constant_queries(users, client_for, api_for, cadres, district):
    client = client_for(users["operator_a"])
    api = api_for(users["operator_a"])
    api.get("/api/v1/secretaries/")  # the token's first use is recorded once
    before = (
        _count_queries(client, LIST + "?per_page=100"),
        _count_queries(client, LIST + "?export=csv"),
        _count_queries(api, "/api/v1/secretaries/?limit=100"),
    )
    _add_secretaries(district, 30, "T")
    after = (
        _count_queries(client, LIST + "?per_page=100"),
        _count_queries(client, LIST + "?export=csv"),
        _count_queries(api, "/api/v1/secretaries/?limit=100"),
    )
    assert before == after
    # Pinned: the page (session, user, list, count, summary, vacancies …), the export and
    # the API page.
    assert after == (9, 6, 4)


def test_hours_are_decimal(cadres):
    assert sum(t.hours for t in cadres["trainings"][:2]) == Decimal("20.5")
