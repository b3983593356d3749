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
    cases = Case.objects.exclude(pk=case.pk) if case.pk is not None else Case.objects.all()
    rows = set(
        cases.filter(parties__id_number_digest__in=digests)
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
    *,
    actor,
    committee: Committee,
    source: str,
    parties: list[dict],
    fields: dict,
    via: str = "",
    known_relations: bool = False,
) -> Case:
    """Create the case, its parties and its number; the caller holds the transaction.
    `via` (the request) goes into the personal-data access log if the repeat-dispute
    look-up matches. `known_relations`: leave the rows written in the case's prefetch
    cache (only for a caller that adds nothing more to the case)."""
    if not committee.is_active:
        raise InvalidInput("该调委会已停用。", code="committee_inactive", field="committee")
    fields, parties = clean_case_fields(fields, parties)
    preferred = preferences.clean_preferred(committee.id, fields.pop("preferred_mediators", None))

    case = Case(committee=committee, source=source, created_by=actor, **fields)
    rows = [
        Party(
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
    # The look-up needs only the digests: made before the case is written, the signal goes
    # in with the INSERT (no UPDATE after it). Inside the transaction, as before.
    case.repeat_dispute, matched = repeat_dispute(case, [r.id_number_digest for r in rows])
    assign_number(case, committee)
    case.accept_by = schedule.acceptance_deadline(case.received_at)
    case.save()
    if preferred:
        case.preferred_mediators.set(preferred)
    for row in rows:
        row.case = case
    Party.objects.bulk_create(rows)
    if case.repeat_dispute:
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
    follow_ups = schedule.new_case_start(case)  # = acceptance_sync + leader_sync, 1 INSERT
    risk.risk_report(case=case, actor=actor)
    if known_relations:
        _known_relations(case, parties=rows, preferred_mediators=preferred, follow_ups=follow_ups)
    return case


# What a case just registered holds, for its detail (the 201) without reading it back.
NEW_CASE_EMPTY_RELATIONS = (
    "sessions",
    "mediators",
    "recused_mediators",
    "transfers",
    "referrals",
    "agreements",
)


def _known_relations(case: Case, **rows) -> None:
    """Put the rows just written into the case's prefetch cache, ordered as the models'
    Meta.ordering would read them (parties and mediators by id, follow-ups by due_at, id),
    and the relations a new case cannot have yet as empty: the detail serializer then
    reads nothing (api.views.cases; tests/api/test_intake_answer.py holds the 201 equal to
    the detail read back). Each is the relation's own queryset with its result cache set,
    as prefetch_related leaves it (not .none(): iterating that compiles its SQL each time
    only to find it empty, ~1 ms per relation)."""
    rows["parties"] = sorted(rows["parties"], key=lambda r: r.pk)
    rows["preferred_mediators"] = sorted(rows["preferred_mediators"], key=lambda r: r.pk)
    rows.update(dict.fromkeys(NEW_CASE_EMPTY_RELATIONS, ()))
    cache = case._prefetched_objects_cache = {}
    for name, values in rows.items():
        queryset = getattr(case, name).all()
        queryset._result_cache = list(values)
        queryset._prefetch_done = True
        cache[name] = queryset


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
            known_relations=True,
        )
