"""Retention: audit rows older than AUDIT_RETENTION_DAYS (at least 180) go to a gzip JSON-lines
file with a SHA-256 manifest and are deleted in the same transaction; nothing is deleted
when the file cannot be written. Frozen clock."""

import gzip
import hashlib
import json
import os
from datetime import timedelta

import pytest
import time_machine
from django.db import DatabaseError, connection
from django.test import RequestFactory
from django.utils import timezone

from portal.accounts import archive, security
from portal.accounts.models import AuthEvent
from portal.accounts.tasks import archive_audit
from portal.models import Region, SensitiveAccess

NOW = timezone.now().replace(microsecond=0)


def old_region_events(days):
    """Copies of the current region events dated ``days`` ago (the triggers stamp NOW(), so
    old rows are written the way a past day would have left them)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO portal_regionevent
                (code, created_at, depth, id, level, name, parent_id, path, pgh_context_id,
                 pgh_created_at, pgh_label, pgh_obj_id)
            SELECT code, created_at, depth, id, level, name, parent_id, path, pgh_context_id,
                   now() - make_interval(days => %s), pgh_label, pgh_obj_id
            FROM portal_regionevent RETURNING pgh_id
            """,
            [days],
        )
        return [row[0] for row in cursor.fetchall()]


@pytest.fixture
def history(users, district):
    """Old and recent rows in three audit tables."""
    request = RequestFactory().get("/members/", REMOTE_ADDR="10.0.0.1")
    request.user, request.id = users["admin"], "req-old"
    with time_machine.travel(NOW - timedelta(days=200), tick=False):
        old_auth = [security.record("login", request, user=users["operator_a"]) for _i in range(3)]
        old_access = SensitiveAccess.record(request, Region, [district["a"].pk], ["name"], "ui")
    with time_machine.travel(NOW - timedelta(days=100), tick=False):
        middle_auth = security.record("logout", request, user=users["operator_a"])
    recent_auth = security.record("login", request, user=users["operator_b"])
    old_events = old_region_events(250)
    return {
        "old_auth": {e.pk for e in old_auth},
        "old_access": old_access.pk,
        "middle_auth": middle_auth.pk,
        "recent_auth": recent_auth.pk,
        "old_events": set(old_events),
    }


def region_event_ids():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pgh_id FROM portal_regionevent")
        return {row[0] for row in cursor.fetchall()}


def test_archive_writes_verifies_and_deletes_exactly_the_old_rows(history, settings, tmp_path):
    settings.ARCHIVE_ROOT = tmp_path / "archive"
    recent_events = region_event_ids() - history["old_events"]
    with time_machine.travel(NOW, tick=False):
        result = archive_audit.delay().get()
    assert result["rows"] == 3 + 1 + len(history["old_events"])
    (run,) = (tmp_path / "archive").iterdir()
    manifest = archive.verify_run(run)
    by_table = {entry["table"]: entry for entry in manifest["files"]}
    assert set(by_table) == {"accounts_authevent", "portal_sensitiveaccess", "portal_regionevent"}
    assert by_table["accounts_authevent"]["rows"] == 3
    assert manifest["retention_days"] == 180
    # The files hold the rows: JSON lines, gzip, SHA-256 as the manifest says.
    data = (run / "accounts_authevent.jsonl.gz").read_bytes()
    assert hashlib.sha256(data).hexdigest() == by_table["accounts_authevent"]["sha256"]
    rows = [json.loads(line) for line in gzip.decompress(data).decode().splitlines()]
    assert {row["id"] for row in rows} == history["old_auth"]
    assert all(row["username"] == "operator_a" for row in rows)
    events = gzip.decompress((run / "portal_regionevent.jsonl.gz").read_bytes()).decode()
    assert {json.loads(line)["pgh_id"] for line in events.splitlines()} == history["old_events"]
    # Exactly those rows left the database; the 100-day-old and recent ones stay.
    assert not AuthEvent.objects.filter(pk__in=history["old_auth"]).exists()
    assert AuthEvent.objects.filter(pk=history["middle_auth"]).exists()
    assert AuthEvent.objects.filter(pk=history["recent_auth"]).exists()
    assert not SensitiveAccess.objects.filter(pk=history["old_access"]).exists()
    assert region_event_ids() == recent_events
    # A second run finds nothing more to do.
    with time_machine.travel(NOW, tick=False):
        assert archive_audit.delay().get() == {"rows": 0}


def test_retention_below_180_days_is_not_honoured(history, settings, tmp_path):
    settings.ARCHIVE_ROOT = tmp_path / "archive"
    settings.AUDIT_RETENTION_DAYS = 30
    with time_machine.travel(NOW, tick=False):
        archive.archive_audit()
    assert AuthEvent.objects.filter(pk=history["middle_auth"]).exists()  # 100 days old


def test_nothing_is_deleted_when_the_file_cannot_be_written(history, settings, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the archive directory should be")
    settings.ARCHIVE_ROOT = blocker / "archive"
    before = AuthEvent.objects.count(), SensitiveAccess.objects.count(), region_event_ids()
    with time_machine.travel(NOW, tick=False), pytest.raises(OSError):
        archive.archive_audit()
    after = AuthEvent.objects.count(), SensitiveAccess.objects.count(), region_event_ids()
    assert after == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through directory permissions")
def test_nothing_is_deleted_when_the_directory_is_read_only(history, settings, tmp_path):
    root = tmp_path / "archive"
    root.mkdir()
    root.chmod(0o500)
    settings.ARCHIVE_ROOT = root
    before = AuthEvent.objects.count()
    try:
        with time_machine.travel(NOW, tick=False), pytest.raises(OSError):
            archive.archive_audit()
    finally:
        root.chmod(0o700)
    assert AuthEvent.objects.count() == before


def test_a_recent_row_cannot_be_archived_even_by_a_wrong_clock(history, settings, tmp_path):
    """A clock run ahead cannot make the routine delete recent rows: the database compares
    with its own time, refuses, and the run leaves no file."""
    settings.ARCHIVE_ROOT = tmp_path / "archive"
    before = AuthEvent.objects.count()
    with (
        time_machine.travel(NOW + timedelta(days=400), tick=False),
        pytest.raises(DatabaseError, match="retention period"),
    ):
        archive.archive_audit()
    assert AuthEvent.objects.count() == before
    assert list((tmp_path / "archive").iterdir()) == []
