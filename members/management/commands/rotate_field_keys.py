"""``rotate_field_keys``: re-encrypt every member's ID number and mobile under the primary
(first) key of FIELD_ENCRYPTION_KEYS.

Rotation: put a new key first in FIELD_ENCRYPTION_KEYS (keep the old ones after it), run
this command, then remove the old keys. Blind indexes do not change (BLIND_INDEX_KEY is
separate), and no plain value is written anywhere. Works in batches, one transaction each.
"""

from django.db import transaction

from members.models import Member
from portal import crypto
from portal.management.base import AuditedCommand

BATCH = 2000


class Command(AuditedCommand):
    help = "Re-encrypt members' sensitive fields under the primary field encryption key."

    def handle(self, **options):
        done, last = 0, 0
        while True:
            batch = list(
                Member.objects.filter(pk__gt=last)
                .order_by("pk")
                .only("pk", "id_number_cipher", "mobile_cipher")[:BATCH]
            )
            if not batch:
                break
            for member in batch:
                member.id_number_cipher = crypto.rotate(member.id_number_cipher)
                if member.mobile_cipher:
                    member.mobile_cipher = crypto.rotate(member.mobile_cipher)
            # Ciphertexts are left out of the audit snapshots, so a rotation (which changes
            # no value a person could see) leaves no history events.
            with transaction.atomic():
                Member.objects.bulk_update(batch, ["id_number_cipher", "mobile_cipher"])
            done += len(batch)
            last = batch[-1].pk
            self.stderr.write(f"\rre-encrypted {done} members", ending="")
        self.stderr.write(f"\nre-encrypted {done} members under the primary key")
