"""The dashboard's figures, computed in SQL into ``dashboard.Figure``.

``refresh()`` rewrites the figures of the last 12 months for every region with a handful of
``INSERT ... SELECT`` statements in one transaction (never a query per row), like
``buildings.coverage``: each register is read once, joined to the 12 months, grouped by the
row's own region (a few hundred groups) into a temporary table, and only those groups are
rolled up to every ancestor region through the codes of the region's path. Readers keep
seeing the previous figures until it commits (plain DELETE, not TRUNCATE); a PostgreSQL
advisory lock makes a second refresh wait for the first.

Each month has a cutoff: the end of the month, or now for the current month. A stock figure
is the count at the cutoff, reconstructed from the dates the registers keep; the current
month's value is exact, earlier months are approximations where a register does not keep
the history:

- organisations (by kind): founded (``founded_on``, else ``created_at``) before the cutoff and
  not dissolved (``dissolved_on``) by then; the region and kind are today's.
- members: status ``normal`` today and joined (``joined_on``) before the cutoff, or another
  status now whose ``status_on`` is after the cutoff (they were members then); counted in
  their organisation's region today (past transfers are not replayed). Category at the
  cutoff: full once ``full_member_on`` has passed (a full member without that date is full
  throughout), probationary before. Age band: age on the cutoff's day, from ``birth_date``
  (unknown without it). Education band: today's education. New members this year: joined
  from 1 January of the month's year to the cutoff.
- enterprises: recorded (``created_at``) before the cutoff, and active today or left
  (``status_on``) after the cutoff.
- buildings, grids: recorded (``created_at``) before the cutoff (there is no removal date).
- open cases: reported (``reported_at``) before the cutoff and open today, or closed or
  rejected (``closed_at``) after it; a case reopened since counts as open throughout.
  Overdue: open at the cutoff with the current stage deadline (``due_at``) before it, and
  for the current month also those flagged ``overdue``; a closed case no longer has a
  stage deadline, so past overdue counts are a lower bound.
- micro-wishes: published = submitted (``created_at``) and not yet claimed (``claimed_at``)
  at the cutoff, of the wishes that are published or further today; claimed = claimed and
  not yet fulfilled (``fulfilled_at``); fulfilled = fulfilled (or confirmed) by the cutoff.
  Rejected and withdrawn wishes never count; a released claim is forgotten.
- visits this month (a flow): visits whose ``visited_on`` lies in the month.
- the two coverages are not recomputed: every refresh copies the current figures of
  ``buildings.CoverageSummary`` (enterprises, with organisation, work covered) into the
  current month and keeps the months copied before, so their trend builds up month by
  month from the first refresh on.

Regions without anything to count have no rows: a missing figure is zero.
"""

import time
from datetime import date, datetime, timedelta
from datetime import time as clock

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.models import Case, Wish
from members.models import Member
from organizations.models import Organization

#: pg_advisory_xact_lock key of the refresh ("DASHB" in ASCII).
LOCK_KEY = 0x4441534842
MONTHS = 12

#: Age bands: (key, upper age or None, label); a member falls in the first band whose upper
#: age is at least theirs.
AGE_BANDS = [
    ("le30", 30, _("30岁及以下")),
    ("31_40", 40, _("31—40岁")),
    ("41_50", 50, _("41—50岁")),
    ("51_60", 60, _("51—60岁")),
    ("61_70", 70, _("61—70岁")),
    ("gt70", None, _("71岁及以上")),
]
#: The age thresholds (31, 41, ...) whose birth-date bounds the months table carries.
AGE_THRESHOLDS = [upper + 1 for _key, upper, _label in AGE_BANDS if upper is not None]

EDUCATION_BANDS = [*Member.Education.choices, ("unknown", _("未填写"))]

#: Every metric the refresh writes, with its label.
METRICS = {
    "organizations.total": _("党组织"),
    **{f"organizations.{kind}": label for kind, label in Organization.Kind.choices},
    "members.total": _("党员"),
    "members.full": Member.Category.FULL.label,
    "members.probationary": Member.Category.PROBATIONARY.label,
    "members.new_this_year": _("今年新发展党员"),
    **{f"members.age.{key}": label for key, _upper, label in AGE_BANDS},
    "members.age.unknown": _("出生日期未填"),
    **{f"members.education.{key}": label for key, label in EDUCATION_BANDS},
    "enterprises.active": _("企业/社会组织（存续）"),
    "coverage.enterprises": _("企业/社会组织（覆盖统计）"),
    "coverage.with_organization": _("建有党组织的"),
    "coverage.work_covered": _("党的工作覆盖的"),
    "buildings.total": _("楼宇"),
    "grids.total": _("网格"),
    "cases.open": _("未办结工单"),
    "cases.overdue": _("超时工单"),
    "wishes.published": _("待认领微心愿"),
    "wishes.claimed": _("已认领微心愿"),
    "wishes.fulfilled": _("已实现微心愿"),
    "visits.month": _("本月走访"),
}
#: Wish states of a wish fulfilled (and perhaps confirmed since).
FULFILLED_STATES = (Wish.State.FULFILLED, Wish.State.CONFIRMED)
#: Metrics copied from the coverage summaries and kept from one refresh to the next.
COVERAGE_METRICS = ("coverage.enterprises", "coverage.with_organization", "coverage.work_covered")
#: Region levels of the coverage summaries copied (not buildings, parks or grids).
COVERAGE_LEVELS = ("district", "street", "community")

SETUP_SQL = f"""
DROP TABLE IF EXISTS pg_temp.dashboard_months, pg_temp.dashboard_own;
CREATE TEMPORARY TABLE dashboard_months (
    month date PRIMARY KEY,
    day_end date NOT NULL,
    time_end timestamptz NOT NULL,
    year_start date NOT NULL,
    is_current boolean NOT NULL,
    {", ".join(f"born_by_{age} date NOT NULL" for age in AGE_THRESHOLDS)}
) ON COMMIT DROP;
CREATE TEMPORARY TABLE dashboard_own (
    region_id bigint NOT NULL,
    metric varchar(40) NOT NULL,
    month date NOT NULL,
    value bigint NOT NULL
) ON COMMIT DROP;
"""
# The months table: ``day_end`` and ``time_end`` are the exclusive cutoffs for date and
# timestamp columns; ``born_by_<age>`` the last birth date of someone aged ``age`` on the
# cutoff's day.
MONTH_ROW = "({})".format(", ".join(["%s"] * (5 + len(AGE_THRESHOLDS))))

ORGANIZATIONS_SQL = """
INSERT INTO dashboard_own (region_id, metric, month, value)
SELECT o.region_id, 'organizations.' || COALESCE(o.kind, 'total'), m.month, count(*)
FROM organizations_organization o
JOIN dashboard_months m
    ON CASE WHEN o.founded_on IS NULL THEN o.created_at < m.time_end
            ELSE o.founded_on < m.day_end END
    AND (o.dissolved_on IS NULL OR o.dissolved_on >= m.day_end)
GROUP BY GROUPING SETS ((o.region_id, m.month, o.kind), (o.region_id, m.month))
"""


def _age_filters():
    """``(metric, condition)`` of each age band, on ``mb.birth_date`` and the months ``m``."""
    filters, younger_than = [], None
    for key, upper, _label in AGE_BANDS:
        conditions = ["mb.birth_date IS NOT NULL"]
        if upper is not None:
            conditions.append(f"mb.birth_date > m.born_by_{upper + 1}")
        if younger_than is not None:
            conditions.append(f"mb.birth_date <= m.born_by_{younger_than}")
        filters.append((f"members.age.{key}", " AND ".join(conditions)))
        younger_than = upper + 1 if upper is not None else None
    filters.append(("members.age.unknown", "mb.birth_date IS NULL"))
    return filters


def _member_filters():
    full = "mb.category = 'full' AND (mb.full_member_on IS NULL OR mb.full_member_on < m.day_end)"
    education = [
        (f"members.education.{key}", f"mb.education = '{key}'")
        for key, _label in Member.Education.choices
    ]
    return [
        ("members.total", "true"),
        ("members.full", full),
        ("members.probationary", f"NOT ({full})"),
        ("members.new_this_year", "mb.joined_on >= m.year_start"),
        *_age_filters(),
        *education,
        ("members.education.unknown", "mb.education = ''"),
    ]


def _unpivoted(region, source, joins, filters, where="true"):
    """An INSERT of one row per (region, month, metric) from one pass over ``source``: the
    metrics are ``count(*) FILTER (WHERE <condition>)`` of the rows joined to the months."""
    columns = ",\n    ".join(
        f"count(*) FILTER (WHERE {condition}) AS f{i}" for i, (_m, condition) in enumerate(filters)
    )
    values = ", ".join(f"('{metric}', x.f{i})" for i, (metric, _c) in enumerate(filters))
    return f"""
INSERT INTO dashboard_own (region_id, metric, month, value)
SELECT x.region_id, v.metric, x.month, v.value
FROM (
    SELECT {region} AS region_id, m.month,
    {columns}
    FROM {source}
    {joins}
    WHERE {where}
    GROUP BY {region}, m.month
) x
CROSS JOIN LATERAL (VALUES {values}) AS v(metric, value)
WHERE v.value > 0
"""  # noqa: S608 - only constant SQL fragments are interpolated


MEMBERS_SQL = _unpivoted(
    "o.region_id",
    "members_member mb",
    """JOIN organizations_organization o ON o.id = mb.organization_id
    JOIN dashboard_months m ON mb.joined_on < m.day_end
        AND (mb.status = 'normal' OR mb.status_on >= m.day_end)""",
    _member_filters(),
    where="mb.status = 'normal' OR mb.status_on >= %(first_day_end)s",
)

ENTERPRISES_SQL = _unpivoted(
    "e.region_id",
    "buildings_enterprise e",
    """JOIN dashboard_months m ON e.created_at < m.time_end
        AND (e.status = 'active' OR e.status_on >= m.day_end)""",
    [("enterprises.active", "true")],
    where="e.status = 'active' OR e.status_on >= %(first_day_end)s",
)

BUILDINGS_SQL = _unpivoted(
    "b.region_id",
    "buildings_building b",
    "JOIN dashboard_months m ON b.created_at < m.time_end",
    [("buildings.total", "true")],
)

GRIDS_SQL = _unpivoted(
    "g.region_id",
    "grids_grid g",
    "JOIN dashboard_months m ON g.created_at < m.time_end",
    [("grids.total", "true")],
)

CASES_SQL = _unpivoted(
    "g.region_id",
    "grids_case c",
    """JOIN grids_grid g ON g.id = c.grid_id
    JOIN dashboard_months m ON c.reported_at < m.time_end
        AND (c.state = ANY(%(open_states)s) OR c.closed_at >= m.time_end)""",
    [
        ("cases.open", "true"),
        ("cases.overdue", "c.due_at < m.time_end OR (m.is_current AND c.overdue)"),
    ],
    where="c.state = ANY(%(open_states)s) OR c.closed_at >= %(first_time_end)s",
)

WISHES_SQL = _unpivoted(
    "g.region_id",
    "grids_wish w",
    """JOIN grids_grid g ON g.id = w.grid_id
    JOIN dashboard_months m ON w.created_at < m.time_end""",
    [
        (
            "wishes.published",
            "w.state = ANY(%(published_states)s)"
            " AND (w.claimed_at IS NULL OR w.claimed_at >= m.time_end)",
        ),
        (
            "wishes.claimed",
            "w.state = ANY(%(claimed_states)s) AND w.claimed_at < m.time_end"
            " AND (w.fulfilled_at IS NULL OR w.fulfilled_at >= m.time_end)",
        ),
        (
            "wishes.fulfilled",
            "w.state = ANY(%(fulfilled_states)s) AND w.fulfilled_at < m.time_end",
        ),
    ],
    where="w.state = ANY(%(published_states)s)",
)

VISITS_SQL = _unpivoted(
    "g.region_id",
    "grids_visit vi",
    """JOIN grids_grid g ON g.id = vi.grid_id
    JOIN dashboard_months m ON vi.visited_on >= m.month AND vi.visited_on < m.day_end""",
    [("visits.month", "true")],
    where="vi.visited_on >= %(first_day)s",
)

SOURCES = (
    ORGANIZATIONS_SQL,
    MEMBERS_SQL,
    ENTERPRISES_SQL,
    BUILDINGS_SQL,
    GRIDS_SQL,
    CASES_SQL,
    WISHES_SQL,
    VISITS_SQL,
)

# The coverage figures of past months stay; everything else is rewritten.
DELETE_SQL = """
DELETE FROM dashboard_figure
WHERE NOT (metric = ANY(%(coverage_metrics)s) AND month < %(current)s)
    OR month < %(first_day)s
"""

ROLLUP_SQL = """
INSERT INTO dashboard_figure (region_id, metric, month, value)
SELECT a.id, own.metric, own.month, sum(own.value)
FROM dashboard_own own
JOIN portal_region r ON r.id = own.region_id
CROSS JOIN LATERAL unnest(string_to_array(trim(BOTH '/' FROM r.path), '/')) AS up(code)
JOIN portal_region a ON a.code = up.code
GROUP BY a.id, own.metric, own.month
"""

COVERAGE_SQL = """
INSERT INTO dashboard_figure (region_id, metric, month, value)
SELECT s.region_id, v.metric, %(current)s, v.value
FROM buildings_coveragesummary s
CROSS JOIN LATERAL (VALUES
    ('coverage.enterprises', s.enterprises),
    ('coverage.with_organization', s.with_organization),
    ('coverage.work_covered', s.work_covered)
) AS v(metric, value)
WHERE s.level = ANY(%(coverage_levels)s)
"""


def years_before(day, years):
    """``day`` ``years`` years earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def month_starts(today, count=MONTHS):
    """The first days of the ``count`` months up to ``today``'s, oldest first."""
    year, month = today.year, today.month
    starts = []
    for _step in range(count):
        starts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def next_month(day):
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def months_rows(now):
    """The rows of the months table for the 12 months up to ``now`` (aware)."""
    today = timezone.localdate(now)
    tz = timezone.get_current_timezone()
    rows = []
    for start in month_starts(today):
        end = next_month(start)
        current = end > today
        day_end = today + timedelta(days=1) if current else end
        time_end = now if current else datetime.combine(end, clock.min, tzinfo=tz)
        last_day = day_end - timedelta(days=1)
        rows.append(
            (
                start,
                day_end,
                time_end,
                date(start.year, 1, 1),
                current,
                *[years_before(last_day, age) for age in AGE_THRESHOLDS],
            )
        )
    return rows


def refresh(now=None):
    """Recompute every dashboard figure; returns a few figures about the run."""
    started = time.monotonic()
    now = now or timezone.now()
    rows = months_rows(now)
    first_day, current = rows[0][0], rows[-1][0]
    params = {
        "first_day": first_day,
        "first_day_end": rows[0][1],
        "first_time_end": rows[0][2],
        "current": current,
        "open_states": [str(state) for state in Case.OPEN_STATES],
        "published_states": [
            str(s) for s in (Wish.State.PUBLISHED, Wish.State.CLAIMED, *FULFILLED_STATES)
        ],
        "claimed_states": [str(s) for s in (Wish.State.CLAIMED, *FULFILLED_STATES)],
        "fulfilled_states": [str(s) for s in FULFILLED_STATES],
        "coverage_metrics": list(COVERAGE_METRICS),
        "coverage_levels": list(COVERAGE_LEVELS),
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(SETUP_SQL)
        # One statement (pghistory's request context wraps execute, not executemany).
        placeholders = ", ".join([MONTH_ROW] * len(rows))
        cursor.execute(
            f"INSERT INTO dashboard_months VALUES {placeholders}",  # noqa: S608
            [value for row in rows for value in row],
        )
        for sql in SOURCES:
            cursor.execute(sql, params)
        cursor.execute(DELETE_SQL, params)
        cursor.execute(ROLLUP_SQL, params)
        figures = cursor.rowcount
        cursor.execute(COVERAGE_SQL, params)
        figures += cursor.rowcount
        cursor.execute("DELETE FROM dashboard_refresh")
        seconds = round(time.monotonic() - started, 2)
        cursor.execute(
            "INSERT INTO dashboard_refresh (refreshed_at, seconds, figures) VALUES (%s, %s, %s)",
            [now, seconds, figures],
        )
    return {"figures": figures, "refreshed_at": now.isoformat(), "seconds": seconds}
