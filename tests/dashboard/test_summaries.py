"""dashboard.summaries.refresh(): the figures of the hand-built fixture (conftest.py) equal
the hand-computed values, month by month; the refresh is idempotent, keeps the coverage
copies of past months, and runs after an import."""

from datetime import date
from types import SimpleNamespace

import pytest
from django.core.cache import cache

from dashboard import summaries, tasks
from dashboard.models import Figure, Refresh
from organizations.models import Organization
from portal.tasks import import_finished
from tests.dashboard.conftest import MONTHS, NOW


def series(region, metric):
    """The 12 monthly values of ``metric`` for ``region`` (a missing row is zero)."""
    values = dict(Figure.objects.filter(region=region, metric=metric).values_list("month", "value"))
    return [values.get(month, 0) for month in MONTHS]


@pytest.fixture
def refreshed(world):
    summaries.refresh(now=NOW)
    return world


def test_organizations(refreshed):
    d, a, b = refreshed["district"], refreshed["a"], refreshed["b"]
    # District: the fixture's 9 (recorded 2020) + 撤销党支部 up to January 2025 (dissolved
    # 2025-02-01, still there at the end of January: 1 Feb is not before the 1 Feb cutoff)
    # + 新建党支部 from March 2025 (founded 2025-03-10): 10 ... 10 (Jul-Jan), 9 (Feb),
    # 10 (Mar-Jun).
    assert series(d, "organizations.total") == [10] * 7 + [9] + [10] * 4
    # Branches: a_branch + b_branch = 2, + 撤销 to January, + 新建 from March.
    assert series(d, "organizations.branch") == [3] * 7 + [2] + [3] * 4
    assert series(d, "organizations.committee") == [1] * 12
    assert series(d, "organizations.group") == [2] * 12
    # Street A: 党工委 + 党总支 + 党支部 + 党小组 = 4, + 新建 from March (index 8).
    assert series(a, "organizations.total") == [4] * 8 + [5] * 4
    # Street B: its 4, + 撤销 to January (index 6).
    assert series(b, "organizations.total") == [5] * 7 + [4] * 5


def test_members_by_category(refreshed):
    d, a, b = refreshed["district"], refreshed["a"], refreshed["b"]
    # Jul-Nov 2024: 张一, 王三, 赵四, 钱五 = 4; Dec: 钱五 died 2024-12-10 = 3;
    # Jan-Jun 2025: 李二 joined 2025-01-15 = 4.
    assert series(d, "members.total") == [4] * 5 + [3] + [4] * 6
    # Full: 张一, 王三, 钱五 (to Nov) = 3, then 2 (Dec-Mar), 赵四 full from 2025-04-10 -> 3.
    assert series(d, "members.full") == [3] * 5 + [2] * 4 + [3] * 3
    # Probationary = total - full: 赵四 (Jul-Mar) + 李二 (from Jan).
    assert series(d, "members.probationary") == [1] * 6 + [2] * 3 + [1] * 3
    # New this year: 赵四 (joined 2024-04-10) in 2024's months, 李二 in 2025's.
    assert series(d, "members.new_this_year") == [1] * 12
    # Street A: 张一, 王三, + 李二 from January. Street B: 赵四 + 钱五 to November.
    assert series(a, "members.total") == [2] * 6 + [3] * 6
    assert series(b, "members.total") == [2] * 5 + [1] * 7
    assert series(refreshed["a1"], "members.total") == series(a, "members.total")


def test_members_by_age_and_education(refreshed):
    d = refreshed["district"]
    # 王三, born 1954-06-15, is 70 on the last day of every month up to May 2025 and 71 on
    # the refresh day (15 June 2025).
    assert series(d, "members.age.61_70") == [1] * 11 + [0]
    assert series(d, "members.age.gt70") == [0] * 11 + [1]
    # 李二 (25) from January; 张一 (34) always; 赵四 (44, then 45) always; 钱五 (54) to Nov.
    assert series(d, "members.age.le30") == [0] * 6 + [1] * 6
    assert series(d, "members.age.31_40") == [1] * 12
    assert series(d, "members.age.41_50") == [1] * 12
    assert series(d, "members.age.51_60") == [1] * 5 + [0] * 7
    assert series(d, "members.age.unknown") == [0] * 12
    assert series(d, "members.education.unknown") == [1] * 12  # 王三
    assert series(d, "members.education.high_school") == [1] * 5 + [0] * 7  # 钱五
    assert series(d, "members.education.postgraduate") == [0] * 6 + [1] * 6  # 李二
    assert series(d, "members.education.bachelor") == [1] * 12  # 张一
    assert series(d, "members.education.college") == [1] * 12  # 赵四


def test_registers_and_grid_work(refreshed):
    d, a, b = refreshed["district"], refreshed["a"], refreshed["b"]
    # 湖南贸易 (recorded 2023, moved out 2025-03-01) to February; 天平科技 from October.
    assert series(d, "enterprises.active") == [1] * 3 + [2] * 5 + [1] * 4
    assert series(b, "enterprises.active") == [1] * 8 + [0] * 4
    assert series(d, "buildings.total") == [0] * 5 + [1] * 7  # recorded 2024-12-20
    assert series(d, "grids.total") == [2] * 12
    assert series(b, "grids.total") == [1] * 12
    # C2 open Jan-Feb (closed 2025-03-15), C1 from May, C3 in June.
    assert series(d, "cases.open") == [0] * 6 + [1, 1, 0, 0, 1, 2]
    # C1 is past its deadline (2025-05-12) at the end of May and now; C3's is 2025-06-20.
    assert series(d, "cases.overdue") == [0] * 10 + [1, 1]
    assert series(b, "cases.open") == [0] * 11 + [1]
    assert series(b, "cases.overdue") == [0] * 12
    # Published (not yet claimed): W3 in October (claimed 1 Nov), W2 Feb-Apr (claimed
    # 5 May), W1 from April; claimed: W3 in November, W2 from May; fulfilled: W3 from December.
    assert series(d, "wishes.published") == [0, 0, 0, 1, 0, 0, 0, 1, 1, 2, 1, 1]
    assert series(d, "wishes.claimed") == [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1]
    assert series(d, "wishes.fulfilled") == [0] * 5 + [1] * 7
    assert series(b, "wishes.published") == [0] * 12
    # Visits: May 1 (B), June 3 (A 1, B 2).
    assert series(d, "visits.month") == [0] * 10 + [1, 3]
    assert series(a, "visits.month") == [0] * 11 + [1]
    assert series(b, "visits.month") == [0] * 10 + [1, 2]


def test_coverage_copied_and_kept(refreshed):
    d = refreshed["district"]
    assert series(d, "coverage.enterprises") == [0] * 11 + [4]
    assert series(d, "coverage.with_organization") == [0] * 11 + [1]
    assert series(d, "coverage.work_covered") == [0] * 11 + [2]
    # A copy of an earlier month stays; one older than 12 months and any other past figure
    # is rewritten away.
    Figure.objects.create(region=d, metric="coverage.enterprises", month=MONTHS[3], value=3)
    Figure.objects.create(region=d, metric="coverage.enterprises", month=date(2023, 1, 1), value=1)
    Figure.objects.filter(region=d, metric="members.total", month=MONTHS[0]).update(value=99)
    summaries.refresh(now=NOW)
    assert series(d, "coverage.enterprises") == [0, 0, 0, 3] + [0] * 7 + [4]
    assert not Figure.objects.filter(month=date(2023, 1, 1)).exists()
    assert series(d, "members.total")[0] == 4


def test_refresh_is_idempotent(world):
    first = summaries.refresh(now=NOW)
    rows = sorted(Figure.objects.values_list("region_id", "metric", "month", "value"))
    second = summaries.refresh(now=NOW)
    assert sorted(Figure.objects.values_list("region_id", "metric", "month", "value")) == rows
    assert first["figures"] == second["figures"] == len(rows)
    assert Refresh.objects.get().refreshed_at == NOW


def test_refresh_after_an_import(district):
    cache.delete(tasks.PENDING_KEY)
    import_finished.send(
        sender=Organization, job=None, result=SimpleNamespace(created=0, updated=0)
    )
    assert not Refresh.objects.exists()  # the file changed nothing
    import_finished.send(
        sender=Organization, job=None, result=SimpleNamespace(created=9, updated=0)
    )
    assert Refresh.objects.exists()
    # The district fixture's 9 organisations, counted now (recorded today).
    figure = Figure.objects.get(
        region=district["district"],
        metric="organizations.total",
        month=Figure.objects.latest("month").month,
    )
    assert figure.value == 9
