"""Judicial confirmation of an agreement (人民调解法 art 33; 最高人民法院《关于人民调解协议
司法确认程序的若干规定》法释〔2011〕5号) as a cycle: the parties apply jointly within the
window, to the competent court; the court decides within 15 days (+10 when extended), and
a pending application is chased past that (follow-up `judicial_pending`); after a refusal
the case can be mediated again (mediation.services.agreements.agreement_remediate); a
confirmed agreement that is not performed can be taken to enforcement.
"""

from datetime import date

from django.db import transaction
from django.utils import timezone

from committees.models import Area, Institution
from mediation import agreement_rules, choices, workflow
from mediation.exceptions import InvalidInput, InvalidTransition
from mediation.models import Agreement, Case, Referral
from mediation.rules import rule
from mediation.services.checks import check_past_date, check_text
from mediation.services.kernel import after_change, case_event_record, lock, require_member

# 法释〔2011〕5号 art 4 (2)-(4): the court does not accept an application to confirm a
# relationship of identity, marriage or adoption.
EXCLUDED_MATTERS = ("identity", "marriage", "adoption")
RELATIONSHIP_MATTERS = ("none", *EXCLUDED_MATTERS)
COURT_KINDS = (Institution.Kind.COURT, Institution.Kind.TRIBUNAL)


def judicial_default_court(case: Case) -> str:
    """The competent court (法释〔2011〕5号 art 2): for a case the court sent in before filing
    (诉前委派, an inbound referral through the court mechanism) the inviting court; else the
    basic court (or its tribunal) where the committee sits: the nearest court up the
    committee's area tree in the reference data. Empty when the data has none."""
    referral = (
        Referral.objects.filter(
            case=case,
            direction=Referral.Direction.INBOUND,
            institution__kind__in=COURT_KINDS,
        )
        .select_related("institution")
        .order_by("id")
        .first()
    )
    if referral is not None:
        return referral.institution.name
    area_id = case.committee.area_id
    seen = set()
    while area_id is not None and area_id not in seen:
        seen.add(area_id)
        court = (
            Institution.objects.filter(area_id=area_id, kind__in=COURT_KINDS)
            .order_by("kind", "code")  # a tribunal ("tribunal") after the court ("court")
            .first()
        )
        if court is not None:
            return court.name
        area_id = Area.objects.filter(pk=area_id).values_list("parent_id", flat=True).first()
    return ""


def _check_matter(case: Case, relationship_matter: str | None) -> str:
    if relationship_matter is not None and relationship_matter not in RELATIONSHIP_MATTERS:
        raise InvalidInput("协议确认事项无效。", code="invalid_choice", field="relationship_matter")
    if relationship_matter is None and case.dispute_type == choices.DisputeType.MARRIAGE_FAMILY:
        # A family dispute's agreement may settle support or property (confirmable) or a
        # relationship (not): the application must say which.
        raise InvalidInput(
            "婚姻家庭纠纷申请司法确认，须说明协议是否确认身份、婚姻或收养关系"
            "（relationship_matter）。",
            code="relationship_matter_required",
            field="relationship_matter",
        )
    if relationship_matter in EXCLUDED_MATTERS:
        raise InvalidInput(
            "确认身份关系、收养关系或婚姻关系的调解协议，人民法院不予受理司法确认申请"
            "（法释〔2011〕5号第四条）。",
            code="judicial_excluded",
            field="relationship_matter",
        )
    return relationship_matter or "none"


def _consenting_parties(case: Case, consenting: list[int] | None) -> list[int]:
    """Both sides consent (art 33: 双方当事人共同申请): by default every applicant and
    respondent; a given list must hold at least one of each."""
    rows = dict(case.parties.values_list("id", "role"))
    ids = (
        list(dict.fromkeys(consenting))
        if consenting
        else [pid for pid, role in rows.items() if role != choices.PartyRole.THIRD_PARTY]
    )
    if any(pid not in rows for pid in ids):
        raise InvalidInput("该当事人不属于本案。", code="invalid_party", field="consenting_parties")
    roles = {rows[pid] for pid in ids}
    if not {choices.PartyRole.APPLICANT, choices.PartyRole.RESPONDENT} <= roles:
        raise InvalidInput(
            "司法确认须由双方当事人共同申请。",
            code="joint_application_required",
            field="consenting_parties",
        )
    return sorted(ids)


def case_record_judicial_confirmation(
    *,
    actor,
    case: Case,
    applied_on: date,
    result: str,
    joint: bool = False,
    court: str = "",
    ruling_number: str = "",
    relationship_matter: str | None = None,
    consenting_parties: list[int] | None = None,
    court_extended: bool = False,
    decided_on: date | None = None,
) -> Agreement:
    """Record the parties' joint application for judicial confirmation of the current
    agreement and, later, the court's result (member). The application is joint (400
    `joint_application_required`); only a written agreement in force (400
    `written_agreement_required`), applied for by the end of its window, which moves past
    a holiday (400 `outside_judicial_window`); never for a relationship of identity,
    marriage or adoption (400 `judicial_excluded`). `court` defaults to the competent
    court. A pending result is chased after the court's time to decide; a confirmed or
    rejected one stops the chase."""
    require_member(actor, case.committee_id)
    if not joint:
        raise InvalidInput(
            "司法确认须由双方当事人共同申请（joint: true）。",
            code="joint_application_required",
            field="joint",
        )
    if result not in choices.JudicialResult.values:
        raise InvalidInput("司法确认结果无效。", code="invalid_choice", field="result")
    check_text((court or "").strip(), 100, field="court", label="受理法院")
    check_text((ruling_number or "").strip(), 100, field="ruling_number", label="裁定书文号")
    check_past_date(applied_on, field="applied_on", label="司法确认申请日期")
    check_past_date(decided_on, field="decided_on", label="法院决定日期")
    with transaction.atomic():
        case = lock(case)
        workflow.move(case, "judicial_confirmation")
        matter = _check_matter(case, relationship_matter)
        agreement = Agreement.objects.select_for_update().filter(pk=case.agreement_id).first()
        if agreement is None or agreement.form != choices.AgreementForm.WRITTEN:
            raise InvalidInput(
                "只有书面调解协议可以申请司法确认。",
                code="written_agreement_required",
                field="result",
            )
        if agreement.effective_on is None:
            raise InvalidInput(
                "调解协议尚未生效（当事人、调解员签名及调委会盖章尚未齐全），不能申请司法确认。",
                code="agreement_not_effective",
                field="applied_on",
            )
        window_end = agreement_rules.judicial_window_end(agreement.effective_on)
        if not agreement.effective_on <= applied_on <= window_end:
            raise InvalidInput(
                f"司法确认应在协议生效之日起{rule('JUDICIAL_CONFIRMATION_DAYS')}日内申请，"
                f"期间最后一日为节假日的顺延至节后第一个工作日"
                f"（{agreement.effective_on}至{window_end}）。",
                code="outside_judicial_window",
                field="applied_on",
                deadline=str(window_end),
            )
        if decided_on is not None and decided_on < applied_on:
            raise InvalidInput("法院决定日期不能早于申请日期。", code="invalid", field="decided_on")
        if (
            agreement.judicial_result
            in (
                choices.JudicialResult.CONFIRMED,
                choices.JudicialResult.REJECTED,
            )
            and result != agreement.judicial_result
        ):
            raise InvalidTransition(
                "法院已作出决定，不能更改；不予确认的可经双方同意重新调解。",
                status=case.status,
                action="judicial_confirmation",
            )
        consenting = _consenting_parties(case, consenting_parties)
        agreement.judicial_applied_on = applied_on
        agreement.judicial_court = (court or "").strip() or judicial_default_court(case)
        agreement.judicial_result = result
        agreement.judicial_ruling_number = (ruling_number or "").strip()
        agreement.judicial_joint = True
        agreement.judicial_consenting_parties = consenting
        agreement.judicial_court_extended = bool(court_extended)
        agreement.judicial_decided_on = (
            None
            if result == choices.JudicialResult.PENDING
            else decided_on or agreement.judicial_decided_on or timezone.localdate()
        )
        if not agreement.judicial_court:
            raise InvalidInput("请填写受理法院。", code="court_required", field="court")
        agreement.save()
        case.agreement = agreement
        case_event_record(
            case=case,
            kind="judicial_confirmation",
            actor=actor,
            from_status=case.status,
            data={
                "agreement": agreement.id,
                "applied_on": str(applied_on),
                "court": agreement.judicial_court,
                "result": result,
                "ruling_number": agreement.judicial_ruling_number,
                "joint": True,
                "consenting_parties": consenting,
                "relationship_matter": matter,
                "court_extended": agreement.judicial_court_extended,
                "decided_on": str(agreement.judicial_decided_on or ""),
                "deadline": str(window_end),
            },
        )
        after_change(case)
    return agreement
