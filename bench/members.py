"""Member registry benchmarks: ``make bench`` runs them after bench/run.py.

Serves the app with gunicorn on real PostgreSQL and measures, with concurrent requests:
the member list API (page of 20, organisation subtree + status filter) and name search
(1, 2 and 3 characters), p50 and p95; the same SQL run directly (the floor) and the ratio;
and the import of a 100k-row XLSX (rows/s, peak RSS of the importing process). Scales:
the demo's 100k members, then ``--scale`` (default 2,000,000) built by ``seed_scale``.
Writes docs/performance-members.md.
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/partyportal_bench_members"


def percentiles(samples):
    samples = sorted(samples)
    return {
        "p50": statistics.median(samples),
        "p95": samples[max(0, int(len(samples) * 0.95) - 1)],
        "n": len(samples),
    }


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def hammer(call, requests, concurrency):
    """Run ``call`` ``requests`` times over ``concurrency`` threads; per-call ms."""

    def one(_):
        start = time.perf_counter()
        call()
        return (time.perf_counter() - start) * 1000

    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(one, range(requests)))


class Server:
    """gunicorn serving the portal against the benchmark database."""

    def __init__(self, database_url, workers=2, threads=4):
        self.port = free_port()
        env = {**os.environ, "DATABASE_URL": database_url}
        env.pop("REDIS_URL", None)
        # The clients measure speed, not the per-token rate limits (portal/throttling.py):
        # a search case sends more than the lookup scope's 300 requests a minute.
        for scope in ("LIST", "EXPORT", "LOOKUP", "WRITE"):
            env.setdefault(f"THROTTLE_{scope}", "1000000/min")
        self.process = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "portal.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/accounts/login/", timeout=2)
                return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError("gunicorn did not start")

    def get(self, path, token):
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", headers={"Authorization": f"Token {token}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200, (path, response.status)
            return response.read()

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


def request_sql(path, key):
    """Every SQL statement one API request runs, as run (parameters filled in): the request
    goes through Django's test client in this process, after a warm-up request."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Token {key}", HTTP_HOST="127.0.0.1")
    assert client.get(path).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return [query["sql"] for query in queries.captured_queries]


def floor(statements, requests, concurrency, dsn):
    """The request's SQL straight through psycopg2, in order, one persistent connection
    per thread: what the database alone costs a request."""
    import threading

    import psycopg2

    local = threading.local()

    def call():
        if not hasattr(local, "conn"):
            local.conn = psycopg2.connect(dsn)
            local.conn.autocommit = True
        with local.conn.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()

    return hammer(call, requests, concurrency)


def import_xlsx(rows, path):
    """Write a member XLSX of ``rows`` new members and import it in a child process."""
    script = f"""
import os, resource, sys, time
sys.path.insert(0, {str(ROOT)!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
import django; django.setup()
from portal import imports
from portal.accounts.system import SystemUser
content = open({str(path)!r}, "rb").read()
start = time.perf_counter()
result = imports.get_spec("members.member").run(content, "members.xlsx", SystemUser())
elapsed = time.perf_counter() - start
assert result.ok, result.errors[:5]
print(result.created, elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=os.environ
    )
    if done.returncode:
        raise RuntimeError(done.stderr[-3000:])
    output = done.stdout.split()
    created, elapsed, rss_kb = int(output[0]), float(output[1]), int(output[2])
    return {
        "created": created,
        "seconds": elapsed,
        "rows_per_s": created / elapsed,
        "rss_mb": rss_kb / 1024,
    }


def forget_imported_members():
    """Remove the members an earlier run imported (named 导入…), so the import measures new
    rows again rather than a re-run that changes nothing. Synthetic rows: no audit events."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # no triggers for this
        cursor.execute("DELETE FROM members_member WHERE name LIKE %s", ["导入%"])
        cursor.execute("SET session_replication_role = DEFAULT")


def write_member_xlsx(path, rows, branch_codes):
    """New members with valid ID numbers that do not collide with the seeded ones."""
    import random

    from openpyxl import Workbook

    from portal import validators

    rng = random.Random(4754)
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(
        ["姓名", "身份证号", "所在党支部编码", "党员类别", "入党日期", "转正日期", "手机号"]
    )
    start = date(1950, 1, 1)
    for i in range(rows):
        # Unique by construction: one birth date per 1,000 rows, the sequence within it.
        born = start + timedelta(days=i // 1000)
        body = f"650102{born:%Y%m%d}{i % 1000:03d}"
        number = body + validators.id_check_char(body)
        sheet.append(
            [
                f"导入{i}",
                number,
                rng.choice(branch_codes),
                "正式党员",
                "2015-07-01",
                "2016-07-01",
                f"139{i:08d}",
            ]
        )
    book.save(path)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--scales", default="100000,2000000", help="member counts to measure at, ascending"
    )
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=60,
        help="the app's CONN_MAX_AGE (60, the shipped default; 0: a new connection per request)",
    )
    parser.add_argument("--output", default=str(ROOT / "docs" / "performance-members.md"))
    args = parser.parse_args()

    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    from bench.run import ensure_database

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from members.models import Member
    from organizations.models import Organization
    from portal.accounts.models import ApiToken, User

    call_command("migrate", verbosity=0)
    dsn = os.environ["DATABASE_URL"]
    sections = []
    for scale in sorted({int(n) for n in args.scales.split(",")}):
        if Member.objects.count() < scale:
            if not Member.objects.exists():
                call_command("seed_demo")
            if Member.objects.count() < scale:
                call_command("seed_scale", members=scale)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        total = Member.objects.count()
        admin = User.objects.get(username="demo_district")
        _token, key = ApiToken.issue(admin, name="bench")
        street = Organization.objects.get(code="S003")
        separator = "&" if "?" in dsn else "?"
        server = Server(f"{dsn}{separator}conn_max_age={args.conn_max_age}")
        try:
            cases = {
                "member list API: 天平路街道 subtree, status=正常, page of 20": (
                    f"/api/v1/members/?organization_within={street.pk}&status=normal&limit=20"
                ),
                "name search API, 1 character (王)": "/api/v1/members/?q=王&limit=20",
                "name search API, 2 characters (王芳)": "/api/v1/members/?q=王芳&limit=20",
                "name search API, 3 characters (王秀英)": "/api/v1/members/?q=王秀英&limit=20",
            }
            results = []
            for name, url in cases.items():
                quoted = urllib.request.quote(url, safe="/?=&")
                server.get(quoted, key)
                app = percentiles(
                    hammer(
                        lambda u=quoted, s=server, k=key: s.get(u, k),
                        args.requests,
                        args.concurrency,
                    )
                )
                statements = request_sql(quoted, key)
                raw = percentiles(floor(statements, args.requests, args.concurrency, dsn))
                results.append((name, app, raw))
        finally:
            server.stop()
        sections.append((scale, total, results))
        print(scale, total, results, flush=True)  # kept even if a later step fails

    imported = None
    if args.import_rows:
        branches = list(
            Organization.objects.filter(kind="branch").values_list("code", flat=True)[:500]
        )
        xlsx = ROOT / "var" / "bench-members.xlsx"
        write_member_xlsx(xlsx, args.import_rows, branches)
        forget_imported_members()
        imported = import_xlsx(args.import_rows, xlsx)

    lines = [
        "# Performance: member registry",
        "",
        "`make bench` (bench/members.py) on this project's machine kind: 2 cores, 24 GiB, real",
        "PostgreSQL 15 on 127.0.0.1, the app served by gunicorn (2 workers × 4 threads),",
        f"{args.concurrency} concurrent clients, {args.requests} requests per case, token auth as",
        f"the district admin, CONN_MAX_AGE={args.conn_max_age}. The floor is every SQL statement",
        "one request runs, run in order through psycopg2 on a persistent connection at the same",
        "concurrency.",
        "",
    ]
    for _scale, total, results in sections:
        lines += [
            f"## {total:,} members",
            "",
            "| case | app p50 ms | app p95 ms | SQL p50 ms | SQL p95 ms | p95 ratio |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for name, app, raw in results:
            ratio = app["p95"] / raw["p95"] if raw["p95"] else float("nan")
            lines.append(
                f"| {name} | {app['p50']:.1f} | {app['p95']:.1f} | {raw['p50']:.1f} | "
                f"{raw['p95']:.1f} | {ratio:.1f}× |"
            )
        lines.append("")
    if imported:
        lines += [
            "## Import",
            "",
            f"{imported['created']:,}-row XLSX of new members through the import spec",
            "(validate every row, encrypt, write in one transaction): "
            f"{imported['seconds']:.1f} s, "
            f"**{imported['rows_per_s']:,.0f} rows/s**, peak RSS {imported['rss_mb']:.0f} MB.",
            "",
        ]
    Path(args.output).write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
