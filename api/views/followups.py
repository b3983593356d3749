"""Follow-ups, notifications, ratings (好差评) and monthly screening reports."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from api import filters, serializers
from api.pagination import CaseCursorPagination
from api.schema import error
from mediation import followups, selectors, services
from mediation.models import Notification


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
        link = selectors.rating_link(token)
        if link is None:
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
