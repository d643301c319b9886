"""Grid work benchmarks (issue 5): the my-grid page, the case list API and the grid map data
at citywide scale (30,000 grids, 1,000,000 cases). Writes docs/performance-grids.md.

Data: ``seed_demo`` first (regions, organisations, members, enterprises and buildings, and
the demo's ~1,300 grids with their cases, wishes and visits), then ``scale()`` adds synthetic
districts, streets and communities with grids up to ``--grids``, and cases up to ``--cases``,
written by ``INSERT ... SELECT`` over ``generate_series`` in one transaction with the audit
triggers of the tables off (as members' ``seed_scale`` does). The scale cases carry no
timeline steps (lists and the my-grid page do not read them). The database is the
benchmark's own, ``partyportal_bench_grids``.

Measured with gunicorn (2 workers x 4 threads) and concurrent clients, p50/p95 per case, as
bench/members.py does (its Server, hammer and percentiles are reused).
"""

import argparse
import gzip
import os
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/partyportal_bench_grids"
#: Synthetic districts: 15 x 14 streets x 24 communities (5,040) with 6 grids each.
SCALE_DISTRICTS, SCALE_STREETS, SCALE_COMMUNITIES = 15, 14, 24


def fetch(port, path, headers):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200, (path, response.status)
        return response.read()


# --- scale data --------------------------------------------------------------------------


def scale_regions():
    """Synthetic districts (codes 3102xx, beside the real 310104) with streets and
    communities, written with their paths; the ids of the new communities."""
    from portal.models import Region

    if Region.objects.filter(code="310201").exists():
        return list(
            Region.objects.filter(
                level=Region.Level.COMMUNITY, path__startswith="/3102"
            ).values_list("pk", flat=True)
        )
    regions = []
    for d in range(1, SCALE_DISTRICTS + 1):
        code = f"3102{d:02d}"
        regions.append(
            Region(code=code, name=f"模拟{d}区", level="district", path=f"/{code}/", depth=0)
        )
    Region.objects.bulk_create(regions)
    streets = []
    for district in regions:
        for s in range(1, SCALE_STREETS + 1):
            code = f"{district.code}{s:03d}"
            streets.append(
                Region(
                    code=code,
                    name=f"{district.name}第{s}街道",
                    level="street",
                    parent=district,
                    path=f"{district.path}{code}/",
                    depth=1,
                )
            )
    Region.objects.bulk_create(streets)
    communities = []
    for street in streets:
        for c in range(1, SCALE_COMMUNITIES + 1):
            code = f"{street.code}{c:03d}"
            communities.append(
                Region(
                    code=code,
                    name=f"{street.name}第{c}居委会",
                    level="community",
                    parent=street,
                    path=f"{street.path}{code}/",
                    depth=2,
                )
            )
    Region.objects.bulk_create(communities, batch_size=2000)
    return [c.pk for c in communities]


GRIDS_SQL = """
INSERT INTO grids_grid (code, name, region_id, boundary, min_lng, min_lat, max_lng, max_lat,
    center_lng, center_lat, households, population, note, created_at, updated_at)
SELECT 'S' || r.code || lpad(g::text, 2, '0'), r.name || '第' || g || '网格', r.id,
    jsonb_build_object('type', 'Polygon', 'coordinates', jsonb_build_array(jsonb_build_array(
        jsonb_build_array(x, y), jsonb_build_array(x + 0.004, y),
        jsonb_build_array(x + 0.004, y + 0.004), jsonb_build_array(x, y + 0.004),
        jsonb_build_array(x, y)))),
    x, y, x + 0.004, y + 0.004, x + 0.002, y + 0.002,
    300 + (r.id * 7 + g * 13) %% 600, 800 + (r.id * 11 + g * 17) %% 1500, '', now(), now()
FROM (SELECT id, code, name, row_number() OVER (ORDER BY code) AS n
      FROM portal_region WHERE id = ANY(%(communities)s)) r
CROSS JOIN generate_series(1, %(per)s) g
CROSS JOIN LATERAL (SELECT round((120.8 + (r.n %% 60) * 0.03 + g * 0.0045)::numeric, 6)::float AS x,
                           round((30.7 + (r.n / 60) * 0.0045)::numeric, 6)::float AS y) xy
WHERE NOT EXISTS (SELECT 1 FROM grids_grid e WHERE e.code = 'S' || r.code || lpad(g::text, 2, '0'))
"""

#: Cases spread over every grid, states in the demo's proportions; open cases past their
#: deadline flagged overdue, as the overdue task leaves them.
CASES_SQL = """
WITH grid_ids AS (SELECT array_agg(id ORDER BY id) AS ids FROM grids_grid),
     categories AS (SELECT array_agg(id ORDER BY id) AS ids FROM grids_casecategory),
     rows AS (
        SELECT i,
            (SELECT ids FROM grid_ids) AS gids, (SELECT ids FROM categories) AS cids,
            CASE WHEN i %% 100 < 44 THEN 'closed' WHEN i %% 100 < 52 THEN 'reported'
                 WHEN i %% 100 < 56 THEN 'rejected' WHEN i %% 100 < 63 THEN 'accepted'
                 WHEN i %% 100 < 73 THEN 'dispatched' WHEN i %% 100 < 87 THEN 'in_progress'
                 WHEN i %% 100 < 95 THEN 'resolved' ELSE 'verified' END AS state,
            now() - ((i * 7919) %% 525600) * interval '1 minute' AS reported_at
        FROM generate_series(%(start)s::bigint, %(stop)s::bigint) i
     )
INSERT INTO grids_case (number, title, description, category_id, grid_id, address, source,
    reporter_name, reporter_contact, state, level, assignee_unit, due_at, overdue,
    reported_at, closed_at, created_at, updated_at)
SELECT 'S' || lpad(i::text, 8, '0'), '模拟需求' || i, '基准测试生成的需求/问题。',
    cids[1 + i %% array_length(cids, 1)], gids[1 + (i * 31) %% array_length(gids, 1)], '',
    'ui', '', '', state, 'community', '',
    CASE WHEN state IN ('closed', 'rejected', 'verified') THEN NULL
         ELSE reported_at + interval '3 days' END,
    state NOT IN ('closed', 'rejected', 'verified') AND reported_at + interval '3 days' < now(),
    reported_at, CASE WHEN state = 'closed' THEN reported_at + interval '2 days' END,
    reported_at, reported_at
FROM rows
"""


def scale(target_grids, target_cases, stderr=sys.stderr):
    from django.db import connection, transaction

    from grids.models import Case, Grid
    from members.management.commands import _seeding
    from portal.models import Region

    started = time.monotonic()
    with transaction.atomic(), _seeding.audit_triggers_disabled(Region, Grid, Case):
        have = Grid.objects.count()
        if have < target_grids:
            communities = scale_regions()
            per = -(-(target_grids - have) // len(communities))
            with connection.cursor() as cursor:
                cursor.execute(GRIDS_SQL, {"communities": communities, "per": per})
        have = Case.objects.count()
        if have < target_cases:
            with connection.cursor() as cursor:
                cursor.execute("SELECT coalesce(max(id), 0) FROM grids_case")
                start = cursor.fetchone()[0] + 1
                cursor.execute(CASES_SQL, {"start": start, "stop": start + target_cases - have - 1})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    stderr.write(
        f"scale: {Grid.objects.count():,} grids, {Case.objects.count():,} cases "
        f"in {time.monotonic() - started:.0f}s\n"
    )


# --- measuring -----------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--grids", type=int, default=30_000)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--output", default=str(ROOT / "docs" / "performance-grids.md"))
    args = parser.parse_args()

    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    from bench.run import ensure_database

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from bench.members import Server, hammer, percentiles
    from grids.models import Case, Grid
    from members.models import Member
    from portal.accounts.models import ApiToken, User

    call_command("migrate", verbosity=0)
    if not Member.objects.exists():
        call_command("seed_demo")
    scale(args.grids, args.cases)

    worker = User.objects.get(username="demo_community")
    admin = User.objects.get(username="demo_district")
    root, _created = User.objects.get_or_create(
        username="bench_root", defaults={"is_superuser": True, "is_staff": True}
    )
    client = Client()
    client.force_login(worker)
    session = {"Cookie": f"sessionid={client.cookies['sessionid'].value}"}
    _token, admin_key = ApiToken.issue(admin, name="bench")
    _token, root_key = ApiToken.issue(root, name="bench")
    admin_auth = {"Authorization": f"Token {admin_key}"}
    root_auth = {"Authorization": f"Token {root_key}"}
    grid = Grid.objects.filter(region=worker.scope_region).order_by("code").first()
    street = worker.scope_region.parent.code
    grid_cases = Case.objects.filter(grid=grid).count()
    figures = {
        "grids": Grid.objects.count(),
        "cases": Case.objects.count(),
        "grid_cases": grid_cases,
        "mine_cases": Case.objects.filter(grid__region=worker.scope_region).count(),
        "street_open": Case.objects.filter(
            grid__region__path__startswith=worker.scope_region.parent.path,
            state__in=Case.OPEN_STATES,
        ).count(),
    }
    server = Server(os.environ["DATABASE_URL"])
    cases = {
        "my-grid page /grids/mine/ (community worker, session)": ("/grids/mine/", session),
        f"case list API ?grid= (one grid, {grid_cases} cases), page of 50": (
            f"/api/v1/cases/?grid={grid.pk}",
            admin_auth,
        ),
        f"case list API street-wide ?region_within={street}&open=true, page of 50": (
            f"/api/v1/cases/?region_within={street}&open=true",
            admin_auth,
        ),
        "case list API street-wide, overdue first page (?overdue=true&region_within=)": (
            f"/api/v1/cases/?region_within={street}&overdue=true",
            admin_auth,
        ),
    }
    maps = {
        "grid map data, district scope (徐汇区)": ("/api/v1/grids/map/", admin_auth),
        f"grid map data, whole city ({figures['grids']:,} grids, superuser)": (
            "/api/v1/grids/map/",
            root_auth,
        ),
    }
    results, map_results = [], []
    try:
        for name, (path, headers) in cases.items():
            fetch(server.port, path, headers)
            samples = hammer(
                lambda p=path, h=headers: fetch(server.port, p, h),
                args.requests,
                args.concurrency,
            )
            results.append((name, percentiles(samples)))
            print(name, results[-1][1], flush=True)
        for name, (path, headers) in maps.items():
            body = fetch(server.port, path, headers)
            zipped = fetch(server.port, path, {**headers, "Accept-Encoding": "gzip"})
            assert gzip.decompress(zipped) == body
            runs = max(10, args.requests // 10)
            plain = percentiles(hammer(lambda p=path, h=headers: fetch(server.port, p, h), runs, 2))
            map_results.append((name, len(body), len(zipped), plain))
            print(name, len(body), len(zipped), plain, flush=True)
    finally:
        server.stop()

    lines = [
        "# Performance: grid work (issue 5)",
        "",
        f"Measured {date(2026, 11, 30).isoformat()} with `python -m bench.grids` on this",
        "project's machine kind (2 cores, real PostgreSQL 15 on",
        "127.0.0.1), the app served by gunicorn (2 workers x 4 threads), "
        f"{args.concurrency} concurrent clients, {args.requests} requests per case.",
        "",
        f"Data: {figures['grids']:,} grids and {figures['cases']:,} cases (the demo district's",
        "seeded grids and cases plus synthetic districts built by `bench/grids.py`'s SQL).",
        f"The community worker's community has {figures['mine_cases']:,} cases; the street has",
        f"{figures['street_open']:,} open cases.",
        "",
        "| case | p50 ms | p95 ms | n |",
        "|---|---:|---:|---:|",
    ]
    for name, stats in results:
        lines.append(f"| {name} | {stats['p50']:.1f} | {stats['p95']:.1f} | {stats['n']} |")
    lines += [
        "",
        "## Map data endpoint",
        "",
        "| case | payload bytes | gzipped bytes | p50 ms | p95 ms |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, size, zipped, stats in map_results:
        lines.append(
            f"| {name} | {size:,} | {zipped:,} | {stats['p50']:.1f} | {stats['p95']:.1f} |"
        )
    lines.append("")
    Path(args.output).write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
