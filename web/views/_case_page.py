"""The case page: facts, parties (masked outside the holding committee, exactly as the API
masks them), the timeline of the history, and the forms for the actions the workflow allows
the person now (`workflow.allowed_actions`, the API's `allowed_actions`): record a session,
conclude with the agreement's fields. The documents are listed, and linked to the API's
download once mediation.documents exists (the `docs` branch); the attachments (with the
upload form) and the planned sessions are `_case_extras`, their actions `_case_files`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from committees.scope import scope_for
from mediation import audit, choices, services, workflow
from mediation.exceptions import DomainError
from mediation.validators import mask_id_number, mask_phone
from web.forms import ConcludeForm, SessionForm
from web.views._case_extras import extras
from web.views._common import add_error, as_seen, field_of, reload_with_notice, visible_case

EVENT_LABELS = {
    "registered": "登记",
    "accepted": "受理",
    "declined": "不予受理",
    "mediators_assigned": "指派调解员",
    "session_recorded": "记录调解",
    "extended": "延长调解期限",
    "concluded": "结案",
    "withdrawn": "撤回",
    "archived": "归档",
    "updated": "修改案件信息",
    "judicial_confirmation": "司法确认",
    "transfer_requested": "申请移送",
    "transfer_accepted": "移送接收",
    "transfer_rejected": "移送被拒",
    "transfer_cancelled": "撤回移送",
    "transfer_expired": "移送逾期未答复",
    "referred": "移交协作单位",
    "referral_received": "协作单位委派",
    "referral_feedback": "反馈协作单位",
    "referral_returned": "协作单位退回",
    "performance_check_done": "履行回访",
    "bad_rating_review_done": "差评复核",
}

# The documents of API.md "Added in v1.1" (mediation/documents, the `docs` branch).
DOCUMENT_KINDS = (
    ("application", "申请书"),
    ("registration", "受理登记表"),
    ("rights_notice", "权利义务告知书"),
    ("session_record", "调解记录"),
    ("agreement", "协议书"),
    ("oral_agreement", "口头协议登记表"),
)


def _parties(case, unmasked: bool) -> list[dict]:
    return [
        {
            "role": party.get_role_display(),
            "kind": party.get_kind_display(),
            "name": party.name,
            "id_number": party.id_number if unmasked else mask_id_number(party.id_number),
            "phone": party.phone if unmasked else mask_phone(party.phone),
            "address": party.address,
        }
        for party in case.parties.all()
    ]


def _timeline(case) -> list[dict]:
    status_label = dict(choices.Status.choices)
    return [
        {
            "at": event.at,
            "label": EVENT_LABELS.get(event.kind, event.kind),
            "actor": event.actor_name,
            "to": status_label.get(event.to_status, "")
            if event.to_status and event.to_status != event.from_status
            else "",
        }
        for event in case.events.all()
    ]


def _documents(case) -> dict:
    """The case's documents: with mediation.documents (the `docs` branch) each kind says
    whether the case is ready for it and links to the API's download (which accepts the
    session); without it, the kinds to come, unlinked."""
    try:
        from mediation import documents
    except ImportError:
        documents = None
    base = f"/api/v1/cases/{case.pk}/documents/"
    if documents is None or not hasattr(documents, "document_list"):
        kinds = [{"kind": kind, "title": title} for kind, title in DOCUMENT_KINDS]
        return {"ready": False, "kinds": kinds}
    kinds = []
    for row in documents.document_list(case):
        url = f"{base}{row['kind']}/"
        if row["kind"] == "session_record":
            sessions = row.get("sessions") or []
            url = f"{url}?session={sessions[-1]}&" if sessions else None
        else:
            url = f"{url}?"
        kinds.append({**row, "url": url if row["ready"] and url else None})
    return {"ready": True, "kinds": kinds}


def render_case(request, case, *, session_form=None, conclude_form=None, status=200, **forms):
    """The case page as `request.user` may see it now (`forms`: a posted `attach_form`, or
    a `held_form` with its `held_session_id`, to show again with their errors)."""
    user = request.user
    scope = scope_for(user)
    unmasked = scope.is_member(case.committee_id)
    allowed = set(workflow.allowed_actions(case, actor=user))
    if unmasked:
        audit.personal_data_reveals_record(user=user, cases=[case], via=request.path)
    if session_form is None:
        session_form = SessionForm(
            initial={"held_at": timezone.localtime().replace(second=0, microsecond=0)}
        )
    if conclude_form is None:
        conclude_form = ConcludeForm(initial={"outcome": choices.Outcome.SUCCESS})
    context = {
        "case": case,
        "unmasked": unmasked,
        "parties": _parties(case, unmasked),
        "timeline": _timeline(case),
        "agreement": getattr(case, "agreement", None),
        "mediators": [m.name for m in case.mediators.all()],
        "may_record_session": "record_session" in allowed,
        "may_conclude": bool(allowed & {"conclude_success", "conclude_failure"}),
        "session_form": session_form,
        "conclude_form": conclude_form,
        "documents": _documents(case),
        "seen": case,
    }
    context.update(
        extras(
            user,
            case,
            unmasked=unmasked,
            may_record_session=context["may_record_session"],
            **forms,
        )
    )
    return render(request, "web/mediator/case.html", context, status=status)


@login_required
@require_GET
def case_page(request, pk: int):
    return render_case(request, visible_case(request.user, pk))


def _act(request, pk: int, form_class, form_key: str, call):
    """Run one service for a posted form: invalid input re-renders the page with the
    messages beside the fields (400); a 409 reloads the current state with a notice; a
    403 is the service's refusal."""
    case = visible_case(request.user, pk)
    form = form_class(request.POST)
    url = reverse("web:case", args=[case.pk])
    if form.is_valid():
        as_seen(case, request.POST)
        try:
            call(case, form)
        except DomainError as error:
            if error.status == 409:
                return reload_with_notice(request, error, url)
            if error.status == 403:
                raise PermissionDenied(error.detail) from error
            if error.status == 404:
                raise Http404(error.detail) from error
            if field_of(error) == "agreement.form":
                error.extra["field"] = "agreement.agreement_form"
            add_error(form, error, prefix="agreement.")
        else:
            return redirect(url)
    return render_case(request, visible_case(request.user, pk), **{form_key: form}, status=400)


@login_required
@require_POST
def record_session(request, pk: int):
    """记录调解, or 安排调解 for a later time (services.case_record_session; the API's POST
    /cases/{id}/sessions/)."""

    def call(case, form):
        session = services.case_record_session(actor=request.user, case=case, **form.cleaned_data)
        if session.status == session.Status.PLANNED:
            when = timezone.localtime(session.held_at).strftime("%Y-%m-%d %H:%M")
            messages.success(request, f"已安排调解：{when}。")
        else:
            messages.success(request, "已记录调解。")

    return _act(request, pk, SessionForm, "session_form", call)


@login_required
@require_POST
def conclude(request, pk: int):
    """结案 (services.case_conclude; the API's POST /cases/{id}/conclude/)."""

    def call(case, form):
        case = services.case_conclude(actor=request.user, case=case, **form.service_arguments())
        messages.success(request, f"已结案：{case.get_status_display()}。")

    return _act(request, pk, ConcludeForm, "conclude_form", call)
