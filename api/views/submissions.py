"""Submitted months (issue 15 item 16): the district office freezes a month's Ministry
table (`POST /statistics/submissions/`), lists them, and reads one with the corrections
later changes made against it. The export of a submitted month is the frozen file
(api/views/statistics.py asks `frozen_export`)."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from api.schema import error
from api.serializers.submissions import (
    SubmissionCreateSerializer,
    SubmissionDetailSerializer,
    SubmissionSerializer,
)
from committees.scope import scope_for
from mediation import selectors
from mediation.statistics import exports, submissions

SUBMISSION_ERRORS = {403: error("只有区司法局可以报送和查看报送的报表（`permission_denied`）。")}


def _district_office_only(request) -> None:
    if not scope_for(request.user).is_district_office:
        raise PermissionDenied("只有区司法局可以报送和查看报送的报表。")


class StatisticsSubmissionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The Ministry tables the district office submitted, newest month first."""

    serializer_class = SubmissionSerializer

    def get_queryset(self):
        return (
            submissions.submissions_visible_to(self.request.user)
            .select_related("submitted_by")
            .defer("csv", "xlsx")
        )

    def get_serializer_class(self):
        if self.action == "create":
            return SubmissionCreateSerializer
        if self.action == "retrieve":
            return SubmissionDetailSerializer
        return SubmissionSerializer

    @extend_schema(responses={200: SubmissionSerializer(many=True), **SUBMISSION_ERRORS})
    def list(self, request, *args, **kwargs):
        _district_office_only(request)
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: SubmissionDetailSerializer, **SUBMISSION_ERRORS})
    def retrieve(self, request, *args, **kwargs):
        """A submission and its `corrections`: every figure of the month that now differs
        from the submitted one (submitted and current value)."""
        _district_office_only(request)
        submission = self.get_object()
        submission.corrections = submissions.corrections(submission)
        return Response(SubmissionDetailSerializer(submission).data)

    @extend_schema(
        request=SubmissionCreateSerializer,
        responses={
            201: SubmissionSerializer,
            400: error("`invalid_period`（格式）、`period_not_ended`（该月尚未结束）。"),
            404: error("区划不存在（`not_found`）。"),
            409: error("该月该区划已报送（`already_submitted`）。"),
            **SUBMISSION_ERRORS,
        },
    )
    def create(self, request, *args, **kwargs):
        """Freeze a month's Ministry table as submitted (the district office): the figures
        and the CSV and XLSX files are stored; later exports of the month are these files."""
        _district_office_only(request)
        body = SubmissionCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        area = body.validated_data.get("area")
        submissions.check_area(area)
        filing = exports.Filing(
            unit=selectors.reporting_unit(request.user, area=area),
            filer=request.user.get_full_name() or request.user.username,
            filed_on=timezone.localdate(),
        )

        def render(table: dict, title: str) -> dict[str, bytes]:
            return {
                "csv": exports.ministry_csv(table, title, filing),
                "xlsx": exports.ministry_xlsx(table, title, filing),
            }

        submission = submissions.submission_create(
            actor=request.user,
            period=body.validated_data["period"],
            area_id=area,
            unit=filing.unit,
            filer=filing.filer,
            render=render,
        )
        return Response(SubmissionSerializer(submission).data, status=status.HTTP_201_CREATED)
