"""Cases: the list, one case, and every write on a case (one service each)."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from api import filters, serializers
from api.idempotency import idempotent
from api.pagination import CaseCursorPagination, CursorPagination
from api.schema import IDEMPOTENCY_KEY, IDEMPOTENCY_KEY_REUSED
from api.views.agreements import AgreementActions
from api.views.case_rules import CaseRulesActions
from committees.scope import scope_for
from mediation import audit, routing, selectors, services
from mediation.exceptions import InvalidInput
from mediation.models import Case


def _scope(request):
    return scope_for(request.user)


class CaseViewSet(
    CaseRulesActions,
    AgreementActions,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Cases in the caller's scope (Case.objects.visible_to); out of scope is 404.

    Writes call one service each; a liaison sees only the cases its institution sent in,
    and of those only what it sent and the outcome.
    """

    filterset_class = filters.CaseFilter
    pagination_class = CaseCursorPagination

    def get_queryset(self):
        if self.action == "list":
            # A list row shows its committee's id only: no join, no Committee per row; its
            # parties come as a plain list (Prefetch to_attr), not as a related manager's
            # queryset cloned for every case (a page's CPU 22–24 → 15.5–16.4 ms at 1 M cases).
            return (
                selectors.case_list(self.request.user)
                .select_related(None)
                .prefetch_related(None)
                .prefetch_related(Prefetch("parties", to_attr=serializers.LISTED_PARTIES))
            )
        return selectors.case_detail(self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "scope": _scope(self.request)}

    def filter_queryset(self, queryset):
        # The list filters narrow the list only; a case addressed by id is found by id.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def _is_liaison_view(self, case=None) -> bool:
        if case is None:
            return _scope(self.request).is_liaison_only
        return selectors.case_access(self.request.user, case) == selectors.Access.LIAISON

    def get_serializer_class(self):
        if self.action == "list":
            return (
                serializers.CaseSummarySerializer
                if self._is_liaison_view()
                else serializers.CaseListSerializer
            )
        return serializers.CaseSerializer

    def _respond(self, case, status_code=200, *, fresh=False):
        """The case's detail. `fresh`: `case` already holds everything the detail shows
        (read by get_object through case_detail's prefetches, or just registered with its
        relations in memory, mediation.services.intake), so it is not read again;
        otherwise (a service changed it) it is read back in the caller's scope."""
        if not fresh:
            case = self.get_queryset().get(pk=case.pk)
        if self._is_liaison_view(case):
            data = serializers.CaseSummarySerializer(case).data
        else:
            data = serializers.case_detail_data(case, self.get_serializer_context())
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
        return self._respond(self.get_object(), fresh=True)

    def list(self, request, *args, **kwargs):
        """The cases in the caller's scope, newest first, with the list filters.

        Who: any signed-in user (a liaison: the summaries of its institution's cases).
        Errors: 400 `invalid_cursor`, invalid filter values."""
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        data = serializers.case_list_data(
            self.get_serializer_class(), page, self.get_serializer_context()
        )
        response = self.get_paginated_response(data)
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
        sequence, `accept_by` for acceptance.

        Who: a mediator of `committee`. Errors: 400 `parties_incomplete`,
        `invalid_id_number`, `invalid_phone`, `invalid_choice`, `invalid_source`,
        `committee_inactive`, `negative_amount`, `invalid_idempotency_key`, field errors;
        403 `permission_denied`; 422 `idempotency_key_reused`."""

        def register():
            data = dict(self._body(serializers.CaseCreateSerializer))
            case = services.case_register(actor=request.user, via=request.path, **data)
            return self._respond(case, status.HTTP_201_CREATED, fresh=True)

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

    @extend_schema(
        request=serializers.AcceptWithChoiceSerializer, responses=serializers.CaseSerializer
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Accept a registered case (受理) with its mediators: `registered` → `mediating`;
        sets `accepted_at` and `due_on`. The parties' `preferred_mediators` are assigned too
        unless recused or unavailable (the reason is recorded in the history).

        Who: a director or deputy director of the holding committee. Errors: 400
        `mediators_required`, `invalid_mediator`, `mediator_recused`; 403
        `permission_denied`; 404 `not_found`; 409 `invalid_transition`, `conflict`."""
        case = self.get_object()
        body = self._body(serializers.AcceptWithChoiceSerializer)
        services.case_accept(
            actor=request.user,
            case=case,
            mediator_ids=body["mediators"],
            preferred_unavailable_reason=body.get("preferred_unavailable_reason", ""),
        )
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
        """Record a mediation session (调解记录) of a case being mediated (201). A `held_at`
        later than now plans the session (`status: planned`; the parties with a phone get an
        SMS with the time and place); `sessions/{sid}/held/` records it later.

        Who: a mediator of the holding committee. Errors: 400 `held_too_far`,
        `held_before_received`, `summary_required`; 403 `permission_denied`; 404
        `not_found`; 409 `invalid_transition`, `conflict`."""
        case = self.get_object()
        body = self._body(serializers.SessionSerializer)
        session = services.case_record_session(actor=request.user, case=case, **body)
        return Response(serializers.SessionSerializer(session).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=serializers.ExtendSerializer, responses=serializers.CaseSerializer)
    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        """Extend the mediation deadline (`due_on`) with the parties' consent (recorded):
        at most TIAOJIE_EXTENSION_MAX_COUNT times (default once), each by at most
        TIAOJIE_EXTENSION_MAX_DAYS (default 30).

        Who: a mediator of the holding committee. Errors: 400 `parties_consent_required`,
        `reason_required`, `extension_too_long`; 403 `permission_denied`; 404 `not_found`;
        409 `invalid_transition`, `conflict` (also when already extended once)."""
        return self._transition(services.case_extend, serializers.ExtendSerializer)

    @extend_schema(request=serializers.ConcludeSerializer, responses=serializers.CaseSerializer)
    @action(detail=True, methods=["post"])
    def conclude(self, request, pk=None):
        """Conclude a case being mediated: `success` with the agreement → `succeeded`, or
        `failure` with the guidance given to the parties → `failed`.

        An oral agreement with an amount or a later performance deadline needs
        `document_waived`; a written one takes effect when its signatures are recorded
        (`effective_on` is derived); `guidance: "none"` is refused (人民调解法 art 26).

        Who: a mediator of the holding committee. Errors: 400 `agreement_required`,
        `terms_required`, `written_agreement_required`, `invalid_deadline`,
        `guidance_required`, `negative_amount`, `invalid_choice`; 403 `permission_denied`;
        404 `not_found`; 409 `invalid_transition`, `conflict`."""
        return self._transition(services.case_conclude, serializers.ConcludeSerializer)

    @extend_schema(request=serializers.ReasonSerializer, responses=serializers.CaseSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Record that the applicant withdrew (撤回), before or after acceptance: →
        `withdrawn`.

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
        events = selectors.case_events(request.user, case)
        page = paginator.paginate_queryset(events, request, view=self)
        return paginator.get_paginated_response(
            serializers.CaseEventSerializer(page, many=True).data
        )
