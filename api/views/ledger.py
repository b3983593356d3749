"""The ledger over HTTP (API.md "Ledger"): the template, uploads to check or import, the
job's progress and report, and the cases out in the template's columns."""

import csv
import tempfile

from django.db import transaction
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from openpyxl import Workbook
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from api import filters
from api.schema import error
from api.serializers import MAX_ID
from api.views.statistics import XLSX, FileExportNegotiation
from committees.scope import scope_for, visible_committees
from mediation import crypto, ledger, selectors, tasks
from mediation.exceptions import InvalidInput
from mediation.models import Case, LedgerImport


def _xlsx_response(body: bytes, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class ImportTemplateView(APIView):
    """The empty ledger with Chinese headers, the codes sheet and drop-downs."""

    content_negotiation_class = FileExportNegotiation

    @extend_schema(responses={(200, XLSX): OpenApiTypes.BINARY})
    def get(self, request):
        return _xlsx_response(ledger.template_xlsx(), "ledger-template.xlsx")


class ImportCreateSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=False)
    committee = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    dry_run = serializers.BooleanField(default=True)
    skip_invalid = serializers.BooleanField(default=False)


class LedgerImportSerializer(serializers.ModelSerializer):
    sha256 = serializers.CharField(source="file_sha256", read_only=True)
    progress = serializers.SerializerMethodField()

    class Meta:
        model = LedgerImport
        fields = [
            "id",
            "committee",
            "file_name",
            "sha256",
            "dry_run",
            "skip_invalid",
            "status",
            "progress",
            "report",
            "created_at",
            "finished_at",
        ]

    def get_progress(self, job) -> int:
        return ledger.job_progress(job)


class LedgerImportViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Uploads of old ledgers. The district office imports for any committee, a judicial
    office for the committees it supervises, a director for its own; each sees the jobs
    of the committees it may import into (others read as 404)."""

    serializer_class = LedgerImportSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        return selectors.ledger_import_list(self.request.user)

    @extend_schema(
        request={"multipart/form-data": ImportCreateSerializer},
        responses={
            202: LedgerImportSerializer,
            404: error("调委会不存在，或不在可导入的范围内（`not_found`）。"),
        },
    )
    def create(self, request, *args, **kwargs):
        body = ImportCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        committee = visible_committees(request.user).filter(pk=body.validated_data["committee"])
        committee = committee.first()
        if committee is None:
            raise NotFound("未找到该调委会。")
        upload = body.validated_data["file"]
        if upload.size > ledger.MAX_BYTES:
            raise ledger.FileTooLarge()
        with transaction.atomic():
            job = ledger.ledger_import_job_create(
                actor=request.user,
                committee=committee,
                data=upload.read(),
                file_name=upload.name or "",
                dry_run=body.validated_data["dry_run"],
                skip_invalid=body.validated_data["skip_invalid"],
            )
            # Without a broker the task runs here, in-process, once the job is committed.
            transaction.on_commit(lambda: tasks.run_ledger_import.delay(job.pk))
        job = self.get_queryset().get(pk=job.pk)
        return Response(LedgerImportSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={(200, XLSX): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def errors(self, request, pk=None):
        """The uploaded ledger with an 错误 column, once the job has finished."""
        job = self.get_object()
        if job.finished_at is None:
            raise InvalidInput("导入尚未完成。", code="import_not_finished")
        content = LedgerImport.objects.values_list("content", flat=True).get(pk=job.pk)
        member = scope_for(request.user).is_member(job.committee_id)
        data = crypto.decrypt_bytes(bytes(content))
        body = ledger.errors_workbook(data, job.report, unmasked=member)
        return _xlsx_response(body, f"ledger-import-{job.pk}-errors.xlsx")


class _Echo:
    def write(self, value):
        return value


class CaseExportView(APIView):
    """The ledger out: one row per case in the template's columns, with the case list's
    filters, personal data masked outside the holding committee. Streamed: the cases are
    read in chunks and written out as they come (CSV straight to the client, XLSX
    through openpyxl's write-only mode into a temporary file).

    Who: members of a committee (its cases), a judicial office (its committees'), the
    district office (all); each unmasked export is a recorded personal-data read.

    Errors: `invalid_format`, a filter's own code (400); `permission_denied` (403) for a
    liaison; `throttled` (429) past `TIAOJIE_LEDGER_EXPORT_THROTTLE`.
    """

    content_negotiation_class = FileExportNegotiation
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "ledger_export"

    @extend_schema(
        parameters=[OpenApiParameter("format", OpenApiTypes.STR, enum=["xlsx", "csv"])],
        filters=True,
        responses={(200, XLSX): OpenApiTypes.BINARY, (200, "text/csv"): OpenApiTypes.STR},
    )
    def get(self, request):
        if not scope_for(request.user).has_committees:
            raise PermissionDenied("只有调委会、司法所和区司法局可以导出台账。")
        kind = request.query_params.get("format", "xlsx")
        if kind not in ("xlsx", "csv"):
            raise InvalidInput("导出格式应为 xlsx 或 csv。", code="invalid_format")
        found = filters.CaseFilter(
            request.query_params,
            queryset=Case.objects.visible_to(request.user),
            request=request,
        )
        if not found.is_valid():
            raise ValidationError(found.errors)
        cases = found.qs.order_by("id")
        ledger.export_reveals_record(user=request.user, cases=cases, via=request.path)
        rows = ledger.export_rows(request.user, cases)
        if kind == "csv":
            writer = csv.writer(_Echo())

            def lines():
                yield "\ufeff" + writer.writerow(ledger.HEADERS)
                for row in rows:
                    yield writer.writerow(row)

            response = StreamingHttpResponse(
                (line.encode("utf-8") for line in lines()), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = 'attachment; filename="ledger.csv"'
            return response
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(ledger.DATA_SHEET)
        sheet.append(ledger.HEADERS)
        for row in rows:
            sheet.append(row)
        output = tempfile.TemporaryFile()
        workbook.save(output)
        output.seek(0)
        return FileResponse(output, as_attachment=True, filename="ledger.xlsx", content_type=XLSX)
