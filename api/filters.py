import django_filters

from committees.models import Area, Committee, Institution, Mechanism, Mediator


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
