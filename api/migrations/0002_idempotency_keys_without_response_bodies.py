"""Idempotency keys keep the created object's id, never the response body (issue 13).

Existing rows held the whole 201 body — unmasked ID numbers and phones. Each keeps the id
from its body and a keyed version of its fingerprint (so a retry within the key's
lifetime still replays); a row without an id is deleted; the body column is dropped.
"""

import django.utils.timezone
from django.db import migrations, models
from django.utils.crypto import salted_hmac


def keyed_fingerprint(digest: str) -> str:
    # as api.idempotency.keyed_fingerprint at the time of writing
    return salted_hmac("api.idempotency.request", digest, algorithm="sha256").hexdigest()


def scrub(apps, schema_editor):
    IdempotencyKey = apps.get_model("api", "IdempotencyKey")
    for row in IdempotencyKey.objects.only("id", "request_hash", "response_body").iterator():
        body = row.response_body if isinstance(row.response_body, dict) else {}
        object_id = body.get("id")
        if not isinstance(object_id, int):
            row.delete()
            continue
        IdempotencyKey.objects.filter(pk=row.pk).update(
            object_id=object_id, request_hash=keyed_fingerprint(row.request_hash)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_idempotency_keys"),
    ]

    operations = [
        migrations.AddField(
            model_name="idempotencykey",
            name="object_id",
            field=models.PositiveBigIntegerField(null=True),
        ),
        migrations.RunPython(scrub, migrations.RunPython.noop, elidable=True),
        migrations.RemoveField(
            model_name="idempotencykey",
            name="response_body",
        ),
        migrations.AlterField(
            model_name="idempotencykey",
            name="created_at",
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now),
        ),
    ]
