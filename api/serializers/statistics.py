"""Statistics: the query, the summary, the breakdown and the docking mechanisms."""

from rest_framework import serializers

from api import fields
from api.serializers.common import EARLIEST_YEAR, LATEST_YEAR, MAX_ID


class StatisticsQuerySerializer(serializers.Serializer):
    from_ = fields.DateField(
        required=False, help_text="First day, by date received (default: 1 January this year)."
    )
    to = fields.DateField(
        required=False, help_text="Last day, inclusive (default: the end of this month)."
    )
    committee = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    area = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields

    def validate(self, attrs):
        for name in ("from", "to"):
            if attrs.get(name) and not EARLIEST_YEAR <= attrs[name].year <= LATEST_YEAR:
                raise serializers.ValidationError(
                    {
                        name: [
                            serializers.ErrorDetail(
                                f"日期应在{EARLIEST_YEAR}年至{LATEST_YEAR}年之间。",
                                code="invalid_period",
                            )
                        ]
                    }
                )
        if attrs.get("from") and attrs.get("to") and attrs["from"] > attrs["to"]:
            raise serializers.ValidationError(
                {
                    "to": [
                        serializers.ErrorDetail("结束日期不能早于开始日期。", code="invalid_period")
                    ]
                }
            )
        return attrs


class SatisfactionSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    average = serializers.FloatField(allow_null=True)
    bad = serializers.IntegerField()


class CountsSerializer(serializers.Serializer):
    received = serializers.IntegerField(help_text="Cases received in the period.")
    accepted = serializers.IntegerField(help_text="Cases accepted in the period (date accepted).")
    concluded = serializers.IntegerField(
        help_text="succeeded + failed + withdrawn, by date concluded."
    )
    succeeded = serializers.IntegerField(help_text="By date concluded.")
    failed = serializers.IntegerField(help_text="By date concluded.")
    withdrawn = serializers.IntegerField(help_text="By date concluded.")
    declined = serializers.IntegerField(help_text="By date declined.")
    success_rate = serializers.FloatField(
        allow_null=True,
        help_text="succeeded ÷ accepted (disputes mediated), as the Ministry's form; null when "
        "nothing was accepted in the period.",
    )
    written_agreements = serializers.IntegerField()
    oral_agreements = serializers.IntegerField()
    amount_involved = serializers.DecimalField(
        max_digits=18, decimal_places=2, help_text="Sum over cases received in the period."
    )
    people_involved = serializers.IntegerField(help_text="Sum over cases received in the period.")
    mediated_people = serializers.IntegerField(
        help_text="涉及当事人: people involved in the disputes accepted in the period."
    )
    agreement_amount = serializers.DecimalField(
        max_digits=18, decimal_places=2, help_text="Sum of agreement amounts, by date concluded."
    )
    judicial_confirmations = serializers.IntegerField(
        help_text="Agreements confirmed by a court, by date applied."
    )
    one_visit_rate = serializers.FloatField(
        allow_null=True,
        help_text="Successes whose parties came at most once (the visit to apply and every "
        "session attended in person) ÷ successes.",
    )


class SummarySerializer(CountsSerializer):
    overdue = serializers.IntegerField(
        help_text="Cases received in the period that are past their due date now."
    )
    median_days_to_conclude = serializers.FloatField(
        allow_null=True,
        help_text="Median calendar days from the date received to the date concluded "
        "(Asia/Shanghai) of the cases concluded in the period (succeeded, failed or "
        "withdrawn); a half when two middle values differ; null if none.",
    )
    satisfaction = SatisfactionSerializer()
    transfers_in = serializers.IntegerField()
    transfers_out = serializers.IntegerField()
    as_of = serializers.DateTimeField()
    computed_from = serializers.ChoiceField(choices=["rollup", "raw"])


class BreakdownRowSerializer(CountsSerializer):
    dispute_type = serializers.CharField(required=False)
    dispute_type_label = serializers.CharField(required=False)
    source = serializers.CharField(required=False)
    status = serializers.CharField(required=False)
    outcome = serializers.CharField(required=False)
    committee = serializers.IntegerField(required=False)
    committee_name = serializers.CharField(required=False)
    area = serializers.IntegerField(required=False, allow_null=True)
    area_name = serializers.CharField(required=False, allow_null=True)
    month = serializers.CharField(required=False)
    quarter = serializers.CharField(required=False)
    year = serializers.CharField(required=False)
    risk_flag = serializers.CharField(required=False)
    risk_flag_label = serializers.CharField(required=False)

    def to_representation(self, row: dict) -> dict:
        """The same output as DRF's Serializer.to_representation, faster: a breakdown
        over five years by month × dispute type has ~1,200 rows of 24 fields, and DRF's
        generic path (attribute look-up, an exception per absent dimension) spent more
        time on them than the database did. Each value still goes through its field."""
        fields = self.__dict__.get("_plain_fields")
        if fields is None:
            fields = self._plain_fields = [(f.field_name, f) for f in self._readable_fields]
        out = {}
        for name, field in fields:
            if name in row:
                value = row[name]
                out[name] = None if value is None else field.to_representation(value)
            elif field.allow_null:  # as Field.get_attribute: an absent nullable is null
                out[name] = None
        return out


class BreakdownSerializer(serializers.Serializer):
    dimensions = serializers.ListField(child=serializers.CharField())
    rows = BreakdownRowSerializer(many=True)
    as_of = serializers.DateTimeField()
    computed_from = serializers.ChoiceField(choices=["rollup", "raw"])


class MechanismStatSerializer(serializers.Serializer):
    mechanism = serializers.CharField()
    name = serializers.CharField()
    inbound = serializers.IntegerField()
    outbound = serializers.IntegerField()
    concluded = serializers.IntegerField()
    succeeded = serializers.IntegerField()
    feedback_on_time = serializers.IntegerField()
    feedback_late = serializers.IntegerField()


class MechanismStatsSerializer(serializers.Serializer):
    results = MechanismStatSerializer(many=True)
    as_of = serializers.DateTimeField()
