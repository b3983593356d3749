"""Statistics: summary, breakdown, mechanisms, and the Ministry-format export."""

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from api import serializers
from api.schema import error
from api.stats_cache import cached_answer
from committees.scope import scope_for
from mediation import selectors, statistics
from mediation.exceptions import InvalidInput
from mediation.statistics import exports, submissions


def statistics_filter(request) -> tuple[statistics.Filter, statistics.Period]:
    """The committees and period a statistics request covers, within the caller's scope
    (selectors.statistics_filter).

    A filter naming a committee or area outside the scope is 404 (never a silent empty
    answer); a caller with no committee in scope (a liaison) is 403."""
    if not scope_for(request.user).has_committees:
        raise PermissionDenied("统计数据仅向调委会、司法所和区司法局提供。")
    params = _statistics_query(request)
    return selectors.statistics_filter(
        request.user,
        committee=params.get("committee"),
        area=params.get("area"),
        start=params.get("from"),
        end=params.get("to"),
    )


def _statistics_query(request) -> dict:
    query = serializers.StatisticsQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


STATISTICS_PARAMETERS = [
    OpenApiParameter("from", OpenApiTypes.DATE, description="First day (date received)."),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last day, inclusive."),
    OpenApiParameter("committee", OpenApiTypes.INT),
    OpenApiParameter("area", OpenApiTypes.INT),
]
# statistics_filter's refusals, beside the common errors.
STATISTICS_ERRORS = {
    403: error("联络员无统计权限（`permission_denied`）。"),
    404: error("`committee` 或 `area` 不存在或不在统计范围内（`not_found`）。"),
}


def reporting_unit(request) -> str:
    """填报单位 of an export: the committee or area asked for, else the caller's own unit
    (selectors.reporting_unit)."""
    params = _statistics_query(request)
    return selectors.reporting_unit(
        request.user, committee=params.get("committee"), area=params.get("area")
    )


class StatisticsSummaryView(APIView):
    """Every measure for the caller's scope. Cases are counted by date received;
    conclusions by date concluded."""

    @extend_schema(
        parameters=STATISTICS_PARAMETERS,
        responses={200: serializers.SummarySerializer, **STATISTICS_ERRORS},
    )
    def get(self, request):
        scope, period = statistics_filter(request)
        return Response(
            cached_answer(
                "summary",
                scope,
                period,
                lambda: serializers.SummarySerializer(statistics.summary(scope, period)).data,
            )
        )


class StatisticsBreakdownView(APIView):
    """The summary's counts per combination of dimensions (`by`, repeatable)."""

    @extend_schema(
        parameters=[
            *STATISTICS_PARAMETERS,
            OpenApiParameter(
                "by",
                OpenApiTypes.STR,
                many=True,
                enum=list(statistics.DIMENSIONS),
                description="Dimension(s): repeat the parameter for several.",
            ),
        ],
        responses={200: serializers.BreakdownSerializer, **STATISTICS_ERRORS},
    )
    def get(self, request):
        scope, period = statistics_filter(request)
        dims = list(dict.fromkeys(request.query_params.getlist("by")))
        if not dims:
            raise InvalidInput("请至少指定一个统计维度（by）。", code="dimension_required")
        unknown = [d for d in dims if d not in statistics.DIMENSIONS]
        if unknown:
            raise InvalidInput(
                f"不支持的统计维度：{', '.join(unknown)}",
                code="invalid_dimension",
                allowed=list(statistics.DIMENSIONS),
            )
        return Response(
            cached_answer(
                "breakdown",
                scope,
                period,
                lambda: (
                    serializers.BreakdownSerializer(statistics.breakdown(scope, period, dims)).data
                ),
                extra=tuple(dims),
            )
        )


class StatisticsMechanismsView(APIView):
    """Per docking mechanism: inbound, outbound, concluded, succeeded, feedback on time
    and late (referrals created / fed back in the period)."""

    @extend_schema(
        parameters=STATISTICS_PARAMETERS,
        responses={200: serializers.MechanismStatsSerializer, **STATISTICS_ERRORS},
    )
    def get(self, request):
        scope, period = statistics_filter(request)

        def compute():
            data = {"results": statistics.mechanisms(scope, period), "as_of": timezone.now()}
            return serializers.MechanismStatsSerializer(data).data

        return Response(cached_answer("mechanisms", scope, period, compute))


class FileExportNegotiation(DefaultContentNegotiation):
    """`?format=` names the file type here (docs/api.md), not a DRF renderer; errors are JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class StatisticsExportView(APIView):
    """The Ministry-format monthly table (人民调解工作统计月报表) as XLSX or CSV. A month the
    district office submitted (one whole month, the submitted area or the district) answers
    the file as submitted, byte for byte, with `X-Submitted-At`."""

    content_negotiation_class = FileExportNegotiation
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "statistics_export"

    @extend_schema(
        parameters=[
            *STATISTICS_PARAMETERS,
            OpenApiParameter("format", OpenApiTypes.STR, enum=["xlsx", "csv"]),
        ],
        responses={
            (200, XLSX): OpenApiTypes.BINARY,
            (200, "text/csv"): OpenApiTypes.STR,
            **STATISTICS_ERRORS,
        },
    )
    def get(self, request):
        scope, period = statistics_filter(request)
        kind = request.query_params.get("format", "xlsx")
        if kind not in ("xlsx", "csv"):
            raise InvalidInput("导出格式应为 xlsx 或 csv。", code="invalid_format")
        name = f"ministry-{period.start}-{period.end}.{kind}"
        params = _statistics_query(request)
        frozen = submissions.frozen_export(
            scope, period, area_id=params.get("area"), committee_id=params.get("committee")
        )
        if frozen is not None:  # a submitted month: the file as submitted (issue 15 item 16)
            return _file(bytes(getattr(frozen, kind)), kind, name, submitted_at=frozen.submitted_at)
        table = statistics.ministry_table(scope, period)
        title = f"人民调解工作统计月报表（{period.start}至{period.end}）"
        filing = exports.Filing(
            unit=reporting_unit(request),
            filer=request.user.get_full_name() or request.user.username,
            filed_on=timezone.localdate(),
        )
        if kind == "csv":
            body = exports.ministry_csv(table, title, filing)
        else:
            body = exports.ministry_xlsx(table, title, filing)
        return _file(body, kind, name)


def _file(body: bytes, kind: str, name: str, *, submitted_at=None) -> HttpResponse:
    content_type = "text/csv; charset=utf-8" if kind == "csv" else XLSX
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    if submitted_at is not None:
        response["X-Submitted-At"] = submitted_at.isoformat()
    return response
