"""Bodies of the case endpoints of issue 15 (the law's rules): a party's consent, a planned
session recorded as held, acceptance with the parties' choice of mediator."""

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from api import fields
from api.serializers.case_input import AcceptSerializer
from api.serializers.common import MAX_ID


class ConsentSerializer(serializers.Serializer):
    """人民调解法 art 17: a party agrees to mediation or refuses it (a refusal declines the
    case with `party_refuses`)."""

    party = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    consents = serializers.BooleanField()


class SessionHeldSerializer(serializers.Serializer):
    """What happened at a planned session; `held_at` defaults to the planned time."""

    held_at = fields.DateTimeField(required=False)
    summary = serializers.CharField(max_length=20000)
    participants = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    party_present = serializers.BooleanField(default=True)


@extend_schema_serializer(component_name="Accept")  # the body of accept/ keeps its name
class AcceptWithChoiceSerializer(AcceptSerializer):
    """Accept: the mediators, and why the parties' chosen mediators left out are unavailable
    (else every available chosen mediator is assigned too)."""

    preferred_unavailable_reason = serializers.CharField(
        max_length=2000, required=False, allow_blank=True
    )
