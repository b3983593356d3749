"""The only writers of case state (docs/design.md principle 1).

Each public function runs in one transaction, locks the case row and re-reads it, checks
the move against mediation.workflow, writes the change, appends a CaseEvent, and
schedules or cancels the follow-ups the change implies. The API and the admin call these
functions; nothing else sets `status`.

Concurrency: a service receives the case as the caller read it. Under the row lock it
compares the locked row's state with what the caller saw; if another request moved the
case in between, the caller gets Conflict (409 `conflict`) rather than acting on a state
it never saw. A move from the wrong state is InvalidTransition (409 `invalid_transition`).
On SQLite the IMMEDIATE transaction mode serialises writers, which gives the same result.

Permissions: `actor` must hold the right role on the holding committee (directors accept,
decline, assign and transfer; members record, conclude, withdraw, extend, edit, archive);
superusers may act for anyone (corrections through the admin).
"""

from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from committees.models import Committee, Mediator
from committees.scope import scope_for
from mediation import audit, choices, statistics, workflow
from mediation.events import case_event_build, case_event_record
from mediation.exceptions import Conflict, InvalidInput, InvalidTransition, NotAllowed
from mediation.models import Agreement, Case, CaseNumberCounter, MediationSession, Party
from mediation.validators import (
    LONG_TEXT_MAX,
    SHORT_TEXT_MAX,
    amount_problem,
    default_id_type,
    id_number_problem,
    past_date_problem,
    phone_problem,
    text_problem,
)

DESCRIPTIVE_FIELDS = (
    "title",
    "facts",
    "claims",
    "dispute_type",
    "amount_involved",
    "people_involved",
    "occurred_on",
    "risk_flags",
    "difficulty",
    "responsible_leader_name",
    "responsible_leader_post",
    "responsible_leader_phone",
)


PERSONAL_FIELDS = {"responsible_leader_phone"}


def rule(name: str) -> int:
    return settings.TIAOJIE[name]


# --- permissions -------------------------------------------------------------------------


def _require_member(actor, committee_id: int) -> None:
    if actor is not None and actor.is_superuser:
        return
    if not scope_for(actor).is_member(committee_id):
        raise NotAllowed("只有本调委会的调解员可以办理此案件。")


def _require_director(actor, committee_id: int) -> None:
    if actor is not None and actor.is_superuser:
        return
    if not scope_for(actor).is_director(committee_id):
        raise NotAllowed("只有本调委会主任或副主任可以执行此操作。")


# --- locking -----------------------------------------------------------------------------


def _lock(case: Case) -> Case:
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


def _after_change(case: Case, *, also_committee_id: int | None = None) -> None:
    """Bring the case's follow-ups in line with its new state (the follow-up engine) and
    mark its committee-months for the statistics rollup (and the sender's, on a move)."""
    from mediation import followups

    followups.followups_sync_case(case=case)
    statistics.mark_dirty(case=case, also_committee_id=also_committee_id)


def _after_referral_outcome(case: Case) -> None:
    """When a case from a partner ends, its outcome goes back on the referral."""
    from mediation import routing

    routing.referral_record_outcome(case=case)


# --- numbering ---------------------------------------------------------------------------


def _next_sequence(committee_id: int, year: int) -> int:
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


def _assign_number(case: Case, committee: Committee) -> None:
    year = timezone.localdate().year
    sequence = _next_sequence(committee.id, year)
    case.number_year, case.number_sequence = year, sequence
    case.number = case_number_format(committee=committee, year=year, sequence=sequence)


# --- validation helpers ------------------------------------------------------------------


def _check_text(value: str | None, limit: int, *, field: str, label: str) -> None:
    """Free text longer than its field's limit is refused (400 `max_length`, the code DRF
    gives the same rule where a serializer declares the limit)."""
    problem = text_problem(value or "", limit)
    if problem:
        raise InvalidInput(f"{label}{problem}", code="max_length", field=field, limit=limit)


def _check_past_date(value, *, field: str, label: str) -> None:
    """The date of a past event: 1949-10-01 to today (400 `date_out_of_range`)."""
    if value is None:
        return
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            detail = f"{label}格式应为 YYYY-MM-DD。"
            raise InvalidInput(detail, code="invalid", field=field) from None
    problem = past_date_problem(value)
    if problem:
        raise InvalidInput(f"{label}{problem}", code="date_out_of_range", field=field)


def _check_amount(value, *, field: str) -> None:
    """Not negative (400 `negative_amount`), not over TIAOJIE_AMOUNT_CAP (400
    `amount_too_large`)."""
    if value is None:
        return
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise InvalidInput("金额格式无效。", code="invalid", field=field)
    problem = amount_problem(amount)
    if problem:
        code = "negative_amount" if amount < 0 else "amount_too_large"
        raise InvalidInput(problem, code=code, field=field)


def _clean_parties(parties: list[dict]) -> list[dict]:
    """Each party's papers checked by their type (resident ID: GB 11643 and a province-level
    region; credit code: GB 32100), phone, name and address lengths, and one person once
    per case: no ID number twice, whatever the roles (`duplicate_party`)."""
    roles = {p.get("role") for p in parties}
    if choices.PartyRole.APPLICANT not in roles or choices.PartyRole.RESPONDENT not in roles:
        raise InvalidInput(
            "至少需要一名申请人和一名被申请人。", code="parties_incomplete", field="parties"
        )
    cleaned = []
    seen_id_numbers = set()
    for index, party in enumerate(parties):
        party = dict(party)
        field = f"parties.{index}"
        id_number = (party.get("id_number") or "").strip().upper()
        kind = party.get("kind") or choices.PartyKind.PERSON
        id_type = party.get("id_type") or default_id_type(kind, id_number)
        if id_number:
            problem = id_number_problem(id_number, id_type)
            if problem:
                code, detail = problem
                raise InvalidInput(detail, code=code, field=field)
            if id_number in seen_id_numbers:
                raise InvalidInput(
                    "同一当事人不能在一个案件中出现两次（证件号码重复）。",
                    code="duplicate_party",
                    field=field,
                )
            seen_id_numbers.add(id_number)
        phone = (party.get("phone") or "").strip().replace(" ", "")
        if phone:
            problem = phone_problem(phone)
            if problem:
                raise InvalidInput(problem, code="invalid_phone", field=field)
        _check_text(party.get("name"), 100, field=f"{field}.name", label="当事人姓名/名称")
        _check_text(party.get("address"), 200, field=f"{field}.address", label="住址")
        party.update(id_number=id_number, id_type=id_type, phone=phone)
        cleaned.append(party)
    return cleaned


def _check_codes(values: dict) -> None:
    """The descriptive fields of a case (registration, edit): known codes, a plausible
    amount and date of occurrence, text within its limits."""
    if "dispute_type" in values and values["dispute_type"] not in choices.DisputeType.values:
        raise InvalidInput("未知的纠纷类型。", code="invalid_choice", field="dispute_type")
    for flag in values.get("risk_flags") or []:
        if flag not in choices.RiskFlag.values:
            raise InvalidInput(f"未知的风险标记：{flag}", code="invalid_choice", field="risk_flags")
    _check_amount(values.get("amount_involved"), field="amount_involved")
    _check_past_date(values.get("occurred_on"), field="occurred_on", label="纠纷发生日期")
    _check_text(values.get("title"), 200, field="title", label="纠纷名称")
    _check_text(values.get("facts"), LONG_TEXT_MAX, field="facts", label="纠纷事实")
    _check_text(values.get("claims"), LONG_TEXT_MAX, field="claims", label="当事人请求")


def _difficulty(values: dict) -> str:
    """重大疑难 when ≥ 10 people, ≥ ¥100,000 or a major risk flag; else what was given."""
    amount = values.get("amount_involved") or 0
    if (
        (values.get("people_involved") or 0) >= 10
        or Decimal(amount) >= 100_000
        or set(values.get("risk_flags") or []) & choices.MAJOR_RISK_FLAGS
    ):
        return choices.Difficulty.MAJOR
    return values.get("difficulty") or choices.Difficulty.ORDINARY


def _clean_leader_phone(leader: dict) -> str:
    _check_text(leader.get("name"), 50, field="responsible_leader.name", label="包案领导")
    _check_text(leader.get("post"), 100, field="responsible_leader.post", label="包案领导职务")
    phone = (leader.get("phone") or "").strip().replace(" ", "")
    if phone and phone_problem(phone):
        raise InvalidInput(
            phone_problem(phone), code="invalid_phone", field="responsible_leader.phone"
        )
    return phone


def _jsonable(values: dict) -> dict:
    out = {}
    for key, value in values.items():
        if isinstance(value, Decimal | date | datetime):
            value = str(value)
        out[key] = value
    return out


# --- intake ------------------------------------------------------------------------------


def _repeat_dispute(case: Case, digests: list[str]) -> tuple[dict, set[int]]:
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


def _register(
    *, actor, committee: Committee, source: str, parties: list[dict], fields: dict, via: str = ""
) -> Case:
    """Create the case, its parties and its number; the caller holds the transaction.
    `via` (the request) goes into the personal-data access log if the repeat-dispute
    look-up matches."""
    if not committee.is_active:
        raise InvalidInput("该调委会已停用。", code="committee_inactive", field="committee")
    _check_codes(fields)
    parties = _clean_parties(parties)
    fields = dict(fields)
    leader = fields.pop("responsible_leader", None) or {}
    fields["responsible_leader_name"] = (leader.get("name") or "").strip()
    fields["responsible_leader_post"] = (leader.get("post") or "").strip()
    fields["responsible_leader_phone"] = _clean_leader_phone(leader)
    if not fields.get("people_involved"):
        fields["people_involved"] = len(parties)
    fields["difficulty"] = _difficulty(fields)
    fields["risk_flags"] = list(dict.fromkeys(fields.get("risk_flags") or []))

    case = Case(committee=committee, source=source, created_by=actor, **fields)
    _assign_number(case, committee)
    case.save()
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
    case.repeat_dispute, matched = _repeat_dispute(case, [r.id_number_digest for r in rows])
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
    # A new case has no follow-ups to cancel and no agreement: only its month to mark.
    statistics.mark_dirty(case=case, new=True)
    return case


def case_register(
    *, actor, committee: Committee, source: str, parties: list[dict], via: str = "", **fields
) -> Case:
    """Register a dispute at `committee` (a member of it registers). Atomic; numbered
    without gaps; writes nothing if any rule fails. `via`: the request, for the
    personal-data access log."""
    _require_member(actor, committee.id)
    if source not in choices.SELF_REGISTERED_SOURCES:
        raise InvalidInput(
            "调委会登记的案件来源只能是当事人申请或排查发现；移送和对接案件由系统生成。",
            code="invalid_source",
            field="source",
        )
    with transaction.atomic():
        return _register(
            actor=actor,
            committee=committee,
            source=source,
            parties=parties,
            fields=fields,
            via=via,
        )


# --- the workflow ------------------------------------------------------------------------


def _active_mediators(case: Case, mediator_ids: list[int]) -> list[Mediator]:
    ids = list(dict.fromkeys(mediator_ids))
    if not ids:
        raise InvalidInput("至少指派一名调解员。", code="mediators_required", field="mediators")
    mediators = list(
        Mediator.objects.filter(id__in=ids, committee_id=case.committee_id, is_active=True)
    )
    if len(mediators) != len(ids):
        raise InvalidInput(
            "调解员必须是本调委会在岗的调解员。", code="invalid_mediator", field="mediators"
        )
    recused = set(case.recused_mediators.filter(id__in=ids).values_list("id", flat=True))
    if recused:
        raise InvalidInput(
            "当事人已申请该调解员回避，不能再指派其办理本案。",
            code="mediator_recused",
            field="mediators",
            mediators=sorted(recused),
        )
    return mediators


def case_accept(*, actor, case: Case, mediator_ids: list[int]) -> Case:
    """Accept a registered case and assign its mediators (director). Sets accepted_at and
    due_on = today + MEDIATION_DAYS."""
    _require_director(actor, case.committee_id)
    with transaction.atomic():
        case = _lock(case)
        before, after = workflow.move(case, "accept")
        mediators = _active_mediators(case, mediator_ids)
        case.accepted_at = timezone.now()
        case.due_on = timezone.localdate() + timedelta(days=rule("MEDIATION_DAYS"))
        case.save()
        case.mediators.set(mediators)
        case_event_record(
            case=case,
            kind="accepted",
            actor=actor,
            from_status=before,
            to_status=after,
            data={"mediators": [m.id for m in mediators], "due_on": str(case.due_on)},
        )
        _after_change(case)
    return case


def case_decline(
    *, actor, case: Case, reason: str, reason_code: str = choices.DeclineReason.OTHER
) -> Case:
    """Decline a registered case (director), telling the party the other routes."""
    _require_director(actor, case.committee_id)
    if not (reason or "").strip():
        raise InvalidInput("请填写不予受理的理由。", code="reason_required", field="reason")
    _check_text(reason.strip(), SHORT_TEXT_MAX, field="reason", label="不予受理理由")
    if reason_code not in choices.DeclineReason.values:
        raise InvalidInput("未知的不予受理原因。", code="invalid_choice", field="reason_code")
    with transaction.atomic():
        case = _lock(case)
        before, after = workflow.move(case, "decline")
        case.closing_reason = reason.strip()
        case.closed_as = "declined"
        case.concluded_at = timezone.now()
        case.decline_reason_code = reason_code
        case.decline_notice = choices.OTHER_ROUTES_NOTICE
        case.save()
        case_event_record(
            case=case,
            kind="declined",
            actor=actor,
            from_status=before,
            to_status=after,
            data={"reason": case.closing_reason, "reason_code": reason_code},
        )
        _after_change(case)
        _after_referral_outcome(case)
    return case


def case_assign_mediators(
    *, actor, case: Case, mediator_ids: list[int], reason: str = "", party_objection: bool = False
) -> Case:
    """Change the mediators (director). With `party_objection`, every mediator taken off
    the case is recused for good (回避): they can never be assigned to it again."""
    _require_director(actor, case.committee_id)
    if party_objection and not (reason or "").strip():
        raise InvalidInput("当事人申请回避时请填写理由。", code="reason_required", field="reason")
    _check_text((reason or "").strip(), SHORT_TEXT_MAX, field="reason", label="理由")
    with transaction.atomic():
        case = _lock(case)
        workflow.move(case, "assign")
        mediators = _active_mediators(case, mediator_ids)
        current = set(case.mediators.values_list("id", flat=True))
        removed = current - {m.id for m in mediators}
        case.mediators.set(mediators)
        if party_objection and removed:
            case.recused_mediators.add(*removed)
        case.save(update_fields=["updated_at"])
        case_event_record(
            case=case,
            kind="mediators_assigned",
            actor=actor,
            from_status=case.status,
            data={
                "mediators": [m.id for m in mediators],
                "removed": sorted(removed),
                "party_objection": party_objection,
                "reason": (reason or "").strip(),
            },
        )
    return case


def case_record_session(
    *,
    actor,
    case: Case,
    held_at: datetime,
    summary: str,
    place: str = "",
    participants: str = "",
    party_present: bool = True,
) -> MediationSession:
    """Record a hearing (member). With the parties present it counts one visit."""
    _require_member(actor, case.committee_id)
    if held_at > timezone.now() + timedelta(minutes=10):
        raise InvalidInput("调解时间不能晚于当前时间。", code="held_in_future", field="held_at")
    if not (summary or "").strip():
        raise InvalidInput("请填写调解情况。", code="summary_required", field="summary")
    _check_text(summary.strip(), LONG_TEXT_MAX, field="summary", label="调解情况")
    _check_text(participants, SHORT_TEXT_MAX, field="participants", label="参加人员")
    _check_text(place, 200, field="place", label="地点")
    with transaction.atomic():
        case = _lock(case)
        workflow.move(case, "record_session")
        if case.accepted_at and held_at < case.received_at - timedelta(days=1):
            raise InvalidInput(
                "调解时间早于案件登记时间。", code="held_before_received", field="held_at"
            )
        session = MediationSession.objects.create(
            case=case,
            held_at=held_at,
            place=place,
            participants=participants,
            summary=summary.strip(),
            party_present=party_present,
            recorded_by=actor,
        )
        if party_present:
            case.party_visits += 1
        case.save(update_fields=["party_visits", "updated_at"])
        case_event_record(
            case=case,
            kind="session_recorded",
            actor=actor,
            from_status=case.status,
            data={
                "session": session.id,
                "held_at": held_at.isoformat(),
                "party_present": party_present,
            },
        )
    return session


def case_extend(*, actor, case: Case, days: int, reason: str, parties_consent: bool) -> Case:
    """Extend the mediation period once, by at most EXTENSION_MAX_DAYS, with the parties'
    consent (member)."""
    _require_member(actor, case.committee_id)
    if not parties_consent:
        raise InvalidInput(
            "延长调解期限须经双方当事人同意。",
            code="parties_consent_required",
            field="parties_consent",
        )
    if not (reason or "").strip():
        raise InvalidInput("请填写延长理由。", code="reason_required", field="reason")
    _check_text(reason.strip(), SHORT_TEXT_MAX, field="reason", label="延长理由")
    if not 1 <= days <= rule("EXTENSION_MAX_DAYS"):
        raise InvalidInput(
            f"延长天数应在1至{rule('EXTENSION_MAX_DAYS')}天之间。",
            code="extension_too_long",
            field="days",
        )
    with transaction.atomic():
        case = _lock(case)
        workflow.move(case, "extend")
        if case.extended_days:
            raise InvalidTransition("调解期限只能延长一次。", code_detail="already_extended")
        before_due = case.due_on
        case.due_on = case.due_on + timedelta(days=days)
        case.extended_days = days
        case.extension_reason = reason.strip()
        case.save()
        case_event_record(
            case=case,
            kind="extended",
            actor=actor,
            from_status=case.status,
            data={
                "days": days,
                "reason": case.extension_reason,
                "due_on_before": str(before_due),
                "due_on": str(case.due_on),
            },
        )
        _after_change(case)
    return case


def _clean_prevented(prevented: dict | None) -> dict[str, int]:
    prevented = prevented or {}
    unknown = set(prevented) - {"suicide", "civil_to_criminal", "group_fight", "group_petition"}
    if unknown:
        raise InvalidInput("未知的防止激化类别。", code="invalid_choice", field="prevented")
    cleaned = {}
    for key in ("suicide", "civil_to_criminal", "group_fight", "group_petition"):
        value = prevented.get(key) or 0
        if not isinstance(value, int) or value < 0:
            raise InvalidInput("人数应为非负整数。", code="invalid", field=f"prevented.{key}")
        cleaned[f"prevented_{key}"] = value
    return cleaned


def case_conclude(
    *,
    actor,
    case: Case,
    outcome: str,
    agreement: dict | None = None,
    guidance: str = "",
    reason: str = "",
    prevented: dict | None = None,
) -> Case:
    """Conclude mediation (member): success with an agreement (written or oral, numbered
    like the case), or failure with the guidance given to the parties."""
    _require_member(actor, case.committee_id)
    prevented_fields = _clean_prevented(prevented)
    _check_text((reason or "").strip(), SHORT_TEXT_MAX, field="reason", label="结案说明")
    if outcome == choices.Outcome.SUCCESS:
        if not agreement:
            raise InvalidInput(
                "调解成功须记录调解协议。", code="agreement_required", field="agreement"
            )
        if agreement.get("form") not in choices.AgreementForm.values:
            raise InvalidInput(
                "协议形式应为书面或口头。", code="invalid_choice", field="agreement.form"
            )
        if not (agreement.get("terms") or "").strip():
            raise InvalidInput("请填写协议内容。", code="terms_required", field="agreement.terms")
        _check_text(
            agreement["terms"].strip(), LONG_TEXT_MAX, field="agreement.terms", label="协议内容"
        )
        _check_amount(agreement.get("amount"), field="agreement.amount")
        _check_past_date(
            agreement.get("effective_on"), field="agreement.effective_on", label="协议生效日期"
        )
        if (
            agreement.get("intends_judicial_confirmation")
            and agreement["form"] != choices.AgreementForm.WRITTEN
        ):
            raise InvalidInput(
                "只有书面调解协议可以申请司法确认。",
                code="written_agreement_required",
                field="agreement.intends_judicial_confirmation",
            )
        effective_on = agreement.get("effective_on") or timezone.localdate()
        deadline = agreement.get("performance_deadline")
        if deadline and deadline < effective_on:
            raise InvalidInput(
                "履行期限不能早于协议生效日期。",
                code="invalid_deadline",
                field="agreement.performance_deadline",
            )
        action = "conclude_success"
    elif outcome == choices.Outcome.FAILURE:
        if guidance not in choices.Guidance.values:
            raise InvalidInput(
                "调解不成须告知当事人其他途径。", code="guidance_required", field="guidance"
            )
        action = "conclude_failure"
    else:
        raise InvalidInput(
            "调解结果应为 success 或 failure。", code="invalid_choice", field="outcome"
        )

    with transaction.atomic():
        case = _lock(case)
        before, after = workflow.move(case, action)
        case.outcome = outcome
        case.closed_as = after
        case.guidance = guidance if outcome == choices.Outcome.FAILURE else ""
        case.closing_reason = (reason or "").strip()
        case.concluded_at = timezone.now()
        for key, value in prevented_fields.items():
            setattr(case, key, value)
        case.save()
        data = {"outcome": outcome, "prevented": _jsonable(prevented_fields)}
        if outcome == choices.Outcome.SUCCESS:
            record = Agreement.objects.create(
                case=case,
                number=case.number,
                form=agreement["form"],
                terms=agreement["terms"].strip(),
                amount=agreement.get("amount"),
                performance_deadline=agreement.get("performance_deadline"),
                effective_on=effective_on,
                intends_judicial_confirmation=bool(agreement.get("intends_judicial_confirmation")),
            )
            data["agreement"] = {
                "form": record.form,
                "amount": str(record.amount) if record.amount is not None else None,
            }
        else:
            data["guidance"] = guidance
        case_event_record(
            case=case,
            kind="concluded",
            actor=actor,
            from_status=before,
            to_status=after,
            data=data,
        )
        _after_change(case)
        _after_referral_outcome(case)
    return case


def case_withdraw(*, actor, case: Case, reason: str) -> Case:
    """The applicant withdraws (member records it)."""
    _require_member(actor, case.committee_id)
    if not (reason or "").strip():
        raise InvalidInput("请填写撤回理由。", code="reason_required", field="reason")
    _check_text(reason.strip(), SHORT_TEXT_MAX, field="reason", label="撤回理由")
    with transaction.atomic():
        case = _lock(case)
        before, after = workflow.move(case, "withdraw")
        case.closed_as = after
        case.closing_reason = reason.strip()
        case.concluded_at = timezone.now()
        case.save()
        case_event_record(
            case=case,
            kind="withdrawn",
            actor=actor,
            from_status=before,
            to_status=after,
            data={"reason": case.closing_reason},
        )
        _after_change(case)
        _after_referral_outcome(case)
    return case


def case_archive(*, actor, case: Case) -> Case:
    """Archive a concluded case whose follow-ups are all done or cancelled (member)."""
    from mediation.models import FollowUp

    _require_member(actor, case.committee_id)
    with transaction.atomic():
        case = _lock(case)
        workflow.check(case, "archive")
        open_referrals = case.referrals.filter(direction="outbound", status="open").values_list(
            "id", flat=True
        )
        if open_referrals:
            raise InvalidTransition(
                "案件已移交协作单位，尚未收到处理结果，不能归档。",
                status=case.status,
                action="archive",
                referrals=list(open_referrals),
            )
        pending = FollowUp.objects.filter(case=case, status=FollowUp.Status.SCHEDULED)
        if pending.exists():
            raise InvalidTransition(
                "案件尚有未完成的回访或跟进事项，不能归档。",
                status=case.status,
                action="archive",
                follow_ups=list(pending.values_list("id", flat=True)),
            )
        before, after = workflow.move(case, "archive")
        case.archived_at = timezone.now()
        case.save()
        case_event_record(
            case=case, kind="archived", actor=actor, from_status=before, to_status=after
        )
    return case


def case_record_judicial_confirmation(
    *, actor, case: Case, applied_on: date, court: str, result: str, ruling_number: str = ""
) -> Agreement:
    """Record the parties' application for judicial confirmation and its result (member).
    Only a written agreement, applied for within the window after it took effect."""
    _require_member(actor, case.committee_id)
    if result not in choices.JudicialResult.values:
        raise InvalidInput("司法确认结果无效。", code="invalid_choice", field="result")
    if not (court or "").strip():
        raise InvalidInput("请填写受理法院。", code="court_required", field="court")
    _check_text(court.strip(), 100, field="court", label="受理法院")
    _check_text((ruling_number or "").strip(), 100, field="ruling_number", label="裁定书文号")
    _check_past_date(applied_on, field="applied_on", label="司法确认申请日期")
    with transaction.atomic():
        case = _lock(case)
        workflow.move(case, "judicial_confirmation")
        agreement = Agreement.objects.select_for_update().get(case=case)
        if agreement.form != choices.AgreementForm.WRITTEN:
            raise InvalidInput(
                "只有书面调解协议可以申请司法确认。",
                code="written_agreement_required",
                field="result",
            )
        window_end = agreement.effective_on + timedelta(days=rule("JUDICIAL_CONFIRMATION_DAYS"))
        if not agreement.effective_on <= applied_on <= window_end:
            raise InvalidInput(
                f"司法确认应在协议生效之日起{rule('JUDICIAL_CONFIRMATION_DAYS')}日内申请"
                f"（{agreement.effective_on}至{window_end}）。",
                code="outside_judicial_window",
                field="applied_on",
            )
        agreement.judicial_applied_on = applied_on
        agreement.judicial_court = court.strip()
        agreement.judicial_result = result
        agreement.judicial_ruling_number = (ruling_number or "").strip()
        agreement.save()
        case_event_record(
            case=case,
            kind="judicial_confirmation",
            actor=actor,
            from_status=case.status,
            data={
                "applied_on": str(applied_on),
                "court": agreement.judicial_court,
                "result": result,
                "ruling_number": agreement.judicial_ruling_number,
            },
        )
        _after_change(case)
    return agreement


def case_update(*, actor, case: Case, **changes) -> Case:
    """Edit descriptive fields of an open case (member). Never status or committee."""
    _require_member(actor, case.committee_id)
    leader = changes.pop("responsible_leader", None)
    if leader is not None:
        changes["responsible_leader_name"] = (leader.get("name") or "").strip()
        changes["responsible_leader_post"] = (leader.get("post") or "").strip()
        changes["responsible_leader_phone"] = _clean_leader_phone(leader)
    unknown = set(changes) - set(DESCRIPTIVE_FIELDS)
    if unknown:
        raise InvalidInput(
            f"这些字段不能修改：{', '.join(sorted(unknown))}", code="field_not_editable"
        )
    _check_codes(changes)
    with transaction.atomic():
        case = _lock(case)
        workflow.move(case, "update")
        before = {k: getattr(case, k) for k in changes}
        for key, value in changes.items():
            setattr(case, key, value)
        # Difficulty follows the rules whatever was edited: a major dispute stays major.
        before["difficulty"] = before.get("difficulty", case.difficulty)
        case.difficulty = _difficulty(
            {
                f: getattr(case, f)
                for f in ("amount_involved", "people_involved", "risk_flags", "difficulty")
            }
        )
        changes = {**changes, "difficulty": case.difficulty}
        changed = {k: v for k, v in changes.items() if before[k] != v}
        case.save()
        if changed:
            statistics.mark_dirty(case=case)

            def redacted(values: dict) -> dict:
                # The history is read outside the holding committee: a phone change is
                # recorded as a change, never with the numbers.
                return _jsonable({k: "***" if k in PERSONAL_FIELDS else values[k] for k in changed})

            case_event_record(
                case=case,
                kind="updated",
                actor=actor,
                from_status=case.status,
                data={"before": redacted(before), "after": redacted(changed)},
            )
    return case


# --- screening reports (矛盾纠纷排查) -------------------------------------------------------


def screening_report_file(
    *,
    actor,
    committee: Committee,
    period: str,
    disputes_found: int,
    high_risk: int = 0,
    prevented: int = 0,
    notes: str = "",
):
    """File a committee's monthly screening report (a member files it); one per committee
    per month. Cancels the reminders for that month."""
    from mediation.models import FollowUp, ScreeningReport

    _require_member(actor, committee.id)
    try:
        year, month = (int(part) for part in period.split("-"))
        first_day = date(year, month, 1)
        if year < 2000:
            raise ValueError(year)
    except (TypeError, ValueError):
        raise InvalidInput(
            "报告期格式应为 YYYY-MM。", code="invalid_period", field="period"
        ) from None
    if first_day > timezone.localdate():
        raise InvalidInput("不能填报未来月份的排查报告。", code="invalid_period", field="period")
    _check_text((notes or "").strip(), SHORT_TEXT_MAX, field="notes", label="说明")
    if high_risk > disputes_found:
        raise InvalidInput(
            "高风险纠纷数不能大于排查发现纠纷数。", code="invalid_counts", field="high_risk"
        )
    period = f"{first_day.year:04d}-{first_day.month:02d}"
    already_filed = Conflict("该调委会本月的排查报告已经填报。", period=period)
    with transaction.atomic():
        if ScreeningReport.objects.filter(committee=committee, period=period).exists():
            raise already_filed
        try:
            # Two members filing the same month at once both pass the check above; the
            # unique constraint lets one insert through and the other gets 409, not a 500.
            with transaction.atomic():
                report = ScreeningReport.objects.create(
                    committee=committee,
                    period=period,
                    disputes_found=disputes_found,
                    high_risk=high_risk,
                    prevented=prevented,
                    notes=(notes or "").strip(),
                    filed_by=actor,
                )
        except IntegrityError:
            raise already_filed from None
        FollowUp.objects.filter(
            kind=FollowUp.Kind.SCREENING_REPORT,
            committee=committee,
            period=period,
            status=FollowUp.Status.SCHEDULED,
        ).update(status=FollowUp.Status.CANCELLED, done_at=timezone.now())
    return report


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


def _raise_counter_to(committee_id: int, year: int, sequence: int) -> None:
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


def _historical_moments(
    status: str, received_on: date, accepted_on: date | None, concluded_on: date | None
) -> None:
    for field, day, label in (
        ("received_on", received_on, "登记日期"),
        ("accepted_on", accepted_on, "受理日期"),
        ("concluded_on", concluded_on, "结案日期"),
    ):
        _check_past_date(day, field=field, label=label)
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
        raise InvalidInput(
            "未受理的案件不能有受理日期。", code="invalid_date", field="accepted_on"
        )
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
        _check_past_date(archived_on, field="archived_on", label="归档日期")
        if status in workflow.OPEN:
            raise InvalidInput(
                "未结案件不能有归档日期。", code="invalid_date", field="archived_on"
            )
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
        _check_text(
            agreement["terms"], LONG_TEXT_MAX, field="agreement.terms", label="协议内容"
        )
        _check_amount(agreement.get("amount"), field="agreement.amount")
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
    _check_text(closing_reason, SHORT_TEXT_MAX, field="closing_reason", label="结案理由")
    _check_codes(fields)
    parties = _clean_parties(parties)
    fields = dict(fields)
    leader = fields.pop("responsible_leader", None) or {}
    fields["responsible_leader_name"] = (leader.get("name") or "").strip()
    fields["responsible_leader_post"] = (leader.get("post") or "").strip()
    fields["responsible_leader_phone"] = _clean_leader_phone(leader)
    if not fields.get("people_involved"):
        fields["people_involved"] = len(parties)
    fields["difficulty"] = _difficulty(fields)
    fields["risk_flags"] = list(dict.fromkeys(fields.get("risk_flags") or []))

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
    from mediation import followups
    from mediation.models import CaseEvent

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
            _raise_counter_to(committee.id, year, sequence)
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
        CaseEvent.objects.bulk_create(events)
        marked: set = set()
        for case in cases:
            if case.status in workflow.OPEN:
                followups.followups_sync_case(case=case)
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
