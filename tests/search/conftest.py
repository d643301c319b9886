"""A small world for the one search box: in each street of the test district, members,
enterprises, a building, a grid and a case whose names share fragments, so a query finds
rows of several kinds and a street operator's scope decides what they see."""

from datetime import date

import pytest

from grids.models import Case
from organizations.models import Organization
from tests.buildings.conftest import make_enterprise, make_uscc, registers  # noqa: F401
from tests.grids.conftest import grids, make_grid_case  # noqa: F401
from tests.members.conftest import make_id_number, make_member

#: Plain sensitive values of the searchable members: never in a page or an API answer.
PLAIN_IDS = [make_id_number(date(1981, 4, 5), 301 + 2 * i) for i in range(4)]
PLAIN_MOBILES = ["13911112222", "13933334444", "13955556666", "13977778888"]


def lettered_uscc(start):
    """A valid USCC from ``seq`` >= ``start`` holding a letter (so typing it lower-case is a
    real test of the upper-casing), and its seq."""
    seq = start
    while make_uscc(seq).isdigit():
        seq += 1
    return make_uscc(seq), seq


@pytest.fixture
def world(district, registers, grids):  # noqa: F811
    a, b = district["a_branch"], district["b_branch"]
    people = {}
    for i, (branch, name) in enumerate(
        [(a, "欧阳娜"), (a, "欧阳娜娜"), (a, "小欧阳娜"), (b, "欧阳敏")]
    ):
        people[name] = make_member(branch, name, PLAIN_IDS[i], PLAIN_MOBILES[i])
    uscc, seq = lettered_uscc(500)
    star = make_enterprise(district["a1"], "星火科技有限公司", seq)
    star_b = make_enterprise(district["b1"], "湖南路星辰咨询有限公司", seq + 1_000)
    orgs = {}
    for code, name in (("XG01", "星光"), ("XG02", "星光党支部"), ("XG03", "新星光党支部")):
        orgs[name] = Organization.objects.create(
            code=code,
            name=name,
            kind=Organization.Kind.BRANCH,
            sector=Organization.Sector.PRIVATE_ENTERPRISE,
            parent=district["a_general"],
            region=district["a1"],
        )
    case_a = make_grid_case(grids["grid_a"], grids["category"], "C20260101-000001")
    Case.objects.filter(pk=case_a.pk).update(title="楼道堆物")
    case_b = make_grid_case(grids["grid_b"], grids["category"], "C20260101-000002")
    return {
        "people": people,
        "star": star,
        "star_uscc": uscc,
        "star_b": star_b,
        "orgs": orgs,
        "case_a": case_a,
        "case_b": case_b,
    }
