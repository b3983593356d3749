"""Submitted months of the Ministry table (issue 15 item 16)."""

from rest_framework import serializers

from api.serializers.common import MAX_ID
from mediation.models import StatisticsSubmission


class SubmissionCreateSerializer(serializers.Serializer):
    period = serializers.RegexField(
        r"^\d{4}-(0[1-9]|1[0-2])$",
        max_length=7,
        help_text="The month, YYYY-MM.",
        error_messages={"invalid": "报告期格式应为 YYYY-MM，如 2026-11。"},
    )
    area = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text="An area's table; absent: the whole district's.",
    )


class CorrectionSerializer(serializers.Serializer):
    row = serializers.CharField(help_text="The dispute type's code, `total`, or `footer`.")
    label = serializers.CharField()
    column = serializers.CharField()
    heading = serializers.CharField()
    submitted = serializers.JSONField(allow_null=True)
    current = serializers.JSONField(allow_null=True)


class SubmissionSerializer(serializers.ModelSerializer):
    submitted_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    table = serializers.JSONField(
        read_only=True,
        help_text="The Ministry table as submitted: columns, rows (one per dispute type, then "
        "合计) and footer.",
    )

    class Meta:
        model = StatisticsSubmission
        fields = ["id", "period", "area", "unit", "filer", "submitted_at", "submitted_by", "table"]
        read_only_fields = fields


class SubmissionDetailSerializer(SubmissionSerializer):
    corrections = CorrectionSerializer(
        many=True,
        read_only=True,
        help_text="Where the month's figures now differ from the submitted ones.",
    )

    class Meta(SubmissionSerializer.Meta):
        fields = [*SubmissionSerializer.Meta.fields, "corrections"]
        read_only_fields = fields
