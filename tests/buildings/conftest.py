"""Fixtures of the enterprise and building registers: in each street of the small test
district (tests/conftest.py) a park, a building in its community, an enterprise in that
building and a service site; plus ``make_uscc`` for valid codes."""

from datetime import date
from decimal import Decimal

import pytest

from buildings.models import Building, Enterprise, Park, ServiceSite
from portal import validators


def make_uscc(seq, authority="9", kind="1", region="310104"):
    """A valid unified social credit code (GB 32100 with its GB 11714 part) for ``seq``."""
    body = f"{seq:08d}"
    first17 = f"{authority}{kind}{region}{body}{validators.org_code_check_char(body)}"
    return first17 + validators.uscc_check_char(first17)


def corrupt_check(code):
    """``code`` with a wrong GB 32100 check character but its organisation code intact (the
    shape of the early pilot-region codes)."""
    alphabet = validators.USCC_ALPHABET
    return code[:17] + alphabet[(alphabet.index(code[17]) + 1) % len(alphabet)]


def make_enterprise(region, name, seq, **fields):
    """An enterprise written the way every door writes one: full_clean, then save."""
    values = {"kind": Enterprise.Kind.PRIVATE, "industry": "I"}
    values.update(fields)
    enterprise = Enterprise(uscc=make_uscc(seq), name=name, region=region, **values)
    enterprise.full_clean()
    enterprise.save()
    return enterprise


@pytest.fixture
def registers(district):
    """Per street key ("a", "b"): ``park_<k>``, ``building_<k>``, ``enterprise_<k>`` (in the
    building, 3rd floor) and ``site_<k>`` (a 金领驿站 in the building)."""
    objects = {}
    for index, key in enumerate(("a", "b")):
        street, community = district[key], district[f"{key}1"]
        park = Park.objects.create(code=f"P{key.upper()}01", name=f"{street.name}园区", region=street)
        building = Building(
            code=f"B{key.upper()}01",
            name=f"{street.name}大厦",
            address=f"{street.name}路{index + 1}号",
            region=community,
            park=park,
            latitude=Decimal("31.2000") - Decimal(index) / 100,
            longitude=Decimal("121.4400"),
            floors=20,
            basement_floors=2,
        )
        building.full_clean()
        building.save()
        enterprise = make_enterprise(
            community,
            f"{street.name[:3]}科技有限公司",
            100 + index,
            building=building,
            floor=3,
            room="301",
            moved_in_on=date(2020, 1, 1),
            employees=50,
        )
        site = ServiceSite.objects.create(
            code=f"SS{key.upper()}01",
            name=f"{street.name}金领驿站",
            kind=ServiceSite.Kind.GOLDEN_COLLAR,
            region=community,
            building=building,
            full_time_workers=1,
        )
        objects.update(
            {
                f"park_{key}": park,
                f"building_{key}": building,
                f"enterprise_{key}": enterprise,
                f"site_{key}": site,
            }
        )
    return objects
