"""Historical cases from an old ledger (the ledger import)."""

from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from committees.models import Committee
from mediation import choices, schedule, statistics, workflow
from mediation.exceptions import InvalidInput
from mediation.models import (
    Agreement,
    Case,
    CaseEvent,
    Party,
)
from mediation.rules import rule
from mediation.services.checks import (
    check_amount,
    check_past_date,
    check_text,
    clean_case_fields,
)
from mediation.services.kernel import (
    case_event_build,
    raise_counter_to,
)
from mediation.validators import (
    LONG_TEXT_MAX,
    SHORT_TEXT_MAX,
)

# --- historical cases (ledger import) ----------------------------------------------------

# What an imported case may be: its state when the old ledger was written.
IMPORTABLE_STATUSES = (
    choices.Status.REGISTERED,
    choices.Status.MEDIATING,
    choices.Status.SUCCEEDED,
    choices.Status.FAILED,
    choices.Status.WITHDRAWN,
    choices.Status.DECLINED,
)


def _historical_moments(
    status: str, received_on: date, accepted_on: date | None, concluded_on: date | None
) -> None:
    for field, day, label in (
        ("received_on", received_on, "登记日期"),
        ("accepted_on", accepted_on, "受理日期"),
        ("concluded_on", concluded_on, "结案日期"),
    ):
        check_past_date(day, field=field, label=label)
    if accepted_on and accepted_on < received_on:
        raise InvalidInput("受理日期不能早于登记日期。", code="invalid_date", field="accepted_on")
    if concluded_on and concluded_on < (accepted_on or received_on):
        raise InvalidInput(
            "结案日期不能早于登记或受理日期。", code="invalid_date", field="concluded_on"
        )
    needs_accepted = status in (
        choices.Status.MEDIATING,
        choices.Status.SUCCEEDED,
        choices.Status.FAILED,
    )
    if needs_accepted and not accepted_on:
        raise InvalidInput(
            "该状态的案件须填写受理日期。", code="date_required", field="accepted_on"
        )
    if status in (choices.Status.REGISTERED, choices.Status.DECLINED) and accepted_on:
        raise InvalidInput("未受理的案件不能有受理日期。", code="invalid_date", field="accepted_on")
    is_open = status in (choices.Status.REGISTERED, choices.Status.MEDIATING)
    if not is_open and not concluded_on:
        raise InvalidInput("已结案件须填写结案日期。", code="date_required", field="concluded_on")
    if is_open and concluded_on:
        raise InvalidInput("未结案件不能有结案日期。", code="invalid_date", field="concluded_on")


def _historical_case(
    *,
    actor,
    committee: Committee,
    number: str,
    number_year: int,
    number_sequence: int,
    source: str,
    status: str,
    received_on: date,
    parties: list[dict],
    accepted_on: date | None = None,
    concluded_on: date | None = None,
    archived_on: date | None = None,
    outcome: str = "",
    guidance: str = "",
    closing_reason: str = "",
    agreement: dict | None = None,
    **fields,
) -> tuple[Case, list[Party], Agreement | None]:
    """The unsaved case, parties and agreement of one historical record, after the same
    checks as intake (codes, parties, amounts) and those of its state and dates."""
    if source not in choices.Source.values:
        raise InvalidInput("未知的案件来源。", code="invalid_choice", field="source")
    if status not in IMPORTABLE_STATUSES:
        raise InvalidInput(
            "导入的案件状态只能是已登记、调解中、调解成功、调解不成、撤回或不予受理"
            "（已归档的案件填写其结案情况和归档日期）。",
            code="invalid_choice",
            field="status",
        )
    _historical_moments(status, received_on, accepted_on, concluded_on)
    if archived_on is not None:
        # `status` is then how the case ended; the case itself is archived.
        check_past_date(archived_on, field="archived_on", label="归档日期")
        if status in workflow.OPEN:
            raise InvalidInput("未结案件不能有归档日期。", code="invalid_date", field="archived_on")
        if archived_on < concluded_on:
            raise InvalidInput(
                "归档日期不能早于结案日期。", code="invalid_date", field="archived_on"
            )
    expected_outcome = {
        choices.Status.SUCCEEDED: choices.Outcome.SUCCESS,
        choices.Status.FAILED: choices.Outcome.FAILURE,
    }.get(status, "")
    if (outcome or "") != expected_outcome:
        raise InvalidInput("调解结果与案件状态不符。", code="outcome_mismatch", field="outcome")
    if status == choices.Status.SUCCEEDED:
        agreement = agreement or {}
        if agreement.get("form") not in choices.AgreementForm.values:
            raise InvalidInput(
                "调解成功的案件须填写协议形式（书面或口头）。",
                code="agreement_required",
                field="agreement.form",
            )
        if not (agreement.get("terms") or "").strip():
            raise InvalidInput("请填写协议内容。", code="terms_required", field="agreement.terms")
        check_text(agreement["terms"], LONG_TEXT_MAX, field="agreement.terms", label="协议内容")
        check_amount(agreement.get("amount"), field="agreement.amount")
    elif agreement:
        raise InvalidInput(
            "只有调解成功的案件才有调解协议。", code="agreement_not_allowed", field="agreement"
        )
    if status == choices.Status.FAILED and guidance not in choices.Guidance.values:
        raise InvalidInput("调解不成须填写告知途径。", code="guidance_required", field="guidance")
    if status != choices.Status.FAILED and guidance:
        raise InvalidInput(
            "只有调解不成的案件才有告知途径。", code="invalid_choice", field="guidance"
        )
    check_text(closing_reason, SHORT_TEXT_MAX, field="closing_reason", label="结案理由")
    fields, parties = clean_case_fields(fields, parties)

    def moment(day: date | None) -> datetime | None:
        return timezone.make_aware(datetime.combine(day, datetime.min.time())) if day else None

    case = Case(
        committee=committee,
        source=source,
        created_by=actor,
        number=number,
        number_year=number_year,
        number_sequence=number_sequence,
        status=status,
        received_at=moment(received_on),
        accepted_at=moment(accepted_on),
        concluded_at=moment(concluded_on),
        outcome=outcome or "",
        guidance=guidance or "",
        closing_reason=(closing_reason or "").strip(),
        closed_as="" if status in workflow.OPEN else status,
        **fields,
    )
    if archived_on is not None:
        case.status = choices.Status.ARCHIVED
        case.archived_at = moment(archived_on)
    if status == choices.Status.MEDIATING:
        case.due_on = accepted_on + timedelta(days=rule("MEDIATION_DAYS"))
    if status == choices.Status.DECLINED:
        case.decline_reason_code = choices.DeclineReason.OTHER
        case.decline_notice = choices.OTHER_ROUTES_NOTICE
    party_rows = [
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
    record = None
    if status == choices.Status.SUCCEEDED:
        record = Agreement(
            number=number,
            form=agreement["form"],
            terms=agreement["terms"].strip(),
            amount=agreement.get("amount"),
            effective_on=agreement.get("effective_on") or concluded_on,
        )
    return case, party_rows, record


def cases_import_historical(
    *, actor, committee: Committee, records: list[dict]
) -> tuple[dict[int, Case], dict[int, InvalidInput]]:
    """Register cases from an old ledger, each with its own number, dates, status, outcome
    and agreement, in one transaction (the caller checks who may import). `records[i]`
    holds the arguments of case_import_historical, `provenance` included.

    Returns the cases made (by index) and the refused records (by index, the InvalidInput
    saying why); the refused ones write nothing. Each record passes the same checks as
    intake (codes, parties, amounts); its number must be free in the committee and year,
    and the committee-year counters are raised to the highest imported number, so numbers
    given afterwards continue after it. Each case's history gets one `imported` entry with
    its provenance (file SHA-256 and row). A closed historical case gets no follow-ups
    (no reminders or rating SMS years later); an open one those of its state. The
    committee-months touched are marked for the statistics rollup. The rows are written
    in bulk: a ledger of 10,000 cases is a few dozen statements, not 100,000."""
    if not committee.is_active:
        refused = InvalidInput("该调委会已停用。", code="committee_inactive", field="committee")
        return {}, dict.fromkeys(range(len(records)), refused)
    built, refused = {}, {}
    for index, record in enumerate(records):
        arguments = {k: v for k, v in record.items() if k != "provenance"}
        try:
            built[index] = _historical_case(actor=actor, committee=committee, **arguments)
        except InvalidInput as error:
            refused[index] = error
    with transaction.atomic():
        # Raising the counters first takes their row locks: a registration at this
        # committee waits for the import, so no number is handed out twice.
        highest: dict[int, int] = {}
        for case, _, _ in built.values():
            year = case.number_year
            highest[year] = max(highest.get(year, 0), case.number_sequence)
        for year, sequence in sorted(highest.items()):
            raise_counter_to(committee.id, year, sequence)
        held = set(
            Case.objects.filter(committee=committee, number_year__in=list(highest))
            .filter(number_sequence__lte=max(highest.values(), default=0))
            .values_list("number_year", "number_sequence")
        )
        for index, (case, _, _) in list(built.items()):
            if (case.number_year, case.number_sequence) in held:
                refused[index] = InvalidInput(
                    f"案号{case.number}已存在。", code="duplicate_number", field="number"
                )
                del built[index]
        cases = Case.objects.bulk_create([case for case, _, _ in built.values()])
        parties, agreements, events = [], [], []
        for (index, (_, party_rows, agreement)), case in zip(built.items(), cases, strict=True):
            for party in party_rows:
                party.case = case
                party.refresh_digests()
                parties.append(party)
            if agreement is not None:
                agreement.case = case
                agreements.append(agreement)
            events.append(
                case_event_build(
                    case=case,
                    kind="imported",
                    actor=actor,
                    to_status=case.status,
                    data={"number": case.number, **records[index]["provenance"]},
                )
            )
        Party.objects.bulk_create(parties)
        Agreement.objects.bulk_create(agreements)
        # Each imported agreement is its case's first and current version.
        for agreement in agreements:
            agreement.case.agreement = agreement
        Case.objects.bulk_update([a.case for a in agreements], ["agreement"])
        CaseEvent.objects.bulk_create(events)
        marked: set = set()
        for case in cases:
            if case.status in workflow.OPEN:
                schedule.followups_sync_case(case=case)
            months = {
                timezone.localdate(moment).replace(day=1)
                for moment in (case.received_at, case.accepted_at, case.concluded_at)
                if moment
            }
            if not months <= marked:
                statistics.mark_dirty(case=case, new=True)
                marked |= months
    return dict(zip(built, cases, strict=True)), refused


def case_import_historical(*, actor, committee: Committee, provenance: dict, **arguments) -> Case:
    """Register one case from an old ledger (cases_import_historical for one record):
    the case, or InvalidInput and nothing written."""
    made, refused = cases_import_historical(
        actor=actor, committee=committee, records=[{**arguments, "provenance": provenance}]
    )
    if refused:
        raise refused[0]
    return made[0]
