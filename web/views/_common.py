"""What every page module shares: where a persona lands, the case a page may show, and the
domain's errors turned into messages beside the fields or a notice after a reload.

No rule lives here: permissions are the services' (mediation.services.kernel) and the scope
module's (committees.scope); a page only shows what they decided.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse

from committees.scope import scope_for
from mediation import selectors
from mediation.choices import Status
from mediation.exceptions import Conflict, DomainError, InvalidTransition

# Each persona's home page, by URL name, in order of precedence. The director's inbox, the
# dashboard and the liaison's list are the web2 branch's pages; until their names resolve,
# a director lands on the cases (a director is a member too) and the others on `web:home`.
HOME_BY_PERSONA = (
    ("director", "web:director_inbox"),
    ("member", "web:cases"),
    ("office", "web:dashboard"),
    ("liaison", "web:liaison_home"),
)


def personas(user) -> set[str]:
    """The user's personas as the pages see them: member, director, office (a judicial
    office or the district office), liaison."""
    scope = scope_for(user)
    found = set()
    if scope.member_of:
        found.add("member")
    if scope.director_of:
        found.add("director")
    if scope.sees_everything or scope.supervised:
        found.add("office")
    if scope.liaison_of:
        found.add("liaison")
    return found


def url_or_none(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def home_url(user) -> str:
    """Where `user` lands after signing in: the first of HOME_BY_PERSONA that applies and
    exists, else the plain home page."""
    held = personas(user)
    for persona, name in HOME_BY_PERSONA:
        if persona in held and (url := url_or_none(name)):
            return url
    return reverse("web:home")


def visible_case(user, pk: int):
    """The case `pk` with everything its page shows, if the user's scope holds it as a
    committee's case (members, judicial offices, the district office); anything else,
    a liaison's referred case included, is 404 — its pages are the liaison's."""
    case = selectors.case_detail(user).filter(pk=pk).first()
    if case is None or not scope_for(user).sees_committee(case.committee_id):
        raise Http404("未找到该案件。")
    return case


def as_seen(case, post, *, prefix: str = "seen_"):
    """Put back on `case` the state the person saw when the form was drawn (hidden fields
    `<prefix>status`, `<prefix>transfer_pending`): the service then compares it with the
    locked row and answers Conflict if someone else acted in between
    (mediation.services.kernel.lock). Returns the case."""
    status = post.get(f"{prefix}status")
    if status in Status.values:
        case.status = status
    pending = post.get(f"{prefix}transfer_pending")
    if pending in ("0", "1"):
        case.transfer_pending = pending == "1"
    return case


def field_of(error: DomainError) -> str:
    return str(error.extra.get("field") or "")


def add_error(form, error: DomainError, *, prefix: str = "") -> None:
    """The service's Chinese message beside the field it names (`field` in the error, e.g.
    `agreement.terms` → the form's `terms`), or above the form when no field matches."""
    name = field_of(error)
    if prefix and name.startswith(prefix):
        name = name[len(prefix) :]
    form.add_error(name if name in form.fields else None, error.detail)


def reload_with_notice(request, error: DomainError, url: str):
    """Someone else acted first (409): show the current state with a notice."""
    if isinstance(error, Conflict):
        text = "案件已被他人更新，以下为最新情况，请核对后再操作。"
    elif isinstance(error, InvalidTransition):
        text = f"{error.detail}以下为案件的最新情况。"
    else:
        text = error.detail
    messages.warning(request, text)
    return redirect(url)


def member_required(view):
    """The mediator's own pages (the list, registration, 待办) are for members of a
    committee; anyone else signed in gets 403 (their pages are elsewhere)."""

    @login_required
    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not scope_for(request.user).member_of:
            raise PermissionDenied("该页面仅供调委会成员使用。")
        return view(request, *args, **kwargs)

    return guarded
