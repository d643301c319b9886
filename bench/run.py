"""Benchmarks on seeded data: ``make bench`` (DATABASE_URL: a real PostgreSQL).

Loads the demo district into the benchmark database if it is empty, adds synthetic
organisations up to ``--orgs`` (default 80,000: a megacity's count, DESIGN.md 1), then times
the pages and API calls people use most through Django's test client, and writes the
figures to docs/performance.md. Wall-clock numbers live here, never in unit tests.
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
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/partyportal_bench"

from bench.common import ensure_database  # noqa: E402 - bench/members.py imports it from here


def timed(fn, runs):
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {
        "p50": statistics.median(samples),
        "p95": samples[max(0, int(len(samples) * 0.95) - 1)],
        "max": samples[-1],
    }


def ensure_data(target_orgs):
    from django.core.management import call_command
    from django.db import connection

    from organizations.models import Organization
    from portal.models import Region

    if not Region.objects.exists():
        call_command("seed_demo")
    missing = target_orgs - Organization.objects.count()
    if missing <= 0:
        return
    # Synthetic branches spread over the demo communities' 党总支, inserted in one statement
    # each batch (path and depth computed by SQL), with the audit triggers firing as usual.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO organizations_organization
              (created_at, updated_at, parent_id, path, depth, code, name, short_name, kind, sector,
               region_id, contact_phone, address, note)
            SELECT now(), now(), g.id, g.path || 'X' || n || '/', g.depth + 1, 'X' || n,
                   g.name || '合成第' || n || '党支部', '', 'branch', 'community', g.region_id,
                   '', '', ''
            FROM generate_series(1, %s) AS n
            JOIN LATERAL (
              SELECT id, path, depth, name, region_id FROM organizations_organization
              WHERE kind = 'general_branch' AND sector = 'community'
              ORDER BY id OFFSET (n %% 313) LIMIT 1
            ) g ON true
            """,
            [missing],
        )
        cursor.execute("ANALYZE organizations_organization")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--orgs", type=int, default=80_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--output", default=str(ROOT / "docs" / "performance.md"))
    args = parser.parse_args()

    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from organizations.models import Organization
    from organizations.views import ORGANIZATION_COLUMNS
    from portal import imports
    from portal.accounts.models import ApiToken, User
    from portal.exports import rows
    from portal.models import Region
    from portal.tables import bind_columns

    ensure_data(args.orgs)
    admin = User.objects.get(username="demo_district")
    operator = User.objects.get(username="demo_street")
    street = Region.objects.get(code="310104003")
    general = Organization.objects.filter(kind="general_branch", region__parent=street).first()

    ui_admin, ui_street = Client(), Client()
    ui_admin.force_login(admin)
    ui_street.force_login(operator)
    _token, key = ApiToken.issue(operator, name="bench")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    _token, admin_key = ApiToken.issue(admin, name="bench")
    api_admin = APIClient()
    api_admin.credentials(HTTP_AUTHORIZATION=f"Token {admin_key}")

    def get(client, url):
        def call():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)

        return call

    def sync_all():
        url, pages = "/api/v1/organizations/?sync=1&limit=1000", 0
        while url:
            data = api.get(url).json()
            url, pages = data["next"], pages + 1
        return pages

    cases = [
        (
            "UI: organisation list, district admin, page 1 (25 rows)",
            get(ui_admin, "/organizations/"),
        ),
        (
            "UI: organisation list, district admin, 100 rows sorted by name",
            get(ui_admin, "/organizations/?per_page=100&sort=name"),
        ),
        (
            "UI: organisation list, street operator, search “党支部”",
            get(ui_street, "/organizations/?q=党支部"),
        ),
        (
            "UI: 'this org and all below' filter (community 党总支)",
            get(ui_street, f"/organizations/?within={general.pk}"),
        ),
        (
            "UI: org tree, children of a street 党工委",
            get(ui_street, f"/organizations/tree/{general.parent_id}/"),
        ),
        ("UI: organisation detail", get(ui_street, f"/organizations/{general.pk}/")),
        ("UI: organisation history tab", get(ui_street, f"/organizations/{general.pk}/history/")),
        (
            "API: organisations, street token, limit=100",
            get(api, "/api/v1/organizations/?limit=100"),
        ),
        (
            "API: organisations, district token, limit=1000",
            get(api_admin, "/api/v1/organizations/?limit=1000"),
        ),
        (
            "API: organisations, cursor page of 1000 (sync)",
            get(api_admin, "/api/v1/organizations/?sync=1&limit=1000"),
        ),
    ]
    results = []
    for name, fn in cases:
        fn()  # warm-up
        results.append((name, timed(fn, args.runs)))

    start = time.perf_counter()
    pages = sync_all()
    sync_ms = (time.perf_counter() - start) * 1000
    street_orgs = Organization.objects.filter(region__path__startswith=street.path).count()

    # Export of the whole district (streamed CSV): rows per second.
    queryset = Organization.objects.select_related("parent", "region")
    columns = bind_columns(ORGANIZATION_COLUMNS, Organization)
    start = time.perf_counter()
    exported = sum(1 for _ in rows(queryset, columns)) - 1
    export_ms = (time.perf_counter() - start) * 1000

    # Import: the demo organisations as a file, re-imported (validate all, nothing changes).
    import csv
    import io

    spec = imports.get_spec("organizations.organization")
    demo = (
        Organization.objects.exclude(code__startswith="X")
        .select_related("parent", "region")
        .order_by("path")
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["组织编码", "组织名称", "组织类别", "所属领域", "上级组织编码", "区划代码"])
    for org in demo:
        writer.writerow(
            [
                org.code,
                org.name,
                org.get_kind_display(),
                org.get_sector_display(),
                org.parent.code if org.parent else "",
                org.region.code,
            ]
        )
    content = buffer.getvalue().encode()
    start = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        result = spec.run(content, "demo.csv", admin)
    import_ms = (time.perf_counter() - start) * 1000
    assert result.ok and result.unchanged == demo.count(), result.errors[:3]

    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN SELECT id FROM organizations_organization WHERE path LIKE %s",
            [general.path + "%"],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())

    total = Organization.objects.count()
    lines = [
        "# Performance",
        "",
        "Figures from `make bench` (bench/run.py) on this project's machine kind: 2 cores, real",
        "PostgreSQL on 127.0.0.1, Django's test client in-process (no network, no gunicorn).",
        "Data: the demo district (徐汇区, 328 regions) plus synthetic branches:",
        f"**{total:,} organisations** ({street_orgs:,} in 天平路街道).",
        f"Each case ran {args.runs} times after a warm-up.",
        "",
        "Member registry figures: `docs/performance-members.md`; enterprise and building",
        "registers (coverage refresh, building and coverage pages):",
        "`docs/performance-buildings.md`; grid work (my-grid page, case list API, map data at",
        "30,000 grids and 1M cases): `docs/performance-grids.md`; dashboard:",
        "`docs/performance-dashboard.md`; search: `docs/performance-search.md`.",
        "",
        "| case | p50 ms | p95 ms | max ms |",
        "|---|---:|---:|---:|",
    ]
    for name, t in results:
        lines.append(f"| {name} | {t['p50']:.1f} | {t['p95']:.1f} | {t['max']:.1f} |")
    lines += [
        "",
        f"- Full sync of the street's {street_orgs:,} organisations over the cursor API, "
        f"1000 per page: {pages} pages in {sync_ms:,.0f} ms.",
        f"- Streamed CSV export of all {exported:,} organisations: {export_ms:,.0f} ms "
        f"({exported / export_ms * 1000:,.0f} rows/s).",
        f"- Re-import of the {demo.count():,}-row demo organisation file (validate every row, "
        f"nothing changes): {import_ms:,.0f} ms in {len(queries)} queries.",
        "",
        "Subtree query plan (`path LIKE '<path>%'` on the C-collated path index):",
        "",
        "```",
        plan,
        "```",
        "",
    ]
    Path(args.output).write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
