#!/bin/sh
# Nightly logical backup of the portal database (docs/deploy.md, "Backups"), run by
# partyportal-backup.timer as postgres. WAL archiving (postgresql.conf archive_command) gives
# point-in-time recovery between dumps; this dump is the independent, portable copy.
#
#   PGDATABASE=partyportal BACKUP_DIR=/backup/partyportal KEEP_DAYS=35 deploy/backup.sh
set -eu
: "${PGDATABASE:?set PGDATABASE}"
BACKUP_DIR="${BACKUP_DIR:-/backup/partyportal}"
KEEP_DAYS="${KEEP_DAYS:-35}"
stamp="$(date +%Y%m%dT%H%M%S)"
target="$BACKUP_DIR/$PGDATABASE-$stamp.dump"
umask 077
mkdir -p "$BACKUP_DIR"
# Custom format: compressed, restorable table by table, in parallel (pg_restore -j).
pg_dump -Fc --no-owner -f "$target.part" "$PGDATABASE"
pg_restore --list "$target.part" >/dev/null   # the archive's table of contents is readable
mv "$target.part" "$target"
sha256sum "$target" >"$target.sha256"
# Encrypted off-site copy (the dump holds encrypted ID numbers, but names and political
# status in clear): BACKUP_GPG_RECIPIENT's public key only, its private key kept offline.
if [ -n "${BACKUP_GPG_RECIPIENT:-}" ]; then
    gpg --batch --yes --encrypt --recipient "$BACKUP_GPG_RECIPIENT" -o "$target.gpg" "$target"
fi
find "$BACKUP_DIR" -name "$PGDATABASE-*.dump*" -mtime +"$KEEP_DAYS" -delete
echo "backup: $target ($(du -h "$target" | cut -f1))"
