from datetime import UTC, datetime, time, timedelta

import django_filters
from django import forms
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ErrorDetail, ValidationError

from api.fields import CHOICE_MESSAGE, NONEXISTENT_DATE, nonexistent_day
from committees.models import Area, Committee, Institution, Mechanism, Mediator
from mediation import choices, selectors
from mediation.models import Case, FollowUp, Notification, Referral, Transfer


class AreaFilter(django_filters.FilterSet):
    class Meta:
        model = Area
        fields = ["code", "level", "parent"]


class CommitteeFilter(django_filters.FilterSet):
    active = django_filters.BooleanFilter(field_name="is_active")

    class Meta:
        model = Committee
        fields = ["code", "kind", "network", "area", "parent", "judicial_office"]


class MediatorFilter(django_filters.FilterSet):
    active = django_filters.BooleanFilter(field_name="is_active")
    full_time = django_filters.BooleanFilter(field_name="is_full_time")

    class Meta:
        model = Mediator
        fields = ["committee", "role"]


class InstitutionFilter(django_filters.FilterSet):
    class Meta:
        model = Institution
        fields = ["code", "kind", "area"]


class MechanismFilter(django_filters.FilterSet):
    class Meta:
        model = Mechanism
        fields = ["code"]


# --- cases -------------------------------------------------------------------------------


EARLIEST_YEAR, LATEST_YEAR = 1900, 2999
MAX_ID = 2**63 - 1


def _bounded_day(day, name):
    """A date filter outside 1900–2999 is bad input (400), not a calendar overflow (500)."""
    if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        raise ValidationError(
            {
                name: [
                    ErrorDetail(f"日期应在{EARLIEST_YEAR}年至{LATEST_YEAR}年之间。", code="invalid")
                ]
            }
        )
    return day


def _start_of(day):
    return timezone.make_aware(datetime.combine(day, time.min))


class CaseFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=choices.Status.choices)
    committee = django_filters.NumberFilter(method="filter_committee")
    dispute_type = django_filters.ChoiceFilter(
        choices=choices.DisputeType.choices,
        method="filter_dispute_type",
        help_text="A parent type (labour, consumer) includes its sub-types.",
    )
    source = django_filters.ChoiceFilter(choices=choices.Source.choices)
    received_after = django_filters.DateFilter(
        method="filter_received_after", help_text="Received on or after this date."
    )
    received_before = django_filters.DateFilter(
        method="filter_received_before", help_text="Received on or before this date."
    )
    overdue = django_filters.BooleanFilter(method="filter_overdue")
    q = django_filters.CharFilter(
        method="filter_q", max_length=100, help_text="Number, title or a party's name."
    )

    class Meta:
        model = Case
        fields = []

    def filter_committee(self, queryset, name, value):
        if value != int(value) or not 1 <= value <= MAX_ID:
            return queryset.none()
        return queryset.filter(committee_id=int(value))

    def filter_dispute_type(self, queryset, name, value):
        return queryset.filter(dispute_type__in=[value, *choices.SUB_TYPES.get(value, [])])

    def filter_received_after(self, queryset, name, value):
        return queryset.filter(received_at__gte=_start_of(_bounded_day(value, name)))

    def filter_received_before(self, queryset, name, value):
        day = _bounded_day(value, name)
        return queryset.filter(received_at__lt=_start_of(day + timedelta(days=1)))

    def filter_overdue(self, queryset, name, value):
        overdue = queryset.overdue()
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))

    def filter_q(self, queryset, name, value):
        return selectors.case_search(queryset, value)


class TransferFilter(django_filters.FilterSet):
    direction = django_filters.ChoiceFilter(
        choices=[("incoming", "incoming"), ("outgoing", "outgoing")],
        method="filter_direction",
        help_text="incoming: to a committee in your scope; outgoing: from one.",
    )
    status = django_filters.ChoiceFilter(choices=Transfer.Status.choices)

    class Meta:
        model = Transfer
        fields = ["case"]

    def filter_direction(self, queryset, name, value):
        user = self.request.user
        return queryset.incoming_to(user) if value == "incoming" else queryset.outgoing_from(user)


class ReferralFilter(django_filters.FilterSet):
    direction = django_filters.ChoiceFilter(choices=Referral.Direction.choices)
    status = django_filters.ChoiceFilter(choices=Referral.Status.choices)
    mechanism = django_filters.CharFilter(field_name="mechanism__code")

    class Meta:
        model = Referral
        fields = ["committee", "institution"]


class FollowUpFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=FollowUp.Status.choices)
    kind = django_filters.ChoiceFilter(choices=FollowUp.Kind.choices)
    due_before = django_filters.IsoDateTimeFilter(method="filter_due_before")

    class Meta:
        model = FollowUp
        fields = ["case", "committee"]

    def filter_due_before(self, queryset, name, value):
        return _due_before(queryset, value)


def _due_before(queryset, value):
    _bounded_day(value.date(), "due_before")
    # Normalised to UTC: PostgreSQL refuses offsets beyond ±15:59 that Python accepts.
    return queryset.filter(due_at__lt=value.astimezone(UTC))


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull")

    class Meta:
        model = Notification
        fields = ["kind"]


# --- the backend: refusals that say what is valid ------------------------------------------


def _explained(form, name, error) -> ErrorDetail:
    """A filter's form error as the API says it: an unknown choice lists the valid codes; a
    well-formed date that does not exist says so (Django's messages say neither)."""
    field = form.fields.get(name)
    if (
        error.code == "invalid_choice"
        and isinstance(field, forms.ChoiceField)
        and not isinstance(field, forms.ModelChoiceField)  # ids: listing them says nothing
    ):
        allowed = "、".join(str(value) for value, _label in field.choices if value != "")
        value = (error.params or {}).get("value", "")
        return ErrorDetail(CHOICE_MESSAGE.format(input=value, allowed=allowed), code=error.code)
    if error.code == "invalid" and (day := nonexistent_day(form.data.get(name))):
        return ErrorDetail(NONEXISTENT_DATE.format(input=day), code=error.code)
    return ErrorDetail(error.message % (error.params or ()), code=error.code)


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend (400 on a bad filter), with the refusals of `_explained`."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            raise ValidationError(
                {
                    name: [_explained(filterset.form, name, error) for error in errors]
                    for name, errors in filterset.errors.as_data().items()
                }
            )
        return filterset.qs
