"""Documents a mediator prints, from DOCX templates a district can replace without code
(templates/*.docx, overridden by TIAOJIE_DOCUMENT_TEMPLATE_DIR), as DOCX or PDF
(LibreOffice), and the whole 卷宗 of a case (casefile).

Reads only: the caller has found the case through `documents_case(user, pk)` (the case's
scope, 404 outside); personal data is whole for members of the holding committee and
masked for everyone else (`unmasked`), and the API records each unmasked render.
"""

from django.db.models import Prefetch

from mediation.documents.casefile import case_file_pdf, case_file_zip
from mediation.documents.errors import DocumentNotReady, PdfUnavailable, UnknownDocument
from mediation.documents.pdf import docx_to_pdf, docx_to_pdf_many, pdf_available
from mediation.documents.registry import (
    KINDS,
    document_context,
    document_list,
    kind_get,
    missing,
    require_ready,
)
from mediation.documents.rendering import render_docx, template_path
from mediation.models import Case, FollowUp


def documents_case(user):
    """The cases in the user's scope with everything the documents read, prefetched: a
    document costs the same few queries whatever the case holds."""
    return (
        Case.objects.visible_to(user)
        .select_related("committee", "agreement", "created_by")
        .prefetch_related(
            "parties",
            "mediators",
            "attachments",
            "sessions__recorded_by",
            Prefetch(
                "follow_ups",
                queryset=FollowUp.objects.filter(kind=FollowUp.Kind.PERFORMANCE_CHECK)
                .select_related("completed_by")
                .order_by("done_at", "id"),
            ),
        )
    )


def document_render(case, code: str, *, unmasked: bool, session=None) -> bytes:
    """The DOCX of document `code` for `case`. Raises UnknownDocument (404),
    DocumentNotReady (409, with `missing`), InvalidInput `invalid_session` (400)."""
    require_ready(case, code)
    return render_docx(code, document_context(case, code, unmasked=unmasked, session=session))


__all__ = [
    "KINDS",
    "DocumentNotReady",
    "PdfUnavailable",
    "UnknownDocument",
    "case_file_pdf",
    "case_file_zip",
    "document_context",
    "document_list",
    "document_render",
    "documents_case",
    "docx_to_pdf",
    "docx_to_pdf_many",
    "kind_get",
    "missing",
    "pdf_available",
    "render_docx",
    "template_path",
]
