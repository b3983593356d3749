"""Admin: cases readable and searchable in Chinese; state changes only through the services
(admin actions), never by editing fields. History, follow-ups and audit rows are read-only."""

from django.contrib import admin, messages

from mediation import services
from mediation.exceptions import DomainError
from mediation.models import (
    Agreement,
    Case,
    CaseEvent,
    FollowUp,
    MediationSession,
    Party,
    PersonalDataAccess,
    Referral,
    ScreeningReport,
    StatisticsSubmission,
    Transfer,
)


class VisibleOnly:
    """An admin list reads through the model's `visible_to(user)` like every view
    (committees.scope): a superuser or the district office sees every row."""

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PartyInline(ReadOnlyInline):
    model = Party
    # ID numbers and phones stay out of the admin lists; members read them in the API,
    # where every unmasked read is recorded.
    fields = ["role", "kind", "name", "address"]
    readonly_fields = fields


class SessionInline(ReadOnlyInline):
    model = MediationSession
    fields = ["held_at", "place", "summary", "party_present"]
    readonly_fields = fields


class AgreementInline(ReadOnlyInline):
    model = Agreement
    fields = [
        "version",
        "number",
        "form",
        "terms",
        "amount",
        "performance_deadline",
        "effective_on",
        "judicial_result",
    ]
    readonly_fields = fields


class EventInline(ReadOnlyInline):
    model = CaseEvent
    fields = ["at", "actor_name", "kind", "from_status", "to_status", "committee"]
    readonly_fields = fields
    ordering = ["id"]


def _run(modeladmin, request, queryset, label, call):
    done = 0
    for case in queryset:
        try:
            call(case)
            done += 1
        except DomainError as error:
            modeladmin.message_user(request, f"{case.number}：{error.detail}", messages.ERROR)
    if done:
        modeladmin.message_user(request, f"{label}：{done} 件", messages.SUCCESS)


@admin.action(description="归档（已结案且跟进事项已完成）")
def archive_cases(modeladmin, request, queryset):
    _run(
        modeladmin,
        request,
        queryset,
        "已归档",
        lambda case: services.case_archive(actor=request.user, case=case),
    )


@admin.register(Case)
class CaseAdmin(VisibleOnly, admin.ModelAdmin):
    list_display = [
        "number",
        "title",
        "committee",
        "dispute_type",
        "source",
        "status",
        "transfer_pending",
        "received_at",
        "due_on",
    ]
    list_filter = ["status", "dispute_type", "source", "difficulty", "committee"]
    search_fields = ["number", "title", "parties__name"]
    date_hierarchy = "received_at"
    list_select_related = ["committee"]
    actions = [archive_cases]
    inlines = [PartyInline, SessionInline, AgreementInline, EventInline]
    # Everything is read-only here: changes go through the services (API or actions).
    readonly_fields = [
        *(f.name for f in Case._meta.fields if f.name != "responsible_leader_phone"),
        "mediators",
        "recused_mediators",
    ]
    exclude = ["responsible_leader_phone"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "case", "actor_name", "kind", "from_status", "to_status", "committee"]
    list_filter = ["kind"]
    search_fields = ["case__number", "actor_name"]
    list_select_related = ["case", "committee"]


@admin.register(Transfer)
class TransferAdmin(VisibleOnly, ReadOnlyAdmin):
    list_display = ["case", "kind", "from_committee", "to_committee", "status", "respond_by"]
    list_filter = ["status", "kind"]
    list_select_related = ["case", "from_committee", "to_committee"]


@admin.register(Referral)
class ReferralAdmin(VisibleOnly, ReadOnlyAdmin):
    list_display = ["case", "direction", "mechanism", "institution", "status", "feedback_due"]
    list_filter = ["direction", "status", "mechanism"]
    list_select_related = ["case", "mechanism", "institution"]


@admin.register(FollowUp)
class FollowUpAdmin(VisibleOnly, ReadOnlyAdmin):
    list_display = ["kind", "case", "committee", "due_at", "status", "fired_at", "done_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["case", "committee"]


@admin.register(ScreeningReport)
class ScreeningReportAdmin(VisibleOnly, ReadOnlyAdmin):
    list_display = ["committee", "period", "disputes_found", "high_risk", "filed_at"]
    list_filter = ["period"]


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(VisibleOnly, ReadOnlyAdmin):
    list_display = ["at", "username", "kind", "case", "for_case", "via"]
    list_filter = ["kind"]
    search_fields = ["username", "case__number"]


@admin.register(StatisticsSubmission)
class StatisticsSubmissionAdmin(ReadOnlyAdmin):
    """Submitted months, never changed (mediation.statistics.submissions); the files are
    downloaded through the API's export."""

    list_display = ["period", "area", "unit", "submitted_by", "submitted_at"]
    exclude = ["csv", "xlsx"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("csv", "xlsx")
