"""Serializers: shape and validate, nothing more. Business rules live in the services."""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from committees.models import Area, Committee, Institution, Mechanism, Mediator, Role
from committees.scope import scope_for


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


class RoleEntrySerializer(serializers.Serializer):
    role = serializers.ChoiceField(
        choices=["member", "director", "judicial_office", "district_office", "liaison"]
    )
    committee = serializers.IntegerField(required=False)
    area = serializers.IntegerField(required=False, allow_null=True)
    institution = serializers.IntegerField(required=False)


class MeSerializer(serializers.ModelSerializer):
    display_name = serializers.SerializerMethodField()
    roles = serializers.SerializerMethodField()

    class Meta:
        model = get_user_model()
        fields = ["id", "username", "display_name", "roles"]

    def get_display_name(self, user) -> str:
        return user.get_full_name() or user.username

    @extend_schema_field(RoleEntrySerializer(many=True))
    def get_roles(self, user) -> list[dict]:
        scope = scope_for(user)
        roles = [
            {
                "role": "director" if committee_id in scope.director_of else "member",
                "committee": committee_id,
            }
            for committee_id in sorted(scope.member_of)
        ]
        for role in Role.objects.filter(user=user).select_related("institution"):
            entry = {"role": role.kind}
            if role.institution_id:
                entry["institution"] = role.institution_id
            if role.kind == Role.Kind.JUDICIAL_OFFICE:
                entry["area"] = role.institution.area_id
            roles.append(entry)
        if user.is_superuser and not any(r["role"] == "district_office" for r in roles):
            roles.append({"role": "district_office"})
        return roles
