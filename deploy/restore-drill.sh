#!/bin/sh
# Backup and restore drill (docs/deploy.md, "Backups"): pg_dump -Fc of the portal database,
# restore into a scratch database, compare every table's row count and the audit-event
# count, drop the scratch database, print a summary. Exit status 0 only when all match.
#
#   deploy/restore-drill.sh                      # the database of DATABASE_URL
#   deploy/restore-drill.sh --keep-dump /backup/drill.dump
#
# Run it monthly from cron as the portal user (it needs CREATEDB, or run it as postgres
# with DATABASE_URL pointing at a superuser role); PG_BIN selects pg_dump/pg_restore of the
# server's major version (default: the ones on PATH).
set -eu
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
exec "$PYTHON" manage.py restore_drill "$@"
