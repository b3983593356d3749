"""Creators of CaseEvent rows. Only the services call them; nothing updates or deletes."""

from mediation.models import Case, CaseEvent


def _actor_name(actor) -> str:
    if actor is None:
        return "系统"
    return (actor.get_full_name() or actor.get_username())[:150]


def case_event_record(
    *,
    case: Case,
    kind: str,
    actor=None,
    from_status: str = "",
    to_status: str = "",
    other_committee=None,
    data: dict | None = None,
) -> CaseEvent:
    """Append one entry to the case's history, with the holding committee at this moment."""
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        actor=actor,
        actor_name=_actor_name(actor),
        from_status=from_status,
        to_status=to_status or from_status,
        committee_id=case.committee_id,
        other_committee=other_committee,
        data=data or {},
    )


def case_event_build(
    *, case: Case, kind: str, actor=None, to_status: str = "", data: dict | None = None
) -> CaseEvent:
    """The entry case_event_record would append, unsaved: for services that write many
    cases at once (bulk_create)."""
    return CaseEvent(
        case=case,
        kind=kind,
        actor=actor,
        actor_name=_actor_name(actor),
        to_status=to_status,
        committee_id=case.committee_id,
        data=data or {},
    )
