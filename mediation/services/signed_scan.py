"""The signed 协议书's scan with its signers (issue 16 item 3; 人民调解法 art 29): one upload
keeps the scan and records every signature it carries, so the written agreement takes effect
from it. All or nothing: a refused signature leaves neither the row nor the stored file."""

from django.db import transaction

from mediation.exceptions import InvalidInput
from mediation.models import Attachment, Case
from mediation.services.agreements import agreement_sign
from mediation.services.attachments import attachment_upload

SIGNER_KEYS = {"signer_party", "signer_mediator", "signer_committee", "method", "at"}


def signed_agreement_upload(
    *, actor, case: Case, upload, signers: list[dict], note: str = ""
) -> Attachment:
    """Keep the signed scan (kind `signed_agreement`) and record each of `signers` — dicts of
    `signer_party` | `signer_mediator` | `signer_committee`, `method`, `at` — as a signature
    whose `attachment` is this scan (member). Errors: those of attachment_upload and of
    agreement_sign; 400 `signers_required` for an empty list."""
    if not signers:
        raise InvalidInput(
            "请列出在协议书上签名、盖章或按指印的人。", code="signers_required", field="signers"
        )
    stored = None
    try:
        with transaction.atomic():
            attachment = attachment_upload(
                actor=actor,
                case=case,
                kind=Attachment.Kind.SIGNED_AGREEMENT,
                upload=upload,
                note=note,
            )
            stored = attachment.file.name
            for signer in signers:
                fields = {key: value for key, value in signer.items() if key in SIGNER_KEYS}
                agreement_sign(actor=actor, case=case, attachment=attachment.id, **fields)
    except BaseException:
        if stored is not None:
            Attachment._meta.get_field("file").storage.delete(stored)
        raise
    return attachment
