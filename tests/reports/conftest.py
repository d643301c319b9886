"""The hand-built world of the cross-database questions: the coverage fixture of the buildings
tests (3 buildings, 7 enterprises, 12 members, refreshed), the two grids of the grids tests,
and per question a few rows in street A (天平路街道) and street B (湖南路街道), so each
question's expected rows are known per street.

Expected rows (A | B):
- should-found: 天平公益服务社 | 湖南外贸有限公司 (3 full members in a joint branch only)
- buildings-without-site: CB02 天平中心 | CB03 湖南大厦 (CB04 is in 天平园区, whose CB01
  has a 金领驿站)
- dual-registration: 甲一, 乙二, 乙三 | 丁二, 丁三, 戊一, 戊二, 戊三 (乙一 and 丁一 have
  registered; 丙一's employer is deregistered; 戊四 is suspended)
- grid-leaders: GA02 (no leader), GA03 (leader lost contact) | GB01 (leader suspended);
  GB02's leader belongs to A's branch and is not flagged
- term-overdue: A届满支部 | B届满支部 (A撤销支部 is dissolved; B未届满支部 is not due; A届满党小组
  is a group, which has no term)
- overdue-cases: A's branch 2, 徐汇区市容所 1 | B网格长 2, unassigned 1
"""

from datetime import date, datetime

import pytest
from django.utils import timezone

from buildings import coverage
from buildings.models import Building
from grids.models import Case, Grid
from members.models import Member
from organizations.models import Organization
from tests.buildings.conftest import coverage_world  # noqa: F401 (a fixture)
from tests.grids.conftest import grids, make_grid_case  # noqa: F401 (a fixture)
from tests.members.conftest import make_id_number, make_member


def _aware(*args):
    return timezone.make_aware(datetime(*args))


@pytest.fixture
def world(district, users, coverage_world, grids):  # noqa: F811
    a1, b1 = district["a1"], district["b1"]
    # 2. A park building with no site of its own: its park has one (in CB01).
    park_building = Building(
        code="CB04",
        name="天平园区二号楼",
        address="天平园区路2号",
        region=a1,
        park=coverage_world["park"],
    )
    park_building.full_clean()
    park_building.save()
    coverage.refresh()

    # 3. Two members have registered where they live.
    Member.objects.filter(name="乙一").update(
        residential_grid=grids["grid_a"], residential_region=a1
    )
    Member.objects.filter(name="丁一").update(residential_region=b1)

    # 4. Grids: GA01 (fine), GA02 (no leader), GA03 (leader lost contact), GB01 (leader
    # suspended), GB02 (leader in A's branch, in good standing).
    lost = make_member(
        district["a_branch"],
        "A失联网格长",
        make_id_number(date(1970, 4, 4), 31),
        lost_contact=True,
        lost_contact_on=date(2024, 3, 1),
    )
    elsewhere = make_member(district["a_branch"], "A籍网格长", make_id_number(date(1972, 4, 4), 33))
    Grid.objects.create(code="GA02", name="上海新村第二网格", region=a1)
    Grid.objects.create(code="GA03", name="上海新村第三网格", region=a1, leader=lost)
    Grid.objects.create(code="GB02", name="武康第二网格", region=b1, leader=elsewhere)
    Member.objects.filter(pk=grids["leader_b"].pk).update(
        status=Member.Status.SUSPENDED, status_on=date(2025, 1, 1)
    )

    # 5. Terms.
    for key, name, term_end, dissolved in (
        ("a", "A届满支部", date(2020, 6, 30), None),
        ("a", "A撤销支部", date(2019, 6, 30), date(2021, 1, 1)),
        ("b", "B届满支部", date(2023, 3, 31), None),
        ("b", "B未届满支部", date(2099, 1, 1), None),
    ):
        Organization.objects.create(
            code=f"T{key.upper()}{term_end:%Y}",
            name=name,
            kind=Organization.Kind.BRANCH,
            sector=Organization.Sector.COMMUNITY,
            parent=district[f"{key}_general"],
            region=district[f"{key}1"],
            term_number=3,
            term_end=term_end,
            dissolved_on=dissolved,
        )
    # A 党小组 with a term end in the past: groups hold no elections, so it is never overdue.
    Organization.objects.create(
        code="TA2018G",
        name="A届满党小组",
        kind=Organization.Kind.GROUP,
        sector=Organization.Sector.COMMUNITY,
        parent=district["a_branch"],
        region=district["a1"],
        term_end=date(2018, 6, 30),
    )

    # 7. Cases.
    category = grids["category"]
    grid_a, grid_b = grids["grid_a"], grids["grid_b"]
    specs = [
        (grid_a, "A1", True, {"assignee_organization": district["a_branch"]}, (2025, 3, 1)),
        (grid_a, "A2", True, {"assignee_organization": district["a_branch"]}, (2025, 2, 1)),
        (grid_a, "A3", True, {"assignee_unit": "徐汇区市容所"}, (2025, 4, 1)),
        (grid_a, "A4", False, {"assignee_organization": district["a_branch"]}, (2025, 5, 1)),
        (grid_b, "B1", True, {"assignee_member": grids["leader_b"]}, (2025, 1, 5)),
        (grid_b, "B2", True, {"assignee_member": grids["leader_b"]}, (2025, 1, 9)),
        (grid_b, "B3", True, {}, (2025, 1, 7)),
    ]
    for grid, number, overdue, assignee, due in specs:
        case = make_grid_case(grid, category, f"C{number}", "dispatched", overdue=overdue)
        Case.objects.filter(pk=case.pk).update(due_at=_aware(*due), **assignee)
    return {"park_building": park_building, "lost": lost, "elsewhere": elsewhere}


#: The expected first-column texts (or names) of each question, per street.
EXPECTED = {
    "should-found": ({"天平公益服务社"}, {"湖南外贸有限公司"}),
    "buildings-without-site": ({"CB02"}, {"CB03"}),
    "dual-registration": ({"甲一", "乙二", "乙三"}, {"丁二", "丁三", "戊一", "戊二", "戊三"}),
    "grid-leaders": ({"GA02", "GA03"}, {"GB01"}),
    "term-overdue": ({"TA2020"}, {"TB2023"}),
}
