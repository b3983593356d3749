"""Transfers between committees and referrals to and from partners (docking mechanisms)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api import fields
from api.serializers.case_input import CaseBodySerializer
from api.serializers.parties import PartySerializer, party_serializer
from committees.models import Committee, Institution, Mechanism
from mediation import choices
from mediation.models import Case, Referral, Transfer


class TransferSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="case.number", read_only=True)
    case_title = serializers.CharField(source="case.title", read_only=True)

    class Meta:
        model = Transfer
        fields = [
            "id",
            "case",
            "case_number",
            "case_title",
            "kind",
            "from_committee",
            "to_committee",
            "reason",
            "status",
            "requested_at",
            "respond_by",
            "decided_at",
            "decision_reason",
        ]


class CaseSummarySerializer(serializers.ModelSerializer):
    """What a partner's liaison may see of a case it sent in: its own input and the
    outcome — never sessions, mediators, agreement terms or the history."""

    parties = serializers.SerializerMethodField()
    has_agreement = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "committee",
            "status",
            "source",
            "dispute_type",
            "title",
            "facts",
            "claims",
            "amount_involved",
            "people_involved",
            "occurred_on",
            "received_at",
            "concluded_at",
            "outcome",
            "has_agreement",
            "parties",
        ]

    @extend_schema_field(PartySerializer(many=True))
    def get_parties(self, case) -> list[dict]:
        serializer = party_serializer(self, unmasked=False)
        return [serializer.to_representation(party) for party in case.parties.all()]

    def get_has_agreement(self, case) -> bool:
        return case.status == choices.Status.SUCCEEDED or (case.outcome == choices.Outcome.SUCCESS)


class ReferralSerializer(serializers.ModelSerializer):
    mechanism = serializers.SlugRelatedField(slug_field="code", read_only=True)
    case = CaseSummarySerializer(read_only=True)

    class Meta:
        model = Referral
        fields = [
            "id",
            "direction",
            "mechanism",
            "institution",
            "committee",
            "case",
            "external_ref",
            "reason",
            "status",
            "created_at",
            "feedback_due",
            "feedback_at",
            "result",
            "has_agreement",
            "result_on",
            "note",
        ]


class TransferRequestSerializer(serializers.Serializer):
    to_committee = serializers.PrimaryKeyRelatedField(queryset=Committee.objects.all())
    kind = fields.ChoiceField(choices=Transfer.Kind.choices)
    reason = serializers.CharField(max_length=2000)


class ReferSerializer(serializers.Serializer):
    mechanism = serializers.SlugRelatedField(slug_field="code", queryset=Mechanism.objects.all())
    institution = serializers.PrimaryKeyRelatedField(queryset=Institution.objects.all())
    reason = serializers.CharField(max_length=2000)


class ReferralCreateSerializer(serializers.Serializer):
    mechanism = serializers.SlugRelatedField(slug_field="code", queryset=Mechanism.objects.all())
    committee = serializers.PrimaryKeyRelatedField(queryset=Committee.objects.all())
    institution = serializers.PrimaryKeyRelatedField(
        queryset=Institution.objects.all(), required=False
    )
    external_ref = serializers.CharField(max_length=100, required=False, allow_blank=True)
    case = CaseBodySerializer()


class ReferralFeedbackSerializer(serializers.Serializer):
    result = fields.ChoiceField(
        choices=[(r.value, r.label) for r in Referral.Result if r in choices.PARTNER_RESULTS]
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
