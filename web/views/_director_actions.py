"""The director's actions, each an htmx POST answered with the item in its current state:
accept or decline a registered case, change a case's mediators, accept or reject an
incoming transfer, file the monthly screening report. Each calls one service (the same as
the API's); its DomainError becomes the Chinese message in place, and a conflict shows the
state as it is now with a notice."""

from datetime import timedelta

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from committees.models import Committee, Mediator
from committees.scope import scope_for
from mediation import routing, selectors, services
from mediation.choices import DeclineReason
from mediation.exceptions import DomainError
from mediation.models import Case, Transfer
from web.views._common import as_seen
from web.views._outcomes import Outcome, answer, from_error, from_form

# --- who and what --------------------------------------------------------------------------


def directed_committee(user, committee_id: int) -> Committee:
    """The committee, if `user` may decide for it; else 404 (out of scope reads as absent)."""
    if not scope_for(user).may_act_as_director(committee_id):
        raise Http404("未找到。")
    try:
        return Committee.objects.get(pk=committee_id)
    except Committee.DoesNotExist:
        raise Http404("未找到。") from None


def committee_mediators(committee: Committee) -> list[Mediator]:
    return list(
        Mediator.objects.filter(committee=committee, is_active=True).order_by("role", "name")
    )


def _case(user, committee: Committee, case_id: int) -> Case | None:
    return (
        selectors.case_list(user)
        .prefetch_related("mediators", "recused_mediators")
        .filter(pk=case_id, committee=committee)
        .first()
    )


def _case_or_404(user, committee: Committee, case_id: int) -> Case:
    case = _case(user, committee, case_id)
    if case is None:
        raise Http404("未找到。")
    return case


# --- forms (parse only; the services decide) ----------------------------------------------


class MediatorsForm(forms.Form):
    mediators = forms.TypedMultipleChoiceField(coerce=int, required=False, label="调解员")

    def __init__(self, *args, mediators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mediators"].choices = [(m.id, m.name) for m in mediators]


class AssignForm(MediatorsForm):
    reason = forms.CharField(required=False, max_length=2000, label="理由")
    party_objection = forms.BooleanField(required=False, label="当事人申请回避")


class DeclineForm(forms.Form):
    reason_code = forms.ChoiceField(choices=DeclineReason.choices, label="不予受理原因")
    reason = forms.CharField(required=False, max_length=2000, label="理由")


class ReasonForm(forms.Form):
    reason = forms.CharField(required=False, max_length=2000, label="理由")


class ScreeningForm(forms.Form):
    period = forms.RegexField(
        regex=r"^\d{4}-\d{2}$",
        label="报告期",
        error_messages={"invalid": "报告期格式应为 YYYY-MM。"},
    )
    disputes_found = forms.IntegerField(min_value=0, max_value=10**6, label="排查发现纠纷（件）")
    high_risk = forms.IntegerField(min_value=0, max_value=10**6, initial=0, label="高风险（件）")
    prevented = forms.IntegerField(min_value=0, max_value=10**6, initial=0, label="预防纠纷（件）")
    notes = forms.CharField(required=False, max_length=2000, label="说明")


# --- answers --------------------------------------------------------------------------------


def _back(committee: Committee) -> str:
    return reverse("web:director_committee", kwargs={"committee_id": committee.id})


def _case_answer(request, committee: Committee, case_id: int, outcome: Outcome, form_data=None):
    def fragment():
        case = _case(request.user, committee, case_id)
        if case is None and not outcome.notice:
            outcome.notice = "该案件已不在本调委会。"
        return render(
            request,
            "web/director/_case.html",
            {
                "case": case,
                "case_id": case_id,
                "committee": committee,
                "mediators": committee_mediators(committee),
                "decline_reasons": DeclineReason.choices,
                "outcome": outcome,
                "posted": form_data or {},
            },
        )

    return answer(request, outcome, fragment, _back(committee))


def _run(service, done: str, **arguments) -> Outcome:
    try:
        service(**arguments)
    except DomainError as error:
        return from_error(error)
    return Outcome(done=done)


@login_required
@require_POST
def case_accept(request, committee_id: int, case_id: int):
    """受理: accept the registered case and assign its mediators (services.case_accept)."""
    committee = directed_committee(request.user, committee_id)
    case = _case_or_404(request.user, committee, case_id)
    form = MediatorsForm(request.POST, mediators=committee_mediators(committee))
    if not form.is_valid():
        outcome = from_form(form)
    else:
        outcome = _run(
            services.case_accept,
            "已受理，调解员已指派。",
            actor=request.user,
            case=as_seen(case, request.POST, prefix=""),
            mediator_ids=form.cleaned_data["mediators"],
        )
    return _case_answer(request, committee, case_id, outcome, request.POST)


@login_required
@require_POST
def case_decline(request, committee_id: int, case_id: int):
    """不予受理 with a reason code and a reason (services.case_decline)."""
    committee = directed_committee(request.user, committee_id)
    case = _case_or_404(request.user, committee, case_id)
    form = DeclineForm(request.POST)
    if not form.is_valid():
        outcome = from_form(form)
    else:
        outcome = _run(
            services.case_decline,
            "已决定不予受理，告知书已生成。",
            actor=request.user,
            case=as_seen(case, request.POST, prefix=""),
            reason=form.cleaned_data["reason"],
            reason_code=form.cleaned_data["reason_code"],
        )
    return _case_answer(request, committee, case_id, outcome, request.POST)


@login_required
@require_POST
def case_assign(request, committee_id: int, case_id: int):
    """Change the mediators; a party's objection recuses the ones taken off for good
    (services.case_assign_mediators decides)."""
    committee = directed_committee(request.user, committee_id)
    case = _case_or_404(request.user, committee, case_id)
    form = AssignForm(request.POST, mediators=committee_mediators(committee))
    if not form.is_valid():
        outcome = from_form(form)
    else:
        outcome = _run(
            services.case_assign_mediators,
            "调解员已变更。",
            actor=request.user,
            case=as_seen(case, request.POST, prefix=""),
            mediator_ids=form.cleaned_data["mediators"],
            reason=form.cleaned_data["reason"],
            party_objection=form.cleaned_data["party_objection"],
        )
    return _case_answer(request, committee, case_id, outcome, request.POST)


# --- transfers ------------------------------------------------------------------------------


def _transfer(user, committee: Committee, transfer_id: int) -> Transfer | None:
    return (
        selectors.transfer_list(user)
        .select_related("from_committee", "to_committee")
        .filter(pk=transfer_id, to_committee=committee)
        .first()
    )


def _transfer_answer(request, committee: Committee, transfer_id: int, outcome: Outcome):
    def fragment():
        return render(
            request,
            "web/director/_transfer.html",
            {
                "transfer": _transfer(request.user, committee, transfer_id),
                "committee": committee,
                "outcome": outcome,
            },
        )

    return answer(request, outcome, fragment, _back(committee))


def _transfer_or_404(user, committee: Committee, transfer_id: int) -> Transfer:
    transfer = _transfer(user, committee, transfer_id)
    if transfer is None:
        raise Http404("未找到。")
    return transfer


@login_required
@require_POST
def transfer_accept(request, committee_id: int, transfer_id: int):
    """接收 an incoming transfer: the case comes here, registered (routing.transfer_accept)."""
    committee = directed_committee(request.user, committee_id)
    transfer = _transfer_or_404(request.user, committee, transfer_id)
    outcome = _run(
        routing.transfer_accept,
        "已接收，案件已转为本调委会登记，请在“待受理”中受理。",
        actor=request.user,
        transfer=transfer,
    )
    return _transfer_answer(request, committee, transfer_id, outcome)


@login_required
@require_POST
def transfer_reject(request, committee_id: int, transfer_id: int):
    """拒收 an incoming transfer, with a reason (routing.transfer_reject)."""
    committee = directed_committee(request.user, committee_id)
    transfer = _transfer_or_404(request.user, committee, transfer_id)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        outcome = from_form(form)
    else:
        outcome = _run(
            routing.transfer_reject,
            "已拒收，案件退回移出调委会。",
            actor=request.user,
            transfer=transfer,
            reason=form.cleaned_data["reason"],
        )
    return _transfer_answer(request, committee, transfer_id, outcome)


# --- the monthly screening report -------------------------------------------------------------


def last_month() -> str:
    first = timezone.localdate().replace(day=1) - timedelta(days=1)
    return f"{first.year:04d}-{first.month:02d}"


def screening_context(user, committee: Committee) -> dict:
    reports = list(
        selectors.screening_report_list(user).filter(committee=committee).order_by("-period")[:6]
    )
    period = last_month()
    return {
        "reports": reports,
        "default_period": period,
        "filed": any(r.period == period for r in reports),
    }


@login_required
@require_POST
def screening_file(request, committee_id: int):
    """矛盾纠纷排查月报 (services.screening_report_file): one per committee and month."""
    committee = directed_committee(request.user, committee_id)
    form = ScreeningForm(request.POST)
    if not form.is_valid():
        outcome = from_form(form)
    else:
        outcome = _run(
            services.screening_report_file,
            f"{form.cleaned_data['period']} 排查月报已填报。",
            actor=request.user,
            committee=committee,
            **form.cleaned_data,
        )

    def fragment():
        return render(
            request,
            "web/director/_screening.html",
            {
                "committee": committee,
                "screening": screening_context(request.user, committee),
                "outcome": outcome,
                "posted": request.POST,
            },
        )

    return answer(request, outcome, fragment, _back(committee))
