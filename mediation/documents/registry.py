"""The document kinds: title, whether a case is ready for each (and what it misses), and
the context each template gets. The API's kinds and `missing` codes are those of
docs/api.md "Documents"."""

from dataclasses import dataclass

from mediation import choices
from mediation.documents import context_case, context_file, context_records
from mediation.documents.errors import DocumentNotReady, UnknownDocument
from mediation.exceptions import InvalidInput

# What a case may miss, with the Chinese the 409's detail shows.
MISSING_LABELS = {
    "party_application": "案件并非当事人申请（可使用受理登记表）",
    "accepted": "案件尚未受理",
    "declined": "案件未被决定不予受理",
    "session": "尚无调解记录",
    "agreement": "尚未达成调解协议",
    "written_agreement": "调解协议不是书面协议",
    "oral_agreement": "调解协议不是口头协议",
    "follow_up_visit": "尚无已完成的履行回访",
}


@dataclass(frozen=True)
class Kind:
    code: str
    title: str


KINDS = {
    kind.code: kind
    for kind in [
        Kind("application", "人民调解申请书"),
        Kind("registration", "人民调解受理登记表"),
        Kind("rights_notice", "人民调解当事人权利义务告知书"),
        Kind("decline_notice", "不予受理告知书"),
        Kind("investigation", "人民调解调查记录"),
        Kind("session_record", "人民调解记录"),
        Kind("agreement", "人民调解协议书"),
        Kind("oral_agreement", "人民调解口头协议登记表"),
        Kind("follow_up_record", "人民调解回访记录"),
        Kind("judicial_application", "司法确认申请书"),
        Kind("file_cover", "卷宗封面"),
        Kind("file_contents", "卷内目录"),
        Kind("file_note", "备考表"),
    ]
}


def kind_get(code: str) -> Kind:
    if code not in KINDS:
        raise UnknownDocument(f"没有这种文书：{code[:50]}。", kind=code[:50])
    return KINDS[code]


def _agreement(case):
    return getattr(case, "agreement", None)


def missing(case, code: str) -> list[str]:
    """What `case` lacks for the document `code` (empty: ready). Reads only prefetched
    relations (parties, sessions, follow_ups, agreement)."""
    agreement = _agreement(case)
    written = agreement is not None and agreement.form == choices.AgreementForm.WRITTEN
    oral = agreement is not None and agreement.form == choices.AgreementForm.ORAL
    if code == "application":
        return [] if case.source == choices.Source.PARTY_APPLICATION else ["party_application"]
    if code == "decline_notice":
        declined = case.status == choices.Status.DECLINED or bool(case.decline_reason_code)
        return [] if declined else ["declined"]
    if code == "session_record":
        return [] if context_records.held_sessions(case) else ["session"]
    if code in ("agreement", "judicial_application"):
        if agreement is None:
            return ["agreement"]
        return [] if written else ["written_agreement"]
    if code == "oral_agreement":
        if agreement is None:
            return ["agreement"]
        return [] if oral else ["oral_agreement"]
    if code == "follow_up_record":
        if agreement is None:
            return ["agreement"]
        return [] if context_records.done_visits(case) else ["follow_up_visit"]
    # registration, rights_notice, investigation (a form to fill in by hand) and the
    # file's own papers can be printed for any case.
    return []


def document_list(case) -> list[dict]:
    """Every kind with whether `case` is ready for it (GET /cases/{id}/documents/)."""
    rows = []
    for kind in KINDS.values():
        lacking = missing(case, kind.code)
        row = {"kind": kind.code, "title": kind.title, "ready": not lacking, "missing": lacking}
        if kind.code == "session_record":
            row["sessions"] = [session.pk for session in context_records.held_sessions(case)]
        rows.append(row)
    return rows


def require_ready(case, code: str) -> Kind:
    kind = kind_get(code)
    lacking = missing(case, code)
    if lacking:
        labels = "；".join(MISSING_LABELS[item] for item in lacking)
        raise DocumentNotReady(f"暂不能制作{kind.title}：{labels}。", kind=code, missing=lacking)
    return kind


def _sessions(case, session_id):
    sessions = context_records.held_sessions(case)
    if session_id in (None, ""):
        return sessions
    try:
        wanted = int(session_id)
    except (TypeError, ValueError):
        wanted = None
    chosen = [session for session in sessions if session.pk == wanted]
    if not chosen:
        raise InvalidInput("session 应为本案一次调解记录的编号。", code="invalid_session")
    return chosen


def document_context(case, code: str, *, unmasked: bool, session=None, contents=None) -> dict:
    """The template context of document `code` for `case` (ready: require_ready first).
    `session` narrows the session record to one session; `contents` gives the contents
    list's rows (with pages) when the whole file is assembled."""
    context = context_case.base_context(case, unmasked=unmasked)
    if code == "decline_notice":
        context.update(context_records.decline_context(case))
    elif code == "session_record":
        context.update(context_records.sessions_context(case, _sessions(case, session)))
    elif code in ("agreement", "oral_agreement", "judicial_application"):
        context.update(context_records.agreement_context(case, context["parties"]))
    elif code == "follow_up_record":
        context.update(context_records.agreement_context(case, context["parties"]))
        context.update(context_records.visits_context(context_records.done_visits(case)))
    elif code in ("file_cover", "file_contents", "file_note"):
        rows = contents
        if rows is None:
            rows = [{"title": KINDS[k].title} for k in context_file.file_documents(case)]
        context.update(context_file.file_context(case, items=len(rows)))
        context.update(context_file.contents_context(rows))
    if not unmasked:
        context = context_case.redact(context, context_case.party_replacements(case))
    return context
