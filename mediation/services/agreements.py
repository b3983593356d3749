"""The agreement of a succeeded case: its form (人民调解法 art 28; 规定 art 34), its
signatures and the day it takes effect (arts 29, 30), its versions after a re-mediation
(art 33 ¶2), and what is done when it is not performed (督促履行, re-mediation, a lawsuit
over it (art 32), enforcement of a confirmed one).

`case_conclude` (mediation/services/cases.py) calls `agreement_clean` before its lock and
`agreement_create` under it; the rest are services of their own: one transaction each,
the case row locked and re-read first (lock order: case, then agreement).
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from mediation import agreement_rules, choices, statistics, workflow
from mediation.exceptions import InvalidInput, InvalidTransition
from mediation.models import Agreement, AgreementSignature, Attachment, Case, Party
from mediation.rules import rule
from mediation.services.checks import check_amount, check_past_date, check_text
from mediation.services.kernel import after_change, case_event_record, lock, require_member
from mediation.validators import LONG_TEXT_MAX, SHORT_TEXT_MAX

Signer = AgreementSignature.Signer

# A signature recorded a few minutes "ahead" is a clock skew, not a future event.
CLOCK_SKEW = timedelta(minutes=10)


# --- concluding with an agreement ----------------------------------------------------------


def _clean_waiver(waiver: dict | None) -> dict | None:
    if not waiver:
        return None
    by = (waiver.get("by") or "").strip()
    statement = (waiver.get("statement") or "").strip()
    at = waiver.get("at")
    if not by or not statement or not isinstance(at, datetime):
        raise InvalidInput(
            "放弃书面协议须记录当事人、时间和当事人的意思表示（by、at、statement）。",
            code="invalid",
            field="agreement.document_waived",
        )
    check_text(by, 200, field="agreement.document_waived.by", label="放弃书面协议的当事人")
    check_text(
        statement, SHORT_TEXT_MAX, field="agreement.document_waived.statement", label="意思表示"
    )
    check_past_date(
        timezone.localdate(at), field="agreement.document_waived.at", label="放弃书面协议时间"
    )
    if at > timezone.now() + CLOCK_SKEW:
        raise InvalidInput(
            "放弃书面协议的时间不能晚于当前时间。",
            code="date_out_of_range",
            field="agreement.document_waived.at",
        )
    return {"by": by, "at": at, "statement": statement}


def agreement_clean(agreement: dict | None) -> dict:
    """Check the agreement a success is concluded with (before any lock); returns the
    fields to store. An oral agreement that carries money or a performance after the day
    it is reached needs the parties' recorded waiver of a document (人民调解法 art 28;
    人民调解工作若干规定 art 34), else 400 `written_agreement_required`."""
    if not agreement:
        raise InvalidInput("调解成功须记录调解协议。", code="agreement_required", field="agreement")
    form = agreement.get("form")
    if form not in choices.AgreementForm.values:
        raise InvalidInput(
            "协议形式应为书面或口头。", code="invalid_choice", field="agreement.form"
        )
    terms = (agreement.get("terms") or "").strip()
    if not terms:
        raise InvalidInput("请填写协议内容。", code="terms_required", field="agreement.terms")
    check_text(terms, LONG_TEXT_MAX, field="agreement.terms", label="协议内容")
    amount = agreement.get("amount")
    check_amount(amount, field="agreement.amount")
    amount = None if amount is None else Decimal(str(amount))
    written = form == choices.AgreementForm.WRITTEN
    if agreement.get("intends_judicial_confirmation") and not written:
        raise InvalidInput(
            "只有书面调解协议可以申请司法确认。",
            code="written_agreement_required",
            field="agreement.intends_judicial_confirmation",
        )
    today = timezone.localdate()
    deadline = agreement.get("performance_deadline")
    if deadline and deadline < today:
        raise InvalidInput(
            "履行期限不能早于协议达成之日。",
            code="invalid_deadline",
            field="agreement.performance_deadline",
        )
    waiver = _clean_waiver(agreement.get("document_waived"))
    if not written and waiver is None and ((amount is not None and amount > 0) or deadline):
        raise InvalidInput(
            "口头协议涉及金额或日后履行的，应当制作书面调解协议；当事人认为无需制作的，"
            "须记录其放弃书面协议的意思表示（document_waived：by、at、statement）。",
            code="written_agreement_required",
            field="agreement.form",
        )
    return {
        "form": form,
        "terms": terms,
        "amount": amount,
        "performance_deadline": deadline,
        "intends_judicial_confirmation": bool(agreement.get("intends_judicial_confirmation")),
        # art 30: an oral agreement takes effect the day it is reached (recorded today);
        # a written one when its signatures are complete (agreement_sign).
        "effective_on": None if written else today,
        "waiver": waiver,
    }


def agreement_create(*, case: Case, cleaned: dict) -> Agreement:
    """The next version of the case's agreement, made current (inside the caller's
    transaction, under the case lock)."""
    waiver = cleaned["waiver"]
    if waiver and case.accepted_at and waiver["at"] < case.accepted_at:
        raise InvalidInput(
            "放弃书面协议的时间不能早于受理时间。",
            code="date_out_of_range",
            field="agreement.document_waived.at",
        )
    last = case.agreements.aggregate(last=Max("version"))["last"] or 0
    agreement = Agreement.objects.create(
        case=case,
        version=last + 1,
        number=case.number,
        form=cleaned["form"],
        terms=cleaned["terms"],
        amount=cleaned["amount"],
        performance_deadline=cleaned["performance_deadline"],
        effective_on=cleaned["effective_on"],
        intends_judicial_confirmation=cleaned["intends_judicial_confirmation"],
        document_waived_by=waiver["by"] if waiver else "",
        document_waived_at=waiver["at"] if waiver else None,
        document_waived_statement=waiver["statement"] if waiver else "",
    )
    case.agreement = agreement
    return agreement


# --- signatures (art 29) ---------------------------------------------------------------------


def _signer(case: Case, *, party: int | None, mediator: int | None, committee: bool, method):
    given = [x for x in (party is not None, mediator is not None, bool(committee)) if x]
    if len(given) != 1:
        raise InvalidInput(
            "请指明一个签署方：signer_party、signer_mediator 或 signer_committee。",
            code="signer_required",
            field="signer_party",
        )
    if method not in AgreementSignature.Method.values:
        raise InvalidInput("签署方式无效。", code="invalid_choice", field="method")
    if party is not None:
        row = Party.objects.filter(pk=party, case=case).first()
        if row is None:
            raise InvalidInput("该当事人不属于本案。", code="invalid_party", field="signer_party")
        return {"signer": Signer.PARTY, "party": row}
    if mediator is not None:
        row = case.mediators.filter(pk=mediator).first()
        if row is None:
            raise InvalidInput(
                "签名的调解员须为本案承办调解员。", code="invalid_mediator", field="signer_mediator"
            )
        return {"signer": Signer.MEDIATOR, "mediator": row}
    if method != AgreementSignature.Method.SEAL:
        raise InvalidInput(
            "调委会以加盖印章方式签署（method: seal）。", code="invalid_choice", field="method"
        )
    return {"signer": Signer.COMMITTEE, "committee_id": case.committee_id}


def effective_on_derive(agreement: Agreement, case: Case) -> date | None:
    """art 29: the day the last of every party, a mediator and the committee's seal signed;
    None while one is missing."""
    rows = list(agreement.signatures.values_list("signer", "party_id", "signed_at"))
    parties = set(Party.objects.filter(case=case).values_list("id", flat=True))
    signed_parties = {p for s, p, _ in rows if s == Signer.PARTY}
    kinds = {s for s, _, _ in rows}
    if not parties <= signed_parties or not {Signer.MEDIATOR, Signer.COMMITTEE} <= kinds:
        return None
    return timezone.localdate(max(at for _, _, at in rows))


def agreement_sign(
    *,
    actor,
    case: Case,
    method: str,
    at: datetime,
    signer_party: int | None = None,
    signer_mediator: int | None = None,
    signer_committee: bool = False,
    attachment: int | None = None,
) -> AgreementSignature:
    """Record one signature on the current written agreement (member). When it completes
    the set (every party, a mediator, the committee's seal) the agreement takes effect on
    the day of the last one, and the performance check and judicial-window reminder are
    scheduled from that day. A signature can be neither before the case was accepted nor
    in the future (400 `signed_before_acceptance`, `signed_in_future`); a signer signs once
    (409 `invalid_transition`). `attachment`, when given, is the signed scan: an attachment
    of this case of kind signed_agreement (400 `invalid_attachment`)."""
    require_member(actor, case.committee_id)
    if at > timezone.now() + CLOCK_SKEW:
        raise InvalidInput("签署时间不能晚于当前时间。", code="signed_in_future", field="at")
    with transaction.atomic():
        case = lock(case)
        workflow.move(case, "sign_agreement")
        agreement = Agreement.objects.select_for_update().filter(pk=case.agreement_id).first()
        if agreement is None or agreement.form != choices.AgreementForm.WRITTEN:
            raise InvalidInput(
                "只有书面调解协议需要记录签署。", code="written_agreement_required", field="method"
            )
        if agreement.effective_on is not None:
            raise InvalidTransition(
                "调解协议已生效，签署已完整。", status=case.status, action="sign_agreement"
            )
        if case.accepted_at is None or at < case.accepted_at:
            raise InvalidInput(
                "签署时间不能早于案件受理时间。", code="signed_before_acceptance", field="at"
            )
        who = _signer(
            case,
            party=signer_party,
            mediator=signer_mediator,
            committee=signer_committee,
            method=method,
        )
        duplicate = AgreementSignature.objects.filter(agreement=agreement, signer=who["signer"])
        if who["signer"] == Signer.PARTY:
            duplicate = duplicate.filter(party=who["party"])
        elif who["signer"] == Signer.MEDIATOR:
            duplicate = duplicate.filter(mediator=who["mediator"])
        if duplicate.exists():
            raise InvalidTransition("该签署方已签署。", status=case.status, action="sign_agreement")
        scan = None
        if attachment is not None:
            scan = Attachment.objects.filter(
                pk=attachment, case=case, kind=Attachment.Kind.SIGNED_AGREEMENT
            ).first()
            if scan is None:
                raise InvalidInput(
                    "附件须为本案已上传的签字调解协议书（signed_agreement）。",
                    code="invalid_attachment",
                    field="attachment",
                )
        signature = AgreementSignature.objects.create(
            agreement=agreement,
            method=method,
            signed_at=at,
            attachment=scan,
            recorded_by=actor,
            **who,
        )
        data = {
            "agreement": agreement.id,
            "version": agreement.version,
            "signer": signature.signer,
            "party": signature.party_id,
            "mediator": signature.mediator_id,
            "method": method,
            "at": at.isoformat(),
            "attachment": scan.id if scan else None,
        }
        case_event_record(
            case=case, kind="agreement_signed", actor=actor, from_status=case.status, data=data
        )
        effective_on = effective_on_derive(agreement, case)
        if effective_on is not None:
            agreement.effective_on = effective_on
            agreement.save(update_fields=["effective_on"])
            case.agreement = agreement
            case_event_record(
                case=case,
                kind="agreement_effective",
                actor=actor,
                from_status=case.status,
                data={"agreement": agreement.id, "effective_on": str(effective_on)},
            )
            after_change(case)
    return signature


# --- re-mediation and non-performance --------------------------------------------------------


def _reopen(*, actor, case: Case, reason: str, grounds: str) -> Case:
    """Under the case lock: the current agreement is kept as a superseded version, the case
    is mediated again with a new period; the next successful conclusion makes version n+1."""
    # The months the old conclusion counted in are marked before it is cleared.
    statistics.mark_dirty(case=case)
    before, after = workflow.move(case, "remediate")
    old = Agreement.objects.select_for_update().get(pk=case.agreement_id)
    old.superseded_at = timezone.now()
    old.save(update_fields=["superseded_at"])
    case.agreement = None
    case.outcome = ""
    case.closed_as = ""
    case.concluded_at = None
    case.remediation_count += 1
    case.due_on = timezone.localdate() + timedelta(days=rule("MEDIATION_DAYS"))
    case.extended_days = 0
    case.extension_count = 0
    case.save()
    case_event_record(
        case=case,
        kind="remediated",
        actor=actor,
        from_status=before,
        to_status=after,
        data={
            "grounds": grounds,
            "reason": reason,
            "parties_consent": True,
            "superseded_agreement": old.id,
            "superseded_version": old.version,
            "due_on": str(case.due_on),
        },
    )
    after_change(case)
    return case


def _clean_reason(reason: str, parties_consent: bool) -> str:
    if not parties_consent:
        raise InvalidInput(
            "重新调解须经双方当事人同意。",
            code="parties_consent_required",
            field="parties_consent",
        )
    reason = (reason or "").strip()
    check_text(reason, SHORT_TEXT_MAX, field="reason", label="理由")
    return reason


def agreement_remediate(*, actor, case: Case, reason: str = "", parties_consent: bool) -> Case:
    """Mediate again (member), with the parties' consent: after the court refused to
    confirm the agreement (人民调解法 art 33 ¶2: the parties may change it or reach a new one
    through people's mediation), or over an unperformed one. → `mediating`; the old
    agreement is kept as a version. 409 `invalid_transition` when neither applies."""
    require_member(actor, case.committee_id)
    reason = _clean_reason(reason, parties_consent)
    with transaction.atomic():
        case = lock(case)
        workflow.check(case, "remediate")
        if not agreement_rules.may_remediate(case):
            raise InvalidTransition(
                "只有法院不予确认或协议未履行时，经双方同意才可以重新调解。",
                status=case.status,
                action="remediate",
            )
        grounds = (
            "judicial_rejected"
            if case.agreement.judicial_result == choices.JudicialResult.REJECTED
            else "not_performed"
        )
        return _reopen(actor=actor, case=case, reason=reason, grounds=grounds)


def agreement_performance(
    *, actor, case: Case, action: str, note: str = "", parties_consent: bool = False
) -> Case:
    """Act on an agreement that is not performed (member): `urge` (督促履行, logged),
    `remediate` (with the parties' consent, as agreement_remediate), `lawsuit` (a party
    sues over the agreement, art 32), `enforcement` (the court is asked to enforce a
    confirmed agreement). Only what agreement_rules.performance_actions offers now; else
    409 `invalid_transition` with the actions that apply."""
    require_member(actor, case.committee_id)
    if action not in agreement_rules.PERFORMANCE_ACTIONS:
        raise InvalidInput("未知的履行处置方式。", code="invalid_choice", field="action")
    note = (note or "").strip()
    check_text(note, SHORT_TEXT_MAX, field="note", label="说明")
    if action == "remediate":
        _clean_reason(note, parties_consent)
    with transaction.atomic():
        case = lock(case)
        workflow.check(case, "performance")
        offered = agreement_rules.performance_actions(case)
        if action not in offered:
            raise InvalidTransition(
                f"该协议当前不能{agreement_rules.PERFORMANCE_ACTION_LABELS[action]}。",
                status=case.status,
                action=action,
                allowed=offered,
            )
        if action == "remediate":
            return _reopen(actor=actor, case=case, reason=note, grounds="not_performed")
        agreement = Agreement.objects.select_for_update().get(pk=case.agreement_id)
        today = timezone.localdate()
        if action == "lawsuit":
            agreement.lawsuit_recorded_on = today
        elif action == "enforcement":
            agreement.enforcement_applied_on = today
        agreement.save(update_fields=["lawsuit_recorded_on", "enforcement_applied_on"])
        case.agreement = agreement
        case_event_record(
            case=case,
            kind=f"performance_{action}",
            actor=actor,
            from_status=case.status,
            data={"agreement": agreement.id, "action": action, "note": note},
        )
    return case
