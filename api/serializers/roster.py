"""The roster (人民调解法 arts 8–9, 14): a mediator's gender, ethnicity and term of office,
training records, and the committees' composition warnings."""

from decimal import Decimal

from rest_framework import serializers

from api import fields
from api.serializers.reference import MediatorSerializer
from committees import roster
from committees.models import Mediator, Training

ROSTER_FIELDS = ["gender", "ethnicity", "term_start", "term_end"]


class RosterMediatorSerializer(MediatorSerializer):
    """A mediator with the roster's fields, shown to whoever sees the committee (its
    members, its judicial office, the district office); others get the plain roster."""

    class Meta(MediatorSerializer.Meta):
        fields = [*MediatorSerializer.Meta.fields, *ROSTER_FIELDS]

    def to_representation(self, mediator):
        data = super().to_representation(mediator)
        request = self.context.get("request")
        if request is None or not roster.may_read_roster(request.user, mediator.committee_id):
            for name in ROSTER_FIELDS:
                data.pop(name, None)
        return data


class RosterUpdateSerializer(serializers.Serializer):
    """PATCH /mediators/{id}/: any of the roster's fields (null clears one)."""

    gender = fields.ChoiceField(
        choices=Mediator.Gender.choices, required=False, allow_blank=True, allow_null=True
    )
    ethnicity = serializers.CharField(
        max_length=16,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="民族全称（GB 3304），如“汉族”“回族”。",
    )
    term_start = fields.DateField(required=False, allow_null=True)
    term_end = fields.DateField(
        required=False,
        allow_null=True,
        help_text="任期届满日；不填时按任期开始日起三年（人民调解法第九条）。",
    )

    def validate_ethnicity(self, value):
        roster.check_ethnicity(value or "")
        return value

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(
                serializers.ErrorDetail("请至少提供一个可修改的字段。", code="empty_update")
            )
        roster.check_term(attrs.get("term_start"), attrs.get("term_end"))
        return attrs


class TrainingSerializer(serializers.ModelSerializer):
    """A training record (art 14); `on` is a past date."""

    on = fields.DateField(help_text="培训日期。")
    hours = serializers.DecimalField(
        max_digits=5,
        decimal_places=1,
        min_value=Decimal("0.5"),
        max_value=Decimal("1000"),
        help_text="学时。",
    )
    topic = serializers.CharField(max_length=200)
    certificate = serializers.CharField(max_length=100, required=False, allow_blank=True)

    class Meta:
        model = Training
        fields = ["id", "mediator", "on", "hours", "topic", "certificate", "recorded_at"]
        read_only_fields = ["id", "mediator", "recorded_at"]

    def validate_on(self, value):
        roster.check_training_date(value)
        return value


class CompositionWarningSerializer(serializers.Serializer):
    committee = serializers.IntegerField()
    committee_code = serializers.CharField()
    committee_name = serializers.CharField()
    code = serializers.ChoiceField(choices=roster.WARNING_CODES)
    members = serializers.IntegerField(help_text="委员人数（主任、副主任、委员，在岗）。")
