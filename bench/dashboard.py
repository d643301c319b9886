"""Dashboard benchmark: the summary refresh and the dashboard page at 2M members.

On the citywide benchmark database of bench/buildings.py (``partyportal_bench_buildings``:
``seed_scale`` to 2,000,000 members, ``seed_scale_buildings`` to 500,000 enterprises; run
``python -m bench.buildings`` first if it does not exist): applies the dashboard's
migrations, times ``dashboard.summaries.refresh()`` (every figure of every region for 12
months rewritten in one transaction), then serves the dashboard (``/``, the home page) with
gunicorn to ``--concurrency`` clients signed in as the district admin and as a street
operator, p50 and p95. The page reads only the summary tables, so its time does not grow
with the registers. Writes docs/performance-dashboard.md.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/partyportal_bench_buildings"
MACHINE = "2 cores shared, PostgreSQL 15 on 127.0.0.1, gunicorn 2 workers × 4 threads"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default=DEFAULT_URL)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--refresh-runs", type=int, default=3)
    parser.add_argument("--output", default=str(ROOT / "docs" / "performance-dashboard.md"))
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = args.database
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench.common import get_page, session_cookie
    from bench.members import Server, hammer, percentiles
    from dashboard import summaries
    from dashboard.models import Figure
    from portal.accounts.models import User
    from portal.models import Region

    # Only the dashboard's tables: the other apps' migrations are bench/buildings.py's.
    call_command("migrate", "dashboard", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM members_member), (SELECT count(*) FROM "
            "buildings_enterprise), (SELECT count(*) FROM organizations_organization), "
            "(SELECT count(*) FROM grids_grid), (SELECT count(*) FROM grids_case), "
            "(SELECT count(*) FROM portal_region)"
        )
        members, enterprises, organizations, grids, cases, regions = cursor.fetchone()

    runs = []
    for _run in range(args.refresh_runs):
        started = time.perf_counter()
        stats = summaries.refresh()
        runs.append(time.perf_counter() - started)
        print(f"refresh: {runs[-1]:.1f} s, {stats['figures']:,} figures", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE dashboard_figure")

    admin = User.objects.get(username="demo_district")
    street_user = User.objects.filter(
        scope_region__level=Region.Level.STREET, is_active=True, groups__name="street_operator"
    ).first()
    cases_to_run = [("dashboard `/`, district admin (district, by street)", admin)]
    if street_user is not None:
        cases_to_run.append(
            (f"dashboard `/`, street operator ({street_user.scope_region.name})", street_user)
        )
    pages = []
    server = Server(args.database)
    try:
        for name, user in cases_to_run:
            cookie = session_cookie(user)
            status, body = get_page(server.port, "/", cookie)  # warm-up
            assert status == 200, (name, status)

            def call(c=cookie):
                code, _body = get_page(server.port, "/", c)
                assert code == 200, code

            times = percentiles(hammer(call, args.requests, args.concurrency))
            pages.append((name, times, len(body)))
            print(name, times, flush=True)
    finally:
        server.stop()

    lines = [
        "# Performance: the dashboard",
        "",
        "`python -m bench.dashboard` (bench/dashboard.py) on this project's machine kind:",
        f"{MACHINE}. Database: `partyportal_bench_buildings` with {members:,} members,",
        f"{enterprises:,} enterprises, {organizations:,} organisations, {grids:,} grids,",
        f"{cases:,} cases and {regions:,} regions.",
        "",
        "## Summary refresh",
        "",
        "`dashboard.summaries.refresh()` in-process: every figure of every region for the last",
        "12 months rewritten in one transaction "
        f"({Figure.objects.count():,} rows), {args.refresh_runs} runs:",
        f"**{statistics.median(runs):.1f} s** median (runs: "
        + ", ".join(f"{s:.1f}" for s in runs)
        + " s). It runs hourly (Celery beat) and after imports.",
        "",
        "## Dashboard page",
        "",
        f"{args.concurrency} concurrent clients (session cookie), {args.requests} requests per",
        "case after a warm-up request. The page reads only the summary tables (10 queries,",
        "pinned in tests/dashboard/test_pages.py); the map's grid and building JSON are",
        "separate requests made by the browser afterwards and not included. Target: p95 <= 100 ms.",
        "",
        "| page | p50 ms | p95 ms | size KB |",
        "|---|---:|---:|---:|",
    ]
    for name, times, size in pages:
        lines.append(f"| {name} | {times['p50']:.0f} | {times['p95']:.0f} | {size / 1024:.0f} |")
    lines.append("")
    Path(args.output).write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
