"""The case page's attachments and planned sessions: upload a file (from the phone's
camera), record a planned session as held. Each POST calls one service — the API's
(services.attachment_upload, services.session_mark_held) with its checks: out of scope is
404, not a member of the holding committee 403, a 409 reloads the page with a notice, and
any other refusal (415 unsupported type, 413 too large, a bad field) is the service's
Chinese message beside the form, with the service's status."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from mediation import services
from mediation.exceptions import DomainError
from mediation.services.attachments import FileTooLarge, max_bytes
from web.views._case_extras import AttachmentForm, SessionHeldForm, held_prefix
from web.views._case_page import render_case
from web.views._common import add_error, as_seen, reload_with_notice, visible_case

# Multipart framing and the text fields around the file (as the API allows).
MULTIPART_SLACK = 1024 * 1024


def _refused(request, error: DomainError, url: str):
    """403/404/409 answered as the case page answers them; None for a message in place."""
    if error.status == 409:
        return reload_with_notice(request, error, url)
    if error.status == 403:
        raise PermissionDenied(error.detail) from error
    if error.status == 404 and error.extra.get("field") is None:
        raise Http404(error.detail) from error
    return None


@login_required
@require_POST
def upload_attachment(request, pk: int):
    """上传附件 (services.attachment_upload; the API's POST /cases/{id}/attachments/)."""
    case = visible_case(request.user, pk)
    url = reverse("web:case", args=[case.pk]) + "#attachments"
    length = request.META.get("CONTENT_LENGTH") or "0"
    if length.isdigit() and int(length) > max_bytes() + MULTIPART_SLACK:
        # refused before the body is parsed (and spooled to disk), as the API does
        error = FileTooLarge()
        form = AttachmentForm(parties=case.parties.all())
        form.add_error(None, error.detail)
        return render_case(request, case, attach_form=form, status=error.status)
    form = AttachmentForm(request.POST, request.FILES, parties=case.parties.all())
    status = 400
    if form.is_valid():
        try:
            attachment = services.attachment_upload(
                actor=request.user, case=case, **form.service_arguments()
            )
        except DomainError as error:
            if (answer := _refused(request, error, url)) is not None:
                return answer
            add_error(form, error)
            status = error.status
        else:
            messages.success(request, f"已上传附件：{attachment.name}。")
            return redirect(url)
    case = visible_case(request.user, pk)
    return render_case(request, case, attach_form=form, status=status)


@login_required
@require_POST
def session_held(request, pk: int, session_id: int):
    """记录为已举行 (services.session_mark_held; the API's POST
    /cases/{id}/sessions/{sid}/held/)."""
    case = visible_case(request.user, pk)
    session = case.sessions.filter(pk=session_id).first()
    if session is None:
        raise Http404("未找到该次调解。")
    url = reverse("web:case", args=[case.pk])
    form = SessionHeldForm(request.POST, prefix=held_prefix(session.pk))
    if form.is_valid():
        as_seen(case, request.POST)
        try:
            services.session_mark_held(
                actor=request.user, case=case, session=session, **form.service_arguments()
            )
        except DomainError as error:
            if error.status == 409 and "session_status" in error.extra:
                # recorded meanwhile (by a colleague, or a second tap): say so, show it
                messages.warning(request, f"{error.detail}以下为案件的最新情况。")
                return redirect(url)
            if (answer := _refused(request, error, url)) is not None:
                return answer
            add_error(form, error)
        else:
            messages.success(request, "已记录调解。")
            return redirect(url)
    case = visible_case(request.user, pk)
    return render_case(request, case, held_form=form, held_session_id=session.pk, status=400)
