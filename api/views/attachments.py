"""Attachments of a case (API.md "Attachments"): list and upload under the case, download
and remove by id. Files are served only here, never from a public URL."""

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from api.pagination import CursorPagination
from api.parsers import MultiPartParser
from api.schema import CASE_ID, error
from api.serializers import MAX_ID
from api.serializers.agreements import SignatureInputSerializer
from api.views.statistics import FileExportNegotiation
from committees.scope import scope_for
from mediation import audit, selectors, services
from mediation.models import Attachment
from mediation.services.attachments import FileTooLarge, max_bytes

# Multipart framing and the text fields around the file: what a body may carry beyond it.
MULTIPART_SLACK = 1024 * 1024


class AttachmentSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.CharField(source="uploaded_by_name", read_only=True)

    class Meta:
        model = Attachment
        fields = [
            "id",
            "case",
            "kind",
            "party",
            "name",
            "content_type",
            "size",
            "sha256",
            "note",
            "uploaded_at",
            "uploaded_by",
        ]
        read_only_fields = fields


class AttachmentUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Attachment.Kind.choices)
    file = serializers.FileField(allow_empty_file=False, max_length=1000)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)
    party = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="Whose identity document."
    )
    signers = serializers.JSONField(
        binary=True,
        required=False,
        help_text=(
            "For a `signed_agreement`: a JSON list of those who signed the scan, each "
            '`{"signer_party": id | "signer_mediator": id | "signer_committee": true, '
            '"method", "at"}`; each is recorded as a signature of the agreement (art 29).'
        ),
    )

    def validate(self, data):
        signers = data.get("signers")
        if signers is None:
            return data
        if data["kind"] != Attachment.Kind.SIGNED_AGREEMENT:
            raise serializers.ValidationError(
                {"signers": "只有签字协议书（signed_agreement）可以附签署人。"}
            )
        if not isinstance(signers, list) or not signers:
            raise serializers.ValidationError({"signers": "签署人应为非空列表。"})
        rows = SignatureInputSerializer(data=signers, many=True)
        if not rows.is_valid():
            raise serializers.ValidationError({"signers": rows.errors})
        data["signers"] = [
            {key: value for key, value in row.items() if key != "attachment"}
            for row in rows.validated_data
        ]
        return data


def _case_of_committee(request, pk):
    """The case if the caller's scope holds its committee (a liaison, who reads only a
    summary of the cases it sent, gets 404 as for the history)."""
    case = selectors.case_of_committee(request.user, pk)
    if case is None:
        raise NotFound("未找到。")
    return case


class CaseAttachmentsView(APIView):
    """The attachments of one case."""

    parser_classes = [MultiPartParser]
    pagination_class = CursorPagination

    @extend_schema(
        operation_id="cases_attachments_list",
        responses=AttachmentSerializer(many=True),
        parameters=[CASE_ID],
    )
    def get(self, request, pk: int):
        """The attachments of a case, oldest first (cursor-paginated).

        Who: anyone whose scope holds the case's committee, except a liaison. Errors: 400
        `invalid_cursor`; 404 `not_found`."""
        case = _case_of_committee(request, pk)
        paginator = self.pagination_class()
        rows = selectors.attachment_list(request.user).filter(case=case)
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(AttachmentSerializer(page, many=True).data)

    @extend_schema(
        operation_id="cases_attachments_create",
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={
            201: AttachmentSerializer,
            413: error("文件超过大小上限（`file_too_large`，设置 TIAOJIE_ATTACHMENT_MAX_MB）。"),
            415: error("文件内容不是允许的类型（`unsupported_file_type`）。"),
        },
        parameters=[CASE_ID],
    )
    def post(self, request, pk: int):
        """Keep a file with the case (multipart: `kind`, `file`, `note`, `party`, and for a
        `signed_agreement` optionally `signers`, each recorded as a signature of the
        agreement with this scan, which makes it take effect once complete): 201 with
        its `id, kind, name, size, sha256, uploaded_at, uploaded_by`. The type is
        recognised by the content (PDF, JPEG, PNG, DOCX, MP3, M4A/AAC, WAV, AMR, OGG);
        identity documents and signed agreements are encrypted at rest.

        Who: a member of the holding committee. Errors: 400 `invalid_choice`,
        `invalid_party`, `empty_file`, `written_agreement_required`, `signed_in_future`,
        `signed_before_acceptance`, field errors; 403
        `permission_denied`; 404 `not_found`; 409 `conflict`; 413 `file_too_large`; 415
        `unsupported_file_type`."""
        case = _case_of_committee(request, pk)
        # Refuse an oversized body before it is parsed (and spooled to disk).
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > max_bytes() + MULTIPART_SLACK:
            raise FileTooLarge()
        body = AttachmentUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if data.get("signers"):
            attachment = services.signed_agreement_upload(
                actor=request.user,
                case=case,
                upload=data["file"],
                note=data.get("note", ""),
                signers=data["signers"],
            )
        else:
            attachment = services.attachment_upload(
                actor=request.user,
                case=case,
                kind=data["kind"],
                upload=data["file"],
                note=data.get("note", ""),
                party_id=data.get("party"),
            )
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


class AttachmentViewSet(mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """One attachment, by id, in the scope of its case's committee (else 404)."""

    serializer_class = AttachmentSerializer
    queryset = Attachment.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Attachment.objects.none()
        return selectors.attachment_list(self.request.user)

    def destroy(self, request, *args, **kwargs):
        """Remove an attachment before the case is archived; the history keeps an
        `attachment_removed` event (its kind, size and SHA-256).

        Who: a member of the holding committee. Errors: 403 `permission_denied`; 404
        `not_found`; 409 `case_archived` (nothing is removed from an archived file),
        `conflict`."""
        services.attachment_remove(actor=request.user, attachment=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(
        detail=True,
        methods=["get"],
        content_negotiation_class=FileExportNegotiation,
    )
    def download(self, request, pk=None):
        """The original file, as an attachment (`Content-Disposition: attachment`).

        Who: anyone whose scope holds the case's committee; an identity document or a
        signed agreement (personal data) only for the members of the holding committee,
        and each such download is recorded in the personal-data access log. Errors: 403
        `permission_denied`; 404 `not_found`."""
        attachment = self.get_object()
        if attachment.is_personal:
            if not scope_for(request.user).is_member(attachment.case.committee_id):
                raise PermissionDenied("身份证明和签字协议书仅限本调委会调解员下载。")
            audit.attachment_download_record(
                user=request.user, attachment=attachment, via=request.path
            )
        response = HttpResponse(
            services.attachment_content(attachment), content_type=attachment.content_type
        )
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=attachment.name
        )
        response["Cache-Control"] = "private, no-store"
        return response
