"""Routing services: transfers between committees and referrals with partner institutions
(三调联动 and the docking mechanisms). Same rules as the case services, with the same
shared steps (mediation.services.kernel): one transaction each, rows locked in a fixed
order (case, then transfer or referral), a CaseEvent per step carrying both committees,
follow-ups scheduled and cancelled here.

Lock order: Case before Transfer/Referral, everywhere. A decision on a transfer takes the
case lock first, so accept/reject/cancel/expire racing on one transfer queue on the case
row and exactly one finds the transfer still pending; the rest get Conflict (409).
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from committees.models import Committee, Institution, Mechanism
from committees.scope import scope_for
from mediation import alerts, choices, schedule, statistics, workflow
from mediation.exceptions import Conflict, InvalidInput, InvalidTransition, NotAllowed
from mediation.models import Case, Referral, Transfer
from mediation.services import risk
from mediation.services.checks import check_text
from mediation.services.intake import register
from mediation.services.kernel import (
    after_change,
    assign_number,
    case_event_record,
    lock,
    require_director,
    rule,
)
from mediation.validators import SHORT_TEXT_MAX

# --- transfers between committees --------------------------------------------------------


def transfer_request(
    *, actor, case: Case, to_committee: Committee, kind: str, reason: str
) -> Transfer:
    """Ask another committee to take the case (director of the holding committee).

    `reassign` goes to any other active committee; `escalate` only to an ancestor in the
    committee tree (village/community → town/sub-district). The case is frozen until the
    receiver decides, the sender cancels, or `respond_by` passes.
    """
    require_director(actor, case.committee_id)
    if kind not in Transfer.Kind.values:
        raise InvalidInput(
            "移送类别应为 reassign 或 escalate。", code="invalid_choice", field="kind"
        )
    if not (reason or "").strip():
        raise InvalidInput("请填写移送理由。", code="reason_required", field="reason")
    check_text(reason.strip(), SHORT_TEXT_MAX, field="reason", label="移送理由")
    if to_committee.id == case.committee_id:
        raise InvalidInput("不能移送给本调委会。", code="transfer_to_self", field="to_committee")
    if not to_committee.is_active:
        raise InvalidInput("接收调委会已停用。", code="committee_inactive", field="to_committee")
    if kind == Transfer.Kind.ESCALATE:
        ancestors = {c.id for c in case.committee.ancestors()}
        if to_committee.id not in ancestors:
            raise InvalidInput(
                "只能上报给上级调委会；乡镇（街道）以上请通过对接机制移交。",
                code="not_an_ancestor",
                field="to_committee",
            )
    with transaction.atomic():
        case = lock(case)
        workflow.move(case, "transfer")
        case.save(update_fields=["transfer_pending", "updated_at"])
        now = timezone.now()
        transfer = Transfer.objects.create(
            case=case,
            kind=kind,
            from_committee_id=case.committee_id,
            to_committee=to_committee,
            reason=reason.strip(),
            requested_by=actor,
            requested_at=now,
            respond_by=now + timedelta(days=rule("TRANSFER_RESPONSE_DAYS")),
        )
        schedule.transfer_response(transfer)
        case_event_record(
            case=case,
            kind="transfer_requested",
            actor=actor,
            from_status=case.status,
            other_committee=to_committee,
            data={
                "transfer": transfer.id,
                "kind": kind,
                "reason": transfer.reason,
                "respond_by": transfer.respond_by.isoformat(),
            },
        )
        alerts.transfer_requested(transfer)
    return transfer


def _lock_pending(transfer: Transfer) -> tuple[Case, Transfer]:
    """Lock the case, then the transfer; Conflict unless the transfer is still pending."""
    case = Case.objects.select_for_update().get(pk=transfer.case_id)
    locked = Transfer.objects.select_for_update().get(pk=transfer.pk)
    if locked.status != Transfer.Status.PENDING:
        raise Conflict(
            f"该移送已处理（{locked.get_status_display()}）。", transfer_status=locked.status
        )
    return case, locked


def _close(case: Case, transfer: Transfer, status: str, actor, reason: str, kind: str) -> None:
    """Reject, cancel or expire: the case stays where it was and is unfrozen."""
    workflow.move(case, "transfer_closed")
    case.save(update_fields=["transfer_pending", "updated_at"])
    transfer.status = status
    transfer.decided_by = actor
    transfer.decided_at = timezone.now()
    transfer.decision_reason = reason
    transfer.save()
    schedule.transfer_closed(transfer, accepted=False)
    case_event_record(
        case=case,
        kind=kind,
        actor=actor,
        from_status=case.status,
        other_committee=transfer.to_committee,
        data={"transfer": transfer.id, "reason": reason},
    )


def transfer_accept(*, actor, transfer: Transfer) -> Transfer:
    """The receiving committee's director accepts: the case moves there, back to
    `registered`, with a new number in the receiver's sequence (old numbers kept)."""
    require_director(actor, transfer.to_committee_id)
    with transaction.atomic():
        case, transfer = _lock_pending(transfer)
        if not transfer.to_committee.is_active:
            raise InvalidInput("接收调委会已停用。", code="committee_inactive")
        before, after = workflow.move(case, "transfer_accepted")
        sender = case.committee
        # The sender's figures for the case's old dates (e.g. its acceptance) leave with it.
        # The receiver's cells are marked now too, in the one order every mark takes: the
        # marks after the move touch only these cells again, so two transfers crossing
        # between the same committees queue instead of deadlocking (found by the chaos run).
        statistics.mark_dirty(case=case, also_committee_id=transfer.to_committee_id)
        case.previous_numbers = [*case.previous_numbers, case.number]
        case.committee = transfer.to_committee
        assign_number(case, transfer.to_committee)
        case.accepted_at = None
        case.due_on = None
        case.accept_by = schedule.acceptance_deadline()
        case.extended_days = 0
        previous_source = case.source
        case.source = choices.Source.TRANSFER
        case.save()
        case.mediators.clear()
        transfer.status = Transfer.Status.ACCEPTED
        transfer.decided_by = actor
        transfer.decided_at = timezone.now()
        transfer.save()
        schedule.transfer_closed(transfer, accepted=True)
        case_event_record(
            case=case,
            kind="transfer_accepted",
            actor=actor,
            from_status=before,
            to_status=after,
            other_committee=sender,
            data={
                "transfer": transfer.id,
                "number": case.number,
                "previous_number": case.previous_numbers[-1],
                "previous_source": previous_source,
            },
        )
        after_change(case, also_committee_id=sender.id)
        alerts.transfer_decided(transfer)
        # Re-registered at the receiver: art 25's report is now its committee's to make.
        risk.risk_report(case=case, actor=actor)
    return transfer


def transfer_reject(*, actor, transfer: Transfer, reason: str) -> Transfer:
    """The receiving committee's director refuses (reason required); the case stays."""
    require_director(actor, transfer.to_committee_id)
    if not (reason or "").strip():
        raise InvalidInput("请填写拒收理由。", code="reason_required", field="reason")
    check_text(reason.strip(), SHORT_TEXT_MAX, field="reason", label="拒收理由")
    with transaction.atomic():
        case, transfer = _lock_pending(transfer)
        _close(case, transfer, Transfer.Status.REJECTED, actor, reason.strip(), "transfer_rejected")
        alerts.transfer_decided(transfer)
    return transfer


def transfer_cancel(*, actor, transfer: Transfer) -> Transfer:
    """The sending committee's director withdraws the request; the case stays."""
    require_director(actor, transfer.from_committee_id)
    with transaction.atomic():
        case, transfer = _lock_pending(transfer)
        _close(case, transfer, Transfer.Status.CANCELLED, actor, "", "transfer_cancelled")
    return transfer


def transfer_expire(*, transfer_id: int) -> Transfer | None:
    """Return an unanswered transfer to the sender once `respond_by` has passed.

    Called by the follow-up engine; a repeat, or a transfer decided meanwhile, is a no-op
    (returns None)."""
    with transaction.atomic():
        transfer = Transfer.objects.filter(pk=transfer_id).first()
        if transfer is None:
            return None
        try:
            case, transfer = _lock_pending(transfer)
        except Conflict:
            return None
        if transfer.respond_by > timezone.now():
            return None
        _close(
            case,
            transfer,
            Transfer.Status.EXPIRED,
            None,
            "超过答复期限，自动退回。",
            "transfer_expired",
        )
    return transfer


# --- referrals with partner institutions --------------------------------------------------


def _check_mechanism(mechanism: Mechanism, institution: Institution) -> None:
    if not mechanism.accepts(institution):
        raise InvalidInput(
            f"{institution.name}（{institution.get_kind_display()}）不能通过“{mechanism.name}”转介。",
            code="mechanism_not_for_institution",
            field="mechanism",
        )


def referral_receive(
    *,
    actor,
    mechanism: Mechanism,
    committee: Committee,
    institution: Institution | None = None,
    external_ref: str = "",
    parties: list[dict],
    via: str = "",
    **case_fields,
) -> Referral:
    """A partner's liaison sends a dispute in (委派/委托): the case is registered at
    `committee` with source = the mechanism's code, and the outcome is due back within the
    mechanism's feedback days. Atomic: nothing is written if any rule fails. `via`: the
    request, for the personal-data access log."""
    scope = scope_for(actor)
    liaison_of = scope.liaison_of
    if not liaison_of and not scope.acts_anywhere:
        raise NotAllowed("只有协作单位的联络员可以转介案件。")
    if institution is None:
        if len(liaison_of) != 1:
            raise InvalidInput("请指明转介单位。", code="institution_required", field="institution")
        institution = Institution.objects.get(pk=next(iter(liaison_of)))
    if not scope.may_act_for_institution(institution.id):
        raise NotAllowed("只有协作单位的联络员可以转介案件。")
    _check_mechanism(mechanism, institution)
    if mechanism.code not in choices.Source.values:
        raise InvalidInput(
            "该对接机制未配置案件来源。", code="mechanism_not_configured", field="mechanism"
        )
    check_text((external_ref or "").strip(), 100, field="external_ref", label="对方案号")
    with transaction.atomic():
        case = register(
            actor=actor,
            committee=committee,
            source=mechanism.code,
            parties=parties,
            fields=case_fields,
            via=via,
        )
        today = timezone.localdate()
        referral = Referral.objects.create(
            direction=Referral.Direction.INBOUND,
            mechanism=mechanism,
            institution=institution,
            committee=committee,
            case=case,
            external_ref=(external_ref or "").strip(),
            created_by=actor,
            feedback_due=today + timedelta(days=mechanism.feedback_days),
        )
        schedule.referral_feedback(referral)
        case_event_record(
            case=case,
            kind="referral_received",
            actor=actor,
            from_status=case.status,
            data={
                "referral": referral.id,
                "mechanism": mechanism.code,
                "institution": institution.code,
                "external_ref": referral.external_ref,
            },
        )
        alerts.referral_arrived(referral)
    return referral


OUTCOME_RESULTS = {
    choices.Status.SUCCEEDED: Referral.Result.SUCCESS,
    choices.Status.FAILED: Referral.Result.FAILURE,
    choices.Status.WITHDRAWN: Referral.Result.WITHDRAWN,
    choices.Status.DECLINED: Referral.Result.DECLINED,
}


def referral_record_outcome(*, case: Case) -> list[Referral]:
    """Send the outcome back on every open inbound referral of a case that has ended
    (called by the services inside their transaction). Result, agreement yes/no, date."""
    result = OUTCOME_RESULTS.get(case.status)
    if result is None:
        return []
    referrals = list(
        Referral.objects.select_for_update().filter(
            case=case, direction=Referral.Direction.INBOUND, status=Referral.Status.OPEN
        )
    )
    now = timezone.now()
    for referral in referrals:
        referral.result = result
        referral.has_agreement = case.status == choices.Status.SUCCEEDED
        referral.result_on = timezone.localdate(case.concluded_at or now)
        referral.feedback_at = now
        referral.status = Referral.Status.CLOSED
        referral.save()
        schedule.referral_answered(referral, now)
        case_event_record(
            case=case,
            kind="referral_feedback_sent",
            from_status=case.status,
            data={
                "referral": referral.id,
                "result": result,
                "on_time": referral.result_on <= referral.feedback_due,
            },
        )
    return referrals


def case_refer(
    *, actor, case: Case, mechanism: Mechanism, institution: Institution, reason: str
) -> Referral:
    """Hand a case to a partner (三调联动: administrative or judicial mediation, or a
    department called in under 街巷吹哨·部门报到). The case becomes `referred` until the
    partner records its result (director of the holding committee)."""
    require_director(actor, case.committee_id)
    _check_mechanism(mechanism, institution)
    if not (reason or "").strip():
        raise InvalidInput("请填写移交理由。", code="reason_required", field="reason")
    check_text(reason.strip(), SHORT_TEXT_MAX, field="reason", label="移交理由")
    with transaction.atomic():
        case = lock(case)
        before, after = workflow.move(case, "refer")
        case.save()
        referral = Referral.objects.create(
            direction=Referral.Direction.OUTBOUND,
            mechanism=mechanism,
            institution=institution,
            committee_id=case.committee_id,
            case=case,
            reason=reason.strip(),
            created_by=actor,
            feedback_due=timezone.localdate() + timedelta(days=mechanism.feedback_days),
        )
        case_event_record(
            case=case,
            kind="referred_out",
            actor=actor,
            from_status=before,
            to_status=after,
            data={
                "referral": referral.id,
                "mechanism": mechanism.code,
                "institution": institution.code,
            },
        )
        after_change(case)
    return referral


PARTNER_RESULTS = (
    Referral.Result.SUCCESS,
    Referral.Result.FAILURE,
    Referral.Result.RESOLVED,
    Referral.Result.RETURNED,
)


def referral_feedback(*, actor, referral: Referral, result: str, note: str = "") -> Referral:
    """The partner records its result on an outbound referral (its liaison). `returned`
    sends the case back to `mediating` at the same committee."""
    if referral.direction != Referral.Direction.OUTBOUND:
        raise InvalidTransition("转入案件的结果在结案时自动反馈，无需手工提交。", action="feedback")
    if not scope_for(actor).may_act_for_institution(referral.institution_id):
        raise NotAllowed("只有接收单位的联络员可以反馈结果。")
    if result not in PARTNER_RESULTS:
        raise InvalidInput(
            "结果应为 success、failure、resolved 或 returned。",
            code="invalid_choice",
            field="result",
        )
    check_text((note or "").strip(), SHORT_TEXT_MAX, field="note", label="说明")
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=referral.case_id)
        referral = Referral.objects.select_for_update().get(pk=referral.pk)
        if referral.status != Referral.Status.OPEN:
            raise Conflict("该移交已反馈。", referral_status=referral.status)
        now = timezone.now()
        referral.result = result
        referral.has_agreement = result == Referral.Result.SUCCESS
        referral.result_on = timezone.localdate(now)
        referral.feedback_at = now
        referral.note = (note or "").strip()
        referral.status = Referral.Status.CLOSED
        referral.save()
        before = after = case.status
        if result == Referral.Result.RETURNED:
            before, after = workflow.move(case, "referral_returned")
            if case.due_on is None:
                case.accepted_at = now
                case.due_on = timezone.localdate() + timedelta(days=rule("MEDIATION_DAYS"))
            case.save()
        case_event_record(
            case=case,
            kind="referral_result",
            actor=actor,
            from_status=before,
            to_status=after,
            data={"referral": referral.id, "result": result, "note": referral.note},
        )
        after_change(case)
    return referral
