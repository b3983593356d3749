"""The statistics endpoints with issue 15's definitions (items 7 and 11): the summary's
success rate over disputes mediated and `mediated_people`, and `by=risk_flag` with the
names beside the codes.

Date-sensitive: travels to November 2026."""

from datetime import date

import pytest

from mediation import services, statistics
from tests.builders import at, make_case

pytestmark = pytest.mark.django_db

NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}


def test_breakdown_by_risk_flag_area_and_month_over_the_api(
    time_machine, client_for, district, director_a, mediator_a, committee_a
):
    """Issue 15 item 11 (art 25, 研判): `by=risk_flag` with area and month; rows carry
    `risk_flag_label` and `area_name` beside the codes."""
    time_machine.move_to(at(date(2026, 11, 20)), tick=True)
    make_case(mediator_a, committee_a, risk_flags=["criminal_risk", "suicide_risk"])
    make_case(mediator_a, committee_a, risk_flags=["suicide_risk"])

    response = client_for(district).get(
        "/api/v1/statistics/breakdown/",
        {**NOVEMBER, "by": ["area", "risk_flag", "month"]},
    )

    assert response.status_code == 200, response.content
    rows = {row["risk_flag"]: row for row in response.json()["rows"]}
    assert {flag: row["received"] for flag, row in rows.items()} == {
        "criminal_risk": 1,
        "suicide_risk": 2,
    }
    assert rows["suicide_risk"]["risk_flag_label"] == "自杀风险"
    assert rows["suicide_risk"]["area_name"] and rows["suicide_risk"]["month"] == "2026-11"


def test_summary_divides_successes_by_disputes_mediated(
    time_machine, client_for, district, director_a, mediator_a, committee_a
):
    """Issue 15 item 7: 2 accepted, 1 succeeded → 0.5 (it showed 1.0, ÷ concluded);
    涉及当事人 counts both mediated disputes' people."""
    time_machine.move_to(at(date(2026, 11, 20)), tick=True)
    for people in (3, 4):
        case = make_case(
            mediator_a,
            committee_a,
            status="mediating",
            director=director_a,
            people_involved=people,
        )
    services.case_conclude(
        actor=mediator_a,
        case=case,
        outcome="success",
        agreement={"form": "written", "terms": "赔偿"},
    )
    # The district's days outside whole months come from its rows by day, which the
    # follow-up scan's refresh keeps (as_of says when); a committee's come from the cases.
    statistics.rollup_refresh()

    for user in (district, director_a):
        summary = (
            client_for(user)
            .get("/api/v1/statistics/summary/", {"from": "2026-11-01", "to": "2026-11-25"})
            .json()
        )

        assert (summary["accepted"], summary["succeeded"]) == (2, 1)
        assert summary["success_rate"] == 0.5
        assert summary["mediated_people"] == 7
