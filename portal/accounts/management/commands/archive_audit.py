"""``archive_audit``: run the audit archive now (the Celery beat runs it daily)."""

from portal.accounts import archive
from portal.management.base import AuditedCommand


class Command(AuditedCommand):
    help = "Archive audit rows older than AUDIT_RETENTION_DAYS to ARCHIVE_ROOT, then delete them."

    def handle(self, **options):
        manifest = archive.archive_audit()
        if manifest is None:
            self.stdout.write("nothing older than the retention period")
            return
        for entry in manifest["files"]:
            self.stdout.write(f"{entry['table']}: {entry['rows']} rows, sha256 {entry['sha256']}")
