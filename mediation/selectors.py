"""Reads: what the API views (and the web pages to come) show, each in one function.

Every function takes the user and reads only through the models' `visible_to(user)`
(committees.scope), so a page and an API view answer the same rows with the same
prefetches. Nothing here writes; out of scope reads as absent (the caller's 404) or, for
the statistics filters, as `NotFound`/`NotAllowed` with the API's messages.
"""

from datetime import timedelta

from django.utils import timezone

from committees.models import Area, Committee, Institution, Role
from committees.scope import committees_in_area, scope_for, visible_committee_ids
from mediation import statistics
from mediation.exceptions import NotFound
from mediation.models import (
    Attachment,
    Case,
    FollowUp,
    LedgerImport,
    Notification,
    PersonalDataAccess,
    Referral,
    ScreeningReport,
    Transfer,
)

# --- the caller ------------------------------------------------------------------------------


def caller_roles(user) -> list[dict]:
    """The caller's roles as GET /api/me lists them: one entry per committee they belong to
    (director or member), then their institution roles; a superuser without the district
    office's role is listed as the district office."""
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
    if scope.sees_everything and not any(r["role"] == "district_office" for r in roles):
        roles.append({"role": "district_office"})
    return roles


# --- cases ---------------------------------------------------------------------------------


def case_list(user):
    """The cases in the user's scope with what a list row shows."""
    return Case.objects.visible_to(user).select_related("committee").prefetch_related("parties")


def case_detail(user):
    """The cases in the user's scope with everything the detail shows, prefetched."""
    return (
        Case.objects.visible_to(user)
        .select_related("committee", "agreement")
        .prefetch_related(
            "parties",
            "sessions",
            "mediators",
            "recused_mediators",
            "transfers__case",
            "referrals__mechanism",
            "follow_ups",
            "agreements__signatures",
        )
    )


# A case just registered has none of these yet.
NEW_CASE_EMPTY_RELATIONS = (
    "sessions",
    "mediators",
    "recused_mediators",
    "transfers",
    "referrals",
    "follow_ups",
    "agreements",
)


def new_case_detail(case_id: int) -> Case:
    """A case just registered, read back for its detail: the case and its parties only (no
    agreement, sessions, mediators, transfers, referrals or follow-ups yet). Its registrar
    is a member of its committee, so no scope applies."""
    case = (
        Case.objects.select_related("committee", "agreement")
        .prefetch_related("parties")
        .get(pk=case_id)
    )
    for name in NEW_CASE_EMPTY_RELATIONS:
        case._prefetched_objects_cache[name] = getattr(case, name).none()
    return case


# --- the case file ---------------------------------------------------------------------------


def case_of_committee(user, case_id: int) -> Case | None:
    """The case if the user's scope holds its committee (attachments, the file), else None:
    a liaison reads only the summary of the cases its institution sent."""
    case = Case.objects.visible_to(user).filter(pk=case_id).first()
    if case is None or not scope_for(user).sees_committee(case.committee_id):
        return None
    return case


def attachment_list(user):
    """Attachments of the cases of the committees in the user's scope, with their case."""
    return Attachment.objects.visible_to(user).select_related("case")


# --- transfers, referrals, follow-ups, screening, the inbox ---------------------------------


def transfer_list(user):
    return Transfer.objects.visible_to(user).select_related("case")


def referral_list(user):
    return (
        Referral.objects.visible_to(user)
        .select_related("mechanism", "case")
        .prefetch_related("case__parties")
    )


def followup_list(user):
    return FollowUp.objects.visible_to(user)


def screening_report_list(user):
    return ScreeningReport.objects.visible_to(user)


def inbox(user):
    """The user's own notifications."""
    return Notification.objects.visible_to(user)


def personal_data_access_list(user):
    """The personal-data access log (the district office's; empty for anyone else)."""
    return PersonalDataAccess.objects.visible_to(user)


def ledger_import_list(user):
    """Ledger import jobs the user may follow, without the uploaded file."""
    return LedgerImport.objects.visible_to(user).defer("content")


# --- statistics ----------------------------------------------------------------------------


def statistics_filter(
    user, *, committee=None, area=None, start=None, end=None
) -> tuple[statistics.Filter, statistics.Period]:
    """The committees and period a statistics request covers, within the user's scope.

    A committee or area outside the scope is `NotFound` (never a silent empty answer).
    Default period: this year in whole months (to the end of this month), so the answer
    comes from the rollup; there are no cases after today anyway."""
    allowed = visible_committee_ids(user)
    committees = None if allowed is None else set(allowed)
    if committee is not None:
        if (allowed is not None and committee not in allowed) or not (
            Committee.objects.filter(pk=committee).exists()
        ):
            raise NotFound("调委会不存在或不在您的统计范围内。")
        committees = {committee}
    if area is not None:
        area_committees = committees_in_area(area)
        visible = area_committees if allowed is None else area_committees & allowed
        if not visible:
            raise NotFound("区划不存在或不在您的统计范围内。")
        committees = visible if committees is None else committees & visible
    today = timezone.localdate()
    period = statistics.Period(
        start=start or today.replace(month=1, day=1),
        end=end or statistics.next_month(today) - timedelta(days=1),
    )
    return statistics.Filter(None if committees is None else frozenset(committees)), period


def reporting_unit(user, *, committee=None, area=None) -> str:
    """填报单位 of an export: the committee or area asked for, else the user's own unit
    (its judicial office, its committee, or the district's justice bureau)."""
    if committee is not None:
        return Committee.objects.get(pk=committee).name
    if area is not None:
        return Area.objects.get(pk=area).name
    scope = scope_for(user)
    if scope.sees_everything:
        bureau = Institution.objects.filter(
            kind=Institution.Kind.JUSTICE_BUREAU, area__parent=None
        ).first()
        district = Area.objects.filter(parent=None).first()
        return bureau.name if bureau else district.name if district else ""
    offices = Institution.objects.filter(
        roles__user=user, roles__kind=Role.Kind.JUDICIAL_OFFICE
    ).order_by("code")
    units = offices if offices.exists() else Committee.objects.filter(id__in=scope.member_of)
    return "、".join(units.order_by("code").values_list("name", flat=True).distinct())
