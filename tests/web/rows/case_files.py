"""web/views/_case_files.py: the case page's attachment upload and 记录为已举行 of a planned
session (mounted by web/views/mediator.py). The same rule as the case page's other actions:
committee A's members act, its judicial office and the district read the case but the
service refuses them (403), B and the others never see it (404)."""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from mediation import services
from tests.builders import PNG_BYTES
from tests.web.rows._table import SIGN_IN, Row, statuses

CASE_ACT = statuses(404, anon=SIGN_IN, member=302, director=302, office_a=403, district=403)


def extend_world(w):
    w.planned = services.case_record_session(
        actor=w.users["member"],
        case=w.case,
        held_at=timezone.now() + timedelta(days=2),
        place="社区调解室",
    )


def upload(w):
    return {
        "kind": "photo",
        "file": SimpleUploadedFile("现场.png", PNG_BYTES, content_type="image/png"),
        "note": "漏水处",
    }


def held(w):
    prefix = f"held-{w.planned.pk}"
    return {
        f"{prefix}-summary": "双方到场，达成一致。",
        f"{prefix}-held_at": (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        f"{prefix}-party_present": "on",
        "seen_status": "mediating",
        "seen_transfer_pending": "0",
    }


ROWS = [
    Row(
        "case_attachment_upload",
        "POST",
        lambda w: f"/cases/{w.case.pk}/attachments/",
        CASE_ACT,
        data=upload,
        writes=True,
    ),
    Row(
        "case_session_held",
        "POST",
        lambda w: f"/cases/{w.case.pk}/sessions/{w.planned.pk}/held/",
        CASE_ACT,
        data=held,
        writes=True,
    ),
]
