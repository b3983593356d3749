"""A partner institution's liaison (法院、公安、信访…): the institution's referrals — the
disputes it sent in (委派/委托) and the cases committees handed to it (移交) — one referral
with the case's summary (what the API's CaseSummarySerializer shows: the liaison's own
input and the outcome, parties masked), and the feedback form of an outbound referral
(routing.referral_feedback, the same service as POST /api/v1/referrals/{id}/feedback/).

Only liaisons open these pages, and only their institution's referrals; anyone else reads
them as absent (404).
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from committees.scope import scope_for
from mediation import routing, selectors
from mediation.choices import PARTNER_RESULTS
from mediation.exceptions import DomainError
from mediation.models import Referral
from mediation.validators import mask_id_number, mask_phone
from web.views._outcomes import Outcome, answer, from_error, from_form

PAGE_SIZE = 50
RESULT_CHOICES = [(code, Referral.Result(code).label) for code in PARTNER_RESULTS]


def liaison_referrals(user):
    """The referrals of the institutions the user is liaison of; 404 for anyone else."""
    scope = scope_for(user)
    if not scope.liaison_of and not scope.acts_anywhere:
        raise Http404("未找到。")
    referrals = selectors.referral_list(user).select_related("institution", "committee")
    if not scope.acts_anywhere:
        referrals = referrals.filter(institution_id__in=scope.liaison_of)
    return referrals


class FeedbackForm(forms.Form):
    result = forms.ChoiceField(choices=RESULT_CHOICES, label="处理结果")
    note = forms.CharField(required=False, max_length=2000, label="说明")


@login_required
def liaison_home(request):
    """The institution's referrals, open ones first, with direction and status filters."""
    referrals = liaison_referrals(request.user)
    direction = request.GET.get("direction")
    status = request.GET.get("status")
    if direction in Referral.Direction.values:
        referrals = referrals.filter(direction=direction)
    if status in Referral.Status.values:
        referrals = referrals.filter(status=status)
    page = Paginator(referrals.order_by("-status", "feedback_due", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    open_outbound = liaison_referrals(request.user).filter(
        direction=Referral.Direction.OUTBOUND, status=Referral.Status.OPEN
    )
    return render(
        request,
        "web/liaison/home.html",
        {
            "page": page,
            "direction": direction,
            "status": status,
            "directions": Referral.Direction.choices,
            "statuses": Referral.Status.choices,
            "open_outbound": open_outbound.count(),
        },
    )


def _referral(user, referral_id: int) -> Referral:
    referral = liaison_referrals(user).filter(pk=referral_id).first()
    if referral is None:
        raise Http404("未找到。")
    return referral


def _parties(referral: Referral) -> list[dict]:
    """The case's parties as a liaison sees them: always masked (never a committee member)."""
    return [
        {
            "role": party.get_role_display(),
            "name": party.name,
            "id_number": mask_id_number(party.id_number),
            "phone": mask_phone(party.phone),
        }
        for party in referral.case.parties.all()
    ]


def _detail_context(referral: Referral, outcome: Outcome | None = None, posted=None) -> dict:
    return {
        "referral": referral,
        "case": referral.case,
        "parties": _parties(referral),
        "results": RESULT_CHOICES,
        "outcome": outcome,
        "posted": posted or {},
        "may_feed_back": referral.direction == Referral.Direction.OUTBOUND
        and referral.status == Referral.Status.OPEN,
    }


@login_required
def liaison_referral(request, referral_id: int):
    """One referral: the mechanism, the dates, the case's summary and the outcome."""
    referral = _referral(request.user, referral_id)
    return render(request, "web/liaison/referral.html", _detail_context(referral))


@login_required
@require_POST
def liaison_feedback(request, referral_id: int):
    """The partner's result on an outbound referral (`returned` sends the case back)."""
    referral = _referral(request.user, referral_id)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        outcome = from_form(form)
    else:
        try:
            routing.referral_feedback(actor=request.user, referral=referral, **form.cleaned_data)
        except DomainError as error:
            outcome = from_error(error)
        else:
            outcome = Outcome(done="处理结果已反馈给调委会。")

    def fragment():
        current = _referral(request.user, referral_id)
        return render(
            request,
            "web/liaison/_referral.html",
            _detail_context(current, outcome, None if outcome.done else request.POST),
        )

    back = reverse("web:liaison_referral", kwargs={"referral_id": referral_id})
    return answer(request, outcome, fragment, back)


urlpatterns = [
    path("liaison/", liaison_home, name="liaison_home"),
    path("liaison/referrals/<int:referral_id>/", liaison_referral, name="liaison_referral"),
    path(
        "liaison/referrals/<int:referral_id>/feedback/",
        liaison_feedback,
        name="liaison_feedback",
    ),
]
