"""Views: authenticate, parse, call one service or selector, serialize."""

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from api import exports, filters, serializers
from api.auth import lockout_figures
from api.idempotency import idempotent
from api.pagination import CaseCursorPagination, CursorPagination
from api.schema import IDEMPOTENCY_KEY, IDEMPOTENCY_KEY_REUSED, error
from api.stats_cache import cached_answer
from committees.models import Area, Committee, Institution, Mechanism, Mediator
from committees.scope import scope_for
from mediation import audit, followups, health, routing, selectors, services, statistics
from mediation.exceptions import InvalidInput
from mediation.models import Case, Notification, PersonalDataAccess, RatingLink


class MeView(APIView):
    """The caller and their roles, so a client knows what to show."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=serializers.MeSerializer)
    def get(self, request):
        return Response(serializers.MeSerializer(request.user).data)


class AreaViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Area.objects.all()
    serializer_class = serializers.AreaSerializer
    filterset_class = filters.AreaFilter


class CommitteeViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Committee.objects.all()
    serializer_class = serializers.CommitteeSerializer
    filterset_class = filters.CommitteeFilter


class MediatorViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Mediator.objects.all()
    serializer_class = serializers.MediatorSerializer
    filterset_class = filters.MediatorFilter


class InstitutionViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Institution.objects.all()
    serializer_class = serializers.InstitutionSerializer
    filterset_class = filters.InstitutionFilter


class MechanismViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Mechanism.objects.all()
    serializer_class = serializers.MechanismSerializer
    filterset_class = filters.MechanismFilter


# --- cases -------------------------------------------------------------------------------


def _scope(request):
    return scope_for(request.user)


class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Cases in the caller's scope (Case.objects.visible_to); out of scope is 404.

    Writes call one service each; a liaison sees only the cases its institution sent in,
    and of those only what it sent and the outcome.
    """

    filterset_class = filters.CaseFilter
    pagination_class = CaseCursorPagination

    def get_queryset(self):
        if self.action == "list":
            return selectors.case_list(self.request.user)
        return selectors.case_detail(self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "scope": _scope(self.request)}

    def filter_queryset(self, queryset):
        # The list filters narrow the list only; a case addressed by id is found by id.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def _is_liaison_view(self, case=None) -> bool:
        scope = _scope(self.request)
        if case is None:
            return scope.is_liaison_only
        return not scope.sees_committee(case.committee_id)

    def get_serializer_class(self):
        if self.action == "list":
            return (
                serializers.CaseSummarySerializer
                if self._is_liaison_view()
                else serializers.CaseListSerializer
            )
        return serializers.CaseSerializer

    def _respond(self, case, status_code=200, *, new=False):
        if new:
            case = selectors.new_case_detail(case.pk)
        else:
            case = self.get_queryset().get(pk=case.pk)
        if self._is_liaison_view(case):
            data = serializers.CaseSummarySerializer(case).data
        else:
            data = serializers.CaseSerializer(case, context=self.get_serializer_context()).data
            audit.personal_data_reveals_record(
                user=self.request.user, cases=[case], via=self.request.path
            )
        return Response(data, status=status_code)

    def retrieve(self, request, *args, **kwargs):
        """One case with its parties, mediators, sessions, agreement, transfers, referrals
        and follow-ups.

        Who: anyone whose scope holds the case; ID numbers and phones are masked for
        anyone not a member of the holding committee; a liaison sees only the summary of
        a case its institution sent. Errors: 404 `not_found` (absent or out of scope)."""
        return self._respond(self.get_object())

    def list(self, request, *args, **kwargs):
        """The cases in the caller's scope, newest first, with the list filters.

        Who: any signed-in user (a liaison: the summaries of its institution's cases).
        Errors: 400 `invalid_cursor`, invalid filter values."""
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        serializer = self.get_serializer(page, many=True)
        response = self.get_paginated_response(serializer.data)
        if not self._is_liaison_view():
            audit.personal_data_reveals_record(user=request.user, cases=page, via=request.path)
        return response

    def _body(self, serializer_class):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(
        request=serializers.CaseCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: serializers.CaseSerializer, 422: IDEMPOTENCY_KEY_REUSED},
    )
    def create(self, request, *args, **kwargs):
        """Register a dispute (登记): status `registered`, a new `number` in the committee's
        sequence, `due_on` for acceptance.

        Who: a mediator of `committee`. Errors: 400 `parties_incomplete`,
        `invalid_id_number`, `invalid_phone`, `invalid_choice`, `invalid_source`,
        `committee_inactive`, `negative_amount`, `invalid_idempotency_key`, field errors;
        403 `permission_denied`; 422 `idempotency_key_reused`."""
        def register():
            data = dict(self._body(serializers.CaseCreateSerializer))
            case = services.case_register(actor=request.user, via=request.path, **data)
            return self._respond(case, status.HTTP_201_CREATED, new=True)

        def replay(case_id, status_code):
            # Today's case as the caller may see it today: 404 once it left their scope.
            case = Case.objects.visible_to(request.user).filter(pk=case_id).first()
            if case is None:
                raise NotFound("未找到。")
            return self._respond(case, status_code)

        return idempotent(request, register, replay)

    @extend_schema(request=serializers.CaseUpdateSerializer, responses=serializers.CaseSerializer)
    def partial_update(self, request, *args, **kwargs):
        """Edit the descriptive fields of an open case (never `status` or `committee`).

        Who: a mediator of the holding committee. Errors: 400 `field_not_editable`,
        `invalid_choice`, `negative_amount`, field errors; 403 `permission_denied`;
        404 `not_found`; 409 `invalid_transition`, `conflict`."""
        case = self.get_object()
        editable = set(serializers.CaseUpdateSerializer().fields)
        forbidden = set(request.data) - editable if hasattr(request.data, "keys") else set()
        if forbidden:
            raise InvalidInput(
                f"这些字段不能通过修改接口变更：{', '.join(sorted(forbidden))}",
                code="field_not_editable",
            )
        serializer = serializers.CaseUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        case = services.case_update(actor=request.user, case=case, **serializer.validated_data)
        return self._respond(case)

    def _transition(self, service, body_class=None, **extra):
        case = self.get_object()
        body = self._body(body_class) if body_class else {}
        service(actor=self.request.user, case=case, **body, **extra)
        return self._respond(case)

    @extend_schema(request=serializers.AcceptSerializer, responses=serializers.CaseSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Accept a registered case (受理) with its mediators: `registered` → `mediating`;
        sets `accepted_at` and `due_on`.

        Who: a director or deputy director of the holding committee. Errors: 400
        `mediators_required`, `invalid_mediator`, `mediator_recused`; 403
        `permission_denied`; 404 `not_found`; 409 `invalid_transition`, `conflict`."""
        case = self.get_object()
        body = self._body(serializers.AcceptSerializer)
        services.case_accept(actor=request.user, case=case, mediator_ids=body["mediators"])
        return self._respond(case)

    @extend_schema(request=serializers.DeclineSerializer, responses=serializers.CaseSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        """Decline a registered case (不予受理) with a reason: `registered` → `declined`.

        Who: a director or deputy director of the holding committee. Errors: 400
        `reason_required`, `invalid_choice`; 403 `permission_denied`; 404 `not_found`;
        409 `invalid_transition`, `conflict`."""
        return self._transition(services.case_decline, serializers.DeclineSerializer)

    @extend_schema(request=serializers.AssignSerializer, responses=serializers.CaseSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """Change the mediators of an open case; with `party_objection` the mediators
        replaced are recused and cannot be assigned to the case again.

        Who: a director or deputy director of the holding committee. Errors: 400
        `mediators_required`, `invalid_mediator`, `mediator_recused`, `reason_required`;
        403 `permission_denied`; 404 `not_found`; 409 `invalid_transition`, `conflict`."""
        case = self.get_object()
        body = self._body(serializers.AssignSerializer)
        services.case_assign_mediators(
            actor=request.user,
            case=case,
            mediator_ids=body["mediators"],
            reason=body.get("reason", ""),
            party_objection=body["party_objection"],
        )
        return self._respond(case)

    @extend_schema(
        request=serializers.SessionSerializer, responses={201: serializers.SessionSerializer}
    )
    @action(detail=True, methods=["post"])
    def sessions(self, request, pk=None):
        """Record a mediation session (调解记录) of a case being mediated (201).

        Who: a mediator of the holding committee. Errors: 400 `held_in_future`,
        `held_before_received`, `summary_required`; 403 `permission_denied`; 404
        `not_found`; 409 `invalid_transition`, `conflict`."""
        case = self.get_object()
        body = self._body(serializers.SessionSerializer)
        session = services.case_record_session(actor=request.user, case=case, **body)
        return Response(serializers.SessionSerializer(session).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=serializers.ExtendSerializer, responses=serializers.CaseSerializer)
    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        """Extend the mediation deadline (`due_on`) once, by at most 30 days, with the
        parties' consent.

        Who: a mediator of the holding committee. Errors: 400 `parties_consent_required`,
        `reason_required`, `extension_too_long`; 403 `permission_denied`; 404 `not_found`;
        409 `invalid_transition`, `conflict` (also when already extended once)."""
        return self._transition(services.case_extend, serializers.ExtendSerializer)

    @extend_schema(request=serializers.ConcludeSerializer, responses=serializers.CaseSerializer)
    @action(detail=True, methods=["post"])
    def conclude(self, request, pk=None):
        """Conclude a case being mediated: `success` with the agreement → `succeeded`, or
        `failure` with the guidance given to the parties → `failed`.

        Who: a mediator of the holding committee. Errors: 400 `agreement_required`,
        `terms_required`, `written_agreement_required`, `invalid_deadline`,
        `guidance_required`, `negative_amount`, `invalid_choice`; 403 `permission_denied`;
        404 `not_found`; 409 `invalid_transition`, `conflict`."""
        return self._transition(services.case_conclude, serializers.ConcludeSerializer)

    @extend_schema(request=serializers.ReasonSerializer, responses=serializers.CaseSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Record that the applicant withdrew (撤回): → `withdrawn`.

        Who: a mediator of the holding committee. Errors: 400 `reason_required`; 403
        `permission_denied`; 404 `not_found`; 409 `invalid_transition`, `conflict`."""
        return self._transition(services.case_withdraw, serializers.ReasonSerializer)

    @extend_schema(request=None, responses=serializers.CaseSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        """Archive a concluded (or referred) case: → `archived`, once its follow-ups are
        done or cancelled and any outbound referral has its result.

        Who: a mediator of the holding committee. Errors: 403 `permission_denied`; 404
        `not_found`; 409 `invalid_transition` (`follow_ups` or `referrals` list what is
        still open), `conflict`."""
        return self._transition(services.case_archive)

    @extend_schema(
        request=serializers.JudicialConfirmationSerializer, responses=serializers.CaseSerializer
    )
    @action(detail=True, methods=["post"], url_path="judicial-confirmation")
    def judicial_confirmation(self, request, pk=None):
        """Record the parties' application for judicial confirmation (司法确认) of a
        succeeded case's agreement, and the court's result.

        Who: a mediator of the holding committee. Errors: 400 `court_required`,
        `invalid_choice`, `written_agreement_required`, `outside_judicial_window`; 403
        `permission_denied`; 404 `not_found`; 409 `invalid_transition`, `conflict`."""
        return self._transition(
            services.case_record_judicial_confirmation, serializers.JudicialConfirmationSerializer
        )

    @extend_schema(
        request=serializers.TransferRequestSerializer,
        responses={201: serializers.TransferSerializer},
    )
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        """Ask another committee to take an open case (移送, 201 with the transfer): the
        case is frozen until the receiver decides, the sender cancels, or `respond_by`
        passes.

        Who: a director or deputy director of the holding committee. Errors: 400
        `reason_required`, `invalid_choice`, `transfer_to_self`, `committee_inactive`,
        `not_an_ancestor`; 403 `permission_denied`; 404 `not_found`; 409
        `invalid_transition`, `conflict`."""
        case = self.get_object()
        body = self._body(serializers.TransferRequestSerializer)
        transfer = routing.transfer_request(actor=request.user, case=case, **body)
        return Response(
            serializers.TransferSerializer(transfer).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=serializers.ReferSerializer, responses={201: serializers.ReferralSerializer}
    )
    @action(detail=True, methods=["post"])
    def refer(self, request, pk=None):
        """Hand an open case to a partner institution through a docking mechanism
        (outbound referral, 201 with the referral): → `referred`.

        Who: a director or deputy director of the holding committee. Errors: 400
        `reason_required`, `mechanism_not_for_institution`; 403 `permission_denied`; 404
        `not_found`; 409 `invalid_transition`, `conflict`."""
        case = self.get_object()
        body = self._body(serializers.ReferSerializer)
        referral = routing.case_refer(actor=request.user, case=case, **body)
        return Response(
            serializers.ReferralSerializer(referral).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(responses=serializers.CaseEventSerializer(many=True))
    @action(detail=True, methods=["get"])
    def events(self, request, pk=None):
        """The case's append-only history, oldest first (cursor-paginated).

        Who: anyone whose scope holds the case, except a liaison. Errors: 400
        `invalid_cursor`; 404 `not_found`."""
        case = self.get_object()
        if self._is_liaison_view(case):
            raise NotFound()
        paginator = CursorPagination()
        page = paginator.paginate_queryset(case.events.all(), request, view=self)
        return paginator.get_paginated_response(
            serializers.CaseEventSerializer(page, many=True).data
        )


class TransferViewSet(viewsets.ReadOnlyModelViewSet):
    """Transfers whose sending or receiving committee is in the caller's scope."""

    serializer_class = serializers.TransferSerializer
    filterset_class = filters.TransferFilter

    def get_queryset(self):
        return selectors.transfer_list(self.request.user)

    def _decide(self, service, body_class=None):
        transfer = self.get_object()
        body = self._body(body_class) if body_class else {}
        transfer = service(actor=self.request.user, transfer=transfer, **body)
        return Response(serializers.TransferSerializer(transfer).data)

    def _body(self, serializer_class):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(request=None, responses=serializers.TransferSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._decide(routing.transfer_accept)

    @extend_schema(request=serializers.ReasonSerializer, responses=serializers.TransferSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(routing.transfer_reject, serializers.ReasonSerializer)

    @extend_schema(request=None, responses=serializers.TransferSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._decide(routing.transfer_cancel)


class ReferralViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Referrals: a liaison sees its institution's; committees those of their scope."""

    serializer_class = serializers.ReferralSerializer
    filterset_class = filters.ReferralFilter

    def get_queryset(self):
        return selectors.referral_list(self.request.user)

    @extend_schema(
        request=serializers.ReferralCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: serializers.ReferralSerializer, 422: IDEMPOTENCY_KEY_REUSED},
    )
    def create(self, request, *args, **kwargs):
        def receive():
            serializer = serializers.ReferralCreateSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            body = dict(serializer.validated_data)
            case_body = dict(body.pop("case"))
            referral = routing.referral_receive(
                actor=request.user, via=request.path, **body, **case_body
            )
            referral = self.get_queryset().get(pk=referral.pk)
            return Response(
                serializers.ReferralSerializer(referral).data, status=status.HTTP_201_CREATED
            )

        def replay(referral_id, status_code):
            referral = self.get_queryset().filter(pk=referral_id).first()
            if referral is None:
                raise NotFound("未找到。")
            return Response(serializers.ReferralSerializer(referral).data, status=status_code)

        return idempotent(request, receive, replay)

    @extend_schema(
        request=serializers.ReferralFeedbackSerializer, responses=serializers.ReferralSerializer
    )
    @action(detail=True, methods=["post"])
    def feedback(self, request, pk=None):
        referral = self.get_object()
        serializer = serializers.ReferralFeedbackSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        referral = routing.referral_feedback(
            actor=request.user, referral=referral, **serializer.validated_data
        )
        return Response(
            serializers.ReferralSerializer(self.get_queryset().get(pk=referral.pk)).data
        )


# --- follow-ups, notifications, ratings, screening, health ----------------------------------


class FollowUpViewSet(viewsets.ReadOnlyModelViewSet):
    """Follow-ups of the committees in the caller's scope."""

    serializer_class = serializers.FollowUpSerializer
    filterset_class = filters.FollowUpFilter

    def get_queryset(self):
        return selectors.followup_list(self.request.user)

    @extend_schema(
        request=serializers.FollowUpCompleteSerializer, responses=serializers.FollowUpSerializer
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        followup = self.get_object()
        body = serializers.FollowUpCompleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        followup = followups.followup_complete(
            actor=request.user,
            followup=followup,
            performed=data.get("performed", ""),
            result=data.get("result", ""),
            note=data.get("note", ""),
            rating=data.get("rating"),
        )
        return Response(serializers.FollowUpSerializer(followup).data)


class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    """The caller's own notifications, newest first."""

    serializer_class = serializers.NotificationSerializer
    pagination_class = CaseCursorPagination
    filterset_class = filters.NotificationFilter

    queryset = Notification.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return selectors.inbox(self.request.user)

    @extend_schema(request=None, responses=serializers.NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = services.notification_mark_read(notification=self.get_object())
        return Response(serializers.NotificationSerializer(notification).data)


class RatingView(APIView):
    """好差评: a party opens the link sent to them and rates once; no login."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "ratings"

    def _link(self, token):
        link = RatingLink.objects.select_related("case__committee").filter(token=token).first()
        if link is None or link.expires_at <= timezone.now():
            raise NotFound("评价链接无效或已过期。")
        return link

    @extend_schema(responses=serializers.RatingViewSerializer)
    def get(self, request, token):
        return Response(serializers.RatingViewSerializer(self._link(token)).data)

    @extend_schema(
        request=serializers.RatingSubmitSerializer,
        responses={
            200: serializers.RatingViewSerializer,
            409: error("该评价链接已使用（`conflict`）。"),
        },
    )
    def post(self, request, token):
        self._link(token)
        body = serializers.RatingSubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        link = followups.rating_submit(token=token, **body.validated_data)
        return Response(serializers.RatingViewSerializer(link).data)


class ScreeningReportViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Monthly screening reports (矛盾纠纷排查) of the committees in scope."""

    serializer_class = serializers.ScreeningReportSerializer
    filterset_fields = ["period", "committee"]

    def get_queryset(self):
        return selectors.screening_report_list(self.request.user)

    def create(self, request, *args, **kwargs):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        report = services.screening_report_file(actor=request.user, **body.validated_data)
        return Response(self.get_serializer(report).data, status=status.HTTP_201_CREATED)


class HealthView(APIView):
    """`ok` or `degraded` to anyone (503 when degraded); the details — database, broker,
    follow-up backlog, sign-in lock-outs — only to staff and the district office. No
    personal data either way."""

    permission_classes = [AllowAny]

    @extend_schema(
        responses={
            200: serializers.HealthSerializer,
            503: OpenApiResponse(serializers.HealthSerializer, description="A part is down."),
        }
    )
    def get(self, request):
        report = health.health_report()
        code = 200 if report["status"] == "ok" else 503
        user = request.user
        if not (user.is_authenticated and (user.is_staff or scope_for(user).is_district_office)):
            return Response({"status": report["status"]}, status=code)
        report["login_lockouts"] = lockout_figures()
        return Response(report, status=code)


# --- statistics ----------------------------------------------------------------------------


def statistics_filter(request) -> tuple[statistics.Filter, statistics.Period]:
    """The committees and period a statistics request covers, within the caller's scope
    (selectors.statistics_filter).

    A filter naming a committee or area outside the scope is 404 (never a silent empty
    answer); a caller with no committee in scope (a liaison) is 403."""
    if not _scope(request).has_committees:
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
    """The Ministry-format monthly table (人民调解工作统计月报表) as XLSX or CSV."""

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
        table = statistics.ministry_table(scope, period)
        title = f"人民调解工作统计月报表（{period.start}至{period.end}）"
        filing = exports.Filing(
            unit=reporting_unit(request),
            filer=request.user.get_full_name() or request.user.username,
            filed_on=timezone.localdate(),
        )
        name = f"ministry-{period.start}-{period.end}.{kind}"
        if kind == "csv":
            body = exports.ministry_csv(table, title, filing)
            content_type = "text/csv; charset=utf-8"
        else:
            body = exports.ministry_xlsx(table, title, filing)
            content_type = XLSX
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class PersonalDataAccessViewSet(viewsets.ReadOnlyModelViewSet):
    """Who saw which case's personal data unmasked, and when (district office only)."""

    serializer_class = serializers.PersonalDataAccessSerializer
    pagination_class = CaseCursorPagination
    filterset_fields = ["case", "user", "kind", "for_case"]
    queryset = PersonalDataAccess.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PersonalDataAccess.objects.none()
        if not _scope(self.request).is_district_office:
            raise PermissionDenied("个人信息查看记录仅向区司法局开放。")
        return selectors.personal_data_access_list(self.request.user)
