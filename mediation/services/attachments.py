"""Attachments of a case (API.md "Attachments"): upload, remove, read back.

An upload is recognised by its content, never its name: PDF, JPEG, PNG, DOCX (a ZIP
holding `word/document.xml`) and common audio (MP3, M4A/AAC, WAV, AMR, OGG); anything else
is 415 `unsupported_file_type`, and anything over TIAOJIE_ATTACHMENT_MAX_MB is 413
`file_too_large`. The SHA-256 and size of the original are kept; an identity document or a
signed agreement is encrypted with the field keys (mediation.crypto) before it reaches the
store. Each upload and each removal appends a CaseEvent; once the case is archived nothing
is removed (409 `case_archived`).

Who: members of the holding committee upload and remove (superusers, as everywhere, too).
"""

import hashlib
import io
import os
import uuid
import zipfile

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction

from mediation import choices, crypto
from mediation.exceptions import DomainError, InvalidInput, InvalidTransition
from mediation.models import Attachment, Case, Party
from mediation.services.checks import check_text
from mediation.services.kernel import case_event_record, lock, require_member

__all__ = [
    "ALLOWED_TYPES",
    "FileTooLarge",
    "UnsupportedFileType",
    "attachment_content",
    "attachment_remove",
    "attachment_rotate_key",
    "attachment_upload",
    "detect_type",
    "max_bytes",
]

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# MIME type (as `filetype` names it) → the extension the stored copy gets.
ALLOWED_TYPES = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    DOCX: "docx",
    "audio/mpeg": "mp3",
    "audio/mp4": "m4a",
    "audio/aac": "aac",
    "audio/x-wav": "wav",
    "audio/amr": "amr",
    "audio/ogg": "ogg",
}
NOTE_MAX = 500
NAME_MAX = 200


def max_bytes() -> int:
    return settings.TIAOJIE_ATTACHMENT_MAX_MB * 1024 * 1024


class FileTooLarge(DomainError):
    status = 413
    code = "file_too_large"

    def __init__(self):
        super().__init__(
            f"附件超过 {settings.TIAOJIE_ATTACHMENT_MAX_MB} MB，请压缩或分拆后上传。",
            max_bytes=max_bytes(),
        )


class UnsupportedFileType(DomainError):
    status = 415
    code = "unsupported_file_type"

    def __init__(self):
        super().__init__(
            "不支持的文件类型：仅接受 PDF、JPEG、PNG、DOCX 和常见录音格式"
            "（MP3、M4A/AAC、WAV、AMR、OGG），按文件内容识别，与文件名无关。",
            allowed=sorted(set(ALLOWED_TYPES.values())),
        )


def _is_docx(data: bytes) -> bool:
    """A Word document is a ZIP (OOXML) with the main part word/document.xml."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
    return "word/document.xml" in names and "[Content_Types].xml" in names


def detect_type(data: bytes) -> str | None:
    """The MIME type of an allowed file from its bytes, or None (not allowed)."""
    if data.startswith(b"PK\x03\x04"):
        return DOCX if _is_docx(data) else None
    guess = filetype.guess(data[:8192])
    if guess is None:
        return None
    mime = guess.mime
    return mime if mime in ALLOWED_TYPES and mime != DOCX else None


def _clean_name(name: str) -> str:
    """The uploaded file's own name, without any path, for the download's filename."""
    base = os.path.basename((name or "").replace("\\", "/")).strip()
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>|:*?')
    return base[:NAME_MAX] or "附件"


def _read(upload, size: int) -> bytes:
    if size > max_bytes():
        raise FileTooLarge()
    upload.seek(0)
    # One byte more than the limit: a file object that reported a wrong size is caught too.
    data = upload.read(max_bytes() + 1)
    if len(data) > max_bytes():
        raise FileTooLarge()
    return data


def attachment_upload(
    *, actor, case: Case, kind: str, upload, note: str = "", party_id: int | None = None
) -> Attachment:
    """Keep `upload` (a Django UploadedFile or any file object with `.name` and `.size`)
    with the case (member of the holding committee).

    Atomic: the row, the stored file and the `attachment_added` event exist together or
    not at all (a failure after the file was stored deletes it again). `party` names whose
    identity document an `id_copy` is; a `signed_agreement` needs the case's written
    agreement.
    """
    require_member(actor, case.committee_id)
    if kind not in Attachment.Kind.values:
        raise InvalidInput("未知的附件类别。", code="invalid_choice", field="kind")
    note = (note or "").strip()
    check_text(note, NOTE_MAX, field="note", label="说明")
    data = _read(upload, getattr(upload, "size", 0) or 0)
    if not data:
        raise InvalidInput("上传的文件为空。", code="empty_file", field="file")
    mime = detect_type(data)
    if mime is None:
        raise UnsupportedFileType()
    digest = hashlib.sha256(data).hexdigest()
    encrypted = kind in Attachment.PERSONAL_KINDS
    stored = crypto.encrypt_bytes(data) if encrypted else data
    extension = "bin" if encrypted else ALLOWED_TYPES[mime]
    storage = Attachment._meta.get_field("file").storage
    saved_name = None
    try:
        with transaction.atomic():
            case = lock(case)
            party = None
            if party_id is not None:
                party = Party.objects.filter(pk=party_id, case=case).first()
                if party is None:
                    raise InvalidInput("该当事人不属于本案。", code="invalid_party", field="party")
            if kind == Attachment.Kind.SIGNED_AGREEMENT and not _has_written_agreement(case):
                raise InvalidInput(
                    "本案没有书面调解协议，不能上传签字协议书。",
                    code="written_agreement_required",
                    field="kind",
                )
            # The stored name says nothing about the case's people (no original name).
            saved_name = storage.save(
                f"cases/{case.pk}/{uuid.uuid4().hex}.{extension}", ContentFile(stored)
            )
            attachment = Attachment.objects.create(
                case=case,
                kind=kind,
                party=party,
                name=_clean_name(getattr(upload, "name", "")),
                content_type=mime,
                size=len(data),
                sha256=digest,
                encrypted=encrypted,
                file=saved_name,
                note=note,
                uploaded_by=actor,
                uploaded_by_name=(actor.get_full_name() or actor.get_username())[:150],
            )
            case_event_record(
                case=case,
                kind="attachment_added",
                actor=actor,
                from_status=case.status,
                data=_event_data(attachment),
            )
    except BaseException:
        if saved_name is not None:
            storage.delete(saved_name)
        raise
    return attachment


def _has_written_agreement(case: Case) -> bool:
    agreement = getattr(case, "agreement", None)
    return agreement is not None and agreement.form == choices.AgreementForm.WRITTEN


def _event_data(attachment: Attachment) -> dict:
    # The history is read outside the holding committee: no file name (it may carry a
    # person's name), only what identifies the file.
    return {
        "attachment": attachment.pk,
        "kind": attachment.kind,
        "party": attachment.party_id,
        "size": attachment.size,
        "sha256": attachment.sha256,
    }


def attachment_remove(*, actor, attachment: Attachment, reason: str = "") -> None:
    """Remove an attachment of a case not yet archived (member of the holding committee),
    leaving an `attachment_removed` event; the stored file is deleted once the removal has
    committed. After archiving: 409 `case_archived`, nothing removed."""
    require_member(actor, attachment.case.committee_id)
    reason = (reason or "").strip()
    check_text(reason, NOTE_MAX, field="reason", label="删除理由")
    with transaction.atomic():
        case = lock(attachment.case)
        row = Attachment.objects.select_for_update().filter(pk=attachment.pk).first()
        if row is None:
            raise InvalidTransition("该附件已被删除。", code_detail="already_removed")
        if case.status == choices.Status.ARCHIVED:
            raise CaseArchived()
        name = row.file.name
        case_event_record(
            case=case,
            kind="attachment_removed",
            actor=actor,
            from_status=case.status,
            data={**_event_data(row), "reason": reason},
        )
        row.delete()
        storage = Attachment._meta.get_field("file").storage
        transaction.on_commit(lambda: storage.delete(name))


class CaseArchived(DomainError):
    status = 409
    code = "case_archived"
    default_detail = "案件已归档，卷宗内的材料不能删除。"


def attachment_content(attachment: Attachment) -> bytes:
    """The original bytes of the attachment (decrypted when stored encrypted)."""
    with attachment.file.open("rb") as handle:
        data = handle.read()
    return crypto.decrypt_bytes(data) if attachment.encrypted else data


def attachment_rotate_key(attachment: Attachment) -> None:
    """Re-encrypt an encrypted attachment with the first of TIAOJIE_FIELD_KEYS
    (manage.py rotate_field_keys): the new copy is stored under a new name, the row points
    at it, and the old copy is deleted once that has committed. Idempotent."""
    if not attachment.encrypted:
        return
    storage = Attachment._meta.get_field("file").storage
    with transaction.atomic():
        row = Attachment.objects.select_for_update().filter(pk=attachment.pk).first()
        if row is None:
            return
        old_name = row.file.name
        with row.file.open("rb") as handle:
            rotated = crypto.rotate_bytes(handle.read())
        new_name = storage.save(f"cases/{row.case_id}/{uuid.uuid4().hex}.bin", ContentFile(rotated))
        try:
            Attachment.objects.filter(pk=row.pk).update(file=new_name)
        except BaseException:
            storage.delete(new_name)
            raise
        transaction.on_commit(lambda: storage.delete(old_name))
