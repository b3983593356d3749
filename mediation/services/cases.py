"""The writers of a case through its workflow (docs/design.md principle 1).

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

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from committees.models import Mediator
from mediation import choices, statistics, workflow
from mediation.exceptions import InvalidInput, InvalidTransition
from mediation.models import (
    Case,
    FollowUp,
)
from mediation.rules import rule
from mediation.services import agreements, casefile, preferences, risk, routing
from mediation.services.checks import (
    check_codes,
    check_text,
    clean_leader_phone,
    difficulty,
    jsonable,
)
from mediation.services.kernel import (
    after_change,
    case_event_record,
    lock,
    require_director,
    require_member,
)
from mediation.validators import (
    SHORT_TEXT_MAX,
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
    "public_mediation",
)


PERSONAL_FIELDS = {"responsible_leader_phone"}


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


def case_accept(
    *, actor, case: Case, mediator_ids: list[int], preferred_unavailable_reason: str = ""
) -> Case:
    """Accept a registered case and assign its mediators (director). Sets accepted_at and
    due_on = today + MEDIATION_DAYS. The parties' chosen mediators are assigned too unless
    recused or unavailable (mediation.services.preferences), the reason recorded."""
    require_director(actor, case.committee_id)
    with transaction.atomic():
        case = lock(case)
        before, after = workflow.move(case, "accept")
        mediator_ids, choice = preferences.honour(case, mediator_ids, preferred_unavailable_reason)
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
            data={
                "mediators": [m.id for m in mediators],
                "due_on": str(case.due_on),
                **({"preferred": choice} if choice else {}),
            },
        )
        after_change(case)
    return case


def case_decline(
    *, actor, case: Case, reason: str, reason_code: str = choices.DeclineReason.OTHER
) -> Case:
    """Decline a registered case (director), telling the party the other routes."""
    require_director(actor, case.committee_id)
    if not (reason or "").strip():
        raise InvalidInput("请填写不予受理的理由。", code="reason_required", field="reason")
    check_text(reason.strip(), SHORT_TEXT_MAX, field="reason", label="不予受理理由")
    if reason_code not in choices.DeclineReason.values:
        raise InvalidInput("未知的不予受理原因。", code="invalid_choice", field="reason_code")
    with transaction.atomic():
        case = lock(case)
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
        after_change(case)
        routing.referral_record_outcome(case=case)
    return case


def case_assign_mediators(
    *, actor, case: Case, mediator_ids: list[int], reason: str = "", party_objection: bool = False
) -> Case:
    """Change the mediators (director). With `party_objection`, every mediator taken off
    the case is recused for good (回避): they can never be assigned to it again."""
    require_director(actor, case.committee_id)
    if party_objection and not (reason or "").strip():
        raise InvalidInput("当事人申请回避时请填写理由。", code="reason_required", field="reason")
    check_text((reason or "").strip(), SHORT_TEXT_MAX, field="reason", label="理由")
    with transaction.atomic():
        case = lock(case)
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


def case_extend(*, actor, case: Case, days: int, reason: str, parties_consent: bool) -> Case:
    """Extend the mediation period with the parties' consent (member), recorded in the
    history: at most EXTENSION_MAX_COUNT times, each by at most EXTENSION_MAX_DAYS (settings;
    defaults once and 30 days, local practice)."""
    require_member(actor, case.committee_id)
    if not parties_consent:
        raise InvalidInput(
            "延长调解期限须经双方当事人同意。",
            code="parties_consent_required",
            field="parties_consent",
        )
    if not (reason or "").strip():
        raise InvalidInput("请填写延长理由。", code="reason_required", field="reason")
    check_text(reason.strip(), SHORT_TEXT_MAX, field="reason", label="延长理由")
    if not 1 <= days <= rule("EXTENSION_MAX_DAYS"):
        raise InvalidInput(
            f"延长天数应在1至{rule('EXTENSION_MAX_DAYS')}天之间。",
            code="extension_too_long",
            field="days",
        )
    with transaction.atomic():
        case = lock(case)
        workflow.move(case, "extend")
        if case.extension_count >= rule("EXTENSION_MAX_COUNT"):
            raise InvalidTransition(
                f"调解期限最多延长{rule('EXTENSION_MAX_COUNT')}次。",
                code_detail="already_extended",
            )
        before_due = case.due_on
        case.due_on = case.due_on + timedelta(days=days)
        case.extended_days += days
        case.extension_count += 1
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
                "parties_consent": True,
                "extension": case.extension_count,
                "due_on_before": str(before_due),
                "due_on": str(case.due_on),
            },
        )
        after_change(case)
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
    require_member(actor, case.committee_id)
    prevented_fields = _clean_prevented(prevented)
    check_text((reason or "").strip(), SHORT_TEXT_MAX, field="reason", label="结案说明")
    if outcome == choices.Outcome.SUCCESS:
        cleaned = agreements.agreement_clean(agreement)
        action = "conclude_success"
    elif outcome == choices.Outcome.FAILURE:
        # 人民调解法 art 26: the parties must be told their other routes; `none` is kept
        # only on rows concluded before this rule.
        if guidance not in choices.Guidance.values or guidance == choices.Guidance.NONE:
            raise InvalidInput(
                "调解不成须告知当事人通过仲裁、行政、司法等途径维护权利（人民调解法第二十六条）。",
                code="guidance_required",
                field="guidance",
            )
        action = "conclude_failure"
    else:
        raise InvalidInput(
            "调解结果应为 success 或 failure。", code="invalid_choice", field="outcome"
        )

    with transaction.atomic():
        case = lock(case)
        before, after = workflow.move(case, action)
        case.outcome = outcome
        case.closed_as = after
        case.guidance = guidance if outcome == choices.Outcome.FAILURE else ""
        case.closing_reason = (reason or "").strip()
        case.concluded_at = timezone.now()
        for key, value in prevented_fields.items():
            setattr(case, key, value)
        case.save()
        data = {"outcome": outcome, "prevented": jsonable(prevented_fields)}
        if outcome == choices.Outcome.SUCCESS:
            record = agreements.agreement_create(case=case, cleaned=cleaned)
            case.save(update_fields=["agreement"])
            data["agreement"] = {
                "id": record.id,
                "version": record.version,
                "form": record.form,
                "document_waived": bool(record.document_waived_by),
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
        after_change(case)
        routing.referral_record_outcome(case=case)
    return case


def case_withdraw(*, actor, case: Case, reason: str) -> Case:
    """The applicant withdraws (member records it)."""
    require_member(actor, case.committee_id)
    if not (reason or "").strip():
        raise InvalidInput("请填写撤回理由。", code="reason_required", field="reason")
    check_text(reason.strip(), SHORT_TEXT_MAX, field="reason", label="撤回理由")
    with transaction.atomic():
        case = lock(case)
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
        after_change(case)
        routing.referral_record_outcome(case=case)
    return case


def case_archive(*, actor, case: Case) -> Case:
    """Archive a concluded case whose follow-ups are all done or cancelled and whose 卷宗
    is complete (member): it gets its 卷号, gapless per committee and year, and the end of
    its retention (mediation.services.casefile)."""
    require_member(actor, case.committee_id)
    with transaction.atomic():
        case = lock(case)
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
        casefile.casefile_check_complete(case)
        before, after = workflow.move(case, "archive")
        case.archived_at = timezone.now()
        casefile.casefile_assign_number(case, case.archived_at)
        case.save()
        case_event_record(
            case=case,
            kind="archived",
            actor=actor,
            from_status=before,
            to_status=after,
            data={"file_number": case.file_number, "retain_until": str(case.retain_until)},
        )
    return case


def case_update(*, actor, case: Case, **changes) -> Case:
    """Edit descriptive fields of an open case (member). Never status or committee."""
    require_member(actor, case.committee_id)
    leader = changes.pop("responsible_leader", None)
    if leader is not None:
        changes["responsible_leader_name"] = (leader.get("name") or "").strip()
        changes["responsible_leader_post"] = (leader.get("post") or "").strip()
        changes["responsible_leader_phone"] = clean_leader_phone(leader)
    preferred_ids = changes.pop("preferred_mediators", None)
    unknown = set(changes) - set(DESCRIPTIVE_FIELDS)
    if unknown:
        raise InvalidInput(
            f"这些字段不能修改：{', '.join(sorted(unknown))}", code="field_not_editable"
        )
    check_codes(changes)
    with transaction.atomic():
        case = lock(case)
        workflow.move(case, "update")
        flags_before = list(case.risk_flags or [])
        before = {k: getattr(case, k) for k in changes}
        if preferred_ids is not None:
            preferred = preferences.clean_preferred(case.committee_id, preferred_ids, case=case)
            before["preferred_mediators"] = sorted(
                case.preferred_mediators.values_list("id", flat=True)
            )
            case.preferred_mediators.set(preferred)
            changes["preferred_mediators"] = sorted(m.id for m in preferred)
        for key, value in changes.items():
            if key != "preferred_mediators":
                setattr(case, key, value)
        # Difficulty follows the rules whatever was edited: a major dispute stays major.
        before["difficulty"] = before.get("difficulty", case.difficulty)
        case.difficulty = difficulty(
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
                return jsonable({k: "***" if k in PERSONAL_FIELDS else values[k] for k in changed})

            case_event_record(
                case=case,
                kind="updated",
                actor=actor,
                from_status=case.status,
                data={"before": redacted(before), "after": redacted(changed)},
            )
        risk.risk_after_change(case=case, actor=actor, before=flags_before)
    return case
