from django.contrib import admin

from committees.models import (
    Area,
    Committee,
    DisputeType,
    Institution,
    Mechanism,
    Mediator,
    Role,
    Training,
)


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "area"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["area"]


class MediatorInline(admin.TabularInline):
    model = Mediator
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Committee)
class CommitteeAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "kind",
        "network",
        "area",
        "parent",
        "judicial_office",
        "is_active",
    ]
    list_filter = ["kind", "network", "is_active", "judicial_office"]
    search_fields = ["code", "name", "short_name"]
    autocomplete_fields = ["area", "parent", "judicial_office"]
    inlines = [MediatorInline]


class TrainingInline(admin.TabularInline):
    """Training records, read-only here: committees.roster.training_record writes them."""

    model = Training
    fields = ["on", "hours", "topic", "certificate", "recorded_by", "recorded_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Mediator)
class MediatorAdmin(admin.ModelAdmin):
    list_display = ["name", "committee", "role", "is_full_time", "is_active", "user"]
    list_filter = ["role", "is_full_time", "is_active", "gender"]
    inlines = [TrainingInline]
    search_fields = ["name", "committee__name", "user__username"]
    autocomplete_fields = ["committee", "user"]
    list_select_related = ["committee", "user"]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "institution"]
    list_filter = ["kind"]
    search_fields = ["user__username", "institution__name"]
    autocomplete_fields = ["user", "institution"]
    list_select_related = ["user", "institution"]


@admin.register(Mechanism)
class MechanismAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "partner_kinds", "feedback_days"]
    search_fields = ["code", "name"]


@admin.register(DisputeType)
class DisputeTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent", "ministry_row"]
    search_fields = ["code", "name"]
