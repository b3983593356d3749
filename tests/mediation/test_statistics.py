"""Statistics against hand-built cases whose answers are known, the rollup reconciled with
the raw tables, and the scope rules of the statistics endpoints."""

import io
import random
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from committees.models import Committee, Mediator
from mediation import routing, services, statistics
from mediation.followups import rating_submit
from mediation.models import (
    Case,
    DistrictDurationStat,
    DistrictMonthlyStat,
    DistrictStatDirty,
    DurationStat,
    MonthlyStat,
    RatingLink,
    StatDirty,
)
from tests.builders import at, make_case

PARTIES = [
    {"role": "applicant", "name": "甲", "phone": "13800000000"},
    {"role": "respondent", "name": "乙"},
]


def register(user, committee, *, received: date, **fields):
    return make_case(user, committee, parties=PARTIES, title="纠纷", received=received, **fields)


def accept(director, mediator, case, on: date):
    membership = Mediator.objects.get(user=mediator, committee=case.committee)
    case = services.case_accept(actor=director, case=case, mediator_ids=[membership.id])
    Case.objects.filter(pk=case.pk).update(accepted_at=at(on, 11))
    case.refresh_from_db()
    return case


def conclude(mediator, case, on: date, **kwargs):
    case = services.case_conclude(actor=mediator, case=case, **kwargs)
    Case.objects.filter(pk=case.pk).update(concluded_at=at(on, 15))
    case.refresh_from_db()
    statistics.mark_dirty(case=case)
    return case


NOV = statistics.Period(date(2026, 11, 1), date(2026, 11, 30))
NOV_PARTIAL = statistics.Period(date(2026, 11, 1), date(2026, 11, 29))
ALL = statistics.Filter(None)


@pytest.fixture
def november(director_a, mediator_a, committee_a, time_machine):
    """Five cases in committee A, received in November 2026, with known outcomes; the
    test then runs on the evening of 30 November 2026, with the month lived."""
    time_machine.move_to(at(date(2026, 11, 30), 18), tick=True)
    c = committee_a
    # 1: success, written, ¥5000, 1 visit, 4 days, 3 people, prevented 2 from suicide
    one = accept(
        director_a,
        mediator_a,
        register(
            mediator_a, c, received=date(2026, 11, 2), amount_involved="8000.00", people_involved=3
        ),
        date(2026, 11, 2),
    )
    services.case_record_session(
        actor=mediator_a,
        case=one,
        held_at=at(date(2026, 11, 3)),
        summary="调解",
        party_present=True,
    )
    one = conclude(
        mediator_a,
        Case.objects.get(pk=one.pk),
        date(2026, 11, 6),
        outcome="success",
        agreement={"form": "written", "terms": "赔偿", "amount": Decimal("5000")},
        prevented={"suicide": 2},
    )
    # 2: success, oral, 3 visits, 10 days, labour_wages
    two = accept(
        director_a,
        mediator_a,
        register(
            mediator_a,
            c,
            received=date(2026, 11, 5),
            dispute_type="labour_wages",
            amount_involved="20000.00",
            people_involved=12,
        ),
        date(2026, 11, 5),
    )
    for day in (6, 7, 8):
        services.case_record_session(
            actor=mediator_a,
            case=two,
            held_at=at(date(2026, 11, day)),
            summary="调解",
            party_present=True,
        )
    conclude(
        mediator_a,
        Case.objects.get(pk=two.pk),
        date(2026, 11, 15),
        outcome="success",
        agreement={"form": "oral", "terms": "支付工资"},
    )
    # 3: failure after 20 days
    three = accept(
        director_a,
        mediator_a,
        register(mediator_a, c, received=date(2026, 11, 1), source="screening"),
        date(2026, 11, 1),
    )
    conclude(mediator_a, three, date(2026, 11, 21), outcome="failure", guidance="litigation")
    # 4: declined
    four = register(mediator_a, c, received=date(2026, 11, 10))
    services.case_decline(
        actor=director_a, case=four, reason="法院已受理", reason_code="already_accepted_elsewhere"
    )
    Case.objects.filter(pk=four.pk).update(concluded_at=at(date(2026, 11, 10), 16))
    # 5: still mediating, overdue
    five = accept(
        director_a,
        mediator_a,
        register(mediator_a, c, received=date(2026, 11, 3)),
        date(2026, 11, 3),
    )
    Case.objects.filter(pk=five.pk).update(due_on=date(2026, 11, 4))
    statistics.rollup_rebuild()
    return [one, two, three, four, five]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "period, district, path",
    [
        (NOV, True, "rollup"),  # a whole month: the monthly rollup
        (NOV_PARTIAL, True, "rollup"),  # every committee's days: the district's rows by day
        (NOV_PARTIAL, False, "raw"),  # one committee's days: the case tables
    ],
    ids=["rollup", "district-days", "raw"],
)
def test_every_measure_against_known_cases(november, committee_a, period, district, path):
    # every case of the fixture is committee_a's
    scope = ALL if district else statistics.Filter(frozenset({committee_a.id}))

    result = statistics.summary(scope, period)

    assert result["computed_from"] == path
    assert result["received"] == 5
    assert result["accepted"] == 4
    assert result["succeeded"] == 2
    assert result["failed"] == 1
    assert result["withdrawn"] == 0
    assert result["declined"] == 1
    assert result["concluded"] == 3
    # succeeded ÷ disputes mediated (accepted), issue 15 item 7
    assert result["success_rate"] == 0.5
    assert result["written_agreements"] == 1
    assert result["oral_agreements"] == 1
    assert result["amount_involved"] == Decimal("28000.00")
    assert result["people_involved"] == 3 + 12 + 2 + 2 + 2
    assert result["agreement_amount"] == Decimal("5000.00")
    # both successes came by a party's application, then to 1 and 3 sessions: 2 and 4
    # visits (issue 15 item 8)
    assert result["one_visit_rate"] == 0.0
    # 涉及当事人: the four cases accepted (1, 2, 3, 5), not only the successes (item 7)
    assert result["mediated_people"] == 3 + 12 + 2 + 2
    assert result["prevented_suicide"] == 2 and result["prevented_suicide_cases"] == 1
    assert result["overdue"] == 1
    # calendar days to conclude: 2→6, 5→15, 1→21 November → 4, 10, 20 → median 10
    assert result["median_days_to_conclude"] == 10.0
    assert result["accepted_party_application"] == 3 and result["accepted_screening"] == 1


@pytest.mark.django_db
def test_breakdown_by_month_and_dispute_type_rolls_sub_types_into_the_ministry_table(november):
    rows = statistics.breakdown(ALL, NOV, ["month", "dispute_type"])["rows"]
    by_type = {(r["month"], r["dispute_type"]): r for r in rows}
    assert by_type[("2026-11", "labour_wages")]["succeeded"] == 1
    assert by_type[("2026-11", "neighbourhood")]["received"] == 4

    raw_rows = statistics.breakdown(ALL, NOV_PARTIAL, ["month", "dispute_type"])["rows"]
    assert {k: v["received"] for k, v in by_type.items()} == {
        (r["month"], r["dispute_type"]): r["received"] for r in raw_rows
    }

    table = statistics.ministry_table(ALL, NOV)
    labour = next(r for r in table["rows"] if r["code"] == "labour")
    wages = next(r for r in table["rows"] if r["code"] == "labour_wages")
    total = table["rows"][-1]
    assert labour["succeeded"] == wages["succeeded"] == 1
    assert total["label"] == "合计"
    assert total["accepted"] == statistics.summary(ALL, NOV)["accepted"] == 4
    assert total["succeeded"] == 2
    assert total["accepted_referred"] == 0


@pytest.mark.django_db
def test_satisfaction_and_transfers(
    november, director_a, mediator_a, committee_a, town_a, director_town_a
):
    one = november[0]
    link = RatingLink.objects.create(
        case=one,
        party=one.parties.first(),
        token="t1",
        expires_at=timezone.now() + timedelta(days=30),
    )
    rating_submit(token=link.token, stars=2)
    case = register(mediator_a, committee_a, received=timezone.localdate())
    transfer = routing.transfer_request(
        actor=director_a, case=case, to_committee=town_a, kind="escalate", reason="升级"
    )
    routing.transfer_accept(actor=director_town_a, transfer=transfer)
    today = timezone.localdate()
    period = statistics.Period(today.replace(day=1), today)

    a = statistics.summary(statistics.Filter(frozenset({committee_a.id})), period)
    town = statistics.summary(statistics.Filter(frozenset({town_a.id})), period)

    assert a["satisfaction"] == {"count": 1, "average": 2.0, "bad": 1}
    assert a["transfers_out"] == 1 and a["transfers_in"] == 0
    assert town["transfers_in"] == 1 and town["transfers_out"] == 0


def _rows(queryset, *fields):
    return sorted(tuple(str(v) for v in row) for row in queryset.values_list(*fields))


def _cells():
    """Every rollup row: committee cells, durations and both district tables."""
    cell = ("month", "dispute_type", "source", *statistics.ADDITIVE)
    return {
        "cells": _rows(MonthlyStat.objects, "committee_id", *cell),
        "durations": _rows(DurationStat.objects, "committee_id", "month", "days", "cases"),
        "district": _rows(DistrictMonthlyStat.objects, *cell),
        "district_durations": _rows(DistrictDurationStat.objects, "month", "days", "cases"),
    }


@pytest.mark.django_db
def test_incremental_rollup_equals_a_recompute_after_a_random_mix(
    director_a, mediator_a, committee_a, committee_b, outsider, town_a, director_town_a
):
    rng = random.Random(7)
    types = ["neighbourhood", "contract", "labour_wages", "marriage_family"]
    outsider_row = Mediator.objects.get(user=outsider)
    for _ in range(30):
        case = services.case_register(
            actor=mediator_a,
            committee=committee_a,
            source=rng.choice(["party_application", "screening"]),
            parties=PARTIES,
            dispute_type=rng.choice(types),
            title="纠纷",
            amount_involved=Decimal(rng.randint(0, 50000)),
            people_involved=rng.randint(2, 12),
        )
        move = rng.random()
        if move < 0.2:
            transfer = routing.transfer_request(
                actor=director_a, case=case, to_committee=town_a, kind="escalate", reason="升级"
            )
            routing.transfer_accept(actor=director_town_a, transfer=transfer)
            continue
        if move < 0.3:
            services.case_decline(actor=director_a, case=case, reason="不属于调解范围")
            continue
        case = accept(director_a, mediator_a, case, timezone.localdate())
        if move < 0.5:
            services.case_withdraw(actor=mediator_a, case=case, reason="撤回")
        elif move < 0.8:
            form = rng.choice(["written", "oral"])
            services.case_conclude(
                actor=mediator_a,
                case=case,
                outcome="success",
                # An oral agreement with money needs a recorded waiver (人民调解法 art 28):
                # the oral ones here carry none.
                agreement={
                    "form": form,
                    "terms": "和解",
                    "amount": Decimal(100) if form == "written" else None,
                },
            )
        elif move < 0.9:
            services.case_conclude(
                actor=mediator_a, case=case, outcome="failure", guidance="litigation"
            )
    assert outsider_row  # committee B stays empty: its cells must not appear

    statistics.rollup_refresh()
    incremental = _cells()
    assert StatDirty.objects.count() == DistrictStatDirty.objects.count() == 0
    statistics.rollup_rebuild()

    assert incremental == _cells()
    assert all(incremental.values())
    today = timezone.localdate()
    month = statistics.Period(today.replace(day=1), statistics.next_month(today) - timedelta(1))
    for scope in (ALL, statistics.Filter(frozenset({committee_a.id, town_a.id}))):
        rollup = statistics.summary(scope, month)
        raw = statistics.raw_counts(scope, month)
        assert rollup["computed_from"] == "rollup"
        assert {k: rollup[k] for k in statistics.ADDITIVE} == {
            k: (Decimal(raw[k]).quantize(Decimal("0.01")) if "amount" in k else raw[k])
            for k in statistics.ADDITIVE
        }
        assert rollup["median_days_to_conclude"] == statistics.median_of(
            statistics.raw_durations(scope, month)
        )


# --- the endpoints ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_persona_sees_exactly_its_numbers(
    client_for,
    november,
    mediator_a,
    outsider,
    office_a,
    office_b,
    district,
    court_liaison,
    committee_a,
    committee_b,
):
    url = "/api/v1/statistics/summary/?from=2026-11-01&to=2026-11-30"

    assert client_for(mediator_a).get(url).json()["received"] == 5
    assert client_for(office_a).get(url).json()["received"] == 5
    assert client_for(district).get(url).json()["received"] == 5
    assert client_for(outsider).get(url).json()["received"] == 0
    assert client_for(office_b).get(url).json()["received"] == 0
    assert client_for(court_liaison).get(url).status_code == 403

    # filters outside scope are 404, never a silent empty answer
    assert client_for(outsider).get(f"{url}&committee={committee_a.id}").status_code == 404
    assert client_for(office_b).get(f"{url}&committee={committee_a.id}").status_code == 404
    assert client_for(office_b).get(f"{url}&area={committee_a.area.parent_id}").status_code == 404
    assert client_for(district).get(f"{url}&committee=999999").status_code == 404
    assert client_for(district).get(f"{url}&committee={committee_b.id}").json()["received"] == 0
    by_area = client_for(district).get(f"{url}&area={committee_a.area.parent_id}").json()
    assert by_area["received"] == 5


@pytest.mark.django_db
def test_bad_statistics_input_is_400_with_a_code(client_for, district):
    client = client_for(district)
    cases = {
        "/api/v1/statistics/summary/?from=2026-13-01": "invalid",
        "/api/v1/statistics/summary/?from=2026-11-30&to=2026-11-01": "invalid_period",
        "/api/v1/statistics/breakdown/": "dimension_required",
        "/api/v1/statistics/breakdown/?by=party_name": "invalid_dimension",
        "/api/v1/statistics/export/?format=pdf": "invalid_format",
    }
    for url, code in cases.items():
        response = client.get(url)
        assert response.status_code == 400, url
        assert response.json()["code"] == code, url


@pytest.mark.django_db
def test_export_xlsx_has_the_ministry_headings_and_totals_equal_the_summary(
    client_for, district, november
):
    client = client_for(district)
    url = "/api/v1/statistics/export/?from=2026-11-01&to=2026-11-30"

    xlsx = client.get(url + "&format=xlsx")
    csv_body = client.get(url + "&format=csv")
    summary = client.get(url.replace("export", "summary")).json()

    assert xlsx.status_code == 200 and csv_body.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    headings = rows[2]  # under the title and the 填报单位 line
    assert headings[0] == "纠纷类型"
    assert "调解纠纷数（件）" in headings and "调解成功率（%）" in headings
    total = next(r for r in rows if r[0] == "合计")
    assert total[headings.index("调解纠纷数（件）")] == summary["accepted"]
    assert total[headings.index("调解成功数（件）")] == summary["succeeded"]
    assert total[headings.index("协议涉及金额（元）")] == float(summary["agreement_amount"])
    assert "合计" in csv_body.content.decode("utf-8-sig")
    assert "甲" not in csv_body.content.decode("utf-8-sig")  # no personal data


@pytest.mark.django_db
def test_breakdown_and_mechanisms_endpoints(client_for, district, november):
    client = client_for(district)
    body = client.get(
        "/api/v1/statistics/breakdown/?by=dispute_type&by=month&from=2026-11-01&to=2026-11-30"
    ).json()
    assert body["dimensions"] == ["dispute_type", "month"]
    assert sum(r["received"] for r in body["rows"]) == 5
    mechanisms = client.get("/api/v1/statistics/mechanisms/").json()["results"]
    assert [m["mechanism"] for m in mechanisms][:2] == ["court", "procuratorate"]
    assert Committee.objects.count() == 84


@pytest.mark.django_db
def test_the_follow_up_scan_refreshes_the_rollup(director_a, mediator_a, committee_a):
    from mediation.followups import followups_scan

    register(mediator_a, committee_a, received=timezone.localdate())
    assert StatDirty.objects.count() == 1

    followups_scan()

    assert StatDirty.objects.count() == 0
    assert MonthlyStat.objects.get(committee=committee_a).received == 1


@pytest.mark.django_db
def test_the_default_period_is_this_year_in_whole_months_from_the_rollup(client_for, district):
    body = client_for(district).get("/api/v1/statistics/summary/").json()
    assert body["computed_from"] == "rollup"


@pytest.mark.parametrize(
    "histogram, median",
    [
        ([], None),
        ([(7, 1)], 7.0),
        ([(3, 1), (10, 1)], 6.5),  # even: the mean of the two middle values
        ([(10, 2), (0, 1)], 10.0),  # unsorted input
        ([(1, 2), (2, 2)], 1.5),
        ([(1, 2), (2, 3)], 2.0),
        ([(0, 5), (30, 4)], 0.0),
    ],
)
def test_median_of_a_histogram(histogram, median):
    assert statistics.median_of(histogram) == median


@pytest.mark.django_db
def test_days_to_conclude_are_calendar_days_in_china(director_a, mediator_a, committee_a):
    """23:30 received, 00:30 the next day concluded: 1 day, although only an hour passed;
    and the district rows answer the same as the committee rows and the raw tables."""
    case = accept(
        director_a,
        mediator_a,
        register(mediator_a, committee_a, received=date(2026, 11, 2)),
        date(2026, 11, 2),
    )
    case = services.case_withdraw(actor=mediator_a, case=case, reason="撤回")
    Case.objects.filter(pk=case.pk).update(
        received_at=timezone.make_aware(datetime(2026, 11, 2, 23, 30)),
        concluded_at=timezone.make_aware(datetime(2026, 11, 3, 0, 30)),
    )
    statistics.rollup_rebuild()
    committee = statistics.Filter(frozenset({committee_a.id}))

    assert statistics.raw_durations(ALL, NOV) == [(1, 1)]
    assert statistics.rollup_durations(ALL, NOV) == [(1, 1)]
    assert statistics.rollup_durations(committee, NOV) == [(1, 1)]
    assert statistics.summary(committee, NOV)["median_days_to_conclude"] == 1.0
    assert statistics.summary(ALL, NOV_PARTIAL)["median_days_to_conclude"] == 1.0


@pytest.mark.django_db
def test_the_district_rows_follow_a_refresh_and_as_of_waits_for_them(
    director_a, mediator_a, committee_a, november
):
    """The district office's answer comes from the district rows: a change is in it only
    after the refresh, and until then as_of is the time of the change."""
    before = statistics.summary(ALL, NOV)
    register(mediator_a, committee_a, received=date(2026, 11, 20))
    statistics.mark_dirty(case=Case.objects.latest("id"))
    marked = StatDirty.objects.get().marked_at

    stale = statistics.summary(ALL, NOV)
    assert stale["received"] == before["received"]
    assert stale["as_of"] == marked

    statistics.rollup_refresh()
    fresh = statistics.summary(ALL, NOV)
    assert fresh["received"] == before["received"] + 1
    assert fresh["as_of"] > marked
    assert DistrictMonthlyStat.objects.filter(month=NOV.start).count() > 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "dims",
    [
        ["area"],
        ["committee", "quarter"],
        ["year", "source"],
        ["month", "dispute_type"],
        ["area", "dispute_type", "year"],
        ["quarter"],
    ],
)
def test_rollup_breakdowns_equal_the_raw_ones(november, director_town_a, town_a, committee_a, dims):
    """Every rollup dimension, over the district rows and the committee rows, against the
    raw tables (the reference) over the same whole months."""
    town = accept(
        director_town_a,
        director_town_a,
        register(director_town_a, town_a, received=date(2026, 10, 30), source="screening"),
        date(2026, 10, 31),
    )
    conclude(director_town_a, town, date(2026, 11, 3), outcome="failure", guidance="litigation")
    statistics.rollup_rebuild()
    period = statistics.Period(date(2026, 10, 1), date(2026, 12, 31))

    def normal(rows):
        cent = Decimal("0.01")
        return sorted(
            (
                tuple(str(row[d]) for d in dims),
                tuple(
                    str(Decimal(row[n]).quantize(cent) if "amount" in n else row[n])
                    for n in statistics.ADDITIVE
                ),
            )
            for row in rows
        )

    for scope in (ALL, statistics.Filter(frozenset({committee_a.id, town_a.id}))):
        raw = statistics.raw_breakdown(scope, period, dims)
        rollup = statistics.rollup_breakdown(scope, period, dims)
        assert normal(rollup) == normal(raw)
        assert raw  # something to compare


@pytest.mark.django_db
def test_a_case_concluded_before_it_was_received_does_not_stop_the_refresh(
    director_a, mediator_a, committee_a
):
    """Bad (imported) dates: the duration is negative; the rollup keeps it as the raw
    path counts it instead of failing the refresh for the whole backlog."""
    case = accept(
        director_a,
        mediator_a,
        register(mediator_a, committee_a, received=date(2026, 11, 10)),
        date(2026, 11, 10),
    )
    conclude(mediator_a, case, date(2026, 11, 8), outcome="failure", guidance="litigation")

    statistics.rollup_refresh()

    assert not StatDirty.objects.exists() and not DistrictStatDirty.objects.exists()
    assert statistics.rollup_durations(ALL, NOV) == statistics.raw_durations(ALL, NOV) == [(-2, 1)]
    assert statistics.summary(ALL, NOV)["median_days_to_conclude"] == -2.0


@pytest.mark.django_db
def test_a_refresh_with_a_time_budget_stops_taking_cells_and_the_next_one_goes_on(
    mediator_a, committee_a
):
    for day in (date(2026, 9, 5), date(2026, 10, 5), date(2026, 11, 5)):
        register(mediator_a, committee_a, received=day)
    StatDirty.objects.all().delete()
    for month in (date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)):
        StatDirty.objects.create(committee=committee_a, month=month)

    assert statistics.rollup_refresh(seconds=0) == 1  # the budget is spent after one
    assert StatDirty.objects.count() == 2
    assert statistics.rollup_refresh() == 2
    assert not StatDirty.objects.exists() and not DistrictStatDirty.objects.exists()
    autumn = statistics.Period(date(2026, 9, 1), date(2026, 11, 30))
    assert statistics.summary(ALL, autumn)["received"] == 3
