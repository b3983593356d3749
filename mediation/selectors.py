"""Reads: what the API views (and the web pages to come) show, each in one function.

Every function takes the user and reads only through the models' `visible_to(user)`
(committees.scope), so a page and an API view answer the same rows with the same
prefetches. Nothing here writes; out of scope reads as absent (the caller's 404) or, for
the statistics filters, as `NotFound`/`NotAllowed` with the API's messages.
"""

from datetime import timedelta

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import BooleanField, Exists, F, Func, OuterRef, Q, Value
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
    Party,
    PersonalDataAccess,
    RatingLink,
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
            "preferred_mediators",
            "transfers__case",
            "referrals__mechanism",
            "follow_ups",
            "agreements__signatures",
        )
    )


# Matches of a search beyond which the word counts as common: the plain filter then finds a
# page of hits at once walking the list's order, and the pager stops counting at 1 000.
SEARCH_INDEXED_AT_MOST = 1000


class _HasGrams(Func):
    """`tiaojie_grams(column) @> tiaojie_query_grams(text)`: the column holds every
    2-character piece of the text (its one character if it has one), upper-cased
    (PostgreSQL only: the functions and the GIN indexes come from migration mediation
    0016). Necessary for `column ICONTAINS text` at any length of text, so the indexes
    narrow a search to the few rows that `icontains` then checks; pg_trgm could not (a 1-
    or 2-character pattern has no trigram)."""

    function = "tiaojie_grams"
    template = "tiaojie_grams(%(expressions)s)"
    arg_joiner = ") @> tiaojie_query_grams("
    output_field = BooleanField()

    def __init__(self, column: str, text: str):
        super().__init__(F(column), Value(text))


def case_search(queryset, text: str):
    """Cases whose number or title contains `text`, or with a party whose name does (the
    list filter `q` of the API and the search box of the mediator's page), ignoring the
    case of latin letters. See `case_search_counted`."""
    return case_search_counted(queryset, text)[0]


def case_search_counted(queryset, text: str):
    """`case_search`, and how many cases it holds when that came out of the lookup (the
    mediator's pager then need not count): (queryset, found), where found is the number
    of cases, or SEARCH_INDEXED_AT_MOST + 1 for "more than SEARCH_INDEXED_AT_MOST", or
    None when not known.

    On PostgreSQL the search first looks the word up in the GIN indexes of migration
    mediation 0016, within `queryset`: the cases whose number or title has it and those
    with a party whose name has it, at most SEARCH_INDEXED_AT_MOST + 1 of each, in one
    statement. A word few cases contain is then those ids: without the lookup the filter
    reads every case of the scope and the parties of each (1-3 s for a committee of 60 k
    cases at 1 M). A common word keeps the filter, which the list's order serves: its
    first page is among the first rows read. SQLite has the filter only."""
    text = (text or "").strip()
    if not text:
        return queryset, None
    by_number_or_title = Q(number__icontains=text) | Q(title__icontains=text)
    if connections[queryset.db].vendor != "postgresql":
        party = Party.objects.filter(case=OuterRef("pk"), name__icontains=text)
        return queryset.filter(by_number_or_title | Exists(party)), None
    limit = SEARCH_INDEXED_AT_MOST
    by_case = queryset.filter(
        (_HasGrams("number", text) & Q(number__icontains=text))
        | (_HasGrams("title", text) & Q(title__icontains=text))
    )
    by_party = queryset.filter(_HasGrams("parties__name", text) & Q(parties__name__icontains=text))
    try:
        case_sql, case_params = by_case.order_by().values("pk")[: limit + 1].query.sql_with_params()
        party_sql, party_params = (
            by_party.order_by().values("pk")[: limit + 1].query.sql_with_params()
        )
    except EmptyResultSet:  # queryset.none()
        return queryset.none(), 0
    # One statement; the parties are not looked at when the numbers and titles alone hold
    # more than `limit` cases (a common word: the filter below then).
    sql = (
        f"WITH by_case (id) AS MATERIALIZED ({case_sql}) "
        "SELECT id, false FROM by_case UNION ALL "
        f"SELECT id, true FROM ({party_sql}) by_party (id) "
        "WHERE (SELECT count(*) FROM by_case) <= %s"
    )
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, (*case_params, *party_params, limit))
        found = cursor.fetchall()
    ids = sorted({case_id for case_id, _ in found})
    by_side = [sum(1 for _, side in found if side == party_side) for party_side in (False, True)]
    if by_side[0] <= limit and by_side[1] <= limit:
        return queryset.filter(pk__in=ids), len(ids)  # both sides whole: every case found
    # A common word: the rows in the list's order, the parties' side looked up once (a
    # hashed subplan, built only if some row's number and title do not have the word;
    # once per row instead, the lookup cost 1.5x as much for a word in 5 % of the cases).
    parties = Party.objects.filter(_HasGrams("name", text), name__icontains=text)
    searched = queryset.filter(by_number_or_title | Q(pk__in=parties.values("case_id")))
    return searched, limit + 1 if len(ids) > limit else None


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


class Access:
    """How the caller comes to read a case (`access` on the case): the holding committee's
    members (`holder`, unmasked, may act), those who supervise it (`supervisor`: its judicial
    office, the district office), the committee a pending transfer offers it to
    (`receiver`), a committee that handed it over (`former_holder`), and the liaison of the
    institution that referred it (`liaison`, the summary only). Only `holder` sees personal
    data whole; only the holder's members act on the case."""

    HOLDER = "holder"
    SUPERVISOR = "supervisor"
    RECEIVER = "receiver"
    FORMER_HOLDER = "former_holder"
    LIAISON = "liaison"


def case_access(user, case: Case) -> str:
    """The caller's `Access` to a case it can see (Case.objects.visible_to); reads the
    case's transfers (prefetched by case_detail)."""
    scope = scope_for(user)
    if scope.is_member(case.committee_id):
        return Access.HOLDER
    if scope.sees_committee(case.committee_id):
        return Access.SUPERVISOR
    transfers = list(case.transfers.all())
    if any(
        t.status == Transfer.Status.PENDING and t.to_committee_id in scope.committee_ids
        for t in transfers
    ):
        return Access.RECEIVER
    if any(
        t.status == Transfer.Status.ACCEPTED and t.from_committee_id in scope.committee_ids
        for t in transfers
    ):
        return Access.FORMER_HOLDER
    return Access.LIAISON


def case_events(user, case: Case):
    """The history of a case as the caller may read it: whole, except for a former holder,
    who keeps its own part (the entries made while its committee held the case, and the
    hand-over)."""
    events = case.events.all()
    if case_access(user, case) == Access.FORMER_HOLDER:
        ids = scope_for(user).committee_ids
        events = events.filter(Q(committee_id__in=ids) | Q(other_committee_id__in=ids))
    return events


def case_sessions(user, case: Case) -> list:
    """The sessions of a case as the caller may read them: all, except for a former holder,
    who keeps those recorded before its committee handed the case over (its part)."""
    sessions = list(case.sessions.all())
    if case_access(user, case) != Access.FORMER_HOLDER:
        return sessions
    ids = scope_for(user).committee_ids
    handed_over = max(
        (
            t.decided_at
            for t in case.transfers.all()
            if t.status == Transfer.Status.ACCEPTED and t.from_committee_id in ids and t.decided_at
        ),
        default=None,
    )
    if handed_over is None:
        return []
    return [s for s in sessions if s.recorded_at <= handed_over]


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


def rating_link(token: str) -> RatingLink | None:
    """The 好差评 link a party opened, with its case and committee; None when there is no
    such link or it has expired (a used one is returned: the page says it was used)."""
    link = RatingLink.objects.select_related("case__committee").filter(token=token).first()
    if link is None or link.expires_at <= timezone.now():
        return None
    return link


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
