"""Mediation sessions (调解): recorded when held, or set for a later time and recorded
when they take place.

A session whose `held_at` lies in the future is `planned`: each party with a phone gets an
SMS through the outbox with the time and place (mediation.alerts.session_planned), and no
visit is counted yet. `session_mark_held` records it (`held`) with what was said, and counts
the parties' visit when they came. Same rules as every case service: a member of the holding
committee, one transaction, the case row locked and compared, a history entry.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from mediation import alerts, workflow
from mediation.exceptions import Conflict, InvalidInput
from mediation.models import Case, MediationSession
from mediation.rules import rule
from mediation.services.checks import check_text
from mediation.services.kernel import case_event_record, lock, require_member
from mediation.validators import LONG_TEXT_MAX, SHORT_TEXT_MAX

# Clock skew allowed between a client and the server before a time counts as "later".
SKEW = timedelta(minutes=10)

Status = MediationSession.Status


def _check_texts(summary: str, participants: str, place: str) -> None:
    check_text((summary or "").strip(), LONG_TEXT_MAX, field="summary", label="调解情况")
    check_text(participants, SHORT_TEXT_MAX, field="participants", label="参加人员")
    check_text(place, 200, field="place", label="地点")


def case_record_session(
    *,
    actor,
    case: Case,
    held_at: datetime,
    summary: str = "",
    place: str = "",
    participants: str = "",
    party_present: bool = True,
) -> MediationSession:
    """Record a hearing (member). With the parties present it counts one visit.

    `held_at` later than now sets a planned session instead (summary optional; at most the
    mediation period and its extension ahead) and sends the parties with a phone an SMS
    with the time and place."""
    require_member(actor, case.committee_id)
    now = timezone.now()
    planned = held_at > now + SKEW
    if planned:
        horizon = rule("MEDIATION_DAYS") + rule("EXTENSION_MAX_DAYS")
        if held_at > now + timedelta(days=horizon):
            raise InvalidInput(
                f"调解只能安排在{horizon}天以内。", code="held_too_far", field="held_at"
            )
    elif not (summary or "").strip():
        raise InvalidInput("请填写调解情况。", code="summary_required", field="summary")
    _check_texts(summary, participants, place)
    with transaction.atomic():
        case = lock(case)
        workflow.move(case, "record_session")
        if case.accepted_at and held_at < case.received_at - timedelta(days=1):
            raise InvalidInput(
                "调解时间早于案件登记时间。", code="held_before_received", field="held_at"
            )
        session = MediationSession.objects.create(
            case=case,
            status=Status.PLANNED if planned else Status.HELD,
            held_at=held_at,
            place=place,
            participants=participants,
            summary=(summary or "").strip(),
            party_present=party_present,
            recorded_by=actor,
        )
        data = {"session": session.id, "held_at": held_at.isoformat()}
        if planned:
            case.save(update_fields=["updated_at"])
            data["sms"] = alerts.session_planned(session)
        else:
            if party_present:
                case.party_visits += 1
            case.save(update_fields=["party_visits", "updated_at"])
            data["party_present"] = party_present
        case_event_record(
            case=case,
            kind="session_planned" if planned else "session_recorded",
            actor=actor,
            from_status=case.status,
            data=data,
        )
    return session


def session_mark_held(
    *,
    actor,
    case: Case,
    session: MediationSession,
    summary: str,
    held_at: datetime | None = None,
    participants: str | None = None,
    party_present: bool = True,
) -> MediationSession:
    """A planned session took place (member): `planned` → `held` with what was said; the
    parties' attendance counts one visit. `held_at` defaults to the planned time and cannot
    lie in the future. A session already recorded answers Conflict (409)."""
    require_member(actor, case.committee_id)
    if not (summary or "").strip():
        raise InvalidInput("请填写调解情况。", code="summary_required", field="summary")
    _check_texts(summary, participants or "", "")
    with transaction.atomic():
        case = lock(case)
        workflow.move(case, "record_session")
        row = MediationSession.objects.select_for_update().filter(pk=session.pk, case=case).first()
        if row is None:
            raise InvalidInput("调解记录不属于该案件。", code="not_found", field="session")
        if row.status != Status.PLANNED:
            raise Conflict("该次调解已记录。", session_status=row.status)
        held_at = held_at or row.held_at
        if held_at > timezone.now() + SKEW:
            raise InvalidInput("调解时间不能晚于当前时间。", code="held_in_future", field="held_at")
        if held_at < case.received_at - timedelta(days=1):
            raise InvalidInput(
                "调解时间早于案件登记时间。", code="held_before_received", field="held_at"
            )
        row.status = Status.HELD
        row.held_at = held_at
        row.summary = summary.strip()
        if participants is not None:
            row.participants = participants
        row.party_present = party_present
        row.recorded_by = actor
        row.recorded_at = timezone.now()
        row.save()
        if party_present:
            case.party_visits += 1
        case.save(update_fields=["party_visits", "updated_at"])
        case_event_record(
            case=case,
            kind="session_held",
            actor=actor,
            from_status=case.status,
            data={
                "session": row.id,
                "held_at": held_at.isoformat(),
                "party_present": party_present,
            },
        )
    return row
