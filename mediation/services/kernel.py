"""The shared steps of every service: who may act, lock and compare, numbering,
events and what follows a change. Cases, routing, screening and the ledger import use these;
nothing here imports them (docs/design.md principle 1).
"""

from django.db import connection
from django.utils import timezone

from committees.models import Committee
from committees.scope import scope_for
from mediation import schedule, statistics
from mediation.events import case_event_build, case_event_record
from mediation.exceptions import Conflict, NotAllowed
from mediation.models import Case, CaseNumberCounter
from mediation.rules import rule

__all__ = [
    "after_change",
    "assign_number",
    "case_event_build",
    "case_event_record",
    "case_number_format",
    "lock",
    "next_sequence",
    "raise_counter_to",
    "require_director",
    "require_member",
    "rule",
]

# --- permissions -------------------------------------------------------------------------


def require_member(
    actor, committee_id: int, message: str = "只有本调委会的调解员可以办理此案件。"
) -> None:
    if not scope_for(actor).may_act_as_member(committee_id):
        raise NotAllowed(message)


def require_director(actor, committee_id: int) -> None:
    if not scope_for(actor).may_act_as_director(committee_id):
        raise NotAllowed("只有本调委会主任或副主任可以执行此操作。")


# --- locking -----------------------------------------------------------------------------


def lock(case: Case) -> Case:
    """Lock the case row and re-read it (call inside transaction.atomic).

    Prevents two requests that both read the case in one state from both acting on it:
    the second to get the lock sees the first one's change and gets Conflict.
    """
    locked = Case.objects.select_for_update().get(pk=case.pk)
    seen = (case.status, case.transfer_pending, case.committee_id)
    now = (locked.status, locked.transfer_pending, locked.committee_id)
    if seen != now:
        raise Conflict(status=locked.status, transfer_pending=locked.transfer_pending)
    return locked


def after_change(case: Case, *, also_committee_id: int | None = None) -> None:
    """Bring the case's follow-ups in line with its new state (the follow-up schedule) and
    mark its committee-months for the statistics rollup (and the sender's, on a move)."""
    schedule.followups_sync_case(case=case)
    statistics.mark_dirty(case=case, also_committee_id=also_committee_id)


# --- numbering ---------------------------------------------------------------------------


def next_sequence(committee_id: int, year: int) -> int:
    """Take the next number of (committee, year) inside the caller's transaction.

    One upsert statement: the row lock it takes is held until commit, so concurrent
    registrations queue here and a rollback gives the number back (no gaps).
    """
    table = CaseNumberCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (committee_id, year, last) VALUES (%s, %s, 1) "
            f"ON CONFLICT (committee_id, year) DO UPDATE SET last = {table}.last + 1 "
            "RETURNING last",
            [committee_id, year],
        )
        return cursor.fetchone()[0]


def case_number_format(*, committee: Committee, year: int, sequence: int) -> str:
    """The national file-cover form: （2026）满城北街第一人调字第00017号."""
    return f"（{year}）{committee.short_name}人调字第{sequence:05d}号"


def assign_number(case: Case, committee: Committee) -> None:
    year = timezone.localdate().year
    sequence = next_sequence(committee.id, year)
    case.number_year, case.number_sequence = year, sequence
    case.number = case_number_format(committee=committee, year=year, sequence=sequence)


def raise_counter_to(committee_id: int, year: int, sequence: int) -> None:
    """Make the committee-year counter at least `sequence` (inside the caller's
    transaction), so later registrations continue after the highest imported number."""
    table = CaseNumberCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (committee_id, year, last) VALUES (%s, %s, %s) "
            f"ON CONFLICT (committee_id, year) DO UPDATE SET last = CASE "
            f"WHEN {table}.last < excluded.last THEN excluded.last ELSE {table}.last END",
            [committee_id, year, sequence],
        )
