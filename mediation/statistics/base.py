"""What every statistics module shares: the measures, the dimensions, the period and
the committees that count (see the package's docstring for the definitions)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from mediation.models import Case

ADDITIVE = (
    "received",
    "accepted",
    "accepted_party_application",
    "accepted_screening",
    "succeeded",
    "failed",
    "withdrawn",
    "declined",
    "written_agreements",
    "oral_agreements",
    "one_visit",
    "judicial_confirmations",
    "amount_involved",
    "people_involved",
    "mediated_people",
    "agreement_amount",
    "prevented_suicide_cases",
    "prevented_suicide",
    "prevented_civil_to_criminal_cases",
    "prevented_civil_to_criminal",
    "prevented_group_fight_cases",
    "prevented_group_fight",
    "prevented_group_petition_cases",
    "prevented_group_petition",
)
PREVENTION_KINDS = ("suicide", "civil_to_criminal", "group_fight", "group_petition")

DIMENSIONS = (
    "dispute_type",
    "source",
    "status",
    "outcome",
    "committee",
    "area",
    "month",
    "quarter",
    "year",
    "risk_flag",  # issue 15 item 11: area × flag × month for 研判 (from the raw tables)
)
ROLLUP_KEYS = ("dispute_type", "source")  # a rollup cell's key besides its committee and date
# What the district's rows by day can answer (no committee, no area).
DAILY_DIMENSIONS = {"dispute_type", "source", "month", "quarter", "year"}
ROLLUP_DIMENSIONS = {"dispute_type", "source", "committee", "area", "month", "quarter", "year"}


def one_visit() -> Q:
    """最多跑一次 (issue 15 item 8): the parties came at most once — the visit to apply (a
    case from a party's application) plus every session they attended in person
    (`Case.party_visits` counts MediationSession.party_present)."""
    return Q(party_visits__lte=0) | (Q(party_visits=1) & ~Q(source="party_application"))


ONE_VISIT_SQL = "(c.party_visits + CASE WHEN c.source = 'party_application' THEN 1 ELSE 0 END) <= 1"


# --- periods -------------------------------------------------------------------------------


def _start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


@dataclass(frozen=True)
class Period:
    start: date  # inclusive
    end: date  # inclusive

    @property
    def after(self) -> datetime:
        return _start(self.start)

    @property
    def before(self) -> datetime:
        return _start(self.end + timedelta(days=1))

    @property
    def is_whole_months(self) -> bool:
        return self.start.day == 1 and (self.end + timedelta(days=1)).day == 1

    def within(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.after, f"{field}__lt": self.before})

    def within_dates(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.start, f"{field}__lte": self.end})


# --- scope ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filter:
    """Which committees count: None means all (the district office, unfiltered)."""

    committee_ids: frozenset[int] | None

    def cases(self):
        queryset = Case.objects.all()
        if self.committee_ids is not None:
            queryset = queryset.filter(committee_id__in=self.committee_ids)
        return queryset

    def on(self, queryset, field: str = "committee_id"):
        if self.committee_ids is None:
            return queryset
        return queryset.filter(**{f"{field}__in": self.committee_ids})
