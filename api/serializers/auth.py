"""The caller: who they are and the roles they hold (GET /me/)."""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api import fields
from committees.models import Role
from mediation import selectors

USER_ROLE_CHOICES = [
    ("member", "调委会成员"),
    ("director", "调委会主任"),
    *Role.Kind.choices,
]


class RoleEntrySerializer(serializers.Serializer):
    role = fields.ChoiceField(choices=USER_ROLE_CHOICES)
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
        return selectors.caller_roles(user)
