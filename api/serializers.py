"""Serializers: shape and validate, nothing more. Business rules live in the services."""

import copy
from decimal import Decimal

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from committees.models import Area, Committee, Institution, Mechanism, Mediator, Role
from committees.scope import scope_for
from mediation import choices, workflow
from mediation.models import (
    Agreement,
    Case,
    CaseEvent,
    FollowUp,
    MediationSession,
    Notification,
    Party,
    PersonalDataAccess,
    Referral,
    ScreeningReport,
    Transfer,
)
from mediation.validators import (
    default_id_type,
    id_number_problem,
    mask_id_number,
    mask_phone,
    phone_problem,
)


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


USER_ROLE_CHOICES = [
    ("member", "调委会成员"),
    ("director", "调委会主任"),
    *Role.Kind.choices,
]


class RoleEntrySerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=USER_ROLE_CHOICES)
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


# --- cases -------------------------------------------------------------------------------


class PartyInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=choices.PartyRole.choices)
    kind = serializers.ChoiceField(
        choices=choices.PartyKind.choices, default=choices.PartyKind.PERSON
    )
    name = serializers.CharField(max_length=100)
    id_type = serializers.ChoiceField(choices=choices.IdType.choices, required=False)
    id_number = serializers.CharField(max_length=64, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)

    def validate(self, attrs):
        id_number = (attrs.get("id_number") or "").strip().upper()
        id_type = attrs.get("id_type") or default_id_type(attrs.get("kind"), id_number)
        problem = id_number_problem(id_number, id_type) if id_number else None
        if problem:
            code, detail = problem
            raise serializers.ValidationError(
                {"id_number": [serializers.ErrorDetail(detail, code=code)]}
            )
        phone = (attrs.get("phone") or "").strip()
        if phone and phone_problem(phone):
            raise serializers.ValidationError(
                {"phone": [serializers.ErrorDetail(phone_problem(phone), code="invalid_phone")]}
            )
        return attrs


class ResponsibleLeaderSerializer(serializers.Serializer):
    """包案领导. The phone receives every overdue alert by SMS (masked outside the
    holding committee)."""

    name = serializers.CharField(max_length=50, allow_blank=True)
    post = serializers.CharField(max_length=100, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)


MAX_ID = 2**63 - 1  # ids are 64-bit; larger numbers are bad input, not a server error
EARLIEST_YEAR, LATEST_YEAR = 1900, 2999

AMOUNT = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal("0")}


class CaseFieldsSerializer(serializers.Serializer):
    """The descriptive fields of a case (create, referral body, PATCH)."""

    dispute_type = serializers.ChoiceField(choices=choices.DisputeType.choices)
    title = serializers.CharField(max_length=200)
    facts = serializers.CharField(required=False, allow_blank=True)
    claims = serializers.CharField(required=False, allow_blank=True)
    amount_involved = serializers.DecimalField(required=False, allow_null=True, **AMOUNT)
    people_involved = serializers.IntegerField(required=False, min_value=0, max_value=1_000_000)
    occurred_on = serializers.DateField(required=False, allow_null=True)
    risk_flags = serializers.ListField(
        child=serializers.ChoiceField(choices=choices.RiskFlag.choices),
        required=False,
        max_length=20,
    )
    difficulty = serializers.ChoiceField(choices=choices.Difficulty.choices, required=False)
    responsible_leader = ResponsibleLeaderSerializer(required=False)


class CaseBodySerializer(CaseFieldsSerializer):
    parties = PartyInputSerializer(many=True, max_length=200)

    def validate_parties(self, parties):
        roles = {party["role"] for party in parties}
        if not {choices.PartyRole.APPLICANT, choices.PartyRole.RESPONDENT} <= roles:
            raise serializers.ValidationError(
                "至少需要一名申请人和一名被申请人。", code="parties_incomplete"
            )
        return parties


class CaseCreateSerializer(CaseBodySerializer):
    committee = serializers.PrimaryKeyRelatedField(queryset=Committee.objects.all())
    source = serializers.ChoiceField(choices=choices.SELF_REGISTERED_SOURCE_CHOICES)


class CaseUpdateSerializer(CaseFieldsSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class PartySerializer(serializers.ModelSerializer):
    """Masks id_number and phone unless context["unmasked"] is True (holding committee)."""

    class Meta:
        model = Party
        fields = ["id", "role", "kind", "name", "id_type", "id_number", "phone", "address"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("unmasked"):
            data["id_number"] = mask_id_number(data["id_number"])
            data["phone"] = mask_phone(data["phone"])
        return data


def _party_serializer(owner, *, unmasked: bool) -> "PartySerializer":
    """One PartySerializer per (case serializer, masking), not one per case: building a
    ModelSerializer's fields is the costly part, and a list page would build them 50 times.
    With many=True, DRF reuses one child serializer for every item, so this lasts one
    request."""
    cache = owner.__dict__.setdefault("_party_serializers", {})
    if unmasked not in cache:
        cache[unmasked] = PartySerializer(context={"unmasked": unmasked})
    return cache[unmasked]


class SessionSerializer(serializers.ModelSerializer):
    class Meta:
        model = MediationSession
        fields = [
            "id",
            "held_at",
            "place",
            "participants",
            "summary",
            "party_present",
            "recorded_at",
        ]
        read_only_fields = ["id", "recorded_at"]
        extra_kwargs = {"summary": {"allow_blank": False}}


class AgreementSerializer(serializers.ModelSerializer):
    judicial_confirmation = serializers.SerializerMethodField()

    class Meta:
        model = Agreement
        fields = [
            "number",
            "form",
            "terms",
            "amount",
            "performance_deadline",
            "effective_on",
            "intends_judicial_confirmation",
            "performance",
            "judicial_confirmation",
        ]

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_judicial_confirmation(self, agreement) -> dict | None:
        if not agreement.judicial_applied_on:
            return None
        return {
            "applied_on": agreement.judicial_applied_on,
            "court": agreement.judicial_court,
            "result": agreement.judicial_result,
            "ruling_number": agreement.judicial_ruling_number,
        }


class TransferSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="case.number", read_only=True)
    case_title = serializers.CharField(source="case.title", read_only=True)

    class Meta:
        model = Transfer
        fields = [
            "id",
            "case",
            "case_number",
            "case_title",
            "kind",
            "from_committee",
            "to_committee",
            "reason",
            "status",
            "requested_at",
            "respond_by",
            "decided_at",
            "decision_reason",
        ]


class CaseSummarySerializer(serializers.ModelSerializer):
    """What a partner's liaison may see of a case it sent in: its own input and the
    outcome — never sessions, mediators, agreement terms or the history."""

    parties = serializers.SerializerMethodField()
    has_agreement = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "committee",
            "status",
            "source",
            "dispute_type",
            "title",
            "facts",
            "claims",
            "amount_involved",
            "people_involved",
            "occurred_on",
            "received_at",
            "concluded_at",
            "outcome",
            "has_agreement",
            "parties",
        ]

    @extend_schema_field(PartySerializer(many=True))
    def get_parties(self, case) -> list[dict]:
        serializer = _party_serializer(self, unmasked=False)
        return [serializer.to_representation(party) for party in case.parties.all()]

    def get_has_agreement(self, case) -> bool:
        return case.status == choices.Status.SUCCEEDED or (case.outcome == choices.Outcome.SUCCESS)


class ReferralSerializer(serializers.ModelSerializer):
    mechanism = serializers.SlugRelatedField(slug_field="code", read_only=True)
    case = CaseSummarySerializer(read_only=True)

    class Meta:
        model = Referral
        fields = [
            "id",
            "direction",
            "mechanism",
            "institution",
            "committee",
            "case",
            "external_ref",
            "reason",
            "status",
            "created_at",
            "feedback_due",
            "feedback_at",
            "result",
            "has_agreement",
            "result_on",
            "note",
        ]


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


def _leader(case, unmasked: bool) -> dict | None:
    if not case.responsible_leader_name:
        return None
    phone = case.responsible_leader_phone
    return {
        "name": case.responsible_leader_name,
        "post": case.responsible_leader_post,
        "phone": phone if unmasked else mask_phone(phone),
    }


class BuiltOnceFields:
    """A ModelSerializer that inspects its model once per class, not once per instance.

    DRF builds a ModelSerializer's fields from the model's metadata every time a
    serializer is made (for a case: 40 fields, their validators and relations), which
    was 15 % of a registration's CPU (bench/load.py's profile). The fields built the
    first time are kept unbound on the class, and each instance gets a deep copy, as DRF
    itself does with declared fields."""

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_fields_built_once")
        if built is None:
            built = super().get_fields()
            cls._fields_built_once = built
        return copy.deepcopy(built)


class CaseListSerializer(BuiltOnceFields, serializers.ModelSerializer):
    """A case in a list: parties masked unless the caller is a member of the holding
    committee (context["scope"])."""

    parties = serializers.SerializerMethodField()
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)
    responsible_leader = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "previous_numbers",
            "committee",
            "status",
            "transfer_pending",
            "dispute_type",
            "source",
            "difficulty",
            "title",
            "amount_involved",
            "people_involved",
            "occurred_on",
            "risk_flags",
            "responsible_leader",
            "received_at",
            "accepted_at",
            "due_on",
            "concluded_at",
            "outcome",
            "overdue",
            "party_visits",
            "parties",
        ]

    @extend_schema_field(PartySerializer(many=True))
    def get_parties(self, case) -> list[dict]:
        serializer = _party_serializer(
            self, unmasked=self.context["scope"].is_member(case.committee_id)
        )
        return [serializer.to_representation(party) for party in case.parties.all()]

    @extend_schema_field(ResponsibleLeaderSerializer(allow_null=True))
    def get_responsible_leader(self, case) -> dict | None:
        return _leader(case, self.context["scope"].is_member(case.committee_id))


class CaseSerializer(CaseListSerializer):
    mediators = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    recused_mediators = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    sessions = SessionSerializer(many=True, read_only=True)
    agreement = serializers.SerializerMethodField()
    transfers = TransferSerializer(many=True, read_only=True)
    referrals = serializers.SerializerMethodField()
    follow_ups = FollowUpSerializer(many=True, read_only=True)
    prevented = serializers.DictField(child=serializers.IntegerField(), read_only=True)
    allowed_actions = serializers.SerializerMethodField()
    repeat_dispute = serializers.SerializerMethodField(
        help_text="Set at registration: other open or recent cases of the same parties (by "
        "ID number) anywhere in the district: their count and the names of the committees "
        "holding an open one. Outside the holding committee the names are withheld."
    )

    class Meta(CaseListSerializer.Meta):
        fields = [
            *CaseListSerializer.Meta.fields,
            "facts",
            "claims",
            "extended_days",
            "extension_reason",
            "archived_at",
            "guidance",
            "closing_reason",
            "decline_reason_code",
            "decline_notice",
            "prevented",
            "mediators",
            "recused_mediators",
            "sessions",
            "agreement",
            "transfers",
            "referrals",
            "follow_ups",
            "allowed_actions",
            "repeat_dispute",
        ]

    @extend_schema_field(AgreementSerializer(allow_null=True))
    def get_agreement(self, case) -> dict | None:
        agreement = getattr(case, "agreement", None)
        return AgreementSerializer(agreement).data if agreement else None

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_referrals(self, case) -> list[dict]:
        return [
            {
                "id": r.id,
                "direction": r.direction,
                "mechanism": r.mechanism.code,
                "institution": r.institution_id,
                "status": r.status,
                "external_ref": r.external_ref,
                "feedback_due": r.feedback_due,
                "result": r.result,
            }
            for r in case.referrals.all()
        ]

    def get_allowed_actions(self, case) -> list[str]:
        return workflow.allowed_actions(case)

    def get_repeat_dispute(self, case) -> dict:
        """Personal data (the same person's cases elsewhere): whole to the holding
        committee only, like the parties."""
        signal = case.repeat_dispute or {}
        if signal and not self.context["scope"].is_member(case.committee_id):
            return {**signal, "committees": []}
        return signal


class CaseEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_name", read_only=True)

    class Meta:
        model = CaseEvent
        fields = [
            "id",
            "at",
            "actor",
            "kind",
            "from_status",
            "to_status",
            "committee",
            "other_committee",
            "data",
        ]


# --- transition bodies -------------------------------------------------------------------


class AcceptSerializer(serializers.Serializer):
    mediators = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), min_length=1, max_length=20
    )


class DeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    reason_code = serializers.ChoiceField(
        choices=choices.DeclineReason.choices, default=choices.DeclineReason.OTHER
    )


class AssignSerializer(AcceptSerializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    party_objection = serializers.BooleanField(default=False)


class ExtendSerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=365)
    reason = serializers.CharField(max_length=2000)
    parties_consent = serializers.BooleanField()


class AgreementInputSerializer(serializers.Serializer):
    form = serializers.ChoiceField(choices=choices.AgreementForm.choices)
    terms = serializers.CharField(max_length=20000)
    amount = serializers.DecimalField(required=False, allow_null=True, **AMOUNT)
    performance_deadline = serializers.DateField(required=False, allow_null=True)
    effective_on = serializers.DateField(required=False, allow_null=True)
    intends_judicial_confirmation = serializers.BooleanField(default=False)


class PreventedSerializer(serializers.Serializer):
    suicide = serializers.IntegerField(min_value=0, max_value=100000, default=0)
    civil_to_criminal = serializers.IntegerField(min_value=0, max_value=100000, default=0)
    group_fight = serializers.IntegerField(min_value=0, max_value=100000, default=0)
    group_petition = serializers.IntegerField(min_value=0, max_value=100000, default=0)


class ConcludeSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=choices.Outcome.choices)
    agreement = AgreementInputSerializer(required=False)
    guidance = serializers.ChoiceField(choices=choices.Guidance.choices, required=False)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    prevented = PreventedSerializer(required=False)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class JudicialConfirmationSerializer(serializers.Serializer):
    applied_on = serializers.DateField()
    court = serializers.CharField(max_length=100)
    result = serializers.ChoiceField(choices=choices.JudicialResult.choices)
    ruling_number = serializers.CharField(max_length=100, required=False, allow_blank=True)


class TransferRequestSerializer(serializers.Serializer):
    to_committee = serializers.PrimaryKeyRelatedField(queryset=Committee.objects.all())
    kind = serializers.ChoiceField(choices=Transfer.Kind.choices)
    reason = serializers.CharField(max_length=2000)


class ReferSerializer(serializers.Serializer):
    mechanism = serializers.SlugRelatedField(slug_field="code", queryset=Mechanism.objects.all())
    institution = serializers.PrimaryKeyRelatedField(queryset=Institution.objects.all())
    reason = serializers.CharField(max_length=2000)


class ReferralCreateSerializer(serializers.Serializer):
    mechanism = serializers.SlugRelatedField(slug_field="code", queryset=Mechanism.objects.all())
    committee = serializers.PrimaryKeyRelatedField(queryset=Committee.objects.all())
    institution = serializers.PrimaryKeyRelatedField(
        queryset=Institution.objects.all(), required=False
    )
    external_ref = serializers.CharField(max_length=100, required=False, allow_blank=True)
    case = CaseBodySerializer()


class ReferralFeedbackSerializer(serializers.Serializer):
    result = serializers.ChoiceField(
        choices=[
            (r.value, r.label)
            for r in Referral.Result
            if r in ("success", "failure", "resolved", "returned")
        ]
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


# --- follow-ups, notifications, ratings, screening ------------------------------------------


class FollowUpCompleteSerializer(serializers.Serializer):
    performed = serializers.ChoiceField(choices=choices.Performance.choices, required=False)
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


# --- statistics ---------------------------------------------------------------------------


class StatisticsQuerySerializer(serializers.Serializer):
    from_ = serializers.DateField(
        required=False, help_text="First day, by date received (default: 1 January this year)."
    )
    to = serializers.DateField(
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
    success_rate = serializers.FloatField(allow_null=True, help_text="succeeded ÷ concluded.")
    written_agreements = serializers.IntegerField()
    oral_agreements = serializers.IntegerField()
    amount_involved = serializers.DecimalField(
        max_digits=18, decimal_places=2, help_text="Sum over cases received in the period."
    )
    people_involved = serializers.IntegerField(help_text="Sum over cases received in the period.")
    agreement_amount = serializers.DecimalField(
        max_digits=18, decimal_places=2, help_text="Sum of agreement amounts, by date concluded."
    )
    judicial_confirmations = serializers.IntegerField(
        help_text="Agreements confirmed by a court, by date applied."
    )
    one_visit_rate = serializers.FloatField(
        allow_null=True, help_text="Successes with at most one visit by the parties ÷ successes."
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
    source = serializers.CharField(required=False)
    status = serializers.CharField(required=False)
    outcome = serializers.CharField(required=False)
    committee = serializers.IntegerField(required=False)
    area = serializers.IntegerField(required=False, allow_null=True)
    month = serializers.CharField(required=False)
    quarter = serializers.CharField(required=False)
    year = serializers.CharField(required=False)

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


class PersonalDataAccessSerializer(serializers.ModelSerializer):
    class Meta:
        model = PersonalDataAccess
        fields = ["id", "user", "username", "case", "at", "via", "kind", "for_case", "shown"]
