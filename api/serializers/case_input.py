"""What a caller sends about a case: its descriptive fields and the bodies of the
workflow's transitions."""

from rest_framework import serializers

from api import fields
from api.serializers.agreements import DocumentWaivedSerializer
from api.serializers.common import AMOUNT, MAX_ID
from api.serializers.parties import PartyInputSerializer, ResponsibleLeaderSerializer
from committees.models import Committee
from mediation import choices


class CaseFieldsSerializer(serializers.Serializer):
    """The descriptive fields of a case (create, referral body, PATCH)."""

    dispute_type = fields.ChoiceField(choices=choices.DisputeType.choices)
    title = serializers.CharField(max_length=200)
    facts = serializers.CharField(required=False, allow_blank=True)
    claims = serializers.CharField(required=False, allow_blank=True)
    amount_involved = serializers.DecimalField(required=False, allow_null=True, **AMOUNT)
    people_involved = serializers.IntegerField(required=False, min_value=0, max_value=1_000_000)
    occurred_on = fields.DateField(required=False, allow_null=True)
    risk_flags = serializers.ListField(
        child=fields.ChoiceField(choices=choices.RiskFlag.choices),
        required=False,
        max_length=20,
    )
    difficulty = fields.ChoiceField(choices=choices.Difficulty.choices, required=False)
    responsible_leader = ResponsibleLeaderSerializer(required=False)
    # 人民调解法 arts 19, 23: the parties' choice of mediators (ids of the committee's
    # roster) and of public or closed mediation.
    preferred_mediators = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=20,
    )
    public_mediation = serializers.BooleanField(required=False)


class CaseBodySerializer(CaseFieldsSerializer):
    parties = PartyInputSerializer(many=True, max_length=200)


class CaseCreateSerializer(CaseBodySerializer):
    committee = serializers.PrimaryKeyRelatedField(queryset=Committee.objects.all())
    source = fields.ChoiceField(choices=choices.SELF_REGISTERED_SOURCE_CHOICES)


class CaseUpdateSerializer(CaseFieldsSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


# --- transition bodies -------------------------------------------------------------------


class AcceptSerializer(serializers.Serializer):
    mediators = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), min_length=1, max_length=20
    )


class DeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    reason_code = fields.ChoiceField(
        choices=choices.DeclineReason.choices, default=choices.DeclineReason.OTHER
    )


class AssignSerializer(AcceptSerializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    party_objection = serializers.BooleanField(default=False)


class ExtendSerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=365)
    reason = serializers.CharField(max_length=2000)
    parties_consent = serializers.BooleanField()


class AgreementInputSerializer(serializers.Serializer):
    form = fields.ChoiceField(choices=choices.AgreementForm.choices)
    terms = serializers.CharField(max_length=20000)
    amount = serializers.DecimalField(required=False, allow_null=True, **AMOUNT)
    performance_deadline = fields.DateField(required=False, allow_null=True)
    intends_judicial_confirmation = serializers.BooleanField(default=False)
    document_waived = DocumentWaivedSerializer(
        required=False,
        help_text="An oral agreement with an amount or a later performance deadline: who "
        "chose not to have a document, when, in their words (else 400 "
        "`written_agreement_required`). `effective_on` is derived, not sent.",
    )


class PreventedSerializer(serializers.Serializer):
    suicide = serializers.IntegerField(min_value=0, max_value=100000, default=0)
    civil_to_criminal = serializers.IntegerField(min_value=0, max_value=100000, default=0)
    group_fight = serializers.IntegerField(min_value=0, max_value=100000, default=0)
    group_petition = serializers.IntegerField(min_value=0, max_value=100000, default=0)


class ConcludeSerializer(serializers.Serializer):
    outcome = fields.ChoiceField(choices=choices.Outcome.choices)
    agreement = AgreementInputSerializer(required=False)
    guidance = fields.ChoiceField(choices=choices.Guidance.choices, required=False)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    prevented = PreventedSerializer(required=False)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
