"""Enterprise and building register benchmarks: ``make bench`` runs them after the others.

Two databases: the demo district (``seed_demo``: 100,000 members, 30,000 enterprises) and a
citywide one (``seed_scale`` to 2,000,000 members, then ``seed_scale_buildings`` to 500,000
enterprises). On each: the coverage refresh (``buildings.coverage.refresh()``, the SQL that
rewrites the fact tables), then the building detail page (``/buildings/<id>/``, the building
with most tenants) and the coverage report (``/coverage/``) served by gunicorn to
``--concurrency`` clients signed in as the district admin, p50 and p95. A case whose code is
not there yet (no ``buildings.coverage``, a URL that does not resolve, a page that answers
other than 200) is reported as not measured, with the reason. Each database is measured in
a child process (Django binds to one database per process). Writes
docs/performance-buildings.md.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
SERVER = "postgres://postgres@127.0.0.1:5432"
DEMO_URL = f"{SERVER}/partyportal_bench_buildings_demo"
SCALE_URL = f"{SERVER}/partyportal_bench_buildings"
MACHINE = "2 cores, 24 GiB, PostgreSQL 15 on 127.0.0.1, gunicorn 2 workers × 4 threads"


def measure(args):
    """In the child: seed what is missing, then time the cases; JSON on stdout's last line."""
    from bench.common import ensure_database, get_page, session_cookie

    ensure_database(args.database)
    os.environ["DATABASE_URL"] = args.database
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count, Q
    from django.urls import Resolver404, resolve

    from bench.members import Server, hammer, percentiles
    from buildings.models import Building, Enterprise
    from members.models import Member
    from portal.accounts.models import User
    from portal.models import Region

    call_command("migrate", verbosity=0)
    seeded = {}
    if not Region.objects.exists():
        started = time.monotonic()
        call_command("seed_demo")
        seeded["seed_demo"] = time.monotonic() - started
    if args.members and Member.objects.count() < args.members:
        started = time.monotonic()
        call_command("seed_scale", members=args.members)
        seeded["seed_scale"] = time.monotonic() - started
    if args.enterprises and Enterprise.objects.count() < args.enterprises:
        started = time.monotonic()
        call_command("seed_scale_buildings", enterprises=args.enterprises)
        seeded["seed_scale_buildings"] = time.monotonic() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    result = {
        "members": Member.objects.count(),
        "enterprises": Enterprise.objects.count(),
        "buildings": Building.objects.count(),
        "seeded": seeded,
        "refresh": None,
        "pages": [],
        "notes": [],
    }

    try:
        from buildings import coverage
    except ImportError:
        coverage = None
        result["notes"].append("coverage refresh: `buildings.coverage` does not exist yet")
    if coverage is not None:
        runs = []
        for _ in range(args.refresh_runs):
            started = time.perf_counter()
            coverage.refresh()
            runs.append(time.perf_counter() - started)
        result["refresh"] = sorted(runs)

    admin = User.objects.get(username="demo_district")
    cookie = session_cookie(admin)
    building = (
        Building.objects.annotate(n=Count("enterprises", filter=Q(enterprises__status="active")))
        .order_by("-n", "id")
        .first()
    )
    cases = []
    if building is not None:
        cases.append(
            (
                f"building detail `/buildings/<id>/` ({building.n} tenants)",
                f"/buildings/{building.pk}/",
            )
        )
    cases.append(("coverage report `/coverage/` (district)", "/coverage/"))
    runnable = []
    for name, path in cases:
        try:
            resolve(path)
        except Resolver404:
            result["notes"].append(f"{name}: the URL does not exist yet")
            continue
        runnable.append((name, path))
    if runnable:
        server = Server(args.database)
        try:
            for name, path in runnable:
                status, body = get_page(server.port, path, cookie)  # warm-up
                if status != 200:
                    result["notes"].append(f"{name}: answers HTTP {status}")
                    continue

                def call(p=path):
                    code, _body = get_page(server.port, p, cookie)
                    assert code == 200, (p, code)

                times = percentiles(hammer(call, args.requests, args.concurrency))
                result["pages"].append([name, times, len(body)])
        finally:
            server.stop()
    print(json.dumps(result, ensure_ascii=False))


def run_child(database, members, enterprises, args):
    command = [
        sys.executable,
        "-m",
        "bench.buildings",
        "--child",
        "--database",
        database,
        "--members",
        str(members),
        "--enterprises",
        str(enterprises),
        "--requests",
        str(args.requests),
        "--concurrency",
        str(args.concurrency),
        "--refresh-runs",
        str(args.refresh_runs),
    ]
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    done = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    if done.returncode:
        return {"error": f"exit status {done.returncode}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(sections, args):
    lines = [
        "# Performance: enterprise and building registers",
        "",
        "`make bench` (bench/buildings.py), 2026-11-30, on this project's machine kind:",
        f"{MACHINE};",
        f"{args.concurrency} concurrent clients signed in as the district admin (session cookie),",
        f"{args.requests} requests per page case after a warm-up request. The coverage refresh is",
        "`buildings.coverage.refresh()` run in-process (all facts and summaries rewritten in one",
        f"transaction), {args.refresh_runs} runs.",
        "",
    ]
    for title, data in sections:
        lines += [f"## {title}", ""]
        if "error" in data:
            lines += [f"Not measured: the run failed ({data['error']}).", ""]
            continue
        lines.append(
            f"{data['members']:,} members, {data['enterprises']:,} enterprises, "
            f"{data['buildings']:,} buildings."
        )
        lines.append("")
        if data["refresh"]:
            runs = ", ".join(f"{s:.1f}" for s in data["refresh"])
            lines += [
                f"- Coverage refresh: **{statistics.median(data['refresh']):.1f} s** "
                f"(median; runs: {runs} s).",
                "",
            ]
        if data["pages"]:
            lines += ["| page | p50 ms | p95 ms | size KB |", "|---|---:|---:|---:|"]
            for name, times, size in data["pages"]:
                lines.append(
                    f"| {name} | {times['p50']:.0f} | {times['p95']:.0f} | {size / 1024:.0f} |"
                )
            lines.append("")
        for note in data["notes"]:
            lines.append(f"- Not measured: {note}.")
        if data["notes"]:
            lines.append("")
        if data["seeded"]:
            made = ", ".join(f"`{k}` {v:.0f} s" for k, v in data["seeded"].items())
            lines += [f"Seeded for this run: {made}.", ""]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database", default=DEMO_URL)
    parser.add_argument("--members", type=int, default=0)
    parser.add_argument("--enterprises", type=int, default=0)
    parser.add_argument("--scale-members", type=int, default=2_000_000)
    parser.add_argument("--scale-enterprises", type=int, default=500_000)
    parser.add_argument("--skip-scale", action="store_true", help="the demo database only")
    parser.add_argument("--skip-demo", action="store_true", help="the citywide database only")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--refresh-runs", type=int, default=3)
    parser.add_argument("--output", default=str(ROOT / "docs" / "performance-buildings.md"))
    args = parser.parse_args()
    if args.child:
        measure(args)
        return
    sections = []
    if not args.skip_demo:
        sections.append(("The demo district (`seed_demo`)", run_child(DEMO_URL, 0, 0, args)))
        print(sections[-1], flush=True)
    if not args.skip_scale:
        scale = run_child(SCALE_URL, args.scale_members, args.scale_enterprises, args)
        sections.append(
            (f"{args.scale_members:,} members, {args.scale_enterprises:,} enterprises", scale)
        )
        print(sections[-1], flush=True)
    text = report(sections, args)
    Path(args.output).write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
