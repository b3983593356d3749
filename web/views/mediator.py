"""The mediator's pages (mobile first): 我的案件, 登记纠纷, the case page, 待办, 通知.

Thin like the API's views: reads through mediation.selectors (scoped by committees.scope),
writes through mediation.services inside their own permission checks; a DomainError comes
back as a Chinese message beside its field, a 409 as a reload with a notice. The case page
and its actions are in _case_page.py, 待办 and 通知 in _inbox.py.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.decorators.http import require_GET, require_http_methods

from committees.models import Committee
from committees.scope import scope_for
from mediation import choices, selectors, services, workflow
from mediation.exceptions import DomainError
from mediation.validators import default_id_type, id_number_problem
from web.forms import CaseForm, PartyForm, PartyFormSet, party_rows
from web.views import _case_files, _case_page, _inbox
from web.views._common import add_error, member_required

# A case due within this many days shows 即将到期.
DUE_SOON_DAYS = 3
PAGE_SIZE = 30
VIEWS = {"open": "未结案件", "mine": "我承办的", "all": "全部案件"}


def due_badge(case, today) -> tuple[str, str] | None:
    """(css class, text) of a case's deadline badge: overdue, due soon, or none."""
    if case.status != choices.Status.MEDIATING or case.due_on is None:
        return None
    days = (case.due_on - today).days
    if days < 0:
        return "overdue", f"已超期{-days}天"
    if days <= DUE_SOON_DAYS:
        return "due", "今天到期" if days == 0 else f"{days}天后到期"
    return None


class CountingPaginator(Paginator):
    """Counts the rows only as far as it needs: up to COUNT_AHEAD pages past the one asked
    for (and at least COUNT_AT_LEAST rows). A committee's whole list or a search hit by
    most titles holds tens of thousands of cases at 1 M; counting them all read every
    row (340 ms) for a figure the pager shows as 第1/2000页. `more` says the count
    stopped: the pager then shows the pages it knows of with a "+"."""

    COUNT_AHEAD = 10
    COUNT_AT_LEAST = 1000

    def __init__(self, object_list, per_page, number, found=None):
        super().__init__(object_list, per_page)
        self.found = found  # selectors.case_search_counted's count, when it has one
        try:
            number = min(max(1, int(number)), 100_000)  # a page past that reads as the last
        except (TypeError, ValueError, OverflowError):
            number = 1
        self.limit = max(self.COUNT_AT_LEAST, (number + self.COUNT_AHEAD) * per_page)
        self.more = False

    @cached_property
    def count(self):
        if self.found is not None and self.found <= selectors.SEARCH_INDEXED_AT_MOST:
            return self.found  # the search's lookup found every case: no statement
        if self.found is not None and self.limit < self.found:
            self.more = True  # more cases than the count would read
            return self.limit + 1
        counted = self.object_list[: self.limit + 1].count()
        self.more = counted > self.limit  # at least `counted` rows: a next page exists
        return counted


@member_required
@require_GET
def cases(request):
    """我的案件: open cases of the user's committees (or the ones assigned to them, or all),
    searched by number, title or a party's name as the API's `q`."""
    user = request.user
    view = request.GET.get("view", "open")
    view = view if view in VIEWS else "open"
    query = (request.GET.get("q") or "").strip()[:100]
    queryset = selectors.case_list(user)
    if view == "open":
        queryset = queryset.filter(status__in=workflow.OPEN)
    elif view == "mine":
        queryset = queryset.filter(mediators__user=user, status__in=workflow.OPEN)
    queryset, found = selectors.case_search_counted(queryset, query)
    queryset = queryset.order_by(F("due_on").asc(nulls_last=True), "-id")
    number = request.GET.get("page")
    page = CountingPaginator(queryset, PAGE_SIZE, number, found).get_page(number)
    today = timezone.localdate()
    rows = [(case, due_badge(case, today)) for case in page]
    return render(
        request,
        "web/mediator/cases.html",
        {"rows": rows, "page": page, "query": query, "view": view, "views": VIEWS},
    )


def _committees(user):
    return list(
        Committee.objects.filter(pk__in=scope_for(user).member_of, is_active=True).order_by("name")
    )


def _party_error(formset, rows, error: DomainError) -> bool:
    """Put a service error about `parties.N.<field>` beside that row's field."""
    parts = str(error.extra.get("field") or "").split(".")
    if len(parts) != 3 or parts[0] != "parties" or not parts[1].isdigit():
        return False
    position = int(parts[1])
    if position >= len(rows):
        return False
    form = formset.forms[rows[position][0]]
    form.add_error(parts[2] if parts[2] in form.fields else None, error.detail)
    return True


@member_required
@require_http_methods(["GET", "POST"])
def case_new(request):
    """登记纠纷: the case and its parties, registered by `services.case_register` (the same
    checks as POST /api/v1/cases/)."""
    user = request.user
    committees = _committees(user)
    party_errors = []
    if request.method == "POST":
        form = CaseForm(request.POST, committees=committees)
        formset = PartyFormSet(request.POST, prefix="parties")
        if form.is_valid() and formset.is_valid():
            rows = party_rows(formset)
            committee = next(c for c in committees if c.pk == form.cleaned_data["committee"])
            try:
                case = services.case_register(
                    actor=user,
                    committee=committee,
                    source=form.cleaned_data["source"],
                    parties=[party for _, party in rows],
                    via=request.path,
                    **form.service_fields(),
                )
            except DomainError as error:
                if error.status == 403:
                    raise PermissionDenied(error.detail) from error
                if not _party_error(formset, rows, error):
                    if str(error.extra.get("field") or "").startswith("parties"):
                        party_errors.append(error.detail)
                    else:
                        add_error(form, error)
            else:
                messages.success(request, f"已登记：{case.number}")
                return redirect("web:case", pk=case.pk)
        status = 400
    else:
        form = CaseForm(committees=committees)
        formset = PartyFormSet(
            prefix="parties",
            initial=[{"role": choices.PartyRole.APPLICANT}, {"role": choices.PartyRole.RESPONDENT}],
        )
        status = 200
    return render(
        request,
        "web/mediator/case_new.html",
        {
            "form": form,
            "formset": formset,
            # A re-shown form keeps the rows the person filled in (removed rows stay out).
            "party_forms": [
                (index, party)
                for index, party in enumerate(formset.forms)
                if not formset.is_bound or party.has_changed()
            ],
            "party_errors": party_errors,
            "next_index": formset.total_form_count(),
        },
        status=status,
    )


@member_required
@require_GET
def party_row(request):
    """One more party row (htmx): the row, the formset's new total and the add button
    pointing at the next index, swapped in place."""
    try:
        index = max(0, min(int(request.GET.get("index", "0")), 199))
    except ValueError:
        index = 0
    form = PartyForm(prefix=f"parties-{index}", initial={"role": choices.PartyRole.THIRD_PARTY})
    return render(
        request,
        "web/mediator/_party_row.html",
        {"form": form, "index": index, "next_index": index + 1, "oob": True},
    )


@member_required
@require_GET
def check_id_number(request):
    """The ID-number hint beside a party's field (htmx, as the person types): the same
    check the service makes on registration (mediation.validators), which decides."""
    value = kind = ""
    for key, given in request.GET.items():
        if key.endswith("id_number"):
            value = given.strip().upper()[:64]
        elif key.endswith("kind"):
            kind = given
    problem = None
    if value:
        problem = id_number_problem(value, default_id_type(kind or "person", value))
    return render(request, "web/mediator/_id_hint.html", {"value": value, "problem": problem})


urlpatterns = [
    path("cases/", cases, name="cases"),
    path("cases/new/", case_new, name="case_new"),
    path("cases/new/party-row/", party_row, name="party_row"),
    path("cases/check-id/", check_id_number, name="check_id_number"),
    path("cases/<int:pk>/", _case_page.case_page, name="case"),
    path("cases/<int:pk>/session/", _case_page.record_session, name="case_session"),
    path("cases/<int:pk>/conclude/", _case_page.conclude, name="case_conclude"),
    path(
        "cases/<int:pk>/attachments/",
        _case_files.upload_attachment,
        name="case_attachment_upload",
    ),
    path(
        "cases/<int:pk>/sessions/<int:session_id>/held/",
        _case_files.session_held,
        name="case_session_held",
    ),
    path("todo/", _inbox.todo, name="todo"),
    path("todo/<int:pk>/complete/", _inbox.followup_complete, name="followup_complete"),
    path("notifications/", _inbox.notifications, name="notifications"),
    path("notifications/<int:pk>/read/", _inbox.notification_read, name="notification_read"),
]
