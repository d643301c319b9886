"""Audit retention: rows older than AUDIT_RETENTION_DAYS leave the database for a file.

One run, in one transaction: lock the rows past the cut-off, write them per table to a
gzip-compressed JSON-lines file under ``ARCHIVE_ROOT/<run>/``, fsync the files, write and
fsync a manifest with each file's SHA-256 and row count, then delete exactly the rows
written (the database lets only this routine delete, and only old rows:
``portal.accounts.audit_protection``) and commit. Any failure (an unwritable directory, a
full disk, a row count that does not match) raises before a row is deleted and rolls
everything back; the half-written run directory is removed.
"""

import gzip
import hashlib
import json
import os
import shutil
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from portal.accounts.audit_protection import audit_models, retention_days

CHUNK = 2000


def _fsync_dir(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_rows(path, queryset):
    """Write ``queryset``'s rows as JSON lines (gzip) and fsync; return (count, sha256)."""
    count = 0
    with open(path, "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
            for row in queryset.values().iterator(chunk_size=CHUNK):
                out.write(json.dumps(row, cls=DjangoJSONEncoder, ensure_ascii=False).encode())
                out.write(b"\n")
                count += 1
        raw.flush()
        os.fsync(raw.fileno())
    digest = hashlib.sha256()
    with open(path, "rb") as written:
        for block in iter(lambda: written.read(1 << 20), b""):
            digest.update(block)
    return count, digest.hexdigest()


def archive_audit(now=None, root=None):
    """Archive and delete audit rows older than the retention period; return the manifest
    (``None`` when nothing was old enough)."""
    now = now or timezone.now()
    days = retention_days()
    cutoff = now - timedelta(days=days)
    root = Path(root or settings.ARCHIVE_ROOT)
    run_dir = root / f"audit-{now:%Y%m%dT%H%M%S%z}"
    created_dir = False
    try:
        with transaction.atomic():
            batches = []
            for model, field in audit_models():
                ids = list(
                    model._default_manager.filter(**{f"{field}__lt": cutoff})
                    .order_by("pk")
                    .select_for_update()
                    .values_list("pk", flat=True)
                )
                if ids:
                    batches.append((model, field, ids))
            if not batches:
                return None
            run_dir.mkdir(parents=True, exist_ok=False)
            created_dir = True
            files = []
            for model, field, ids in batches:
                table = model._meta.db_table
                name = f"{table}.jsonl.gz"
                count, sha256 = _write_rows(
                    run_dir / name, model._default_manager.filter(pk__in=ids).order_by("pk")
                )
                if count != len(ids):
                    raise RuntimeError(f"{table}: wrote {count} rows of {len(ids)}")
                files.append(
                    {
                        "file": name,
                        "table": table,
                        "model": model._meta.label,
                        "time_field": field,
                        "rows": count,
                        "first_id": ids[0],
                        "last_id": ids[-1],
                        "sha256": sha256,
                    }
                )
            manifest = {
                "created_at": now.isoformat(),
                "cutoff": cutoff.isoformat(),
                "retention_days": days,
                "files": files,
            }
            manifest_path = run_dir / "manifest.json"
            with open(manifest_path, "w", encoding="utf-8") as out:
                json.dump(manifest, out, ensure_ascii=False, indent=2)
                out.flush()
                os.fsync(out.fileno())
            _fsync_dir(run_dir)
            _fsync_dir(root)
            # Only now, with every file on disk, may the rows go.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL partyportal.archiving = 'on'")
                for model, _field, ids in batches:
                    table = connection.ops.quote_name(model._meta.db_table)
                    pk = connection.ops.quote_name(model._meta.pk.column)
                    cursor.execute(f"DELETE FROM {table} WHERE {pk} = ANY(%s)", [ids])  # noqa: S608
                    if cursor.rowcount != len(ids):
                        raise RuntimeError(
                            f"{model._meta.db_table}: deleted {cursor.rowcount} of {len(ids)}"
                        )
                cursor.execute("SET LOCAL partyportal.archiving = 'off'")
        return manifest
    except BaseException:
        if created_dir:
            shutil.rmtree(run_dir, ignore_errors=True)
        raise


def verify_run(run_dir):
    """Check an archive run against its manifest: every file's SHA-256 and row count."""
    run_dir = Path(run_dir)
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        data = (run_dir / entry["file"]).read_bytes()
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise ValueError(f"{entry['file']}: SHA-256 mismatch")
        rows = gzip.decompress(data).decode().splitlines()
        if len(rows) != entry["rows"]:
            raise ValueError(f"{entry['file']}: {len(rows)} rows, manifest says {entry['rows']}")
    return manifest
