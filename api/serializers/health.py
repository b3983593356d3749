"""The health endpoint."""

from rest_framework import serializers


class FollowUpLagSerializer(serializers.Serializer):
    scheduled_due = serializers.IntegerField()
    oldest_due_at = serializers.DateTimeField(allow_null=True)
    lag_seconds = serializers.IntegerField()
    claimed_stale = serializers.IntegerField()
    unsent_messages = serializers.IntegerField()


class LoginLockoutsSerializer(serializers.Serializer):
    pair_locks_24h = serializers.IntegerField(
        allow_null=True, help_text="(username, address) pairs locked in the last 24 hours."
    )
    address_locks_24h = serializers.IntegerField(
        allow_null=True,
        help_text="Addresses locked by the address-wide limit (credential stuffing), 24 hours.",
    )


class HealthSerializer(serializers.Serializer):
    """`status` for anyone; the other fields for staff and the district office only."""

    status = serializers.ChoiceField(choices=["ok", "degraded"])
    database = serializers.CharField(required=False)
    broker = serializers.CharField(required=False)
    follow_ups = FollowUpLagSerializer(required=False)
    login_lockouts = LoginLockoutsSerializer(required=False)
