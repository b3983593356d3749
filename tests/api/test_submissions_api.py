"""Reported months are frozen (issue 15 item 16): the district office submits a month's
Ministry table; the export of a submitted month is the file as submitted, byte for byte,
after later edits; later changes show as `corrections` against it.

Date-sensitive: travels to November and December 2026."""

from datetime import date

import pytest

from mediation import services, statistics
from mediation.models import Case, StatisticsSubmission
from tests.builders import at, make_case
from tests.factories import MediatorFactory

pytestmark = pytest.mark.django_db

SUBMISSIONS = "/api/v1/statistics/submissions/"
EXPORT = "/api/v1/statistics/export/"
NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}


@pytest.fixture
def november(time_machine, committee_a, director_a, mediator_a):
    """Committee A in November 2026: one dispute mediated and settled, one still in
    mediation (2 people each); then the clock stands on 2 December."""
    time_machine.move_to(at(date(2026, 11, 10)), tick=True)
    open_case = make_case(
        mediator_a, committee_a, status="mediating", director=director_a, people_involved=2
    )
    settled = make_case(
        mediator_a, committee_a, status="mediating", director=director_a, people_involved=2
    )
    time_machine.move_to(at(date(2026, 11, 12)), tick=True)
    services.case_conclude(
        actor=mediator_a,
        case=Case.objects.get(pk=settled.pk),
        outcome="success",
        agreement={"form": "written", "terms": "赔偿", "amount": "800.00"},
    )
    time_machine.move_to(at(date(2026, 12, 2)), tick=True)
    return open_case


def export(client, kind: str, **params):
    return client.get(EXPORT, {**NOVEMBER, "format": kind, **params})


def total_row(table: dict) -> dict:
    return next(row for row in table["rows"] if row["code"] == "total")


def test_a_submitted_month_exports_as_submitted_after_later_edits(
    november, client_for, district, mediator_a, committee_a
):
    """Issue 15 item 16: the figures are stored as submitted; an export of the submitted
    month stays byte-identical after a later change, which shows as a correction."""
    client = client_for(district)

    # when the district office submits November
    response = client.post(SUBMISSIONS, {"period": "2026-11"}, format="json")

    # then the table is frozen with its files
    assert response.status_code == 201, response.content
    submitted = response.json()
    total = total_row(submitted["table"])
    assert (total["accepted"], total["succeeded"], total["mediated_people"]) == (2, 1, 4)
    assert total["success_rate_percent"] == 50.0
    stored = StatisticsSubmission.objects.get(pk=submitted["id"])
    csv_then, xlsx_then = export(client, "csv"), export(client, "xlsx")
    assert csv_then.content == bytes(stored.csv) and xlsx_then.content == bytes(stored.xlsx)
    assert csv_then["X-Submitted-At"]

    # when a November figure changes in December (the open case had 7 people, not 2), the
    # month's screening report comes late, and the roster changes (not a figure of the month)
    services.case_update(actor=mediator_a, case=Case.objects.get(pk=november.pk), people_involved=7)
    services.screening_report_file(
        actor=mediator_a, committee=committee_a, period="2026-11", disputes_found=3
    )
    MediatorFactory(committee=committee_a, user=None, gender="female")
    statistics.rollup_refresh()

    # then the export is the submitted file, byte for byte, and the change a correction
    assert export(client, "csv").content == csv_then.content
    assert export(client, "xlsx").content == xlsx_then.content
    detail = client.get(f"{SUBMISSIONS}{submitted['id']}/").json()
    changed = {
        (c["row"], c["column"]): (c["submitted"], c["current"]) for c in detail["corrections"]
    }
    assert changed == {
        ("neighbourhood", "mediated_people"): (4, 9),
        ("total", "mediated_people"): (4, 9),
        ("footer", "screening_rounds"): (0, 1),
        ("footer", "screening_disputes_found"): (0, 3),
    }
    # the live figures say so too
    live = client.get("/api/v1/statistics/summary/", NOVEMBER).json()
    assert live["mediated_people"] == 9


def test_a_month_is_submitted_once_and_only_after_it_ended(november, client_for, district):
    client = client_for(district)
    assert client.post(SUBMISSIONS, {"period": "2026-11"}, format="json").status_code == 201

    again = client.post(SUBMISSIONS, {"period": "2026-11"}, format="json")
    running = client.post(SUBMISSIONS, {"period": "2026-12"}, format="json")
    malformed = client.post(SUBMISSIONS, {"period": "2026-13"}, format="json")
    nowhere = client.post(SUBMISSIONS, {"period": "2026-10", "area": 999999}, format="json")

    assert (again.status_code, again.json()["code"]) == (409, "already_submitted")
    assert (running.status_code, running.json()["code"]) == (400, "period_not_ended")
    assert malformed.status_code == 400
    assert nowhere.status_code == 404
    assert StatisticsSubmission.objects.count() == 1
    assert [s["period"] for s in client.get(SUBMISSIONS).json()["results"]] == ["2026-11"]


def test_only_the_submitted_scope_and_month_get_the_frozen_file(
    november, client_for, district, committee_a
):
    """An area's submission answers the export of that area; the district's table, a
    committee's export, another month and a partial month stay live."""
    client = client_for(district)
    area = committee_a.judicial_office.area_id
    client.post(SUBMISSIONS, {"period": "2026-11", "area": area}, format="json")

    frozen = export(client, "csv", area=area)
    district_wide = export(client, "csv")
    one_committee = export(client, "csv", committee=committee_a.pk)
    part = client.get(EXPORT, {"from": "2026-11-01", "to": "2026-11-29", "format": "csv"})

    assert frozen.status_code == 200 and "X-Submitted-At" in frozen
    submission = StatisticsSubmission.objects.get()
    assert frozen.content == bytes(submission.csv)
    assert submission.area_id == area and submission.unit
    for live in (district_wide, one_committee, part):
        assert live.status_code == 200 and "X-Submitted-At" not in live


def test_submitting_is_for_the_district_office(
    november, client_for, office_a, director_a, court_liaison
):
    for user in (office_a, director_a, court_liaison):
        response = client_for(user).post(SUBMISSIONS, {"period": "2026-11"}, format="json")
        assert response.status_code == 403
    assert not StatisticsSubmission.objects.exists()
