"""The 卷宗's own papers: the cover (封面), the contents list (卷内目录) and the note
(备考表), and the order of the contents list (data/document-formats.md "What a complete
卷宗 holds")."""

from mediation import choices
from mediation.documents.context_case import BLANK, chinese_date
from mediation.documents.context_records import done_visits, held_sessions

# Slots of the contents list, in order; a document or an attachment kind goes in its slot.
FILE_ORDER = [
    "application",
    "registration",
    "decline_notice",
    "rights_notice",
    "attachment:id_copy",
    "investigation",
    "attachment:evidence",
    "attachment:photo",
    "attachment:recording",
    "session_record",
    "agreement",
    "attachment:signed_agreement",
    "oral_agreement",
    "attachment:other",
    "follow_up_record",
    "judicial_application",
]


def file_documents(case) -> list[str]:
    """The documents a case's file holds, in the contents list's order: what the case has
    records for (a blank form such as the investigation record is not filed)."""
    agreement = getattr(case, "agreement", None)
    has = {
        "application": case.source == choices.Source.PARTY_APPLICATION,
        "registration": True,
        "decline_notice": case.status == choices.Status.DECLINED or bool(case.decline_reason_code),
        "rights_notice": case.accepted_at is not None,
        "session_record": bool(held_sessions(case)),
        "agreement": agreement is not None and agreement.form == choices.AgreementForm.WRITTEN,
        "oral_agreement": agreement is not None and agreement.form == choices.AgreementForm.ORAL,
        "follow_up_record": bool(done_visits(case)),
        "judicial_application": agreement is not None and agreement.judicial_applied_on is not None,
    }
    return [kind for kind in FILE_ORDER if has.get(kind)]


def file_context(case, *, items: int = 0) -> dict:
    """The cover's and the note's facts. The 卷号 and the retention come with archiving
    (`file_number`, `retain_until` once the archiving rules land); until then blanks."""
    file_number = getattr(case, "file_number", "") or BLANK
    retain_until = getattr(case, "retain_until", None)
    ended = case.concluded_at or case.archived_at
    return {
        "file": {
            "number": file_number,
            "started": chinese_date(case.accepted_at or case.received_at),
            "ended": chinese_date(ended),
            "filer": BLANK,
            "filed": chinese_date(case.archived_at),
            "retention": f"保管至{chinese_date(retain_until)}" if retain_until else BLANK,
            "note": "",
            "count": items or BLANK,
            "state": "卷内文书材料齐全，排列有序。" if case.archived_at else "案件尚未归档。",
        }
    }


def contents_context(rows: list[dict]) -> dict:
    """rows: [{"title", "pages", "note"}] in order; numbered here."""
    return {
        "contents": [
            {
                "index": index,
                "title": row["title"],
                "pages": row.get("pages", ""),
                "note": row.get("note", ""),
            }
            for index, row in enumerate(rows, start=1)
        ]
    }
