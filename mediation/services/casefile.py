"""The 卷宗 (case file): the rights notice, what a complete file holds, and archiving's
number and retention (API.md "The 卷宗"; ../shared/data/document-formats.md).

What a complete file holds, by how the case ended (the contents list's required items):

| item (missing kind) | required |
|---|---|
| `registration` 受理登记表 | always; generated from the case, so present once registered |
| `rights_notice` 权利义务告知书 (规定 art 30) | once the case was accepted for mediation |
| `id_copy` identity documents | an `id_copy` naming each natural person (organisations: none) |
| `session_record` 调解记录 | succeeded or failed: at least one session held |
| `signed_agreement` the signed 协议书 | succeeded with a written agreement |
| `oral_agreement` 口头协议登记表 | succeeded with an oral agreement; generated from the agreement |
| `follow_up_record` 回访记录 | succeeded, once a performance visit fell due: one visit completed |

A withdrawn case needs no session record (a party may withdraw before the first one); a
case handed to a partner before acceptance needs only the registration and the identity
documents.
"""

from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from mediation import choices
from mediation.exceptions import DomainError, InvalidInput
from mediation.models import Attachment, Case, FileNumberCounter, FollowUp
from mediation.rules import rule
from mediation.services.kernel import case_event_record, lock, require_member
from mediation.workflow import check

__all__ = [
    "FileIncomplete",
    "case_rights_notified",
    "casefile_assign_number",
    "casefile_check_complete",
    "casefile_missing",
    "file_number_format",
    "retention_until",
]

# The order of the 卷内目录 (document-formats.md "What a complete 卷宗 holds").
ORDER = (
    "registration",
    "rights_notice",
    "id_copy",
    "session_record",
    "signed_agreement",
    "oral_agreement",
    "follow_up_record",
)


class FileIncomplete(DomainError):
    """The 卷宗 lacks a required item (409 `file_incomplete`, `missing`: the kinds)."""

    status = 409
    code = "file_incomplete"


def _parties_without_id_copy(case: Case) -> list[int]:
    people = case.parties.filter(kind=choices.PartyKind.PERSON).values_list("id", flat=True)
    covered = set(
        Attachment.objects.filter(
            case=case, kind=Attachment.Kind.ID_COPY, party__isnull=False
        ).values_list("party_id", flat=True)
    )
    return [party for party in people if party not in covered]


def _follow_up_record_missing(case: Case) -> bool:
    """A performance visit fell due (a check not cancelled, due by now) and none was
    completed."""
    checks = FollowUp.objects.filter(case=case, kind=FollowUp.Kind.PERFORMANCE_CHECK)
    if checks.filter(status=FollowUp.Status.DONE).exists():
        return False
    return (
        checks.exclude(status=FollowUp.Status.CANCELLED).filter(due_at__lte=timezone.now()).exists()
    )


def casefile_missing(case: Case) -> dict:
    """What the case's 卷宗 lacks: {"missing": [kinds in contents order],
    "parties_without_id_copy": [party ids]}. Reads only; `closed_as` (how the case ended)
    decides which items are required."""
    ended = case.closed_as or case.status
    missing = set()
    if case.accepted_at and not case.rights_notified_at:
        missing.add("rights_notice")
    no_id_copy = _parties_without_id_copy(case)
    if no_id_copy:
        missing.add("id_copy")
    if ended in (choices.Status.SUCCEEDED, choices.Status.FAILED):
        if not case.sessions.exists():
            missing.add("session_record")
    if ended == choices.Status.SUCCEEDED:
        agreement = getattr(case, "agreement", None)
        if agreement is None:
            missing.add("signed_agreement")
        elif agreement.form == choices.AgreementForm.WRITTEN:
            signed = Attachment.objects.filter(case=case, kind=Attachment.Kind.SIGNED_AGREEMENT)
            if not signed.exists():
                missing.add("signed_agreement")
        if _follow_up_record_missing(case):
            missing.add("follow_up_record")
    return {
        "missing": [kind for kind in ORDER if kind in missing],
        "parties_without_id_copy": no_id_copy,
    }


def casefile_check_complete(case: Case) -> None:
    """Raise FileIncomplete (409 `file_incomplete`) unless the 卷宗 is complete."""
    found = casefile_missing(case)
    if found["missing"]:
        raise FileIncomplete("卷宗材料不齐全，不能归档。", **found)


def file_number_format(*, year: int, sequence: int) -> str:
    """卷号: the archiving year and the committee's sequence, e.g. 2026-0017."""
    return f"{year}-{sequence:04d}"


def _next_file_sequence(committee_id: int, year: int) -> int:
    """Take the next 卷号 of (committee, year) inside the caller's transaction: one
    upsert, whose row lock is held until commit, so concurrent archives queue here and a
    rollback gives the number back (no gaps), as the case numbers (kernel.next_sequence)."""
    table = FileNumberCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (committee_id, year, last) VALUES (%s, %s, 1) "
            f"ON CONFLICT (committee_id, year) DO UPDATE SET last = {table}.last + 1 "
            "RETURNING last",
            [committee_id, year],
        )
        return cursor.fetchone()[0]


def retention_until(case: Case, archived_on: date) -> date:
    """The end of the file's retention: RETENTION_YEARS_SUCCEEDED for a succeeded case,
    RETENTION_YEARS_OTHER otherwise (settings.TIAOJIE; local practice, not law)."""
    ended = case.closed_as or case.status
    years = rule(
        "RETENTION_YEARS_SUCCEEDED"
        if ended == choices.Status.SUCCEEDED
        else "RETENTION_YEARS_OTHER"
    )
    try:
        return archived_on.replace(year=archived_on.year + years)
    except ValueError:  # 29 February into a common year
        return archived_on.replace(year=archived_on.year + years, day=28)


def casefile_assign_number(case: Case, archived_at: datetime) -> None:
    """Give the case its 卷号 and retention (inside the archiving transaction, the case
    row locked). The caller saves the case."""
    archived_on = timezone.localdate(archived_at)
    sequence = _next_file_sequence(case.committee_id, archived_on.year)
    case.file_year, case.file_sequence = archived_on.year, sequence
    case.file_number = file_number_format(year=archived_on.year, sequence=sequence)
    case.retain_until = retention_until(case, archived_on)


def case_rights_notified(*, actor, case: Case, at: datetime, how: str) -> Case:
    """Record when and how the parties were told their rights and duties (规定 art 30),
    member of the holding committee; before mediation, or later for the file until it is
    archived. A repeat replaces the record and says what it was in the history."""
    require_member(actor, case.committee_id)
    if how not in choices.NoticeMethod.values:
        raise InvalidInput("告知方式应为 written 或 oral。", code="invalid_choice", field="how")
    if at > timezone.now() + timedelta(minutes=10):
        raise InvalidInput("告知时间不能晚于当前时间。", code="date_out_of_range", field="at")
    with transaction.atomic():
        case = lock(case)
        check(case, "rights_notified")
        if timezone.localdate(at) < timezone.localdate(case.received_at):
            raise InvalidInput(
                "告知时间早于案件登记时间。", code="notified_before_received", field="at"
            )
        before = {
            "at": case.rights_notified_at.isoformat() if case.rights_notified_at else None,
            "how": case.rights_notified_how,
        }
        case.rights_notified_at, case.rights_notified_how = at, how
        case.save(update_fields=["rights_notified_at", "rights_notified_how", "updated_at"])
        data = {"at": at.isoformat(), "how": how}
        if before["at"]:
            data["before"] = before
        case_event_record(
            case=case, kind="rights_notified", actor=actor, from_status=case.status, data=data
        )
    return case
