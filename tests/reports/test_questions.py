"""The cross-database questions: each answers the hand-built world (tests/reports/conftest.py)
with the expected rows, scoped (street B sees none of A's rows), on its page, in its exports
and over the API, in a constant number of queries per page."""

import csv
import io
from urllib.parse import urlencode

import openpyxl
import pytest
from django.http import QueryDict
from django.utils import timezone

from reports import questions
from tests.reports.conftest import EXPECTED

pytestmark = pytest.mark.django_db

KEY_COLUMN = {
    "should-found": "name",
    "buildings-without-site": "code",
    "dual-registration": "name",
    "grid-leaders": "code",
    "term-overdue": "code",
}


def answer(key, user, **params):
    question = questions.get(key)
    _filterset, rows = question.answer(user, QueryDict(urlencode(params)))
    return question.records(rows)


def first_cells(key, user, **params):
    accessor = KEY_COLUMN[key]
    return {getattr(obj, accessor) for obj in answer(key, user, **params)}


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_expected_rows_per_street(world, users, key):
    in_a, in_b = EXPECTED[key]
    assert first_cells(key, users["admin"]) == in_a | in_b
    assert first_cells(key, users["operator_a"]) == in_a
    assert first_cells(key, users["operator_b"]) == in_b


def test_should_found_per_building_and_grid(world, users, coverage_world):
    (charity,) = answer("should-found", users["operator_a"])
    assert charity.building.name == "天平中心"
    assert charity.facts.full_members == 3
    (trade,) = answer("should-found", users["operator_b"])
    assert trade.party_organization.name == "武康联合党支部"  # a joint branch only
    # Parameters: by building code.
    assert first_cells("should-found", users["admin"], building="CB03") == {"湖南外贸有限公司"}


def test_grid_leader_problems(world, users):
    rows = {g.code: g.problem for g in answer("grid-leaders", users["admin"])}
    assert rows == {"GA02": "no_leader", "GA03": "lost_contact", "GB01": "status"}
    assert first_cells("grid-leaders", users["admin"], problem="status") == {"GB01"}


def test_term_overdue_days(world, users):
    (row,) = answer("term-overdue", users["operator_a"])
    assert row.days_overdue == (timezone.localdate() - row.term_end).days


def test_overdue_cases_per_assignee(world, users, district):
    def groups(user, **params):
        return [
            (r.assignee_kind, r.assignee_name, r.cases)
            for r in answer("overdue-cases", user, **params)
        ]

    branch = district["a_branch"].name
    assert groups(users["operator_a"]) == [
        ("organization", branch, 2),
        ("unit", "徐汇区市容所", 1),
    ]
    assert groups(users["operator_b"]) == [
        ("member", "B网格长", 2),
        ("none", "（待受理/待派单）", 1),
    ]
    assert len(groups(users["admin"])) == 4
    assert groups(users["admin"], assignee_kind="unit") == [("unit", "徐汇区市容所", 1)]
    (oldest,) = [r for r in answer("overdue-cases", users["operator_a"]) if r.cases == 2]
    assert timezone.localtime(oldest.oldest_due).date().isoformat() == "2025-02-01"


def test_dues_arrears_per_branch(world, district, client_for, api_for, users):
    """Branches with members 6+ months in arrears, counted as the dues register counts them
    (tests/members/test_dues.py), as of 2026-07-15: the last month due is 2026-06."""
    from datetime import date
    from decimal import Decimal

    import time_machine

    from members.models import DuesBase, DuesPayment
    from tests.members.conftest import make_id_number, make_member

    def member(key, name, seq, base_year, paid_months):
        m = make_member(
            district[f"{key}_branch"],
            name,
            make_id_number(date(1971, 2, 3), seq),
            joined_on=date(2001, 7, 1),
        )
        DuesBase.objects.create(member=m, year=base_year, monthly_base=Decimal("4000"))
        for year, month in paid_months:
            DuesPayment.objects.create(
                member=m,
                period=date(year, month, 1),
                amount=Decimal("40"),
                paid_on=date(year, month, 9),
            )
        return m

    member("a", "欠甲", 41, 2025, [(2025, m) for m in range(1, 13)])  # 2026-01..06: 6
    member("a", "欠乙", 43, 2026, [])  # 6
    member("a", "欠丙", 45, 2026, [(2026, 1)])  # 5: not listed
    member("b", "欠丁", 47, 2024, [(2024, 3)])  # 2024-01..2026-06 = 30 - 1 = 29
    with time_machine.travel(date(2026, 7, 15), tick=False):
        rows = answer("dues-arrears", users["admin"])
        got = [
            (r.organization__code, r.members_in_arrears, r.longest_months, r.earliest_paid_until)
            for r in rows
        ]
        a_code, b_code = district["a_branch"].code, district["b_branch"].code
        assert got == [(a_code, 2, 6, date(2025, 12, 1)), (b_code, 1, 29, date(2024, 3, 1))]
        assert [r.organization__code for r in answer("dues-arrears", users["operator_a"])] == [
            a_code
        ]
        assert [r.organization__code for r in answer("dues-arrears", users["operator_b"])] == [
            b_code
        ]
        assert [
            r.organization__code for r in answer("dues-arrears", users["admin"], min_months=12)
        ] == [b_code]
        page = client_for(users["operator_b"]).get("/reports/q/dues-arrears/")
        assert page.status_code == 200
        text = page.content.decode()
        assert district["b_branch"].name in text and district["a_branch"].name not in text
        api = api_for(users["operator_a"]).get("/api/v1/reports/dues-arrears/")
        assert api.status_code == 200
        body = api.json()
        assert [r["organization__code"] for r in body["results"]] == [a_code]
        assert body["results"][0]["members_in_arrears"] == 2
        export = client_for(users["admin"]).get("/reports/q/dues-arrears/", {"export": "csv"})
        lines = b"".join(export.streaming_content).decode("utf-8-sig").splitlines()
        assert lines[1:] == [
            f"{a_code},{district['a_branch'].name},{district['a1'].name},2,6,2025-12-01",
            f"{b_code},{district['b_branch'].name},{district['b1'].name},1,29,2024-03-01",
        ]


# --- pages ---------------------------------------------------------------------------


def test_index_lists_questions(world, client_for, users):
    response = client_for(users["operator_a"]).get("/reports/")
    assert response.status_code == 200
    for question in questions.all_questions():
        assert str(question.title) in response.content.decode()


def test_unknown_question_is_404(world, client_for, users):
    assert client_for(users["admin"]).get("/reports/q/nothing/").status_code == 404


def test_page_table_chart_and_scope(world, client_for, users):
    client = client_for(users["operator_b"])
    response = client.get("/reports/q/dual-registration/")
    assert response.status_code == 200
    text = response.content.decode()
    for name in EXPECTED["dual-registration"][1]:
        assert name in text
    for name in EXPECTED["dual-registration"][0]:
        assert name not in text
    assert "共 5 条" in text
    assert response.context["chart"]["type"] == "bar"
    assert 'id="report-chart-data"' in text


def test_page_filters(world, client_for, users):
    client = client_for(users["admin"])
    response = client.get("/reports/q/term-overdue/", {"region_within": "310104004"})
    rows = response.context["rows"]
    assert [row["cells"][0][0] for row in rows] == ["TB2023"]


def test_members_are_masked_in_page_and_exports(world, client_for, users):
    client = client_for(users["admin"])
    member = answer("dual-registration", users["admin"])[0]
    plain = member.id_number
    assert plain and plain not in client.get("/reports/q/dual-registration/").content.decode()
    exported = client.get("/reports/q/dual-registration/", {"export": "csv"})
    body = b"".join(exported.streaming_content).decode("utf-8-sig")
    assert plain not in body
    assert member.id_number_masked in body


def test_csv_and_xlsx_exports(world, client_for, users):
    client = client_for(users["operator_a"])
    response = client.get("/reports/q/overdue-cases/", {"export": "csv"})
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert lines[0] == ["承办方类型", "承办方", "超时工单", "最早时限"]
    assert [line[1:3] for line in lines[1:]] == [
        ["上海新村居民区第一党支部", "2"],
        ["徐汇区市容所", "1"],
    ]

    response = client.get("/reports/q/buildings-without-site/", {"export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = list(sheet.values)
    assert values[0][:2] == ("楼宇编码", "楼宇名称")
    assert [row[0] for row in values[1:]] == ["CB02"]


def test_permission_needed(world, client_for, users, district):
    from portal.accounts.models import User

    nobody = User.objects.create_user(
        "nobody", password="x-Long-Pass-1", scope_region=district["a"]
    )
    assert client_for(nobody).get("/reports/q/term-overdue/").status_code == 403


@pytest.mark.parametrize("key", [q.key for q in questions.all_questions() if q.available])
def test_page_queries_are_constant(world, client_for, users, key, django_assert_num_queries):
    client = client_for(users["admin"])
    client.get(f"/reports/q/{key}/")  # warm the session and permission caches
    with django_assert_num_queries(PINNED[key]):
        assert client.get(f"/reports/q/{key}/").status_code == 200
    # Fewer rows, one query more: the region the filter names.
    with django_assert_num_queries(PINNED[key] + 1):
        assert client.get(f"/reports/q/{key}/", {"region_within": "310104004"}).status_code == 200


#: Queries of each question page: session, user, the user's groups and permissions, the
#: user's scope region, the count, the rows, the chart (and the case categories of the
#: filter form). Pinned: a change shows up here.
PINNED = {
    "should-found": 8,
    "buildings-without-site": 8,
    "dual-registration": 8,
    "grid-leaders": 8,
    "term-overdue": 8,
    "overdue-cases": 9,
    "dues-arrears": 6,
}


# --- API -----------------------------------------------------------------------------


def test_api_lists_and_answers(world, api_for, users):
    api = api_for(users["operator_b"])
    listing = api.get("/api/v1/reports/").json()
    keys = [item["key"] for item in listing]
    assert "should-found" in keys and "dues-arrears" in keys
    data = api.get("/api/v1/reports/dual-registration/").json()
    assert data["count"] == 5
    assert {row["name"] for row in data["results"]} == EXPECTED["dual-registration"][1]
    assert all("*" in row["id_number_masked"] for row in data["results"])
    grouped = api.get("/api/v1/reports/overdue-cases/").json()
    assert [(r["assignee_name"], r["cases"]) for r in grouped["results"]] == [
        ("B网格长", 2),
        ("（待受理/待派单）", 1),
    ]


def test_api_parameters_and_errors(world, api_for, users):
    api = api_for(users["admin"])
    data = api.get("/api/v1/reports/grid-leaders/", {"problem": "no_leader"}).json()
    assert [row["code"] for row in data["results"]] == ["GA02"]
    assert api.get("/api/v1/reports/grid-leaders/", {"problem": "bogus"}).status_code == 400
    assert api.get("/api/v1/reports/nothing/").status_code == 404
