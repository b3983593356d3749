"""The statistics' definitions as the law and the Ministry's form give them (issue 15 items
7, 8 and 11), on hand-built cases, each computed three ways that must agree: from the raw
tables, from the rollup (statistics.recompute / rollup_rebuild) and, on PostgreSQL, from
the set-based rebuild (mediation.rollup_sql). docs/statistics.md has every definition.

Date-sensitive: the cases are dated in October and November 2026 and the tests travel to
30 November 2026.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings

from committees.models import Area, Mediator
from mediation import services, statistics
from mediation.models import Case
from mediation.statistics.ministry import _ministry_values, ministry_table
from tests.builders import at, make_case

pytestmark = pytest.mark.django_db

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
NOV = statistics.Period(date(2026, 11, 1), date(2026, 11, 30))  # whole month: the rollup
NOV_RAW = statistics.Period(date(2026, 11, 1), date(2026, 11, 29))  # not whole: raw tables
OCT = statistics.Period(date(2026, 10, 1), date(2026, 10, 31))
ALL = statistics.Filter(None)


def register(user, committee, received: date, **fields) -> Case:
    return make_case(user, committee, title="纠纷", received=received, **fields)


def accept(director, mediator, case: Case, on: date) -> Case:
    membership = Mediator.objects.get(user=mediator, committee=case.committee)
    case = services.case_accept(actor=director, case=case, mediator_ids=[membership.id])
    Case.objects.filter(pk=case.pk).update(accepted_at=at(on, 11))
    return Case.objects.get(pk=case.pk)


def session(mediator, case: Case, on: date, *, party_present: bool) -> None:
    services.case_record_session(
        actor=mediator,
        case=Case.objects.get(pk=case.pk),
        held_at=at(on, 14),
        summary="调解",
        party_present=party_present,
    )


def conclude(mediator, case: Case, on: date, **kwargs) -> Case:
    case = services.case_conclude(actor=mediator, case=Case.objects.get(pk=case.pk), **kwargs)
    Case.objects.filter(pk=case.pk).update(concluded_at=at(on, 15))
    case = Case.objects.get(pk=case.pk)
    statistics.mark_dirty(case=case)
    return case


SUCCESS = {"outcome": "success", "agreement": {"form": "written", "terms": "赔偿"}}


def three_ways(scope: statistics.Filter, period: statistics.Period) -> list[dict]:
    """The measures from the raw tables, from the rollup rebuilt by Python and, on
    PostgreSQL, from the rollup rebuilt by SQL."""
    statistics.rollup_rebuild()
    answers = [statistics.raw_counts(scope, period), statistics.rollup_counts(scope, period)]
    if ON_POSTGRES:
        from mediation.rollup_sql import rollup_rebuild_sql

        rollup_rebuild_sql()
        answers.append(statistics.rollup_counts(scope, period))
    return answers


# --- item 7: the success rate and 涉及当事人 ---------------------------------------------------


def test_success_rate_divides_by_disputes_mediated_2_accepted_1_succeeded_is_50_percent(
    time_machine, committee_a, director_a, mediator_a
):
    """Issue 15 item 7 (the Ministry's form; published district figures: 6,217 of 6,368 =
    97.6 %): success rate = succeeded ÷ disputes mediated (accepted). Two accepted, one
    succeeded, the other still in mediation: 50 %, not 100 % (÷ concluded)."""
    time_machine.move_to(at(date(2026, 11, 30), 18), tick=True)
    done = accept(
        director_a,
        mediator_a,
        register(mediator_a, committee_a, date(2026, 11, 2)),
        date(2026, 11, 2),
    )
    accept(
        director_a,
        mediator_a,
        register(mediator_a, committee_a, date(2026, 11, 3)),
        date(2026, 11, 3),
    )
    conclude(mediator_a, done, date(2026, 11, 9), **SUCCESS)
    statistics.rollup_rebuild()

    for period in (NOV, NOV_RAW):
        summary = statistics.summary(ALL, period)
        assert (summary["accepted"], summary["succeeded"], summary["concluded"]) == (2, 1, 1)
        assert summary["success_rate"] == 0.5
    total = ministry_table(ALL, NOV)["rows"][-1]
    assert total["success_rate_percent"] == 50.0


def test_the_ministry_success_rate_reproduces_the_published_district_figure():
    """Issue 15 item 7: 6,217 disputes settled of 6,368 mediated is published as 97.6 %."""
    counts = dict.fromkeys(statistics.ADDITIVE, 0)
    counts.update(accepted=6368, succeeded=6217, failed=100, withdrawn=51)
    assert _ministry_values(counts)["success_rate_percent"] == 97.6
    assert statistics.rates(counts)["success_rate"] == round(6217 / 6368, 4)


@pytest.fixture
def autumn(time_machine, committee_a, director_a, mediator_a):
    """Five cases of committee A across October and November 2026 (see each comment)."""
    time_machine.move_to(at(date(2026, 11, 30), 18), tick=True)
    c = committee_a
    # 1: applied in October (a visit), accepted 29 Oct, a session in person in November,
    #    succeeded 3 Nov: 2 visits; 5 people, mediated in October.
    one = accept(
        director_a,
        mediator_a,
        register(mediator_a, c, date(2026, 10, 28), people_involved=5),
        date(2026, 10, 29),
    )
    session(mediator_a, one, date(2026, 11, 2), party_present=True)
    conclude(mediator_a, one, date(2026, 11, 3), **SUCCESS)
    # 2: found by screening (nobody came to apply), one session in person: 1 visit; 3 people.
    two = accept(
        director_a,
        mediator_a,
        register(mediator_a, c, date(2026, 11, 2), source="screening", people_involved=3),
        date(2026, 11, 2),
    )
    session(mediator_a, two, date(2026, 11, 3), party_present=True)
    conclude(mediator_a, two, date(2026, 11, 4), **SUCCESS)
    # 3: applied (a visit), mediated by phone (no one present): 1 visit; 2 people.
    three = accept(
        director_a,
        mediator_a,
        register(mediator_a, c, date(2026, 11, 5), people_involved=2),
        date(2026, 11, 5),
    )
    session(mediator_a, three, date(2026, 11, 5), party_present=False)
    conclude(mediator_a, three, date(2026, 11, 6), **SUCCESS)
    # 4: mediated and failed: its 4 people still count as 涉及当事人.
    four = accept(
        director_a,
        mediator_a,
        register(mediator_a, c, date(2026, 11, 7), people_involved=4),
        date(2026, 11, 7),
    )
    conclude(mediator_a, four, date(2026, 11, 20), outcome="failure", guidance="litigation")
    # 5: in mediation at the end of the month: 6 people.
    accept(
        director_a,
        mediator_a,
        register(mediator_a, c, date(2026, 11, 8), people_involved=6),
        date(2026, 11, 8),
    )


def test_parties_of_every_mediated_dispute_count_by_date_accepted(autumn):
    """Issue 15 item 7: 涉及当事人 counts the people of every dispute mediated (accepted in
    the month: failed and unfinished ones too), not only those of the successes (which
    gave 5 + 3 + 2 = 10 in November)."""
    for answer in three_ways(ALL, NOV):
        assert answer["mediated_people"] == 3 + 2 + 4 + 6
    for answer in three_ways(ALL, OCT):
        assert answer["mediated_people"] == 5
    assert statistics.raw_counts(ALL, NOV_RAW)["mediated_people"] == 15
    total = ministry_table(ALL, NOV)["rows"][-1]
    assert total["mediated_people"] == 15
    assert total["success_rate_percent"] == 75.0  # 3 succeeded of 4 accepted in November


# --- item 8: 最多跑一次 ---------------------------------------------------------------------------


def test_at_most_one_trip_counts_the_visit_to_apply_and_every_session_in_person(autumn):
    """Issue 15 item 8 (最多跑一次): the parties' visits are the visit to apply (a case
    from a party's application) plus every session attended in person
    (MediationSession.party_present). Case 1 (applied, then one session in person) made
    two trips; counting sessions only, it passed as one."""
    for answer in three_ways(ALL, NOV):
        assert answer["succeeded"] == 3
        assert answer["one_visit"] == 2  # cases 2 and 3
    summary = statistics.summary(ALL, NOV)
    assert summary["one_visit_rate"] == round(2 / 3, 4)
    assert statistics.summary(ALL, NOV_RAW)["one_visit_rate"] == round(2 / 3, 4)


def test_the_rollup_agrees_with_the_raw_tables_per_dispute_type_and_source(autumn):
    """Reconciliation (issue 15 item 7): the rollup's breakdown equals the raw tables'
    for the new definitions, cell by cell."""
    statistics.rollup_rebuild()
    dims = ["dispute_type", "source", "month"]
    rolled = statistics.breakdown(ALL, NOV, dims)
    raw = statistics.raw_breakdown(ALL, NOV, dims)
    assert rolled["computed_from"] == "rollup"
    key = lambda row: tuple(row[d] for d in dims)  # noqa: E731
    measures = ("accepted", "succeeded", "one_visit", "mediated_people")
    assert {key(r): tuple(r[m] for m in measures) for r in rolled["rows"]} == {
        key(r): tuple(r[m] for m in measures) for r in raw
    }


# --- item 11: risk flags as a dimension -------------------------------------------------------


def test_breakdown_by_risk_flag_area_and_month_for_research(
    time_machine, committee_a, director_a, mediator_a
):
    """Issue 15 item 11 (art 25, 研判): risk flags are a statistics dimension (area × flag ×
    month); a case with two flags counts under each; rows carry the flag's and the area's
    names beside the codes."""
    time_machine.move_to(at(date(2026, 11, 30), 18), tick=True)
    c = committee_a
    register(mediator_a, c, date(2026, 10, 9), risk_flags=["criminal_risk"])
    both = register(
        mediator_a,
        c,
        date(2026, 11, 9),
        risk_flags=["criminal_risk", "suicide_risk"],
        people_involved=3,
    )
    accept(director_a, mediator_a, both, date(2026, 11, 10))
    register(mediator_a, c, date(2026, 11, 12))  # no flag: in no row

    answer = statistics.breakdown(
        ALL,
        statistics.Period(date(2026, 10, 1), date(2026, 11, 30)),
        ["area", "risk_flag", "month"],
    )

    assert answer["computed_from"] == "raw"
    rows = {(r["risk_flag"], r["month"]): r for r in answer["rows"]}
    assert set(rows) == {
        ("criminal_risk", "2026-10"),
        ("criminal_risk", "2026-11"),
        ("suicide_risk", "2026-11"),
    }
    assert rows[("criminal_risk", "2026-10")]["received"] == 1
    assert rows[("criminal_risk", "2026-11")]["received"] == 1
    assert rows[("suicide_risk", "2026-11")]["accepted"] == 1
    assert rows[("suicide_risk", "2026-11")]["mediated_people"] == 3
    assert rows[("suicide_risk", "2026-11")]["risk_flag_label"] == "自杀风险"
    area = Area.objects.get(pk=rows[("criminal_risk", "2026-10")]["area"])
    assert rows[("criminal_risk", "2026-10")]["area_name"] == area.name


def test_amounts_stay_exact_in_the_new_dimension(time_machine, committee_a, mediator_a):
    """The risk-flag rows sum amounts as decimals like every other breakdown."""
    time_machine.move_to(at(date(2026, 11, 30), 18), tick=True)
    register(
        mediator_a,
        committee_a,
        date(2026, 11, 3),
        risk_flags=["escalation_risk"],
        amount_involved="1200.50",
    )
    register(
        mediator_a,
        committee_a,
        date(2026, 11, 4),
        risk_flags=["escalation_risk"],
        amount_involved="0.25",
    )
    (row,) = statistics.breakdown(ALL, NOV, ["risk_flag"])["rows"]
    assert row["amount_involved"] == Decimal("1200.75")
