"""Parties: what a caller sends, and what a caller sees (masked outside the holding
committee); the responsible leader."""

from rest_framework import serializers

from api import fields
from api.serializers.direct import DirectFields
from mediation import choices
from mediation.models import Party
from mediation.validators import mask_id_number, mask_phone


class PartyInputSerializer(serializers.Serializer):
    role = fields.ChoiceField(choices=choices.PartyRole.choices)
    kind = fields.ChoiceField(choices=choices.PartyKind.choices, default=choices.PartyKind.PERSON)
    name = serializers.CharField(max_length=100)
    id_type = fields.ChoiceField(choices=choices.IdType.choices, required=False)
    id_number = serializers.CharField(max_length=64, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ResponsibleLeaderSerializer(serializers.Serializer):
    """包案领导. The phone receives every overdue alert by SMS (masked outside the
    holding committee)."""

    name = serializers.CharField(max_length=50, allow_blank=True)
    post = serializers.CharField(max_length=100, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)


class PartySerializer(DirectFields, serializers.ModelSerializer):
    """Masks id_number and phone unless context["unmasked"] is True (holding committee)."""

    class Meta:
        model = Party
        fields = [
            "id",
            "role",
            "kind",
            "name",
            "id_type",
            "id_number",
            "phone",
            "address",
            "consents",
            "consent_recorded_at",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("unmasked"):
            data["id_number"] = mask_id_number(data["id_number"])
            data["phone"] = mask_phone(data["phone"])
        return data


def party_serializer(owner, *, unmasked: bool) -> "PartySerializer":
    """One PartySerializer per (case serializer, masking), not one per case: building a
    ModelSerializer's fields is the costly part, and a list page would build them 50 times.
    With many=True, DRF reuses one child serializer for every item, so this lasts one
    request."""
    cache = owner.__dict__.setdefault("party_serializers", {})
    if unmasked not in cache:
        cache[unmasked] = PartySerializer(context={"unmasked": unmasked})
    return cache[unmasked]
