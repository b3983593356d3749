"""The agreement as its readers see it (every version, its signatures, its judicial
confirmation and window, what may be done when it is not performed), and the bodies of
the agreement's own endpoints: signatures, judicial confirmation, re-mediation and
performance."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api import fields
from api.serializers.common import MAX_ID
from mediation import agreement_rules, choices
from mediation.models import Agreement, AgreementSignature
from mediation.services.judicial import RELATIONSHIP_MATTERS


class SignatureSerializer(serializers.ModelSerializer):
    at = serializers.DateTimeField(source="signed_at", read_only=True)
    attachment = serializers.IntegerField(source="attachment_id", read_only=True, allow_null=True)

    class Meta:
        model = AgreementSignature
        fields = [
            "id",
            "signer",
            "party",
            "mediator",
            "committee",
            "method",
            "at",
            "attachment",
            "recorded_at",
        ]
        read_only_fields = fields


class DocumentWaivedSerializer(serializers.Serializer):
    """The parties' choice not to have a document for an oral agreement (art 28)."""

    by = serializers.CharField(max_length=200)
    at = fields.DateTimeField()
    statement = serializers.CharField(max_length=2000)


class JudicialWindowSerializer(serializers.Serializer):
    opens = serializers.DateField(help_text="The day the agreement took effect.")
    deadline = serializers.DateField(
        help_text="The last day to apply: JUDICIAL_CONFIRMATION_DAYS after `opens`, moved to "
        "the next working day when it falls on a weekend or holiday."
    )


class JudicialConfirmationOutSerializer(serializers.Serializer):
    applied_on = serializers.DateField()
    court = serializers.CharField()
    result = serializers.CharField()
    ruling_number = serializers.CharField()
    joint = serializers.BooleanField()
    consenting_parties = serializers.ListField(child=serializers.IntegerField())
    court_extended = serializers.BooleanField()
    decided_on = serializers.DateField(allow_null=True)
    decision_due = serializers.DateField(
        allow_null=True, help_text="While pending: when the court should have decided."
    )


class AgreementSerializer(serializers.ModelSerializer):
    """One version of the agreement. `effective_on` is derived (read-only): a written
    agreement's from its signatures, null until every party, a mediator and the committee's
    seal are recorded; an oral one's the day it was reached."""

    signatures = SignatureSerializer(many=True, read_only=True)
    document_waived = serializers.SerializerMethodField()
    judicial_window = serializers.SerializerMethodField()
    judicial_confirmation = serializers.SerializerMethodField()
    # "" until a 履行回访 records it. Declared: a model field listed in read_only_fields
    # loses allow_blank, and the schema would then refuse the "" every new agreement shows.
    performance = serializers.ChoiceField(
        choices=choices.Performance.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Agreement
        fields = [
            "id",
            "version",
            "number",
            "form",
            "terms",
            "amount",
            "performance_deadline",
            "effective_on",
            "document_waived",
            "intends_judicial_confirmation",
            "performance",
            "signatures",
            "judicial_window",
            "judicial_confirmation",
            "lawsuit_recorded_on",
            "enforcement_applied_on",
            "superseded_at",
        ]
        read_only_fields = fields

    @extend_schema_field(DocumentWaivedSerializer(allow_null=True))
    def get_document_waived(self, agreement) -> dict | None:
        if not agreement.document_waived_by:
            return None
        return DocumentWaivedSerializer(
            {
                "by": agreement.document_waived_by,
                "at": agreement.document_waived_at,
                "statement": agreement.document_waived_statement,
            }
        ).data

    @extend_schema_field(JudicialWindowSerializer(allow_null=True))
    def get_judicial_window(self, agreement) -> dict | None:
        if agreement.form != choices.AgreementForm.WRITTEN or agreement.effective_on is None:
            return None
        return JudicialWindowSerializer(
            {
                "opens": agreement.effective_on,
                "deadline": agreement_rules.judicial_window_end(agreement.effective_on),
            }
        ).data

    @extend_schema_field(JudicialConfirmationOutSerializer(allow_null=True))
    def get_judicial_confirmation(self, agreement) -> dict | None:
        if not agreement.judicial_applied_on:
            return None
        return JudicialConfirmationOutSerializer(
            {
                "applied_on": agreement.judicial_applied_on,
                "court": agreement.judicial_court,
                "result": agreement.judicial_result,
                "ruling_number": agreement.judicial_ruling_number,
                "joint": agreement.judicial_joint,
                "consenting_parties": agreement.judicial_consenting_parties,
                "court_extended": agreement.judicial_court_extended,
                "decided_on": agreement.judicial_decided_on,
                "decision_due": agreement_rules.judicial_decision_due(agreement),
            }
        ).data


class CurrentAgreementSerializer(AgreementSerializer):
    """The agreement in force, with what may be done if it is not performed."""

    performance_actions = serializers.SerializerMethodField(
        help_text="What applies now to an agreement not (fully) performed: `urge` 督促履行, "
        "`remediate` (with the parties' consent), `lawsuit` over the agreement (人民调解法 "
        "art 32), `enforcement` (only a confirmed agreement). Empty when none applies."
    )

    class Meta(AgreementSerializer.Meta):
        fields = [*AgreementSerializer.Meta.fields, "performance_actions"]
        read_only_fields = fields

    def get_performance_actions(self, agreement) -> list[str]:
        return agreement_rules.performance_actions(self.context["case"])


# --- bodies ------------------------------------------------------------------------------


class SignatureInputSerializer(serializers.Serializer):
    """One of `signer_party` (a party of the case), `signer_mediator` (a mediator of the
    case) or `signer_committee: true` (the committee's seal, method `seal`)."""

    signer_party = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    signer_mediator = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    signer_committee = serializers.BooleanField(default=False)
    method = fields.ChoiceField(choices=AgreementSignature.Method.choices)
    at = fields.DateTimeField()
    attachment = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        help_text="The uploaded scan (attachment of kind signed_agreement); optional.",
    )


class JudicialConfirmationSerializer(serializers.Serializer):
    applied_on = fields.DateField()
    joint = serializers.BooleanField(
        help_text="Must be true: the parties apply jointly (人民调解法 art 33)."
    )
    court = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="Defaults to the inviting court for a court-referred case, else the basic "
        "court where the committee sits.",
    )
    result = fields.ChoiceField(choices=choices.JudicialResult.choices)
    ruling_number = serializers.CharField(max_length=100, required=False, allow_blank=True)
    relationship_matter = fields.ChoiceField(
        choices=[(m, m) for m in RELATIONSHIP_MATTERS],
        required=False,
        help_text="Whether the agreement confirms a relationship of identity, marriage or "
        "adoption (refused, `judicial_excluded`); required for a marriage_family case.",
    )
    consenting_parties = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=200,
        help_text="The parties who apply (default: every applicant and respondent).",
    )
    court_extended = serializers.BooleanField(
        default=False, help_text="The court extended its review by 10 days (法释〔2011〕5号 art 5)."
    )
    decided_on = fields.DateField(required=False, allow_null=True)


class RemediateSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    parties_consent = serializers.BooleanField()


class PerformanceSerializer(serializers.Serializer):
    action = fields.ChoiceField(choices=[(a, a) for a in agreement_rules.PERFORMANCE_ACTIONS])
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    parties_consent = serializers.BooleanField(
        default=False, help_text="Required (true) for `remediate`."
    )
