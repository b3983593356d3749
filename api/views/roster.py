"""The roster (人民调解法 arts 8–9, 14): a mediator's gender, ethnicity and term
(`PATCH /mediators/{id}/`), training records (`GET|POST /mediators/{id}/trainings/`), and
the committees whose composition art 8 flags (`GET /committees/composition-warnings/`).
The rules and who may write are committees.roster's."""

from contextlib import contextmanager

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers as drf_serializers
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from api.schema import error
from api.serializers.roster import (
    CompositionWarningSerializer,
    RosterMediatorSerializer,
    RosterUpdateSerializer,
    TrainingSerializer,
)
from api.views.reference import MediatorViewSet
from committees import roster

ROSTER_ERRORS = {
    403: error("只有指导该调委会的司法所或区司法局可以维护名册（`permission_denied`）。"),
    404: error("调解员不存在（`not_found`）。"),
}


@contextmanager
def _domain_errors():
    """committees.roster raises Django's ValidationError; answer it with its codes."""
    try:
        yield
    except DjangoValidationError as exc:
        raise drf_serializers.ValidationError(drf_serializers.as_serializer_error(exc)) from None


class MediatorRosterViewSet(MediatorViewSet):
    """The committee roster: every signed-in user reads it; the roster's details (gender,
    ethnicity, term) show to whoever sees the committee; the judicial office over the
    committee and the district office edit them and record trainings."""

    serializer_class = RosterMediatorSerializer
    http_method_names = ["get", "patch", "post", "head", "options"]

    @extend_schema(
        request=RosterUpdateSerializer,
        responses={200: RosterMediatorSerializer, **ROSTER_ERRORS},
    )
    def partial_update(self, request, *args, **kwargs):
        """Set gender, ethnicity and term of office (arts 8–9): the judicial office over
        the committee, or the district office. A term start without an end gets the
        three-year term. Errors: `invalid_ethnicity`, `invalid_term`, `term_too_long`,
        `date_out_of_range`, `empty_update`."""
        mediator = self.get_object()
        if not roster.may_edit_roster(request.user, mediator.committee_id):
            raise PermissionDenied("只有指导该调委会的司法所或区司法局可以维护调解员名册。")
        body = RosterUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with _domain_errors():
            mediator = roster.mediator_roster_update(
                actor=request.user, mediator=mediator, **body.validated_data
            )
        return Response(self.get_serializer(mediator).data)

    @extend_schema(
        methods=["GET"],
        responses={200: TrainingSerializer(many=True), **ROSTER_ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        request=TrainingSerializer,
        responses={201: TrainingSerializer, **ROSTER_ERRORS},
    )
    @action(detail=True, methods=["get", "post"], serializer_class=TrainingSerializer)
    def trainings(self, request, pk=None):
        """A mediator's training records (art 14). Read by whoever sees the committee;
        recorded by the judicial office over it or the district office. Errors:
        `date_out_of_range`, `permission_denied`."""
        mediator = self.get_object()
        if request.method == "GET":
            if not roster.may_read_roster(request.user, mediator.committee_id):
                raise PermissionDenied("无权查看该调解员的培训记录。")
            page = self.paginate_queryset(roster.trainings_of(mediator))
            return self.get_paginated_response(TrainingSerializer(page, many=True).data)
        if not roster.may_edit_roster(request.user, mediator.committee_id):
            raise PermissionDenied("只有指导该调委会的司法所或区司法局可以登记培训记录。")
        body = TrainingSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with _domain_errors():
            training = roster.training_record(
                actor=request.user, mediator=mediator, **body.validated_data
            )
        return Response(TrainingSerializer(training).data, status=status.HTTP_201_CREATED)


class CompositionWarningsView(APIView):
    """Committees in the caller's scope whose composition art 8 flags: fewer than 3 or more
    than 9 members, no woman member, and in a multi-ethnic district (setting
    TIAOJIE_MULTI_ETHNIC) no member of a smaller ethnic group. One entry per committee and
    code; a caller with no committee in scope gets an empty list."""

    @extend_schema(responses={200: CompositionWarningSerializer(many=True)})
    def get(self, request):
        warnings = roster.composition_warnings(request.user)
        return Response(CompositionWarningSerializer(warnings, many=True).data)


__all__ = ["CompositionWarningsView", "MediatorRosterViewSet"]
