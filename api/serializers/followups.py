"""Follow-ups, notifications, ratings and screening reports."""

from rest_framework import serializers

from api import fields
from committees.models import Committee
from mediation import choices
from mediation.models import FollowUp, Notification, ScreeningReport


class FollowUpSerializer(serializers.ModelSerializer):
    class Meta:
        model = FollowUp
        fields = [
            "id",
            "kind",
            "case",
            "committee",
            "transfer",
            "referral",
            "period",
            "step",
            "due_at",
            "status",
            "fired_at",
            "done_at",
            "result",
        ]


class FollowUpCompleteSerializer(serializers.Serializer):
    performed = fields.ChoiceField(choices=choices.Performance.choices, required=False)
    result = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    rating = serializers.IntegerField(min_value=1, max_value=5, required=False)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class NotificationSerializer(serializers.ModelSerializer):
    unread = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "title",
            "body",
            "case",
            "follow_up",
            "created_at",
            "read_at",
            "unread",
        ]

    def get_unread(self, notification) -> bool:
        return notification.read_at is None


class RatingViewSerializer(serializers.Serializer):
    """What a party sees behind a rating link: nothing personal."""

    case_title = serializers.CharField(source="case.title")
    committee = serializers.CharField(source="case.committee.name")
    expires_at = serializers.DateTimeField()
    used = serializers.SerializerMethodField()

    def get_used(self, link) -> bool:
        return link.used_at is not None


class RatingSubmitSerializer(serializers.Serializer):
    stars = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ScreeningReportSerializer(serializers.ModelSerializer):
    committee = serializers.PrimaryKeyRelatedField(queryset=Committee.objects.all())
    period = serializers.RegexField(r"^\d{4}-(0[1-9]|1[0-2])$", max_length=7)
    disputes_found = serializers.IntegerField(min_value=0, max_value=100000)
    high_risk = serializers.IntegerField(min_value=0, max_value=100000, default=0)
    prevented = serializers.IntegerField(min_value=0, max_value=100000, default=0)

    class Meta:
        model = ScreeningReport
        fields = [
            "id",
            "committee",
            "period",
            "disputes_found",
            "high_risk",
            "prevented",
            "notes",
            "filed_at",
        ]
        read_only_fields = ["id", "filed_at"]
        validators = []
