"""The committee director's inbox (调委会主任): registered cases to accept or decline,
incoming transfers to accept or reject, referrals in, mediators to assign, overdue cases,
and the monthly screening report.

Reads go through the selectors (visible_to), writes through the same services as the API;
only a director (or deputy) of the committee opens these pages — anyone else, the
committee's own mediators included, gets 404, as out of scope does. The actions are in
`_director_actions`.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from committees.models import Committee
from committees.scope import scope_for
from mediation import selectors
from mediation.choices import DeclineReason, Status
from mediation.models import Case, Referral, Transfer
from web.views import _director_actions as actions
from web.views._director_actions import committee_mediators, directed_committee

INBOX_LIMIT = 50  # rows per section; the counts say how many there are in all


# What no inbox row shows: long texts and JSON, left unread (and undecoded) for its rows.
UNSHOWN = (
    "facts",
    "claims",
    "previous_numbers",
    "risk_flags",
    "responsible_leader_phone",
    "repeat_dispute",
    "extension_reason",
    "closing_reason",
    "decline_notice",
)


def _open_cases(user, committee: Committee):
    return (
        selectors.case_list(user)
        .filter(committee=committee)
        .defer(*UNSHOWN)
        .prefetch_related("mediators", "recused_mediators")
    )


def inbox_context(user, committee: Committee) -> dict:
    """Everything the inbox shows for one committee (a fixed number of queries)."""
    registered = _open_cases(user, committee).filter(
        status=Status.REGISTERED, transfer_pending=False
    )
    mediating = _open_cases(user, committee).filter(status=Status.MEDIATING)
    mediating_rows = list(mediating.order_by("due_on", "id")[:INBOX_LIMIT])
    # The overdue cases are the mediating ones due before today, and in the same order
    # (due date, id) they come before any case due later: once the rows reach a case not
    # yet due, they hold every overdue case (no second read of the same cases); else the
    # overdue are counted.
    today = timezone.localdate()
    overdue_rows = [case for case in mediating_rows if case.due_on and case.due_on < today]
    if any(case.due_on and case.due_on >= today for case in mediating_rows):
        overdue_count = len(overdue_rows)  # the rows went past the last overdue case
    else:
        overdue_count = Case.objects.visible_to(user).filter(committee=committee).overdue().count()
    transfers = (
        selectors.transfer_list(user)
        .filter(to_committee=committee, status=Transfer.Status.PENDING)
        .select_related("from_committee", "case")
        .order_by("respond_by")
    )
    referrals = (
        selectors.referral_list(user)
        .filter(committee=committee, direction=Referral.Direction.INBOUND)
        .select_related("institution")
        .order_by("status", "feedback_due", "-id")
    )
    directed = sorted(scope_for(user).director_of)
    return {
        "committee": committee,
        "committees": (
            Committee.objects.filter(id__in=directed).order_by("code") if len(directed) > 1 else []
        ),
        "mediators": committee_mediators(committee),
        "decline_reasons": DeclineReason.choices,
        "registered": list(registered.order_by("received_at")[:INBOX_LIMIT]),
        "registered_count": registered.count(),
        "mediating": mediating_rows,
        "mediating_count": mediating.count(),
        "overdue": overdue_rows,
        "overdue_count": overdue_count,
        "transfers": list(transfers[:INBOX_LIMIT]),
        "referrals": list(referrals[:INBOX_LIMIT]),
        "open_referrals": referrals.filter(status=Referral.Status.OPEN).count(),
        "screening": actions.screening_context(user, committee),
        "today": today,
    }


@login_required
def director_inbox(request):
    """The inbox of the committee the user directs (the first by code, with a switcher when
    they direct several); 404 for anyone who directs none."""
    directed = sorted(scope_for(request.user).director_of)
    if not directed:
        raise Http404("未找到。")
    first = Committee.objects.filter(id__in=directed).order_by("code").first()
    if first is None:
        raise Http404("未找到。")
    return render(request, "web/director/inbox.html", inbox_context(request.user, first))


@login_required
def director_committee(request, committee_id: int):
    """The inbox of one committee the user directs."""
    committee = directed_committee(request.user, committee_id)
    return render(request, "web/director/inbox.html", inbox_context(request.user, committee))


urlpatterns = [
    path("director/", director_inbox, name="director_inbox"),
    path("director/<int:committee_id>/", director_committee, name="director_committee"),
    path(
        "director/<int:committee_id>/cases/<int:case_id>/accept/",
        actions.case_accept,
        name="director_accept",
    ),
    path(
        "director/<int:committee_id>/cases/<int:case_id>/decline/",
        actions.case_decline,
        name="director_decline",
    ),
    path(
        "director/<int:committee_id>/cases/<int:case_id>/assign/",
        actions.case_assign,
        name="director_assign",
    ),
    path(
        "director/<int:committee_id>/transfers/<int:transfer_id>/accept/",
        actions.transfer_accept,
        name="director_transfer_accept",
    ),
    path(
        "director/<int:committee_id>/transfers/<int:transfer_id>/reject/",
        actions.transfer_reject,
        name="director_transfer_reject",
    ),
    path(
        "director/<int:committee_id>/screening/",
        actions.screening_file,
        name="director_screening",
    ),
]
