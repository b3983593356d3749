"""The 卷宗's records on a case that are not documents or files: the rights notice."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as api_serializers
from api.schema import CASE_ID
from committees.scope import scope_for
from mediation import audit, choices, selectors, services


class RightsNotifiedSerializer(serializers.Serializer):
    at = serializers.DateTimeField(help_text="When the parties were told.")
    how = serializers.ChoiceField(choices=choices.NoticeMethod.choices)


class RightsNotifiedView(APIView):
    """规定 art 30: the parties are told their rights and duties before mediation."""

    @extend_schema(
        operation_id="cases_rights_notified",
        request=RightsNotifiedSerializer,
        responses=api_serializers.CaseSerializer,
        parameters=[CASE_ID],
    )
    def post(self, request, pk: int):
        """Record when (`at`) and how (`how`: `written` | `oral`) the parties were told
        their rights and duties (人民调解工作若干规定 art 30), on the case as
        `rights_notified_at` / `rights_notified_how`, with a history event; 200 with the
        case. A repeat replaces the record (the event keeps the earlier one).

        Who: a member of the holding committee, from registration until the case is
        archived. Errors: 400 `invalid_choice`, `date_out_of_range`,
        `notified_before_received`, field errors; 403 `permission_denied`; 404
        `not_found`; 409 `invalid_transition`, `conflict`."""
        case = selectors.case_of_committee(request.user, pk)
        if case is None:
            raise NotFound("未找到。")
        body = RightsNotifiedSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.case_rights_notified(actor=request.user, case=case, **body.validated_data)
        case = selectors.case_detail(request.user).get(pk=case.pk)
        context = {"request": request, "scope": scope_for(request.user)}
        data = api_serializers.CaseSerializer(case, context=context).data
        audit.personal_data_reveals_record(user=request.user, cases=[case], via=request.path)
        return Response(data)
