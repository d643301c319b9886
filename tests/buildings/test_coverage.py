"""The coverage facts of the hand-built fixture (tests/buildings/conftest.py
``coverage_world``: 3 buildings, 7 enterprises, 12 members) equal the figures worked out by
hand below; a second refresh writes the same rows; an import refreshes them."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from buildings import coverage
from buildings.models import CoverageSummary, Enterprise, EnterpriseFacts
from portal.models import ImportJob

pytestmark = pytest.mark.django_db

FACT_FIELDS = (
    "members",
    "full_members",
    "probationary_members",
    "has_own_organization",
    "has_joint_organization",
    "work_covered",
    "should_found",
)
SUMMARY_FIELDS = (
    "enterprises",
    "two_new",
    "with_members",
    "members",
    "with_organization",
    "with_own_organization",
    "with_joint_organization",
    "work_covered",
    "should_found",
    "service_sites",
    "full_time_workers",
)

# Per active enterprise: (members, full, probationary, own, joint, work covered, should found)
EXPECTED_FACTS = {
    # own branch, 1 full member -> own, work covered; 1 < 3 full -> not should-found
    "info": (1, 1, 0, True, False, True, False),
    # no members, no organisation, but 天平大厦 hosts a 金领驿站 -> work covered
    "state": (0, 0, 0, False, False, True, False),
    # 3 full, no organisation; 天平中心 has a building branch -> work covered; 3 >= 3 and no
    # own organisation -> should found
    "charity": (3, 3, 0, False, False, True, True),
    # at the street, no building, nothing
    "school": (0, 0, 0, False, False, False, False),
    # joint branch, 3 full -> joint, work covered; a joint branch is not its own -> should found
    "trade": (3, 3, 0, False, True, True, True),
    # 2 full + 1 probationary (the suspended 4th does not count) -> 3 members, 2 full:
    # not should-found; 湖南大厦 has no site and no building organisation -> not covered
    "soft": (3, 2, 1, False, False, False, False),
    # "gone" is deregistered: no facts row at all
}

# (enterprises, two_new, with_members, members, with_org, own, joint, work, should_found,
#  service_sites, full_time_workers)
EXPECTED_BUILDINGS = {
    # 天平大厦: info (private, two-new) + state; gone is deregistered.
    # with members: info. members 1. org: info (own). work: info, state. sites: 1, 2 workers.
    "b1": (2, 1, 1, 1, 1, 1, 0, 2, 0, 1, 2),
    # 天平中心: charity (social group). members 3, work 1 (building branch), should found 1.
    "b2": (1, 1, 1, 3, 0, 0, 0, 1, 1, 0, 0),
    # 湖南大厦: trade (foreign) + soft (private): two-new 2; members 3 + 3 = 6;
    # org: trade (joint); work: trade; should found: trade.
    "b3": (2, 2, 2, 6, 1, 0, 1, 1, 1, 0, 0),
}
# 天平园区 holds 天平大厦 only: its figures.
EXPECTED_PARK = EXPECTED_BUILDINGS["b1"]
EXPECTED_REGIONS = {
    # community a1: info, state, charity -> 3; two-new: info, charity -> 2; with members:
    # info, charity -> 2; members 1 + 3 = 4; org: info (own) -> 1; work: all 3;
    # should found: charity; sites: the 金领驿站 (2 workers).
    "a1": ("community", (3, 2, 2, 4, 1, 1, 0, 3, 1, 1, 2)),
    # community b1: trade, soft -> b3's figures; the street's service centre is not in b1.
    "b1": ("community", (2, 2, 2, 6, 1, 0, 1, 1, 1, 0, 0)),
    # street A: a1 + school (two-new, at the street itself): 4 enterprises, 3 two-new.
    "a": ("street", (4, 3, 2, 4, 1, 1, 0, 3, 1, 1, 2)),
    # street B: b1 + the street's service centre (1 site, 3 workers).
    "b": ("street", (2, 2, 2, 6, 1, 0, 1, 1, 1, 1, 3)),
    # district: 4 + 2 = 6 enterprises, 3 + 2 = 5 two-new, 2 + 2 with members, 4 + 6 = 10
    # members, 1 + 1 organised (1 own, 1 joint), 3 + 1 work, 1 + 1 should found, 1 + 1 sites,
    # 2 + 3 workers.
    "district": ("district", (6, 5, 4, 10, 2, 1, 1, 4, 2, 2, 5)),
}


def facts_by_key(world):
    names = {e.pk: key for key, e in world["enterprises"].items()}
    return {
        names[row["enterprise_id"]]: tuple(row[f] for f in FACT_FIELDS)
        for row in EnterpriseFacts.objects.values("enterprise_id", *FACT_FIELDS)
    }


def figures(summary):
    return tuple(getattr(summary, f) for f in SUMMARY_FIELDS)


def all_rows():
    """Every stored fact and summary, without ids and times."""
    facts = sorted(EnterpriseFacts.objects.values_list("enterprise_id", *FACT_FIELDS))
    summaries = sorted(
        CoverageSummary.objects.values_list(
            "level", "region_id", "building_id", "park_id", *SUMMARY_FIELDS
        ),
        key=repr,
    )
    return facts, summaries


def test_facts_and_summaries_equal_the_hand_computed_figures(coverage_world, district):
    stats = coverage.refresh()
    world = coverage_world

    assert facts_by_key(world) == EXPECTED_FACTS
    assert stats["enterprises"] == 6

    buildings = world["buildings"]
    building_rows = CoverageSummary.objects.filter(level=CoverageSummary.Level.BUILDING)
    assert {
        key: figures(building_rows.get(building=building)) for key, building in buildings.items()
    } == EXPECTED_BUILDINGS
    assert building_rows.count() == 3
    assert building_rows.get(building=buildings["b1"]).region == district["a1"]

    park = CoverageSummary.objects.get(level=CoverageSummary.Level.PARK)
    assert park.park == world["park"]
    assert park.region == district["a"]
    assert figures(park) == EXPECTED_PARK

    for key, (level, expected) in EXPECTED_REGIONS.items():
        row = CoverageSummary.objects.get(region=district[key], building=None, park=None)
        assert row.level == level, key
        assert figures(row) == expected, key
    # one row per building, park, community (2), street (2) and the district
    assert CoverageSummary.objects.count() == 3 + 1 + 2 + 2 + 1

    total = CoverageSummary.objects.get(level=CoverageSummary.Level.DISTRICT)
    assert total.organization_rate == 33.3  # 2 / 6
    assert total.work_rate == 66.7  # 4 / 6
    assert total.two_new_per_worker == 1.0  # 5 / 5
    assert not total.understaffed
    b1 = CoverageSummary.objects.get(region=district["b1"], building=None)
    assert b1.understaffed  # two two-new organisations and no full-time worker in b1

    should_found = EnterpriseFacts.objects.filter(should_found=True).order_by("enterprise__uscc")
    assert [f.enterprise.name for f in should_found] == ["天平公益服务社", "湖南外贸有限公司"]


def test_a_street_without_enterprises_gets_a_zero_row(coverage_world, district):
    from portal.models import Region

    empty = Region.objects.create(
        code="310104005", name="斜土路街道", level=Region.Level.STREET, parent=district["district"]
    )
    coverage.refresh()
    row = CoverageSummary.objects.get(region=empty, building=None, park=None)
    assert row.level == CoverageSummary.Level.STREET
    assert figures(row) == (0,) * len(SUMMARY_FIELDS)
    assert row.organization_rate is None


def test_refresh_twice_writes_the_same_rows(coverage_world):
    coverage.refresh()
    first = all_rows()
    coverage.refresh()
    assert all_rows() == first


def test_refresh_follows_changes(coverage_world, district):
    coverage.refresh()
    world = coverage_world
    # 湖南软件's probationary member becomes a full member: 3 full, no organisation.
    probationary = world["members"][10]
    probationary.category = "full"
    probationary.full_member_on = probationary.joined_on.replace(year=2026)
    probationary.save()
    # 湖南外贸 is deregistered: it leaves every figure.
    trade = world["enterprises"]["trade"]
    Enterprise.objects.filter(pk=trade.pk).update(status=Enterprise.Status.DEREGISTERED)
    coverage.refresh()

    assert facts_by_key(world)["soft"] == (3, 3, 0, False, False, False, True)
    assert "trade" not in facts_by_key(world)
    street_b = CoverageSummary.objects.get(region=district["b"], building=None)
    # b: soft only -> 1 enterprise, 1 two-new, 1 with members, 3 members, no organisation,
    # not covered, should found 1; the street's service centre stays.
    assert figures(street_b) == (1, 1, 1, 3, 0, 0, 0, 0, 1, 1, 3)


def test_the_task_refreshes(coverage_world):
    from buildings.tasks import refresh_coverage

    stats = refresh_coverage.delay().get()
    assert stats["enterprises"] == 6
    assert EnterpriseFacts.objects.count() == 6


def test_a_finished_import_refreshes_the_coverage(coverage_world, users):
    """The enterprise import (a real job through portal.tasks.run_import) sends
    ``import_finished`` after its rows are committed; the buildings app refreshes."""
    from portal import crypto
    from portal.tasks import run_import
    from tests.buildings.conftest import make_uscc

    assert not EnterpriseFacts.objects.exists()
    content = f"uscc,name,kind,region\n{make_uscc(601)},湖南新设有限公司,private,310104004001\n"
    job = ImportJob.objects.create(
        user=users["admin"],
        spec="buildings.enterprise",
        filename="enterprises.csv",
        content=crypto.encrypt_bytes(content.encode("utf-8")),
    )
    run_import(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, (job.message, job.errors)
    assert EnterpriseFacts.objects.count() == 7
    street_b = CoverageSummary.objects.get(level="street", region__code="310104004")
    assert street_b.enterprises == 3


def test_imports_of_other_models_do_not_refresh(coverage_world):
    from organizations.models import LeadershipPosition
    from portal.tasks import import_finished

    import_finished.send(sender=LeadershipPosition, job=None, result=None)
    assert not EnterpriseFacts.objects.exists()


def test_the_refresh_receiver_is_connected_at_startup():
    """A bare ``django.setup()`` (a web process, a management command) connects the import
    receiver: buildings.tasks is imported by the app itself, not only by Celery's worker."""
    code = (
        "import django; django.setup(); "
        "from portal.tasks import import_finished; "
        "print(len(import_finished.receivers))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings"},
    )
    assert out.stdout.strip().splitlines()[-1] != "0"


def test_a_grid_gets_the_figures_of_its_buildings(coverage_world, district, users, client_for):
    from grids.models import Grid
    from tests.grids.conftest import square

    grid = Grid(
        code="CG01", name="上海新村第一网格", region=district["a1"], boundary=square(121.43, 31.19)
    )
    grid.full_clean()
    grid.save()
    empty = Grid.objects.create(code="CG02", name="上海新村第二网格", region=district["a1"])
    buildings = coverage_world["buildings"]
    for key in ("b1", "b2"):
        buildings[key].grid = grid
        buildings[key].save()
    coverage.refresh()
    # 天平大厦 + 天平中心, figure by figure: b1 (2, 1, 1, 1, 1, 1, 0, 2, 0, 1, 2) plus
    # b2 (1, 1, 1, 3, 0, 0, 0, 1, 1, 0, 0) -> 3 enterprises, 2 two-new, 2 with members,
    # 4 members, 1 organised (own), 3 work covered, 1 should found, the 金领驿站 (2 workers).
    # That is community a1's figures: every active tenant of a1 sits in these two buildings.
    summary = CoverageSummary.objects.get(level="grid", grid=grid)
    assert summary.region_id == district["a1"].pk
    assert figures(summary) == (3, 2, 2, 4, 1, 1, 0, 3, 1, 1, 2)
    assert figures(CoverageSummary.objects.get(grid=empty)) == (0,) * len(SUMMARY_FIELDS)
    # The grid's page shows them.
    page = client_for(users["admin"]).get(f"/grids/{grid.pk}/").content.decode()
    assert 'data-figure="enterprises">3<' in page
    assert 'data-figure="should_found">1<' in page
