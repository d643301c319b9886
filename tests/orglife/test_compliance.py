"""The compliance report against hand-computed figures: a branch with a 党小组, a branch
founded mid-year, a dissolved one; drills into a quarter and a month; the frequency table
driving the figures; one set of queries whatever the number of branches."""

from datetime import date

import pytest
from django.urls import reverse

from members import meetings
from members.models import Meeting, MeetingFrequency, MeetingKind
from organizations.models import Organization
from tests.conftest import add_branches

K = MeetingKind


def _held(org, kind, *months, year=2025, day=10):
    Meeting.objects.bulk_create(
        Meeting(organization=org, kind=kind, held_on=date(year, m, day), topic=f"{kind} {m}")
        for m in months
    )


@pytest.fixture
def year_2025(district):
    """A's branch (with its 党小组) through 2025:
    党员大会 Q1, Q2, Q4 (Q3 missed); 支委会 every month but March and June; 党小组会 every
    month; 党课 twice in Q1 only; no 主题党日.
    A new branch founded 2025-05-10 (no 党小组): 支委会 May..Dec; 党员大会 Q2 only.
    A branch dissolved 2025-02-15: 支委会 in January only.
    B's branch: 支委会 every month (never in A's report)."""
    a = district["a_branch"]
    _held(a, K.GENERAL_ASSEMBLY, 2, 5, 11)
    _held(a, K.COMMITTEE, 1, 2, 4, 5, 7, 8, 9, 10, 11, 12)
    _held(district["a_group"], K.GROUP, *range(1, 13))
    _held(a, K.LECTURE, 1, 3)
    new = Organization.objects.create(
        code="S003C001B02",
        name="上海新村居民区第二党支部",
        kind=Organization.Kind.BRANCH,
        sector=Organization.Sector.COMMUNITY,
        parent=district["a_general"],
        region=district["a1"],
        founded_on=date(2025, 5, 10),
    )
    _held(new, K.COMMITTEE, *range(5, 13))
    _held(new, K.GENERAL_ASSEMBLY, 6)
    gone = Organization.objects.create(
        code="S003C001B03",
        name="上海新村居民区第三党支部",
        kind=Organization.Kind.BRANCH,
        sector=Organization.Sector.COMMUNITY,
        parent=district["a_general"],
        region=district["a1"],
        dissolved_on=date(2025, 2, 15),
    )
    _held(gone, K.COMMITTEE, 1)
    _held(district["b_branch"], K.COMMITTEE, *range(1, 13))
    return {"a": a, "new": new, "gone": gone}


def _by_code(branches):
    return {b.branch.code: {k.kind: k for k in b.kinds} for b in branches}


def _figures(row):
    return row.due, row.met, row.held, row.rate, row.missing


def test_the_year_equals_the_hand_computed_figures(users, year_2025):
    report = meetings.compliance(users["operator_a"], year=2025)
    rows = _by_code(report)
    assert list(rows) == ["S003C001B01", "S003C001B02", "S003C001B03"]  # B's branch absent
    a = rows["S003C001B01"]
    assert _figures(a[K.GENERAL_ASSEMBLY]) == (4, 3, 3, 75.0, ["2025Q3"])
    assert _figures(a[K.COMMITTEE]) == (12, 10, 10, 83.3, ["2025-03", "2025-06"])
    assert _figures(a[K.GROUP]) == (12, 12, 12, 100.0, [])
    assert a[K.GROUP].units == 1
    assert _figures(a[K.LECTURE]) == (4, 1, 2, 25.0, ["2025Q2", "2025Q3", "2025Q4"])
    assert _figures(a[K.THEME_DAY])[:4] == (12, 0, 0, 0.0)
    # founded 2025-05-10: required from May (monthly) and from Q2 (quarterly); no 党小组
    new = rows["S003C001B02"]
    assert K.GROUP not in new
    assert _figures(new[K.COMMITTEE]) == (8, 8, 8, 100.0, [])
    assert _figures(new[K.GENERAL_ASSEMBLY]) == (3, 1, 1, 33.3, ["2025Q3", "2025Q4"])
    assert _figures(new[K.THEME_DAY])[:2] == (8, 0)
    # dissolved 2025-02-15: January and February, Q1 only
    gone = rows["S003C001B03"]
    assert _figures(gone[K.COMMITTEE]) == (2, 1, 1, 50.0, ["2025-02"])
    assert _figures(gone[K.LECTURE])[:2] == (1, 0)
    # the branch's total: (3 + 10 + 12 + 1 + 0) met of (4 + 12 + 12 + 4 + 12) due
    branch = next(b for b in report if b.branch.code == "S003C001B01")
    assert (branch.met, branch.due, branch.rate) == (26, 44, 59.1)
    assert not branch.compliant


def test_a_group_that_misses_a_month_names_itself(users, district, year_2025):
    Meeting.objects.filter(organization=district["a_group"], held_on__month=8).delete()
    rows = _by_code(meetings.compliance(users["operator_a"], year=2025, kinds=[K.GROUP]))
    assert rows["S003C001B01"][K.GROUP].missing == ["2025-08（上海新村居民区第一党小组）"]
    assert list(rows) == ["S003C001B01"]  # only branches with 党小组 have the requirement


def test_quarter_and_month_drill(users, year_2025):
    q1 = _by_code(meetings.compliance(users["operator_a"], year=2025, quarter=1))
    a = q1["S003C001B01"]
    assert _figures(a[K.COMMITTEE]) == (3, 2, 2, 66.7, ["2025-03"])
    assert _figures(a[K.GENERAL_ASSEMBLY]) == (1, 1, 1, 100.0, [])
    assert "S003C001B02" not in q1  # founded in Q2
    june = _by_code(meetings.compliance(users["operator_a"], year=2025, month=6))
    assert _figures(june["S003C001B01"][K.COMMITTEE]) == (1, 0, 0, 0.0, ["2025-06"])
    assert _figures(june["S003C001B02"][K.COMMITTEE]) == (1, 1, 1, 100.0, [])


def test_periods_not_over_yet_are_not_due(users, year_2025):
    report = meetings.compliance(users["operator_a"], year=2025, as_of=date(2025, 6, 20))
    a = _by_code(report)["S003C001B01"]
    # Jan..May due (March missed); held counts the whole window (the year)
    assert _figures(a[K.COMMITTEE])[:4] == (5, 4, 10, 80.0)
    assert a[K.GENERAL_ASSEMBLY].due == 1


def test_noncompliant_only_keeps_the_missing(users, year_2025):
    rows = _by_code(meetings.compliance(users["operator_a"], year=2025, noncompliant_only=True))
    assert set(rows["S003C001B01"]) == {K.GENERAL_ASSEMBLY, K.COMMITTEE, K.LECTURE, K.THEME_DAY}
    assert K.COMMITTEE not in rows["S003C001B02"]


def test_changing_the_frequency_changes_the_report(users, client_for, year_2025):
    url = reverse("api:meetingcompliance-list")
    api = client_for(users["admin"])
    MeetingFrequency.objects.filter(kind=K.COMMITTEE).update(period="quarter", required_count=2)
    data = api.get(url, {"year": 2025, "kind": "committee", "region": "310104003"}).json()
    figures = {item["organization"]["code"]: item["kinds"][0] for item in data["results"]}
    a = figures["S003C001B01"]
    # Q1 Jan+Feb, Q2 Apr+May, Q3 Jul..Sep, Q4 Oct..Dec: each at least 2
    assert (a["period"], a["due_periods"], a["met_periods"], a["rate"]) == ("quarter", 4, 4, 100.0)
    assert figures["S003C001B03"]["missing_periods"] == ["2025Q1"]  # one in January only
    MeetingFrequency.objects.filter(kind=K.COMMITTEE).update(required_count=0)
    data = api.get(url, {"year": 2025, "kind": "committee"}).json()
    assert data["count"] == 0


def test_the_page_and_its_exports_show_the_figures(users, client_for, year_2025):
    client = client_for(users["operator_a"])
    url = reverse("members:meeting_compliance")
    page = client.get(url, {"year": 2025})
    assert page.status_code == 200
    html = page.content.decode()
    assert "2025-03、2025-06" in html and "83.3%" in html
    assert "湖南路" not in html
    lines = b"".join(client.get(url, {"year": 2025, "export": "csv"}).streaming_content)
    text = lines.decode("utf-8-sig").splitlines()
    assert text[0].startswith("组织编码,党组织,会议类型")
    assert (
        "S003C001B01,上海新村居民区第一党支部,支委会,每月,1,,12,10,10,83.3,2025-03、2025-06" in text
    )
    assert not any("S004" in line for line in text)
    xlsx = client.get(url, {"year": 2025, "export": "xlsx"})
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxml")
    bad = client.get(url, {"year": 2025, "quarter": 1, "month": 7})
    assert bad.status_code == 400 and "所选月份不在所选季度内" in bad.content.decode()


def test_other_streets_regions_and_organisations_are_404(users, client_for, district, year_2025):
    client = client_for(users["operator_a"])
    url = reverse("members:meeting_compliance")
    assert client.get(url, {"year": 2025, "region": "310104004"}).status_code == 404
    assert (
        client.get(url, {"year": 2025, "organization": district["b_branch"].pk}).status_code == 404
    )
    api_url = reverse("api:meetingcompliance-list")
    assert client.get(api_url, {"region": "310104004"}).status_code == 404
    own = client.get(url, {"year": 2025, "organization": year_2025["new"].pk})
    assert own.status_code == 200 and "第二党支部" in own.content.decode()
    assert "第一党支部" not in own.content.decode()


def test_the_report_runs_the_same_queries_for_1_or_40_branches(
    users, client_for, district, django_assert_num_queries
):
    api = client_for(users["operator_a"])
    url = reverse("api:meetingcompliance-list")
    _held(district["a_branch"], K.COMMITTEE, 1, 2)
    api.get(url, {"year": 2025})  # warm caches (session, permissions)
    with django_assert_num_queries(QUERIES) as one:
        assert api.get(url, {"year": 2025}).json()["count"] == 1
    more = add_branches(district["a_general"], 40, "S003X", "测试")
    for org in more:
        _held(org, K.COMMITTEE, 3, 4)
    with django_assert_num_queries(len(one.captured_queries)):
        assert api.get(url, {"year": 2025, "limit": 100}).json()["count"] == 41
    page = reverse("members:meeting_compliance")
    client = client_for(users["operator_a"])
    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get(page, {"year": 2025}).status_code == 200


#: The compliance API: session, user, permissions, scope region; then frequencies,
#: organisations and meeting counts, whatever the number of branches.
QUERIES = 7
#: The page: the same plus the groups of the navigation, the region filter's choices and
#: the frequency table shown.
PAGE_QUERIES = 10
