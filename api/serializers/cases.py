"""A case as its readers see it: in a list, in full, its history; personal-data access
records."""

import copy
import threading

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api import fields
from api.serializers.agreements import AgreementSerializer, CurrentAgreementSerializer
from api.serializers.direct import DirectFields
from api.serializers.followups import FollowUpSerializer
from api.serializers.parties import (
    PartySerializer,
    ResponsibleLeaderSerializer,
    party_serializer,
)
from api.serializers.routing import TransferSerializer
from mediation import selectors, workflow
from mediation.models import Case, CaseEvent, MediationSession, PersonalDataAccess
from mediation.validators import mask_phone


class SessionSerializer(serializers.ModelSerializer):
    serializer_field_mapping = fields.MODEL_FIELD_MAPPING

    class Meta:
        model = MediationSession
        fields = [
            "id",
            "held_at",
            "place",
            "participants",
            "summary",
            "party_present",
            "recorded_at",
            "status",
        ]
        read_only_fields = ["id", "recorded_at", "status"]
        # A planned session (held_at later than now) has no summary yet; a held one needs it
        # (the service answers `summary_required`).
        extra_kwargs = {"summary": {"required": False}}


def _leader(case, unmasked: bool) -> dict | None:
    if not case.responsible_leader_name:
        return None
    phone = case.responsible_leader_phone
    return {
        "name": case.responsible_leader_name,
        "post": case.responsible_leader_post,
        "phone": phone if unmasked else mask_phone(phone),
    }


class BuiltOnceFields:
    """A ModelSerializer that inspects its model once per class, not once per instance.

    DRF builds a ModelSerializer's fields from the model's metadata every time a
    serializer is made (for a case: 40 fields, their validators and relations), which
    was 15 % of a registration's CPU (bench/load.py's profile). The fields built the
    first time are kept unbound on the class, and each instance gets a deep copy, as DRF
    itself does with declared fields."""

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_fields_built_once")
        if built is None:
            built = super().get_fields()
            cls._fields_built_once = built
        return copy.deepcopy(built)


# The attribute the API's list prefetches a page's parties into (a plain list).
LISTED_PARTIES = "listed_parties"


class CaseListSerializer(DirectFields, BuiltOnceFields, serializers.ModelSerializer):
    """A case in a list: parties masked unless the caller is a member of the holding
    committee (context["scope"])."""

    parties = serializers.SerializerMethodField()
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)
    acceptance_overdue = serializers.BooleanField(source="is_acceptance_overdue", read_only=True)
    responsible_leader = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "previous_numbers",
            "committee",
            "status",
            "transfer_pending",
            "dispute_type",
            "source",
            "difficulty",
            "title",
            "amount_involved",
            "people_involved",
            "occurred_on",
            "risk_flags",
            "responsible_leader",
            "received_at",
            "accepted_at",
            "due_on",
            "accept_by",
            "acceptance_overdue",
            "concluded_at",
            "outcome",
            "overdue",
            "party_visits",
            "parties",
        ]

    @extend_schema_field(PartySerializer(many=True))
    def get_parties(self, case) -> list[dict]:
        serializer = party_serializer(
            self, unmasked=self.context["scope"].is_member(case.committee_id)
        )
        parties = getattr(case, LISTED_PARTIES, None)
        if parties is None:  # a detail, or a case not read by the API's list
            parties = case.parties.all()
        return [serializer.to_representation(party) for party in parties]

    @extend_schema_field(ResponsibleLeaderSerializer(allow_null=True))
    def get_responsible_leader(self, case) -> dict | None:
        return _leader(case, self.context["scope"].is_member(case.committee_id))


class CaseSerializer(CaseListSerializer):
    mediators = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    recused_mediators = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    sessions = serializers.SerializerMethodField()
    agreement = serializers.SerializerMethodField()
    agreements = serializers.SerializerMethodField(
        help_text="Every version of the agreement, oldest first (a re-mediation keeps the old)."
    )
    transfers = TransferSerializer(many=True, read_only=True)
    referrals = serializers.SerializerMethodField()
    follow_ups = FollowUpSerializer(many=True, read_only=True)
    prevented = serializers.DictField(child=serializers.IntegerField(), read_only=True)
    allowed_actions = serializers.SerializerMethodField()
    preferred_mediators = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    access = serializers.SerializerMethodField(
        help_text="How the caller reads the case: `holder` (a member of the holding "
        "committee), `supervisor` (its judicial office, the district office), `receiver` (a "
        "pending transfer offers it to the caller's committee), `former_holder` (the caller's "
        "committee handed it over), `liaison`. Only `holder` sees personal data whole and acts."
    )
    repeat_dispute = serializers.SerializerMethodField(
        help_text="Set at registration: other open or recent cases of the same parties (by "
        "ID number) anywhere in the district: their count and the names of the committees "
        "holding an open one. Outside the holding committee the names are withheld."
    )

    class Meta(CaseListSerializer.Meta):
        fields = [
            *CaseListSerializer.Meta.fields,
            "facts",
            "claims",
            "extended_days",
            "extension_reason",
            "archived_at",
            "file_number",
            "retain_until",
            "rights_notified_at",
            "rights_notified_how",
            "guidance",
            "closing_reason",
            "decline_reason_code",
            "decline_notice",
            "prevented",
            "mediators",
            "recused_mediators",
            "sessions",
            "extension_count",
            "remediation_count",
            "agreement",
            "agreements",
            "transfers",
            "referrals",
            "follow_ups",
            "allowed_actions",
            "repeat_dispute",
            "preferred_mediators",
            "public_mediation",
            "access",
        ]

    @extend_schema_field(SessionSerializer(many=True))
    def get_sessions(self, case) -> list[dict]:
        """A former holder sees the sessions of its own part (mediation.selectors)."""
        sessions = selectors.case_sessions(self.context["request"].user, case)
        return SessionSerializer(sessions, many=True).data

    def _versions(self, case) -> list:
        # The prefetched versions (with their signatures); the current one is among them.
        return sorted(case.agreements.all(), key=lambda a: a.version)

    @extend_schema_field(CurrentAgreementSerializer(allow_null=True))
    def get_agreement(self, case) -> dict | None:
        if not case.agreement_id:
            return None
        current = next((a for a in self._versions(case) if a.id == case.agreement_id), None)
        return CurrentAgreementSerializer(current, context={"case": case}).data

    @extend_schema_field(AgreementSerializer(many=True))
    def get_agreements(self, case) -> list[dict]:
        return AgreementSerializer(self._versions(case), many=True).data

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_referrals(self, case) -> list[dict]:
        return [
            {
                "id": r.id,
                "direction": r.direction,
                "mechanism": r.mechanism.code,
                "institution": r.institution_id,
                "status": r.status,
                "external_ref": r.external_ref,
                "feedback_due": r.feedback_due,
                "result": r.result,
            }
            for r in case.referrals.all()
        ]

    @extend_schema_field(
        serializers.ChoiceField(
            choices=["holder", "supervisor", "receiver", "former_holder", "liaison"]
        )
    )
    def get_access(self, case) -> str:
        return selectors.case_access(self.context["request"].user, case)

    def get_allowed_actions(self, case) -> list[str]:
        return workflow.allowed_actions(case, actor=self.context["request"].user)

    def get_repeat_dispute(self, case) -> dict:
        """Personal data (the same person's cases elsewhere): whole to the holding
        committee only, like the parties."""
        signal = case.repeat_dispute or {}
        if signal and not self.context["scope"].is_member(case.committee_id):
            return {**signal, "committees": []}
        return signal


# Serializers built once per thread, their fields (and their nested serializers' fields)
# bound once, instead of one built per answer: building them was a third of the detail's
# serializing CPU (issue 18). Per thread because the context is set for each answer.
_compiled = threading.local()


def _compiled_serializer(serializer_class):
    serializer = getattr(_compiled, serializer_class.__name__, None)
    if serializer is None:
        serializer = serializer_class(context={})
        setattr(_compiled, serializer_class.__name__, serializer)
    return serializer


def case_detail_data(case, context: dict) -> dict:
    """CaseSerializer(case, context=context).data, the same JSON, from a serializer built
    once per thread. Nothing a representation computes is kept on the fields: the party
    serializers it caches are keyed by masking alone (party_serializer)."""
    serializer = _compiled_serializer(CaseSerializer)
    serializer._context = context
    try:
        return serializers.ReturnDict(serializer.to_representation(case), serializer=serializer)
    finally:
        serializer._context = {}


def case_list_data(serializer_class, cases, context: dict) -> list:
    """serializer_class(cases, many=True, context=context).data (CaseListSerializer or
    CaseSummarySerializer), from a serializer built once per thread."""
    serializer = _compiled_serializer(serializer_class)
    serializer._context = context
    try:
        return serializers.ReturnList(
            [serializer.to_representation(case) for case in cases], serializer=serializer
        )
    finally:
        serializer._context = {}


class CaseEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_name", read_only=True)

    class Meta:
        model = CaseEvent
        fields = [
            "id",
            "at",
            "actor",
            "kind",
            "from_status",
            "to_status",
            "committee",
            "other_committee",
            "data",
        ]


class PersonalDataAccessSerializer(serializers.ModelSerializer):
    class Meta:
        model = PersonalDataAccess
        fields = ["id", "user", "username", "case", "at", "via", "kind", "for_case", "shown"]
