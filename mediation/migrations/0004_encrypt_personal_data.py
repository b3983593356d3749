"""Encrypt ID numbers and phone numbers at rest and add their blind index.

1. widen the columns to text (plain) and add the digest columns;
2. encrypt every existing value in batches and fill the digests (reverse: decrypt);
3. switch the fields to EncryptedTextField (no schema change: still text).
"""

from django.db import migrations, models

import mediation.fields

BATCH = 2000

# (model, encrypted fields, {field: digest field})
TARGETS = [
    ("Party", ["id_number", "phone"], {"id_number": "id_number_digest", "phone": "phone_digest"}),
    ("Case", ["responsible_leader_phone"], {}),
    ("OutboundMessage", ["to"], {}),
]


def _convert(apps, transform, with_digests):
    from mediation import crypto

    for model_name, fields, digests in TARGETS:
        model = apps.get_model("mediation", model_name)
        last = 0
        while True:
            rows = list(
                model.objects.filter(pk__gt=last).order_by("pk").values("pk", *fields)[:BATCH]
            )
            if not rows:
                break
            for row in rows:
                changes = {f: transform(row[f]) if row[f] else row[f] for f in fields}
                if with_digests:
                    for field, digest in digests.items():
                        changes[digest] = crypto.blind_index(row[field] or "")
                model.objects.filter(pk=row["pk"]).update(**changes)
            last = rows[-1]["pk"]


def encrypt_existing(apps, schema_editor):
    from mediation import crypto

    _convert(apps, crypto.encrypt, with_digests=True)


def decrypt_existing(apps, schema_editor):
    from mediation import crypto

    _convert(apps, crypto.decrypt, with_digests=False)


class Migration(migrations.Migration):
    dependencies = [
        ("mediation", "0003_statistics_rollup"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="repeat_dispute",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="Set at registration: other open or recent cases of the same parties (by ID number) anywhere in the district: count and committee names only.",
                verbose_name="重复纠纷提示",
            ),
        ),
        migrations.AddField(
            model_name="party",
            name="id_number_digest",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="party",
            name="phone_digest",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=64),
        ),
        migrations.AlterField(
            model_name="case",
            name="responsible_leader_phone",
            field=models.TextField(blank=True, verbose_name="包案领导电话"),
        ),
        migrations.AlterField(
            model_name="outboundmessage",
            name="to",
            field=models.TextField(verbose_name="接收号码"),
        ),
        migrations.AlterField(
            model_name="party",
            name="id_number",
            field=models.TextField(blank=True, verbose_name="证件号码"),
        ),
        migrations.AlterField(
            model_name="party",
            name="phone",
            field=models.TextField(blank=True, verbose_name="联系电话"),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing, elidable=False),
        migrations.AlterField(
            model_name="case",
            name="responsible_leader_phone",
            field=mediation.fields.EncryptedTextField(blank=True, verbose_name="包案领导电话"),
        ),
        migrations.AlterField(
            model_name="outboundmessage",
            name="to",
            field=mediation.fields.EncryptedTextField(verbose_name="接收号码"),
        ),
        migrations.AlterField(
            model_name="party",
            name="id_number",
            field=mediation.fields.EncryptedTextField(blank=True, verbose_name="证件号码"),
        ),
        migrations.AlterField(
            model_name="party",
            name="phone",
            field=mediation.fields.EncryptedTextField(blank=True, verbose_name="联系电话"),
        ),
    ]
