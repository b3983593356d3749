from django.core.management.base import BaseCommand
from django.db import transaction

from mediation import crypto
from mediation.models import Attachment, Case, OutboundMessage, Party
from mediation.services.attachments import attachment_rotate_key

BATCH = 1000


class Command(BaseCommand):
    help = (
        "Re-encrypt personal data with the first key of TIAOJIE_FIELD_KEYS and recompute the "
        "blind index with TIAOJIE_BLIND_INDEX_KEY; re-encrypt the encrypted attachments "
        "(identity documents, signed agreements). Run after putting a new key first; then "
        "remove the old keys. Safe to re-run."
    )

    def handle(self, *args, **options):
        crypto.reset_keys()
        totals = {
            "parties": self._rotate(Party, ["id_number", "phone"], digests=True),
            "cases": self._rotate(Case, ["responsible_leader_phone"]),
            "messages": self._rotate(OutboundMessage, ["to"]),
            "attachments": self._rotate_attachments(),
        }
        self.stdout.write(", ".join(f"{name}: {count} rows" for name, count in totals.items()))

    def _rotate(self, model, fields, digests=False) -> int:
        done, last = 0, 0
        while True:
            with transaction.atomic():
                rows = list(
                    model.objects.select_for_update()
                    .filter(pk__gt=last)
                    .order_by("pk")
                    .only("pk", *fields)[:BATCH]
                )
                if not rows:
                    return done
                for row in rows:
                    # Reading decrypts with any configured key; saving encrypts with the first.
                    update = list(fields)
                    if digests:
                        row.refresh_digests()
                        update += ["id_number_digest", "phone_digest"]
                    model.objects.filter(pk=row.pk).update(**{f: getattr(row, f) for f in update})
                done += len(rows)
                last = rows[-1].pk

    def _rotate_attachments(self) -> int:
        done = 0
        for attachment in Attachment.objects.filter(encrypted=True).order_by("pk").iterator():
            attachment_rotate_key(attachment)
            done += 1
        return done
