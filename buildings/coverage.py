"""The two coverages (组织覆盖, 工作覆盖), computed in SQL into the fact tables.

``refresh()`` rewrites ``EnterpriseFacts`` (one row per active enterprise) and
``CoverageSummary`` (one row per building, park, grid, community, street and district) with a
handful of ``INSERT ... SELECT`` statements in one transaction: never a query per row, so it
runs in seconds on 500,000 enterprises and 2M members. Readers keep seeing the previous
figures until it commits (plain DELETE, not TRUNCATE, so nobody waits on a table lock), and a
PostgreSQL advisory lock makes a second refresh wait for the first.

The definitions (the product's, see docs):

- only enterprises with status ``active`` (存续) count;
- members: Party members employed there with status ``normal``, full and probationary;
- own organisation: ``party_organization`` set, not dissolved, not a joint branch;
  joint organisation: the same, a joint branch (联合党支部);
- work covered (工作覆盖): an own or joint organisation, or the enterprise's building hosts
  a service site or an active building Party organisation (楼宇党组织);
- should found (应建未建): at least ``SHOULD_FOUND_MIN_FULL_MEMBERS`` full members and no
  organisation of its own (a joint branch does not count: 党章 第三十条).

A building's, park's or grid's enterprises are those whose current building is it (is in the
park, in the grid);
a region's are those whose region lies in its subtree, and so are its service sites.
"""

import time

from django.db import connection, transaction
from django.utils import timezone

from buildings.models import SHOULD_FOUND_MIN_FULL_MEMBERS, CoverageSummary, Enterprise
from portal.models import Region

#: pg_advisory_xact_lock key of the refresh (any constant; "COVERAGE" in ASCII, truncated).
LOCK_KEY = 0x434F564552

#: Region levels that get a summary row, and the summary level each maps to.
REGION_LEVELS = {
    Region.Level.COMMUNITY: CoverageSummary.Level.COMMUNITY,
    Region.Level.STREET: CoverageSummary.Level.STREET,
    Region.Level.TOWN: CoverageSummary.Level.STREET,
    Region.Level.DEVELOPMENT_ZONE: CoverageSummary.Level.STREET,
    Region.Level.DISTRICT: CoverageSummary.Level.DISTRICT,
}

FACTS_SQL = """
INSERT INTO buildings_enterprisefacts (
    enterprise_id, members, full_members, probationary_members,
    has_own_organization, has_joint_organization, work_covered, should_found)
SELECT x.id, x.members, x.full_members, x.probationary_members,
    x.own, x.joint,
    x.own OR x.joint OR x.building_worked,
    x.full_members >= %(min_full)s AND NOT x.own
FROM (
    SELECT e.id,
        COALESCE(m.members, 0) AS members,
        COALESCE(m.full_members, 0) AS full_members,
        COALESCE(m.probationary_members, 0) AS probationary_members,
        (o.id IS NOT NULL AND o.kind <> 'joint_branch') AS own,
        (o.id IS NOT NULL AND o.kind = 'joint_branch') AS joint,
        (w.building_id IS NOT NULL) AS building_worked
    FROM buildings_enterprise e
    LEFT JOIN (
        SELECT employer_id,
            count(*) AS members,
            count(*) FILTER (WHERE category = 'full') AS full_members,
            count(*) FILTER (WHERE category = 'probationary') AS probationary_members
        FROM members_member
        WHERE employer_id IS NOT NULL AND status = 'normal'
        GROUP BY employer_id
    ) m ON m.employer_id = e.id
    LEFT JOIN organizations_organization o
        ON o.id = e.party_organization_id AND o.dissolved_on IS NULL
    LEFT JOIN (
        SELECT building_id FROM buildings_servicesite WHERE building_id IS NOT NULL
        UNION
        SELECT building_id FROM organizations_organization
        WHERE building_id IS NOT NULL AND dissolved_on IS NULL
    ) w ON w.building_id = e.building_id
    WHERE e.status = 'active'
) x
"""

#: The enterprise figures of a group, over ``buildings_enterprise e`` joined to its facts
#: ``f`` (which exist for active enterprises only).
FIGURES = """
    count(*) AS enterprises,
    count(*) FILTER (WHERE e.kind = ANY(%(two_new)s)) AS two_new,
    count(*) FILTER (WHERE f.members > 0) AS with_members,
    COALESCE(sum(f.members), 0) AS members,
    count(*) FILTER (WHERE f.has_own_organization OR f.has_joint_organization)
        AS with_organization,
    count(*) FILTER (WHERE f.has_own_organization) AS with_own_organization,
    count(*) FILTER (WHERE f.has_joint_organization) AS with_joint_organization,
    count(*) FILTER (WHERE f.work_covered) AS work_covered,
    count(*) FILTER (WHERE f.should_found) AS should_found
"""

FIGURE_COLUMNS = (
    "enterprises",
    "two_new",
    "with_members",
    "members",
    "with_organization",
    "with_own_organization",
    "with_joint_organization",
    "work_covered",
    "should_found",
)
SUMMARY_COLUMNS = ", ".join(
    ("level", "region_id", "building_id", "park_id", "grid_id", *FIGURE_COLUMNS)
    + ("service_sites", "full_time_workers", "refreshed_at")
)
#: The figures of a LEFT JOINed group ``g`` and its sites ``s``, zero when absent.
ZEROED = ", ".join(
    [f"COALESCE(g.{name}, 0)" for name in FIGURE_COLUMNS]
    + ["COALESCE(s.sites, 0)", "COALESCE(s.workers, 0)", "%(now)s"]
)

BUILDINGS_SQL = f"""
INSERT INTO buildings_coveragesummary ({SUMMARY_COLUMNS})
SELECT 'building', b.region_id, b.id, NULL, NULL, {ZEROED}
FROM buildings_building b
LEFT JOIN (
    SELECT e.building_id, {FIGURES}
    FROM buildings_enterprise e
    JOIN buildings_enterprisefacts f ON f.enterprise_id = e.id
    WHERE e.building_id IS NOT NULL
    GROUP BY e.building_id
) g ON g.building_id = b.id
LEFT JOIN (
    SELECT building_id, count(*) AS sites, sum(full_time_workers) AS workers
    FROM buildings_servicesite WHERE building_id IS NOT NULL
    GROUP BY building_id
) s ON s.building_id = b.id
"""  # noqa: S608 - only constant SQL fragments are interpolated


def _through_buildings(level, table, key):
    """The summary rows of parks or grids: the figures of the enterprises and service sites
    in their buildings (``buildings_building.<key>``)."""
    ids = {"park": "NULL, t.id, NULL", "grid": "NULL, NULL, t.id"}[level]
    return f"""
INSERT INTO buildings_coveragesummary ({SUMMARY_COLUMNS})
SELECT '{level}', t.region_id, {ids}, {ZEROED}
FROM {table} t
LEFT JOIN (
    SELECT b.{key}, {FIGURES}
    FROM buildings_enterprise e
    JOIN buildings_enterprisefacts f ON f.enterprise_id = e.id
    JOIN buildings_building b ON b.id = e.building_id
    WHERE b.{key} IS NOT NULL
    GROUP BY b.{key}
) g ON g.{key} = t.id
LEFT JOIN (
    SELECT b.{key}, count(*) AS sites, sum(ss.full_time_workers) AS workers
    FROM buildings_servicesite ss
    JOIN buildings_building b ON b.id = ss.building_id
    WHERE b.{key} IS NOT NULL
    GROUP BY b.{key}
) s ON s.{key} = t.id
"""  # noqa: S608 - only constant SQL fragments are interpolated


PARKS_SQL = _through_buildings("park", "buildings_park", "park_id")
GRIDS_SQL = _through_buildings("grid", "grids_grid", "grid_id")

LEVEL_CASES = " ".join(f"WHEN '{region}' THEN '{level}'" for region, level in REGION_LEVELS.items())

# Regions: the figures are grouped by the enterprise's (site's) own region first, a few
# hundred groups, and only those groups are rolled up to every ancestor through the codes
# of the region's path (``/310104/310104003/310104003001/``): no pattern join over regions.
REGIONS_SQL = f"""
WITH own AS (
    SELECT e.region_id, {FIGURES}
    FROM buildings_enterprise e
    JOIN buildings_enterprisefacts f ON f.enterprise_id = e.id
    GROUP BY e.region_id
), own_sites AS (
    SELECT region_id, count(*) AS sites, sum(full_time_workers) AS workers
    FROM buildings_servicesite
    GROUP BY region_id
), rolled AS (
    SELECT a.id AS target_id, {", ".join(f"own.{name}" for name in FIGURE_COLUMNS)}
    FROM own
    JOIN portal_region r ON r.id = own.region_id
    CROSS JOIN LATERAL unnest(string_to_array(trim(BOTH '/' FROM r.path), '/')) AS up(code)
    JOIN portal_region a ON a.code = up.code
), rolled_sites AS (
    SELECT a.id AS target_id, sum(own_sites.sites) AS sites, sum(own_sites.workers) AS workers
    FROM own_sites
    JOIN portal_region r ON r.id = own_sites.region_id
    CROSS JOIN LATERAL unnest(string_to_array(trim(BOTH '/' FROM r.path), '/')) AS up(code)
    JOIN portal_region a ON a.code = up.code
    GROUP BY a.id
), g AS (
    SELECT target_id, {", ".join(f"sum({name}) AS {name}" for name in FIGURE_COLUMNS)}
    FROM rolled
    GROUP BY target_id
)
INSERT INTO buildings_coveragesummary ({SUMMARY_COLUMNS})
SELECT CASE t.level {LEVEL_CASES} END,
    t.id, NULL, NULL, NULL, {ZEROED}
FROM portal_region t
LEFT JOIN g ON g.target_id = t.id
LEFT JOIN rolled_sites s ON s.target_id = t.id
WHERE t.level = ANY(%(levels)s)
"""  # noqa: S608 - only constant SQL fragments are interpolated


def refresh():
    """Recompute every coverage fact and summary; returns a few figures about the run."""
    started = time.monotonic()
    now = timezone.now()
    params = {
        "min_full": SHOULD_FOUND_MIN_FULL_MEMBERS,
        "two_new": [str(kind) for kind in Enterprise.TWO_NEW_KINDS],
        "levels": [str(level) for level in REGION_LEVELS],
        "now": now,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        # Room for the members' aggregate (one group per employer) to stay in memory.
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute("DELETE FROM buildings_enterprisefacts")
        cursor.execute(FACTS_SQL, params)
        enterprises = cursor.rowcount
        cursor.execute("DELETE FROM buildings_coveragesummary")
        summaries = 0
        for sql in (BUILDINGS_SQL, PARKS_SQL, GRIDS_SQL, REGIONS_SQL):
            cursor.execute(sql, params)
            summaries += cursor.rowcount
    return {
        "enterprises": enterprises,
        "summaries": summaries,
        "refreshed_at": now.isoformat(),
        "seconds": round(time.monotonic() - started, 2),
    }
