"""待办 (the follow-ups due in the user's committees) and 通知 (the user's notifications)."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from mediation import selectors, services
from mediation.exceptions import DomainError
from mediation.models import FollowUp
from web.forms import FollowUpCompleteForm
from web.views._common import add_error, member_required

# 待办 shows what falls due within this many days (and everything past due).
TODO_HORIZON_DAYS = 7
# The follow-ups a person completes (the others the follow-up engine handles itself).
PERSON_KINDS = (FollowUp.Kind.PERFORMANCE_CHECK, FollowUp.Kind.BAD_RATING_REVIEW)


def _todo_rows(user, forms=None):
    now = timezone.now()
    rows = (
        selectors.followup_list(user)
        .filter(status=FollowUp.Status.SCHEDULED, due_at__lte=now + timedelta(TODO_HORIZON_DAYS))
        .select_related("case", "committee")
        .order_by("due_at", "id")[:100]
    )
    forms = forms or {}
    return [
        {
            "followup": row,
            "overdue": row.due_at < now,
            "form": forms.get(row.pk)
            or (FollowUpCompleteForm(followup=row) if row.kind in PERSON_KINDS else None),
        }
        for row in rows
    ]


@member_required
@require_GET
def todo(request):
    return render(request, "web/mediator/todo.html", {"rows": _todo_rows(request.user)})


@member_required
@require_POST
def followup_complete(request, pk: int):
    """Record a visit's outcome (services.followup_complete, as the API's
    POST /follow-ups/{id}/complete/)."""
    followup = selectors.followup_list(request.user).filter(pk=pk).first()
    if followup is None:
        raise Http404("未找到该事项。")
    form = FollowUpCompleteForm(request.POST, followup=followup)
    if form.is_valid():
        try:
            services.followup_complete(
                actor=request.user,
                followup=followup,
                performed=form.cleaned_data.get("performed", ""),
                result=form.cleaned_data["result"],
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            if error.status == 403:
                raise PermissionDenied(error.detail) from error
            if error.status == 409:
                messages.warning(request, f"{error.detail}以下为最新的待办。")
                return redirect("web:todo")
            add_error(form, error)
        else:
            messages.success(request, "已完成。")
            return redirect("web:todo")
    rows = _todo_rows(request.user, {followup.pk: form})
    return render(request, "web/mediator/todo.html", {"rows": rows}, status=400)


@login_required
@require_GET
def notifications(request):
    """The user's own notifications, newest first (unread only with ?unread=1)."""
    queryset = selectors.inbox(request.user).select_related("case")
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    return render(
        request,
        "web/mediator/notifications.html",
        {"items": list(queryset[:100]), "unread_only": unread_only},
    )


@login_required
@require_POST
def notification_read(request, pk: int):
    """Mark one read (services.notification_mark_read); with htmx the item is swapped in
    place, without it the list reloads."""
    notification = selectors.inbox(request.user).filter(pk=pk).first()
    if notification is None:
        raise Http404("未找到该通知。")
    notification = services.notification_mark_read(notification=notification)
    if request.htmx:
        return render(request, "web/mediator/_notification.html", {"item": notification})
    return redirect("web:notifications")
