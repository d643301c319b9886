"""Search benchmark: the one search box (``GET /api/v1/search/?q=``) at 2M members.

Reads the member benchmark's database (``partyportal_bench_members``: 2.1M members made by
bench/members.py) and changes nothing in it: no migrate, no seeding. The one write is the
API token the clients use, deleted at the end. Serves the app with gunicorn and measures,
with ``--concurrency`` clients signed in as the district admin (scope: one district of the
city), p50 and p95 per query: 1 character (a surname, and a character common in given names
but rare first), 2 and 3 characters, an organisation code and a USCC prefix. Beside each,
the search run in this process by one client (every group's statement, no HTTP): what the
database and the engine cost alone. Writes docs/performance-search.md.
"""

import argparse
import os
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/partyportal_bench_members"
TARGET_P95_MS = 150

#: (case, query)
CASES = [
    ("1 character, a common surname (王)", "王"),
    ("1 character, common in given names, rarely first (娜)", "娜"),
    ("2 characters (王芳)", "王芳"),
    ("3 characters (王秀英)", "王秀英"),
    ("organisation code prefix (s003, typed lower-case)", "s003"),
    ("USCC prefix (91310104)", "91310104"),
]


def in_process(user, term, runs):
    """``search.engine.search`` timed in this process, one call at a time (ms)."""
    from search import engine

    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        engine.search(user, term)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--runs", type=int, default=30, help="in-process runs per case")
    parser.add_argument("--user", default="demo_district")
    parser.add_argument("--output", default=str(ROOT / "docs" / "performance-search.md"))
    args = parser.parse_args()

    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    import django

    django.setup()
    from django.apps import apps

    from bench.members import Server, hammer, percentiles
    from buildings.models import Enterprise
    from members.models import Member
    from organizations.models import Organization
    from portal import scoping
    from portal.accounts.models import ApiToken, User
    from search import engine

    user = User.objects.get(username=args.user)
    facts = {
        "members": Member.objects.count(),
        "members_in_scope": scoping.restrict(Member.objects.all(), user).count(),
        "organizations": Organization.objects.count(),
        "enterprises": Enterprise.objects.count(),
        "buildings": apps.get_model("buildings", "Building").objects.count(),
        "grids": apps.get_model("grids", "Grid").objects.count(),
        "cases": apps.get_model("grids", "Case").objects.count(),
        "load": os.getloadavg(),
    }
    token, key = ApiToken.issue(user, name="bench search (deleted after the run)")
    server = Server(os.environ["DATABASE_URL"])
    results = []
    try:
        for name, term in CASES:
            path = f"/api/v1/search/?{urllib.parse.urlencode({'q': term})}"
            server.get(path, key)  # warm-up
            app = percentiles(
                hammer(lambda p=path: server.get(p, key), args.requests, args.concurrency)
            )
            alone = percentiles(in_process(user, term, args.runs))
            shown = {g["key"]: len(g["results"]) for g in engine.search(user, term)}
            results.append((name, app, alone, shown))
            print(name, app, alone, shown, flush=True)
    finally:
        server.stop()
        token.delete()
    facts["load_after"] = os.getloadavg()
    write(args, facts, results)


def write(args, facts, results):
    lines = [
        "# Performance: the one search box",
        "",
        "`bench/search.py` on the member benchmark's database (read only), this project's",
        "machine kind (2 cores, real PostgreSQL 15 on 127.0.0.1), the app served by gunicorn",
        f"(2 workers × 4 threads), {args.concurrency} concurrent clients, {args.requests}",
        f"requests per case after a warm-up, token auth as `{args.user}`.",
        f"{facts['members']:,} members, {facts['members_in_scope']:,} of them in the user's",
        f"scope; {facts['organizations']:,} organisations; {facts['enterprises']:,}",
        f"enterprises; {facts['buildings']:,} buildings; {facts['grids']:,} grids;",
        f"{facts['cases']:,} cases. Load average before/after:",
        f"{facts['load'][0]:.1f} / {facts['load_after'][0]:.1f}.",
        "",
        f"Target (issue 8): search p95 ≤ {TARGET_P95_MS} ms at 2M members.",
        "",
        "| case | API p50 ms | API p95 ms | met? | in-process p50 ms | in-process p95 ms "
        "| results shown |",
        "|---|---:|---:|---|---:|---:|---|",
    ]
    for name, app, alone, shown in results:
        met = "yes" if app["p95"] <= TARGET_P95_MS else "**no**"
        groups = ", ".join(f"{k} {v}" for k, v in shown.items()) or "none"
        lines.append(
            f"| {name} | {app['p50']:.1f} | {app['p95']:.1f} | {met} | {alone['p50']:.1f} | "
            f"{alone['p95']:.1f} | {groups} |"
        )
    lines.append("")
    Path(args.output).write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
