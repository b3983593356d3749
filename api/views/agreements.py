"""The agreement's endpoints on a case: signatures, judicial confirmation, re-mediation and
what is done when it is not performed. A mixin of api.views.cases.CaseViewSet, so they
live under /cases/{id}/ with the same lookup, scope and answer (the case)."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from api import serializers
from mediation import services


class AgreementActions:
    """Writes on the current agreement of a case (one service each)."""

    @extend_schema(
        request=serializers.SignatureInputSerializer,
        responses={201: serializers.SignatureSerializer},
    )
    @action(detail=True, methods=["post"], url_path="agreement/signatures")
    def agreement_signatures(self, request, pk=None):
        """Record one signature on the written agreement (人民调解法 art 29): a party's
        (`signer_party`), a mediator's (`signer_mediator`) or the committee's seal
        (`signer_committee: true`, method `seal`), with `method` and `at` (201). When every
        party, a mediator and the committee have signed, the agreement's `effective_on`
        becomes the day of the last signature.

        Who: a mediator of the holding committee. Errors: 400 `signer_required`,
        `invalid_party`, `invalid_mediator`, `invalid_choice`, `invalid_attachment`,
        `signed_before_acceptance`,
        `signed_in_future`, `written_agreement_required`; 403 `permission_denied`; 404
        `not_found`; 409 `invalid_transition` (already signed, already in force),
        `conflict`."""
        case = self.get_object()
        body = dict(self._body(serializers.SignatureInputSerializer))
        signature = services.agreement_sign(actor=request.user, case=case, **body)
        return Response(
            serializers.SignatureSerializer(signature).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=serializers.JudicialConfirmationSerializer, responses=serializers.CaseSerializer
    )
    @action(detail=True, methods=["post"], url_path="judicial-confirmation")
    def judicial_confirmation(self, request, pk=None):
        """Record the parties' joint application for judicial confirmation (司法确认) of the
        agreement in force, and later the court's result. `court` defaults to the inviting
        court (court-referred case) or the committee's basic court; the window's last day
        moves past a holiday; a pending application is chased after the court's 15 days
        (+10 when `court_extended`).

        Who: a mediator of the holding committee. Errors: 400 `joint_application_required`,
        `court_required`, `invalid_choice`, `written_agreement_required`,
        `agreement_not_effective`, `outside_judicial_window`, `judicial_excluded`,
        `relationship_matter_required`, `invalid_party`; 403 `permission_denied`; 404
        `not_found`; 409 `invalid_transition`, `conflict`."""
        return self._transition(
            services.case_record_judicial_confirmation, serializers.JudicialConfirmationSerializer
        )

    @extend_schema(request=serializers.RemediateSerializer, responses=serializers.CaseSerializer)
    @action(detail=True, methods=["post"])
    def remediate(self, request, pk=None):
        """Mediate again with the parties' consent after the court refused to confirm the
        agreement (or it was not performed): `succeeded` → `mediating`; the old agreement is
        kept in `agreements` and the next successful conclusion adds a new version.

        Who: a mediator of the holding committee. Errors: 400 `parties_consent_required`;
        403 `permission_denied`; 404 `not_found`; 409 `invalid_transition`, `conflict`."""
        return self._transition(services.agreement_remediate, serializers.RemediateSerializer)

    @extend_schema(request=serializers.PerformanceSerializer, responses=serializers.CaseSerializer)
    @action(detail=True, methods=["post"])
    def performance(self, request, pk=None):
        """Act on an agreement that is not (fully) performed: `urge` (督促履行, logged),
        `remediate` (with `parties_consent`), `lawsuit` over the agreement (art 32),
        `enforcement` of a confirmed agreement; only what the agreement's
        `performance_actions` offers.

        Who: a mediator of the holding committee. Errors: 400 `invalid_choice`,
        `parties_consent_required`; 403 `permission_denied`; 404 `not_found`; 409
        `invalid_transition` (`allowed` lists what applies), `conflict`."""
        return self._transition(services.agreement_performance, serializers.PerformanceSerializer)
