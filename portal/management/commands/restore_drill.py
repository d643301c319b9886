"""Backup and restore drill: prove last night's kind of backup can actually be restored.

``manage.py restore_drill`` (wrapped by deploy/restore-drill.sh):

1. opens a REPEATABLE READ transaction on the database, exports its snapshot and counts the
   rows of every table there (audit event tables summed separately);
2. ``pg_dump -Fc --snapshot=...`` dumps exactly that snapshot (writes going on meanwhile
   cannot make the counts disagree);
3. creates a scratch database, ``pg_restore``\\ s the dump into it and counts again;
4. drops the scratch database (always), prints a summary and exits non-zero when any
   count differs or a step failed.
"""

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg2
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from psycopg2 import sql

#: pghistory event tables (the audit trail) end like this.
AUDIT_SUFFIX = "event"


def _connect(params, dbname):
    return psycopg2.connect(
        dbname=dbname,
        host=params["HOST"] or None,
        port=params["PORT"] or None,
        user=params["USER"] or None,
        password=params["PASSWORD"] or None,
    )


def _table_counts(cursor):
    cursor.execute(
        "SELECT table_name FROM information_schema.tables"
        " WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
    )
    counts = {}
    for (table,) in cursor.fetchall():
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        counts[table] = cursor.fetchone()[0]
    return counts


def _audit_events(counts):
    return sum(n for table, n in counts.items() if table.endswith(AUDIT_SUFFIX))


class Command(BaseCommand):
    help = "Dump the database (pg_dump -Fc), restore it into a scratch database, compare counts."

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default", help="DATABASES alias")
        parser.add_argument(
            "--keep-dump", metavar="PATH", help="also keep the dump file at PATH (custom format)"
        )
        parser.add_argument(
            "--pg-bin",
            default=os.environ.get("PG_BIN", ""),
            help="folder of pg_dump/pg_restore matching the server's major version",
        )

    def handle(self, *args, **options):
        params = settings.DATABASES[options["database"]]
        source = params["NAME"]
        scratch = f"{source}_drill_{os.getpid()}_{int(time.time())}"[:63]
        binary = self._binaries(options["pg_bin"])
        env = {
            **os.environ,
            "PGHOST": params["HOST"] or "",
            "PGPORT": str(params["PORT"] or ""),
            "PGUSER": params["USER"] or "",
        }
        if params["PASSWORD"]:
            env["PGPASSWORD"] = params["PASSWORD"]
        started = time.monotonic()
        workdir = Path(tempfile.mkdtemp(prefix="restore-drill-"))
        dump = workdir / f"{source}.dump"
        snapshot_conn = _connect(params, source)
        admin = None
        try:
            # 1. The counts of one snapshot, held open while pg_dump reads the same snapshot.
            snapshot_conn.set_session(isolation_level="REPEATABLE READ", readonly=True)
            with snapshot_conn.cursor() as cursor:
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
                expected = _table_counts(cursor)
            # 2. The backup, exactly as the nightly job takes it (deploy/backup.sh).
            self._run(
                [binary["pg_dump"], "-Fc", f"--snapshot={snapshot}", "-f", dump, "-d", source],
                env,
            )
            snapshot_conn.rollback()
            size = dump.stat().st_size
            if options["keep_dump"]:
                shutil.copyfile(dump, options["keep_dump"])
            # 3. Restore into a scratch database and count again.
            admin = _connect(params, "postgres")
            admin.autocommit = True
            with admin.cursor() as cursor:
                cursor.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(scratch))
                )
            try:
                self._run(
                    [
                        binary["pg_restore"],
                        "--no-owner",
                        "--no-privileges",
                        "--exit-on-error",
                        "-d",
                        scratch,
                        dump,
                    ],
                    env,
                )
                restored_conn = _connect(params, scratch)
                try:
                    with restored_conn.cursor() as cursor:
                        restored = _table_counts(cursor)
                finally:
                    restored_conn.close()
            finally:
                # 4. The scratch copy holds personal data: it never outlives the drill.
                with admin.cursor() as cursor:
                    cursor.execute(
                        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                            sql.Identifier(scratch)
                        )
                    )
        finally:
            snapshot_conn.close()
            if admin is not None:
                admin.close()
            shutil.rmtree(workdir, ignore_errors=True)

        mismatches = {
            table: (expected.get(table), restored.get(table))
            for table in sorted(set(expected) | set(restored))
            if expected.get(table) != restored.get(table)
        }
        self.stdout.write(
            f"restore drill of {source}: dump {size / 1e6:.1f} MB, "
            f"{len(expected)} tables, {sum(expected.values())} rows, "
            f"{_audit_events(expected)} audit events; restored {len(restored)} tables, "
            f"{sum(restored.values())} rows, {_audit_events(restored)} audit events; "
            f"scratch database {scratch} dropped; {time.monotonic() - started:.1f} s"
        )
        if mismatches:
            for table, (want, got) in mismatches.items():
                self.stderr.write(f"  {table}: {want} in the database, {got} restored")
            raise CommandError(f"restore drill FAILED: {len(mismatches)} table(s) differ")
        self.stdout.write(self.style.SUCCESS("restore drill OK: every table count matches"))

    def _binaries(self, folder):
        found = {}
        for name in ("pg_dump", "pg_restore"):
            path = Path(folder) / name if folder else shutil.which(name)
            if not path or not Path(path).exists():
                raise CommandError(f"{name} not found (set --pg-bin or PG_BIN)")
            found[name] = str(path)
        return found

    def _run(self, args, env):
        result = subprocess.run(  # noqa: S603
            [str(arg) for arg in args], env=env, capture_output=True, text=True, check=False
        )
        if result.returncode:
            raise CommandError(f"{Path(args[0]).name} failed: {result.stderr.strip()[-2000:]}")
