"""Transfers between committees and referrals to and from partner institutions."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from api import filters, serializers
from api.idempotency import idempotent
from api.schema import IDEMPOTENCY_KEY, IDEMPOTENCY_KEY_REUSED
from mediation import routing, selectors


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
