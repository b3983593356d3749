"""Reference data: areas, committees, mediators, partner institutions, docking mechanisms."""

from rest_framework import serializers

from committees.models import Area, Committee, Institution, Mechanism, Mediator


class AreaSerializer(serializers.ModelSerializer):
    class Meta:
        model = Area
        fields = ["id", "code", "name", "level", "parent"]


class CommitteeSerializer(serializers.ModelSerializer):
    active = serializers.BooleanField(source="is_active", read_only=True)

    class Meta:
        model = Committee
        fields = [
            "id",
            "code",
            "name",
            "short_name",
            "kind",
            "network",
            "area",
            "parent",
            "judicial_office",
            "active",
        ]


class MediatorSerializer(serializers.ModelSerializer):
    full_time = serializers.BooleanField(source="is_full_time", read_only=True)
    active = serializers.BooleanField(source="is_active", read_only=True)

    class Meta:
        model = Mediator
        fields = ["id", "name", "committee", "role", "full_time", "active"]


class InstitutionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Institution
        fields = ["id", "code", "name", "kind", "area"]


class MechanismSerializer(serializers.ModelSerializer):
    partner_kinds = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Mechanism
        fields = ["id", "code", "name", "partner_kinds", "feedback_days", "description"]
