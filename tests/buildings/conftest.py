"""Fixtures of the enterprise and building registers: in each street of the small test
district (tests/conftest.py) a park, a building in its community, an enterprise in that
building and a service site; plus ``make_uscc`` for valid codes."""

from datetime import date
from decimal import Decimal

import pytest

from buildings.models import Building, Enterprise, Park, ServiceSite, sync_tenancies
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
        park = Park.objects.create(
            code=f"P{key.upper()}01", name=f"{street.name}园区", region=street
        )
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


# --- pages (tests/buildings/test_pages.py, test_scoping_ui.py) ---------------------------


def add_facts(enterprise, full=0, probationary=0, should_found=False, work_covered=False):
    """Coverage facts of ``enterprise`` as ``buildings.coverage`` would write them."""
    from buildings.models import EnterpriseFacts

    return EnterpriseFacts.objects.create(
        enterprise=enterprise,
        members=full + probationary,
        full_members=full,
        probationary_members=probationary,
        has_own_organization=enterprise.organization_kind == "own",
        has_joint_organization=enterprise.organization_kind == "joint",
        work_covered=work_covered or bool(enterprise.party_organization_id),
        should_found=should_found,
    )


@pytest.fixture
def tower(district, registers):
    """A second building of street A's community (徐汇云塔, 30 floors, 2 basements) with a
    building Party committee and a 党建服务站, and tenants:

    - 云塔数据 (30F, own branch 云塔数据党支部; 3 full members, 1 of them in B's branch)
    - 云塔物流 (5F, room 501) and 云塔设计 (5F, room 502), both in the tower's joint branch
    - 云塔餐饮 (B1), 云塔仓储 (B2), 云塔咨询 (no floor)
    - 云塔旧户 moved out (not a tenant any more)

    Facts exist for 云塔数据 (should found: no, it has its branch), 云塔物流 and 云塔咨询
    (3 full members, none in an organisation: should found); the others have none yet.
    The tower's coverage summary is refreshed; the fixture building of A has none."""
    from django.utils import timezone

    from buildings.models import CoverageSummary
    from organizations.models import Organization
    from tests.members.conftest import make_id_number, make_member

    a1 = district["a1"]
    building = Building(
        code="BA02",
        name="徐汇云塔",
        address="天平路88号",
        region=a1,
        park=registers["park_a"],
        latitude=Decimal("31.2010"),
        longitude=Decimal("121.4420"),
        floors=30,
        basement_floors=2,
        gross_floor_area=Decimal("56000.50"),
        property_manager="云塔物业管理有限公司",
    )
    building.full_clean()
    building.save()
    committee = Organization.objects.create(
        code="S003T01",
        name="徐汇云塔楼宇党委",
        kind=Organization.Kind.COMMITTEE,
        sector=Organization.Sector.BUILDING,
        parent=district["a_top"],
        region=a1,
        building=building,
    )
    joint = Organization.objects.create(
        code="S003T01J1",
        name="徐汇云塔联合党支部",
        kind=Organization.Kind.JOINT_BRANCH,
        sector=Organization.Sector.BUILDING,
        parent=committee,
        region=a1,
        building=building,
    )
    own = Organization.objects.create(
        code="S003T01B1",
        name="云塔数据党支部",
        kind=Organization.Kind.BRANCH,
        sector=Organization.Sector.PRIVATE_ENTERPRISE,
        parent=committee,
        region=a1,
    )
    site = ServiceSite.objects.create(
        code="SSA02",
        name="云塔党群服务站",
        kind=ServiceSite.Kind.STATION,
        region=a1,
        building=building,
        opening_hours="9:00-17:00",
    )
    specs = [
        ("data", "云塔数据有限公司", 30, "3001", own),
        ("logistics", "云塔物流有限公司", 5, "501", joint),
        ("design", "云塔设计有限公司", 5, "502", joint),
        ("food", "云塔餐饮有限公司", -1, "B101", None),
        ("storage", "云塔仓储有限公司", -2, "", None),
        ("consulting", "云塔咨询有限公司", None, "", None),
    ]
    tenants = {}
    for seq, (key, name, floor, room, org) in enumerate(specs, start=200):
        tenants[key] = make_enterprise(
            a1,
            name,
            seq,
            building=building,
            floor=floor,
            room=room,
            party_organization=org,
            moved_in_on=date(2021, 3, 1),
        )
    gone = make_enterprise(a1, "云塔旧户有限公司", 299, building=building, floor=8)
    gone.status = Enterprise.Status.MOVED_OUT
    gone.status_on = date(2024, 6, 30)
    gone.full_clean()
    gone.save()
    # Enterprise.save() syncs the tenancy history only when the building, floor or room
    # changes; a status change alone leaves the tenancy open, so close it here.
    sync_tenancies([gone.pk], moved_on=gone.status_on)
    members = [
        make_member(
            district["a_branch"] if i < 2 else district["b_branch"],
            name,
            make_id_number(date(1985, 1, 10 + i), 601 + i),
            mobile=f"1371234{i:04d}",
            employer=tenants["data"],
        )
        for i, name in enumerate(["赵云塔", "钱云塔", "孙湖南"])
    ]
    members += [
        make_member(
            district["a_branch"],
            name,
            make_id_number(date(1990, 2, 3 + i), 611 + i),
            employer=tenants["consulting"],
            joined_on=date(2015, 7, 1),
            full_member_on=date(2016, 7, 1),
        )
        for i, name in enumerate(["周咨询", "吴咨询", "郑咨询"])
    ]
    add_facts(tenants["data"], full=3)
    add_facts(tenants["logistics"], full=0, probationary=1)
    add_facts(tenants["consulting"], full=3, should_found=True, work_covered=True)
    summary = CoverageSummary.objects.create(
        level=CoverageSummary.Level.BUILDING,
        region=a1,
        building=building,
        enterprises=6,
        two_new=6,
        with_members=3,
        members=7,
        with_organization=3,
        with_own_organization=1,
        with_joint_organization=2,
        work_covered=4,
        should_found=1,
        service_sites=1,
        full_time_workers=0,
        refreshed_at=timezone.make_aware(timezone.datetime(2025, 3, 1, 8, 30)),
    )
    return {
        "building": building,
        "committee": committee,
        "joint": joint,
        "own": own,
        "site": site,
        "gone": gone,
        "members": members,
        "summary": summary,
        **tenants,
    }


# --- coverage (tests/buildings/test_coverage*.py, tests/browser/test_coverage_browser.py) --


@pytest.fixture
def coverage_world(district):
    """The hand-built coverage fixture: 3 buildings, 7 enterprises, 12 members.

    Street A (天平路街道), community a1 (上海新村):
    - 天平大厦 (CB01, in park 天平园区, with coordinates) hosts a 金领驿站 with 2 full-time
      workers. Tenants: 天平信息科技 (private; own branch; 1 full member), 天平国资经营
      (state; no members, no organisation), 天平注销贸易 (private, deregistered; 1 member).
    - 天平中心 (CB02, no coordinates) hosts a building Party branch (楼宇党支部). Tenant:
      天平公益服务社 (social group; 3 full members in a1's branch, no organisation).
    - 天平民办培训学校 (private non-enterprise unit) is registered at the street itself,
      in no building, with no members.
    Street B (湖南路街道), community b1 (武康):
    - 湖南大厦 (CB03, with coordinates), no site, no building organisation. Tenants:
      湖南外贸 (foreign; in the joint branch 武康联合党支部; 3 full members in it),
      湖南软件 (private; no organisation; 2 full + 1 probationary + 1 suspended full).
    - 湖南路街道党群服务中心: a service site of the street (3 workers), in no building.
    """
    from organizations.models import Organization
    from tests.members.conftest import make_id_number, make_member

    a, a1, b, b1 = district["a"], district["a1"], district["b"], district["b1"]
    park = Park.objects.create(code="CPA01", name="天平园区", region=a)

    def building(code, name, region, lat=None, lng=None, **fields):
        obj = Building(
            code=code,
            name=name,
            address=f"{name}路1号",
            region=region,
            latitude=lat,
            longitude=lng,
            floors=20,
            **fields,
        )
        obj.full_clean()
        obj.save()
        return obj

    b1_tower = building(
        "CB01", "天平大厦", a1, Decimal("31.200000"), Decimal("121.440000"), park=park
    )
    b2_centre = building("CB02", "天平中心", a1)
    b3_tower = building("CB03", "湖南大厦", b1, Decimal("31.210000"), Decimal("121.450000"))

    ServiceSite.objects.create(
        code="CSA01",
        name="天平大厦金领驿站",
        kind=ServiceSite.Kind.GOLDEN_COLLAR,
        region=a1,
        building=b1_tower,
        full_time_workers=2,
    )
    ServiceSite.objects.create(
        code="CSB01",
        name="湖南路街道党群服务中心",
        kind=ServiceSite.Kind.CENTER,
        region=b,
        full_time_workers=3,
    )
    own_branch = Organization.objects.create(
        code="S003C001E01",
        name="天平信息科技有限公司党支部",
        kind=Organization.Kind.BRANCH,
        sector=Organization.Sector.PRIVATE_ENTERPRISE,
        parent=district["a_general"],
        region=a1,
    )
    building_branch = Organization.objects.create(
        code="S003C001L01",
        name="天平中心楼宇党支部",
        kind=Organization.Kind.BRANCH,
        sector=Organization.Sector.BUILDING,
        parent=district["a_general"],
        region=a1,
        building=b2_centre,
    )
    joint = Organization.objects.create(
        code="S004C001J01",
        name="武康联合党支部",
        kind=Organization.Kind.JOINT_BRANCH,
        sector=Organization.Sector.PRIVATE_ENTERPRISE,
        parent=district["b_general"],
        region=b1,
    )

    kinds = Enterprise.Kind
    e = {
        "info": make_enterprise(
            a1, "天平信息科技有限公司", 501, building=b1_tower, party_organization=own_branch
        ),
        "state": make_enterprise(a1, "天平国资经营公司", 502, kind=kinds.STATE, building=b1_tower),
        "charity": make_enterprise(
            a1, "天平公益服务社", 503, kind=kinds.SOCIAL_GROUP, building=b2_centre
        ),
        "school": make_enterprise(a, "天平民办培训学校", 504, kind=kinds.PRIVATE_NON_ENTERPRISE),
        "gone": make_enterprise(
            a1,
            "天平注销贸易有限公司",
            505,
            building=b1_tower,
            status=Enterprise.Status.DEREGISTERED,
            status_on=date(2024, 5, 1),
        ),
        "trade": make_enterprise(
            b1,
            "湖南外贸有限公司",
            506,
            kind=kinds.FOREIGN,
            building=b3_tower,
            party_organization=joint,
        ),
        "soft": make_enterprise(b1, "湖南软件有限公司", 507, building=b3_tower),
    }

    seq = iter(range(701, 800))

    def member(org, name, employer, **fields):
        born = date(1980, 1, 1)
        return make_member(org, name, make_id_number(born, next(seq)), employer=employer, **fields)

    probationary = {
        "category": "probationary",
        "joined_on": date(2025, 7, 1),
        "full_member_on": None,
    }
    members = [
        member(own_branch, "甲一", e["info"]),
        member(district["a_branch"], "乙一", e["charity"]),
        member(district["a_branch"], "乙二", e["charity"]),
        member(district["a_branch"], "乙三", e["charity"]),
        member(district["a_branch"], "丙一", e["gone"]),
        member(joint, "丁一", e["trade"]),
        member(joint, "丁二", e["trade"]),
        member(joint, "丁三", e["trade"]),
        member(district["b_branch"], "戊一", e["soft"]),
        member(district["b_branch"], "戊二", e["soft"]),
        member(district["b_branch"], "戊三", e["soft"], **probationary),
        member(
            district["b_branch"], "戊四", e["soft"], status="suspended", status_on=date(2024, 1, 1)
        ),
    ]
    return {
        "park": park,
        "buildings": {"b1": b1_tower, "b2": b2_centre, "b3": b3_tower},
        "enterprises": e,
        "members": members,
        "orgs": {"own": own_branch, "building": building_branch, "joint": joint},
    }
