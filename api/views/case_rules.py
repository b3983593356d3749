"""The case endpoints of issue 15 (the law's rules), mixed into CaseViewSet
(api/views/cases.py): a party's consent and a planned session recorded as held. One
service each; the rules are in mediation/services/consent.py and sessions.py."""

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from api import serializers
from mediation import services


class CaseRulesActions:
    """Actions of CaseViewSet; they use its get_object, _body and _respond."""

    @extend_schema(request=serializers.ConsentSerializer, responses=serializers.CaseSerializer)
    @action(detail=True, methods=["post"])
    def consent(self, request, pk=None):
        """Record that a party agrees to mediation or refuses it (人民调解法 art 17). A
        refusal declines the case at once: `registered` → `declined` with `decline_reason_code`
        `party_refuses` and the notice of the other routes.

        Who: a mediator of the holding committee. Errors: 400 `invalid_party`, field errors;
        403 `permission_denied`; 404 `not_found`; 409 `invalid_transition`, `conflict`."""
        case = self.get_object()
        body = self._body(serializers.ConsentSerializer)
        services.case_record_consent(
            actor=request.user, case=case, party_id=body["party"], consents=body["consents"]
        )
        return self._respond(case)

    @extend_schema(
        request=serializers.SessionHeldSerializer, responses=serializers.SessionSerializer
    )
    @action(detail=True, methods=["post"], url_path=r"sessions/(?P<session_id>\d{1,18})/held")
    def session_held(self, request, pk=None, session_id=None):
        """Record that a planned session took place: `planned` → `held`, with what was said;
        the parties' attendance counts one visit.

        Who: a mediator of the holding committee. Errors: 400 `summary_required`,
        `held_in_future`, `held_before_received`, field errors; 403 `permission_denied`; 404
        `not_found` (the case or the session); 409 `invalid_transition`, `conflict` (already
        recorded)."""
        case = self.get_object()
        session = case.sessions.filter(pk=session_id).first()
        if session is None:
            raise NotFound("未找到该次调解。")
        body = self._body(serializers.SessionHeldSerializer)
        session = services.session_mark_held(actor=request.user, case=case, session=session, **body)
        return Response(serializers.SessionSerializer(session).data)
