"""Backup and restore drill (issue 9, item 5): deploy/restore-drill.sh dumps the database
with pg_dump -Fc, restores it into a scratch database, compares every table's row count and
the audit-event count, drops the scratch database and exits 0 only when all match."""

import os
import subprocess
from pathlib import Path

import pytest
from django.db import connection

from members.models import MemberEvent
from tests.members.conftest import make_id_number, make_member

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def drill(*args):
    s = connection.settings_dict
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PYTEST_") and k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "LOG_DIR")
    }
    env["DATABASE_URL"] = (
        f"postgres://{s['USER'] or 'postgres'}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
        f"/{s['NAME']}"
    )
    return subprocess.run(  # noqa: S603
        [str(ROOT / "deploy" / "restore-drill.sh"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def scratch_databases():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_database WHERE datname LIKE %s",
            [connection.settings_dict["NAME"] + "_drill_%"],
        )
        return cursor.fetchone()[0]


def test_restore_drill_restores_every_row_and_audit_event(district, users):
    from datetime import date

    make_member(district["a_branch"], "张卫东", make_id_number(date(1980, 5, 4), 371))
    assert MemberEvent.objects.count() >= 1
    result = drill()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "restore drill OK: every table count matches" in result.stdout
    summary = result.stdout.splitlines()[0]
    assert " 0 audit events" not in summary
    assert "dropped" in summary
    assert scratch_databases() == 0


def test_restore_drill_fails_loudly_when_it_cannot_run(tmp_path):
    result = drill("--pg-bin", str(tmp_path))  # no pg_dump there
    assert result.returncode != 0
    assert "pg_dump not found" in result.stderr
