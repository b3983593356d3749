"""Registering a dispute: the case, its parties, its number and the repeat-dispute signal."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from committees.models import Committee
from mediation import audit, choices, schedule, statistics, workflow
from mediation.exceptions import InvalidInput
from mediation.models import (
    Case,
    Party,
)
from mediation.services import preferences, risk
from mediation.services.checks import (
    clean_case_fields,
)
from mediation.services.kernel import (
    assign_number,
    case_event_record,
    require_member,
)

# --- intake ------------------------------------------------------------------------------


def repeat_dispute(case: Case, digests: list[str]) -> tuple[dict, set[int]]:
    """Other open or recent cases, anywhere in the district, with a party holding the same
    ID number (found by blind index). Returns the signal the registering committee is
    shown — their count, and the names of the committees holding an open one (a committee
    must not take a dispute another has accepted; a closed case's committee stays unnamed)
    — and the matched cases' ids, for the personal-data access log."""
    digests = [d for d in digests if d]
    if not digests:
        return {}, set()
    since = timezone.now() - timedelta(days=settings.TIAOJIE_REPEAT_DISPUTE_DAYS)
    rows = set(
        Case.objects.exclude(pk=case.pk)
        .filter(parties__id_number_digest__in=digests)
        .filter(Q(status__in=workflow.OPEN) | Q(received_at__gte=since))
        .values_list("pk", "committee__name", "status")
        .distinct()
    )
    matched = {pk for pk, _, _ in rows}
    if not matched:
        return {}, matched
    committees = sorted({name for _, name, status in rows if status in workflow.OPEN})
    return {"count": len(matched), "committees": committees}, matched


def register(
    *, actor, committee: Committee, source: str, parties: list[dict], fields: dict, via: str = ""
) -> Case:
    """Create the case, its parties and its number; the caller holds the transaction.
    `via` (the request) goes into the personal-data access log if the repeat-dispute
    look-up matches."""
    if not committee.is_active:
        raise InvalidInput("该调委会已停用。", code="committee_inactive", field="committee")
    fields, parties = clean_case_fields(fields, parties)
    preferred = preferences.clean_preferred(committee.id, fields.pop("preferred_mediators", None))

    case = Case(committee=committee, source=source, created_by=actor, **fields)
    assign_number(case, committee)
    case.accept_by = schedule.acceptance_deadline(case.received_at)
    case.save()
    if preferred:
        case.preferred_mediators.set(preferred)
    rows = [
        Party(
            case=case,
            role=p["role"],
            kind=p.get("kind") or choices.PartyKind.PERSON,
            name=p["name"],
            id_type=p.get("id_type") or "",
            id_number=p.get("id_number") or "",
            phone=p.get("phone") or "",
            address=p.get("address") or "",
        )
        for p in parties
    ]
    for row in rows:
        row.refresh_digests()
    Party.objects.bulk_create(rows)
    case.repeat_dispute, matched = repeat_dispute(case, [r.id_number_digest for r in rows])
    if case.repeat_dispute:
        case.save(update_fields=["repeat_dispute"])
        audit.repeat_dispute_lookup_record(
            user=actor, for_case=case, matched_ids=matched, shown=case.repeat_dispute, via=via
        )
    case_event_record(
        case=case,
        kind="registered",
        actor=actor,
        to_status=case.status,
        data={"number": case.number, "source": source, "parties": len(parties)},
    )
    # A new case has no follow-ups to cancel and no agreement: only its month to mark, its
    # acceptance clock to start and its risks to report (art 25).
    statistics.mark_dirty(case=case, new=True)
    schedule.acceptance_sync(case)
    risk.risk_after_change(case=case, actor=actor)
    return case


def case_register(
    *, actor, committee: Committee, source: str, parties: list[dict], via: str = "", **fields
) -> Case:
    """Register a dispute at `committee` (a member of it registers). Atomic; numbered
    without gaps; writes nothing if any rule fails. `via`: the request, for the
    personal-data access log."""
    require_member(actor, committee.id)
    if source not in choices.SELF_REGISTERED_SOURCES:
        raise InvalidInput(
            "调委会登记的案件来源只能是当事人申请或排查发现；移送和对接案件由系统生成。",
            code="invalid_source",
            field="source",
        )
    with transaction.atomic():
        return register(
            actor=actor,
            committee=committee,
            source=source,
            parties=parties,
            fields=fields,
            via=via,
        )
