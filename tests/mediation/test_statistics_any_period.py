"""Statistics for any period (issue 18): the whole months inside a period from the rollup,
the head and tail days from the case tables, summed — reconciled with the raw answer (the
reference) over odd periods: mid-month to mid-month, within one month, across a year end,
one day, a leap day. Runs on SQLite and on PostgreSQL (DATABASE_URL=postgres://...)."""

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from committees.models import Mediator
from mediation import choices, services, statistics
from mediation.models import Agreement, Case
from mediation.statistics.fragments import split
from tests.builders import at, make_case

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

P = statistics.Period
ODD = {
    "mid_to_mid_across_the_year_end": P(date(2027, 11, 17), date(2028, 2, 10)),
    "within_one_month": P(date(2028, 1, 5), date(2028, 1, 20)),
    "the_year_end_two_days": P(date(2027, 12, 31), date(2028, 1, 1)),
    "one_day": P(date(2028, 1, 31), date(2028, 1, 31)),
    "the_leap_day": P(date(2028, 2, 29), date(2028, 2, 29)),
    "first_to_mid": P(date(2027, 12, 1), date(2028, 1, 15)),
    "mid_to_a_leap_february_end": P(date(2027, 12, 15), date(2028, 2, 29)),
    "two_partial_months": P(date(2028, 2, 20), date(2028, 3, 10)),
    "whole_months": P(date(2027, 11, 1), date(2028, 3, 31)),
}
DIMS = [
    ["dispute_type"],
    ["source"],
    ["committee"],
    ["area"],
    ["month"],
    ["quarter"],
    ["year"],
    ["status"],
    ["outcome"],
    ["risk_flag"],
    ["month", "dispute_type"],
    ["committee", "quarter", "source"],
    ["area", "risk_flag", "month"],
]
CENT = Decimal("0.01")
PARTIES = [
    {"role": "applicant", "name": "甲", "phone": "13800000000"},
    {"role": "respondent", "name": "乙"},
]


@pytest.mark.parametrize(
    "period, months, fragments",
    [
        (
            P(date(2026, 3, 5), date(2026, 11, 20)),
            ("04-01", "10-31"),
            [("03-05", "03-31"), ("11-01", "11-20")],
        ),
        (P(date(2026, 3, 1), date(2026, 11, 30)), ("03-01", "11-30"), []),
        (P(date(2026, 3, 1), date(2026, 3, 30)), None, [("03-01", "03-30")]),
        (P(date(2026, 3, 2), date(2026, 3, 31)), None, [("03-02", "03-31")]),
        (P(date(2026, 3, 5), date(2026, 4, 30)), ("04-01", "04-30"), [("03-05", "03-31")]),
        (P(date(2026, 3, 5), date(2026, 4, 29)), None, [("03-05", "04-29")]),
        (P(date(2026, 3, 5), date(2026, 3, 5)), None, [("03-05", "03-05")]),
    ],
)
def test_a_period_splits_into_its_whole_months_and_the_days_outside_them(period, months, fragments):
    def day(text):
        return date.fromisoformat(f"2026-{text}")

    got_months, got_fragments = split(period)
    assert got_months == (P(day(months[0]), day(months[1])) if months else None)
    assert got_fragments == [P(day(a), day(b)) for a, b in fragments]


# --- the cases -----------------------------------------------------------------------------


def _accept(director, mediator, case, when):
    membership = Mediator.objects.get(user=mediator, committee=case.committee)
    case = services.case_accept(actor=director, case=case, mediator_ids=[membership.id])
    Case.objects.filter(pk=case.pk).update(accepted_at=when)
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def winter(director_a, mediator_a, committee_a, town_a, director_town_a, time_machine):
    """Cases of two committees received from November 2027 to March 2028, their
    acceptances and conclusions falling a few days to six weeks later (across month and
    year ends, on the leap day, at the first and last hour of a day in Asia/Shanghai), some
    declined, some with a judicial confirmation, some with risk flags; then the rollup
    rebuilt. The test runs on 1 June 2028."""
    time_machine.move_to(at(date(2028, 6, 1), 9), tick=True)
    rng = random.Random(18)
    types = ["neighbourhood", "contract", "labour_wages", "marriage_family"]
    flags = choices.RiskFlag.values
    pinned = [date(2027, 12, 31), date(2028, 1, 1), date(2028, 1, 31), date(2028, 2, 29)]
    for n in range(26):  # the last four: received in mid-December, one of each end
        committee, director, mediator = (
            (town_a, director_town_a, director_town_a)
            if n % 3 == 0
            else (committee_a, director_a, mediator_a)
        )
        received = (
            pinned[n] if n < len(pinned) else date(2027, 11, 1) + timedelta(rng.randint(0, 150))
        )
        received = received if n < 22 else date(2027, 12, 10) + timedelta(n - 22)
        case = make_case(
            mediator,
            committee,
            parties=PARTIES,
            title="纠纷",
            dispute_type=rng.choice(types),
            source=rng.choice(["party_application", "screening"]),
            amount_involved=Decimal(rng.randint(0, 90000)) / 100,
            people_involved=rng.randint(2, 9),
        )
        hour = rng.choice([0, 10, 23])
        Case.objects.filter(pk=case.pk).update(
            received_at=at(received, hour), risk_flags=rng.sample(flags, rng.randint(0, 2))
        )
        case = Case.objects.get(pk=case.pk)
        move = rng.random() if n < 22 else (0.05, 0.35, 0.6, 0.9)[n - 22]  # each end once
        if move < 0.1:
            services.case_decline(actor=director, case=case, reason="不属于调解范围")
            Case.objects.filter(pk=case.pk).update(concluded_at=at(received, 23))
            continue
        if move < 0.2:
            continue  # still registered
        accepted = received + timedelta(rng.randint(0, 4))
        case = _accept(director, mediator, case, at(accepted, rng.choice([0, 11, 23])))
        if move < 0.3:
            continue  # still mediating
        concluded = at(accepted + timedelta(rng.randint(0, 40)), rng.choice([0, 15, 23]))
        if move < 0.4:
            services.case_withdraw(actor=mediator, case=case, reason="撤回")
        elif move < 0.85:
            form = rng.choice(["written", "oral"])
            amount = Decimal(rng.randint(1, 5000))
            services.case_conclude(
                actor=mediator,
                case=case,
                outcome="success",
                agreement={
                    "form": form,
                    "terms": "和解",
                    # an oral agreement with money needs the parties' waiver (art 28)
                    "amount": amount if form == "written" else None,
                },
                prevented={"suicide": rng.randint(0, 2)},
            )
            if n >= 22 or rng.random() < 0.5:
                Agreement.objects.filter(case_id=case.pk).update(
                    judicial_applied_on=timezone.localdate(concluded)
                    + timedelta(rng.randint(0, 20)),
                    judicial_result=choices.JudicialResult.CONFIRMED,
                )
        else:
            services.case_conclude(
                actor=mediator, case=case, outcome="failure", guidance="litigation"
            )
        Case.objects.filter(pk=case.pk).update(concluded_at=concluded)
    statistics.rollup_rebuild()


def _scopes(committee_a, town_a):
    return [
        statistics.Filter(None),
        statistics.Filter(frozenset({committee_a.id, town_a.id})),
        statistics.Filter(frozenset({committee_a.id})),
    ]


def _exact(counts: dict) -> dict:
    return {
        k: Decimal(counts[k]).quantize(CENT) if "amount" in k else counts[k]
        for k in statistics.ADDITIVE
    }


def _normal(rows, dims):
    return sorted(
        (tuple(str(row[d]) for d in dims), tuple(str(v) for v in _exact(row).values()))
        for row in rows
    )


# --- summary and breakdown equal the raw answer --------------------------------------------


def test_the_summary_of_any_period_equals_the_raw_answer(winter, committee_a, town_a):
    for name, period in ODD.items():
        for scope in _scopes(committee_a, town_a):
            answer = statistics.summary(scope, period)
            raw = statistics.raw_counts(scope, period)
            assert _exact(answer) == _exact(raw), name
            assert answer["median_days_to_conclude"] == statistics.median_of(
                statistics.raw_durations(scope, period)
            ), name
            # the district's days outside the whole months come from its rows by day
            rollup = split(period)[0] is not None or scope.committee_ids is None
            assert answer["computed_from"] == ("rollup" if rollup else "raw"), name
    # the fixture reaches every kind of measure
    everything = statistics.raw_counts(statistics.Filter(None), ODD["whole_months"])
    for measure in (
        "received",
        "accepted",
        "succeeded",
        "failed",
        "withdrawn",
        "declined",
        "judicial_confirmations",
        "one_visit",
        "prevented_suicide",
    ):
        assert everything[measure], measure


def test_every_breakdown_of_any_period_equals_the_raw_answer(winter, committee_a, town_a):
    for name, period in ODD.items():
        for scope in _scopes(committee_a, town_a)[:2]:
            for dims in DIMS:
                answer = statistics.breakdown(scope, period, dims)
                raw = statistics.raw_breakdown(scope, period, dims)
                assert _normal(answer["rows"], dims) == _normal(raw, dims), (name, dims)
                if name == "mid_to_mid_across_the_year_end":
                    assert raw, dims  # something to compare
                if dims == ["month"] and name == "mid_to_mid_across_the_year_end":
                    # the partial months are rows of their own days only
                    months = [row["month"] for row in answer["rows"]]
                    assert months[0] == "2027-11" and months[-1] == "2028-02"
                    assert answer["computed_from"] == "rollup"


def test_the_durations_of_any_period_equal_the_raw_median(winter):
    period = ODD["mid_to_mid_across_the_year_end"]
    raw = statistics.raw_durations(statistics.Filter(None), period)
    assert sum(cases for _, cases in raw) >= 5
    answer = statistics.summary(statistics.Filter(None), period)
    assert answer["median_days_to_conclude"] == statistics.median_of(raw) is not None


# --- the statistics marks --------------------------------------------------------------------


def test_a_dirty_month_is_answered_as_the_whole_month_answer_does(winter, mediator_a, committee_a):
    """A change not yet refreshed: the whole months come from the rollup as the
    whole-month answer reads them, with the same `as_of` (the oldest pending mark). A
    committee's days outside them are read from the case tables (exact now); the
    district's from its rows by day, which wait for the refresh as the months do. After
    the refresh, the raw answer again."""
    period = ODD["mid_to_mid_across_the_year_end"]  # whole months: Dec 2027, Jan 2028
    whole = P(date(2027, 12, 1), date(2028, 1, 31))
    everyone = statistics.Filter(None)
    mine = statistics.Filter(frozenset({committee_a.id}))
    before = {scope: statistics.summary(scope, period) for scope in (everyone, mine)}
    # a case received in a fragment (the head) and one in a whole month, both marked
    for day in (date(2027, 11, 20), date(2028, 1, 10)):
        case = make_case(mediator_a, committee_a, parties=PARTIES, title="纠纷")
        Case.objects.filter(pk=case.pk).update(received_at=at(day))
        statistics.mark_dirty(case=Case.objects.get(pk=case.pk))

    for scope in (everyone, mine):
        stale = statistics.summary(scope, period)
        whole_answer = statistics.summary(scope, whole)
        assert stale["computed_from"] == whole_answer["computed_from"] == "rollup"
        assert stale["as_of"] == whole_answer["as_of"] < timezone.now()
        assert whole_answer["received"] == statistics.raw_counts(scope, whole)["received"] - 1
    # the head's case: read from the case tables for the committee, not yet for the district
    assert statistics.summary(mine, period)["received"] == before[mine]["received"] + 1
    assert statistics.summary(everyone, period)["received"] == before[everyone]["received"]

    statistics.rollup_refresh()
    for scope in (everyone, mine):
        fresh = statistics.summary(scope, period)
        assert _exact(fresh) == _exact(statistics.raw_counts(scope, period))
        assert fresh["received"] == before[scope]["received"] + 2


def test_the_endpoints_answer_an_odd_period_equal_to_the_raw_answer(winter, client_for, district):
    period = ODD["mid_to_mid_across_the_year_end"]
    raw = statistics.raw_counts(statistics.Filter(None), period)
    client = client_for(district)

    body = client.get("/api/v1/statistics/summary/?from=2027-11-17&to=2028-02-10").json()

    assert body["computed_from"] == "rollup"
    for name in ("received", "accepted", "succeeded", "failed", "withdrawn", "declined"):
        assert body[name] == raw[name], name
    for name in ("amount_involved", "agreement_amount"):
        assert Decimal(str(body[name])) == Decimal(raw[name]).quantize(CENT), name
    rows = client.get("/api/v1/statistics/breakdown/?from=2027-11-17&to=2028-02-10&by=month")
    assert {row["month"]: row["received"] for row in rows.json()["rows"]} == {
        row["month"]: row["received"]
        for row in statistics.raw_breakdown(statistics.Filter(None), period, ["month"])
    }


# --- the district's rows by day ----------------------------------------------------------------


def test_the_districts_days_are_its_rows_by_day_not_the_case_tables(winter):
    """Every committee's odd period reads its days from DistrictDailyStat: a change
    written behind the services' back (no mark) shows in the raw answer only."""
    period = ODD["within_one_month"]
    everyone = statistics.Filter(None)
    assert statistics.summary(everyone, period)["computed_from"] == "rollup"
    before = statistics.summary(everyone, period)["received"]
    case = Case.objects.filter(received_at__gte=at(date(2028, 1, 5))).exclude(
        received_at__gte=at(date(2028, 1, 21))
    )[0]
    Case.objects.filter(pk=case.pk).update(received_at=at(date(2027, 6, 1)))

    assert statistics.summary(everyone, period)["received"] == before
    assert statistics.raw_counts(everyone, period)["received"] == before - 1


def test_the_migration_marks_every_day_with_facts_and_the_refresh_fills_them(winter):
    """Migration 0017 creates the tables empty and marks every committee-day holding a
    fact, long ago: the district's odd periods say they are not exact (as_of) until the
    refresher has recomputed those days, then equal the raw answer."""
    import importlib

    from django.apps import apps

    from mediation.models import DayDirty, DistrictDailyDurationStat, DistrictDailyStat

    migration = importlib.import_module("mediation.migrations.0017_district_daily_rollup")
    DistrictDailyStat.objects.all().delete()
    DistrictDailyDurationStat.objects.all().delete()

    migration.mark_every_day_with_facts(apps, None)

    facts = set()
    for case in Case.objects.select_related("agreement"):
        moments = (case.received_at, case.accepted_at, case.concluded_at)
        facts |= {(case.committee_id, timezone.localdate(m)) for m in moments if m}
        if case.agreement and case.agreement.judicial_applied_on:
            facts.add((case.committee_id, case.agreement.judicial_applied_on))
    assert set(DayDirty.objects.values_list("committee_id", "day")) == facts
    everyone = statistics.Filter(None)
    period = ODD["mid_to_mid_across_the_year_end"]
    assert statistics.summary(everyone, period)["as_of"] == migration.LONG_AGO

    statistics.rollup_refresh()

    assert not DayDirty.objects.exists()
    answer = statistics.summary(everyone, period)
    assert _exact(answer) == _exact(statistics.raw_counts(everyone, period))
    assert answer["as_of"] > migration.LONG_AGO
