"""A case's documents (DOCX/PDF from the templates) and its whole 卷宗 (PDF or ZIP)."""

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from api.schema import error
from api.views.statistics import FileExportNegotiation
from committees.scope import scope_for
from mediation import audit, documents
from mediation.exceptions import InvalidInput

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
ZIP = "application/zip"
BIGINT_MAX = 2**63 - 1
CASE_ID = OpenApiParameter("id", {"type": "integer", "minimum": 1}, OpenApiParameter.PATH)

NOT_READY = error("案件尚不具备制作该文书的条件（`document_not_ready`），`missing` 列出所缺。")
PDF_UNAVAILABLE = error(
    "服务器未安装 PDF 转换程序或转换失败（`pdf_unavailable`）；可改用 `format=docx`/`zip`。"
)
UNKNOWN = error(
    "没有这种文书（`unknown_document`），或案件不存在或不在调用者的范围内（`not_found`）。"
)

DocumentRows = inline_serializer(
    "DocumentRow",
    {
        "kind": serializers.ChoiceField(choices=list(documents.KINDS)),
        "title": serializers.CharField(),
        "ready": serializers.BooleanField(),
        "missing": serializers.ListField(child=serializers.CharField()),
        "sessions": serializers.ListField(
            child=serializers.IntegerField(min_value=1),
            required=False,
            help_text="session_record only: the sessions, for `?session=`.",
        ),
    },
    many=True,
)


def documents_case_or_404(request, pk: int):
    """The case as its scope shows it, for the committees' side only: a liaison (who sees
    only the summary of a case it sent in) and anyone out of scope get 404."""
    case = None
    if pk <= BIGINT_MAX:
        case = documents.documents_case(request.user).filter(pk=pk).first()
    if case is None or not scope_for(request.user).sees_committee(case.committee_id):
        raise NotFound("未找到。")
    return case


def attachment(data: bytes, name: str, content_type: str) -> HttpResponse:
    """The file as a download, its Chinese name in RFC 5987 form (filename*=utf-8'')."""
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["Cache-Control"] = "private, no-store"
    return response


def _unmasked(request, case) -> bool:
    """Whole personal data for the holding committee's members only."""
    return scope_for(request.user).is_member(case.committee_id)


def _recorded(request, case, response, *, attachments=False):
    """A file with personal data whole is a recorded read (written once it is made); in
    the 卷宗, so is each identity document and signed agreement it carries."""
    if _unmasked(request, case):
        audit.personal_data_reveals_record(user=request.user, cases=[case], via=request.path)
        if attachments:
            for attachment in case.attachments.all():
                if attachment.is_personal:
                    audit.attachment_download_record(
                        user=request.user, attachment=attachment, via=request.path
                    )
    return response


class CaseDocumentListView(APIView):
    @extend_schema(parameters=[CASE_ID], responses={200: DocumentRows})
    def get(self, request, pk: int):
        """The documents of a case: every kind with its title, whether the case is ready
        for it, and what it misses (`agreement`, `written_agreement`, `oral_agreement`,
        `session`, `declined`, `party_application`, `follow_up_visit`).

        Who: members of the holding committee, its judicial office, the district office
        (not a liaison). Errors: 404 `not_found`."""
        case = documents_case_or_404(request, pk)
        return Response(documents.document_list(case))


class CaseDocumentView(APIView):
    content_negotiation_class = FileExportNegotiation
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "documents"

    @extend_schema(
        parameters=[
            CASE_ID,
            OpenApiParameter(
                "kind", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(documents.KINDS)
            ),
            OpenApiParameter(
                "format",
                OpenApiTypes.STR,
                enum=["docx", "pdf"],
                description="docx (default) or pdf",
            ),
            OpenApiParameter(
                "session", OpenApiTypes.INT, description="session_record: one session only"
            ),
        ],
        responses={
            (200, DOCX): OpenApiTypes.BINARY,
            (200, PDF): OpenApiTypes.BINARY,
            404: UNKNOWN,
            409: NOT_READY,
            503: PDF_UNAVAILABLE,
        },
    )
    def get(self, request, pk: int, kind: str):
        """One document of a case, filled in from its template, as DOCX or PDF
        (`Content-Disposition: attachment`, the Chinese title as the file name).

        Who: members of the holding committee (personal data whole, recorded as a
        personal-data access), its judicial office and the district office (names, ID
        numbers, phones and addresses masked); not a liaison. Errors: 400
        `invalid_format`, `invalid_session`; 404 `not_found`, `unknown_document`; 409
        `document_not_ready` (with `missing`); 503 `pdf_unavailable`."""
        case = documents_case_or_404(request, pk)
        documents.kind_get(kind)
        wanted = request.query_params.get("format", "docx")
        if wanted not in ("docx", "pdf"):
            raise InvalidInput("文书格式应为 docx 或 pdf。", code="invalid_format")
        documents.require_ready(case, kind)
        if wanted == "pdf" and not documents.pdf_available():
            raise documents.PdfUnavailable()
        data = documents.document_render(
            case,
            kind,
            unmasked=_unmasked(request, case),
            session=request.query_params.get("session"),
        )
        name = f"{case.number}{documents.KINDS[kind].title}"
        if wanted == "pdf":
            return _recorded(
                request, case, attachment(documents.docx_to_pdf(data), f"{name}.pdf", PDF)
            )
        return _recorded(request, case, attachment(data, f"{name}.docx", DOCX))


class CaseFileView(APIView):
    content_negotiation_class = FileExportNegotiation
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "documents"

    @extend_schema(
        parameters=[
            CASE_ID,
            OpenApiParameter(
                "format",
                OpenApiTypes.STR,
                enum=["pdf", "zip"],
                description="pdf (the default where LibreOffice is installed) or zip",
            ),
        ],
        responses={
            (200, PDF): OpenApiTypes.BINARY,
            (200, ZIP): OpenApiTypes.BINARY,
            503: PDF_UNAVAILABLE,
        },
    )
    def get(self, request, pk: int):
        """The case's whole 卷宗: cover, contents list (卷内目录), the documents and the
        attachments in the contents list's order and the note (备考表); one PDF (PDF
        attachments appended, pictures placed on pages, recordings listed), or a ZIP of the
        DOCX documents and the attachments' files with the contents list (the default where
        no PDF converter is installed).

        Who: as for one document (masked outside the holding committee, whose identity
        documents and signed agreement are listed but left out; each one a member gets is
        a recorded download). Errors: 400
        `invalid_format`; 404 `not_found`; 503 `pdf_unavailable` (`format=pdf` without
        a converter)."""
        case = documents_case_or_404(request, pk)
        wanted = request.query_params.get("format") or (
            "pdf" if documents.pdf_available() else "zip"
        )
        if wanted not in ("pdf", "zip"):
            raise InvalidInput("卷宗格式应为 pdf 或 zip。", code="invalid_format")
        if wanted == "pdf" and not documents.pdf_available():
            raise documents.PdfUnavailable()
        unmasked = _unmasked(request, case)
        name = f"{case.number}卷宗"
        if wanted == "pdf":
            data, file_name, content_type = (
                documents.case_file_pdf(case, unmasked=unmasked),
                f"{name}.pdf",
                PDF,
            )
        else:
            data, file_name, content_type = (
                documents.case_file_zip(case, unmasked=unmasked),
                f"{name}.zip",
                ZIP,
            )
        return _recorded(request, case, attachment(data, file_name, content_type), attachments=True)
