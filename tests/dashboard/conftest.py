"""The hand-built dashboard fixture: dated rows in both streets of the small test district
(tests/conftest.py), refreshed as of ``NOW`` (15 June 2025, noon in Shanghai), so the 12
months are July 2024 ... June 2025.

Dates are set with ``queryset.update`` after the rows are written the usual way, as a
register that has been kept for years would hold them.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from buildings.models import Building, CoverageSummary, Enterprise
from grids.models import Case, CaseCategory, Grid, Visit, Wish
from members.models import Member
from organizations.models import Organization
from tests.buildings.conftest import make_enterprise
from tests.grids.conftest import square
from tests.members.conftest import make_id_number, make_member

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 6, 15, 12, 0, tzinfo=SHANGHAI)
#: The 12 months of a refresh at NOW, oldest first (index 0: July 2024, 11: June 2025).
MONTHS = [date(2024, m, 1) for m in range(7, 13)] + [date(2025, m, 1) for m in range(1, 7)]


def at(year, month, day, hour=10):
    return datetime(year, month, day, hour, tzinfo=SHANGHAI)


def dated_member(org, name, born, seq, **fields):
    adult = date(born.year + 20, 1, 1)
    member = make_member(
        org,
        name,
        make_id_number(born, seq),
        joined_on=adult,
        full_member_on=date(adult.year + 1, 1, 1),
    )
    Member.objects.filter(pk=member.pk).update(**fields)
    return member


@pytest.fixture
def world(district):
    """What is counted (see the test for the arithmetic):

    Organisations: the district fixture's 9 (recorded 2020), plus 新建党支部 in a1 founded
    2025-03-10, plus 撤销党支部 in b1 founded 2010, dissolved 2025-02-01.
    Members (a1 = street A, b1 = street B):
      m1 张一 a1, born 1990-06-20, joined 2010-07-01, full since 2011, 大学本科;
      m2 李二 a1, born 2000-03-01, joined 2025-01-15, probationary, 研究生;
      m3 王三 a1, born 1954-06-15 (71 on NOW's day), joined 1980-07-01, full, education blank;
      m4 赵四 b1, born 1980-01-01, joined 2024-04-10, full since 2025-04-10, 大学专科;
      m5 钱五 b1, born 1970-05-05, joined 2000-07-01, full, died 2024-12-10, 高中.
    Enterprises: 天平科技 a1 active, recorded 2024-10-05; 湖南贸易 b1 recorded 2023-01-01,
    moved out 2025-03-01.
    Buildings: 天平大厦 a1 recorded 2024-12-20. Grids: 天平网格 a1, 湖南网格 b1 (2024-01-01).
    Cases: c1 grid A reported 2025-05-10, in progress, due 2025-05-12 (overdue);
      c2 grid A reported 2025-01-05, closed 2025-03-15; c3 grid B reported 2025-06-01, due
      2025-06-20.
    Wishes (grid A): w1 published, submitted 2025-04-01; w2 claimed 2025-05-05, submitted
      2025-02-01; w3 confirmed: submitted 2024-10-01, claimed 2024-11-01, fulfilled
      2024-12-01; w4 rejected, submitted 2025-01-01.
    Visits: grid A 2025-06-01; grid B 2025-06-03, 2025-06-10, 2025-05-20.
    Coverage summaries: district 4 enterprises / 1 with organisation / 2 work covered,
      street A 2 / 1 / 1.
    """
    a, a1, b1 = district["a"], district["a1"], district["b1"]
    Organization.objects.update(created_at=at(2020, 1, 1))
    Organization.objects.create(
        code="S003C001B77",
        name="新建党支部",
        kind=Organization.Kind.BRANCH,
        sector=Organization.Sector.COMMUNITY,
        parent=district["a_general"],
        region=a1,
        founded_on=date(2025, 3, 10),
    )
    Organization.objects.create(
        code="S004C001B77",
        name="撤销党支部",
        kind=Organization.Kind.BRANCH,
        sector=Organization.Sector.COMMUNITY,
        parent=district["b_general"],
        region=b1,
        founded_on=date(2010, 1, 1),
        dissolved_on=date(2025, 2, 1),
    )
    edu = Member.Education
    dated_member(
        district["a_branch"],
        "张一",
        date(1990, 6, 20),
        901,
        joined_on=date(2010, 7, 1),
        full_member_on=date(2011, 7, 1),
        education=edu.BACHELOR,
    )
    dated_member(
        district["a_branch"],
        "李二",
        date(2000, 3, 1),
        902,
        category=Member.Category.PROBATIONARY,
        joined_on=date(2025, 1, 15),
        full_member_on=None,
        education=edu.POSTGRADUATE,
    )
    dated_member(
        district["a_branch"],
        "王三",
        date(1954, 6, 15),
        903,
        joined_on=date(1980, 7, 1),
        full_member_on=date(1981, 7, 1),
        education="",
    )
    dated_member(
        district["b_branch"],
        "赵四",
        date(1980, 1, 1),
        904,
        joined_on=date(2024, 4, 10),
        full_member_on=date(2025, 4, 10),
        education=edu.COLLEGE,
    )
    dated_member(
        district["b_branch"],
        "钱五",
        date(1970, 5, 5),
        905,
        joined_on=date(2000, 7, 1),
        full_member_on=date(2001, 7, 1),
        status=Member.Status.DECEASED,
        status_on=date(2024, 12, 10),
        education=edu.HIGH_SCHOOL,
    )
    tianping = make_enterprise(a1, "天平科技有限公司", 801)
    hunan = make_enterprise(b1, "湖南贸易有限公司", 802)
    Enterprise.objects.filter(pk=tianping.pk).update(created_at=at(2024, 10, 5))
    Enterprise.objects.filter(pk=hunan.pk).update(
        created_at=at(2023, 1, 1),
        status=Enterprise.Status.MOVED_OUT,
        status_on=date(2025, 3, 1),
    )
    building = Building.objects.create(
        code="DB01", name="天平大厦", address="天平路1号", region=a1, floors=10
    )
    Building.objects.filter(pk=building.pk).update(created_at=at(2024, 12, 20))
    grid_a = Grid.objects.create(
        code="DGA", name="天平网格", region=a1, boundary=square(121.43, 31.20)
    )
    grid_b = Grid.objects.create(
        code="DGB", name="湖南网格", region=b1, boundary=square(121.44, 31.20)
    )
    Grid.objects.update(created_at=at(2024, 1, 1))
    category = CaseCategory.objects.create(code="DENV", name="环境卫生")

    def case(number, grid, **fields):
        obj = Case.objects.create(
            number=number, title=number, description="-", category=category, grid=grid
        )
        Case.objects.filter(pk=obj.pk).update(**fields)

    State = Case.State
    case("C1", grid_a, reported_at=at(2025, 5, 10), state=State.IN_PROGRESS,
         due_at=at(2025, 5, 12))  # fmt: skip
    case("C2", grid_a, reported_at=at(2025, 1, 5), state=State.CLOSED,
         closed_at=at(2025, 3, 15), due_at=None)  # fmt: skip
    case("C3", grid_b, reported_at=at(2025, 6, 1), state=State.REPORTED,
         due_at=at(2025, 6, 20))  # fmt: skip

    def wish(number, **fields):
        obj = Wish.objects.create(number=number, grid=grid_a, title=number, beneficiary_name="某")
        Wish.objects.filter(pk=obj.pk).update(**fields)

    WS = Wish.State
    wish("W1", state=WS.PUBLISHED, created_at=at(2025, 4, 1))
    wish("W2", state=WS.CLAIMED, created_at=at(2025, 2, 1), claimed_at=at(2025, 5, 5))
    wish("W3", state=WS.CONFIRMED, created_at=at(2024, 10, 1), claimed_at=at(2024, 11, 1),
         fulfilled_at=at(2024, 12, 1), confirmed_at=at(2024, 12, 2))  # fmt: skip
    wish("W4", state=WS.REJECTED, created_at=at(2025, 1, 1))

    for grid, day in ((grid_a, date(2025, 6, 1)), (grid_b, date(2025, 6, 3)),
                      (grid_b, date(2025, 6, 10)), (grid_b, date(2025, 5, 20))):  # fmt: skip
        Visit.objects.create(
            grid=grid, target=Visit.Target.HOUSEHOLD, household="1号101", visited_on=day
        )

    for region, enterprises, organized, worked in ((district["district"], 4, 1, 2), (a, 2, 1, 1)):
        CoverageSummary.objects.create(
            level=CoverageSummary.Level.DISTRICT
            if region == district["district"]
            else CoverageSummary.Level.STREET,
            region=region,
            enterprises=enterprises,
            with_organization=organized,
            work_covered=worked,
            refreshed_at=NOW,
        )
    return {"grid_a": grid_a, "grid_b": grid_b, "building": building, **district}
