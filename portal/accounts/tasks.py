"""Background work of accounts: the daily audit archive (``portal/celery.py``)."""

import logging

from celery import shared_task

from portal.accounts import archive

logger = logging.getLogger(__name__)


@shared_task(name="portal.accounts.tasks.archive_audit")
def archive_audit():
    """Move audit rows past the retention period into an archive file (never drops a row
    that is not safely on disk)."""
    manifest = archive.archive_audit()
    if manifest is None:
        return {"rows": 0}
    rows = sum(entry["rows"] for entry in manifest["files"])
    logger.info("archived %s audit rows (cut-off %s)", rows, manifest["cutoff"])
    return {"rows": rows, "cutoff": manifest["cutoff"]}
