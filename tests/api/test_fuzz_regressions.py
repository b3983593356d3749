"""Regressions found by the schema fuzzing (tests/api/test_schemathesis.py).

Each test is the smallest plain request that reproduced a server error, or a response that
contradicts the published schema, together with the same input on the sibling endpoints
that share the code at fault. They fail until the application is fixed.

Some crash only on one database: SQLite (the development database, and the test database
without DATABASE_URL) refuses integers beyond 64 bits and datetimes outside years 1-9999
in UTC; PostgreSQL refuses time zone offsets beyond 15:59. Each test says which.
"""

import re

import pytest

from committees.models import Mediator
from mediation import services
from mediation.models import Case, CaseEvent, ScreeningReport
from tests.builders import make_case

pytestmark = pytest.mark.django_db

# --- integers beyond 64 bits reach the database (SQLite: OverflowError -> 500) -------------
#
# SQLite (the development database, and the test database without DATABASE_URL) refuses a
# Python int that does not fit in 64 bits; PostgreSQL compares it as numeric. Validation
# must bound the value (or the lookup must not reach the database) on every backend.

HUGE = 306353756100941572300865536  # > 2**63


def mediator_id(user) -> int:
    return Mediator.objects.get(user=user).id


def test_accept_with_a_mediator_id_beyond_64_bits_is_400(
    client_for, director_a, mediator_a, committee_a
):
    # given a registered case
    case = make_case(mediator_a, committee_a)
    events = CaseEvent.objects.filter(case=case).count()

    # when the director accepts it naming a mediator id no row can have
    response = client_for(director_a).post(
        f"/api/v1/cases/{case.id}/accept/", {"mediators": [HUGE]}, format="json"
    )

    # then it is refused as input, and nothing changed
    assert response.status_code == 400, response.content
    assert response.json()["code"]
    assert Case.objects.get(pk=case.pk).status == "registered"
    assert CaseEvent.objects.filter(case=case).count() == events


def test_assign_with_a_mediator_id_beyond_64_bits_is_400(
    client_for, director_a, mediator_a, committee_a
):
    # given a case in mediation with mediator_a
    case = make_case(mediator_a, committee_a)
    services.case_accept(actor=director_a, case=case, mediator_ids=[mediator_id(mediator_a)])
    events = CaseEvent.objects.filter(case=case).count()

    # when the director reassigns it to a mediator id no row can have
    response = client_for(director_a).post(
        f"/api/v1/cases/{case.id}/assign/",
        {"mediators": [mediator_id(mediator_a), HUGE], "party_objection": False},
        format="json",
    )

    # then it is refused as input, and nothing changed
    assert response.status_code == 400, response.content
    assert response.json()["code"]
    assert list(Case.objects.get(pk=case.pk).mediators.values_list("id", flat=True)) == [
        mediator_id(mediator_a)
    ]
    assert CaseEvent.objects.filter(case=case).count() == events


@pytest.mark.parametrize(
    "path, extra",
    [
        ("/api/v1/statistics/summary/", {}),
        ("/api/v1/statistics/breakdown/", {"by": "status"}),
        ("/api/v1/statistics/mechanisms/", {}),
        ("/api/v1/statistics/export/", {"format": "csv"}),
    ],
)
def test_statistics_with_an_area_beyond_64_bits_is_not_a_server_error(
    client_for, district, path, extra
):
    # when the district office asks for statistics of an area no row can have
    response = client_for(district).get(path, {"area": HUGE, **extra})

    # then the area is unknown (404, as for any other unknown area) or refused (400)
    assert response.status_code in (400, 404), response.content
    assert response.json()["code"]


@pytest.mark.parametrize("committee", [str(HUGE), "1e30", "-5.9371059986657405e+81"])
def test_case_list_with_a_committee_filter_beyond_64_bits_is_not_a_server_error(
    client_for, director_a, committee_a, committee
):
    # given a case of committee A
    make_case(director_a, committee_a)

    # when the list is filtered by a committee no id can have
    response = client_for(director_a).get("/api/v1/cases/", {"committee": committee})

    # then the answer is an empty page or a 400, not a crash
    assert response.status_code in (200, 400), response.content
    if response.status_code == 200:
        assert response.json()["results"] == []
    else:
        assert response.json()["code"]


@pytest.mark.parametrize("committee", [str(HUGE), "1e30", "-5.9371059986657405e+81"])
def test_case_events_with_a_committee_filter_beyond_64_bits_is_not_a_server_error(
    client_for, director_a, committee_a, committee
):
    # given a case of committee A with its registration event
    case = make_case(director_a, committee_a)

    # when its events are asked for with a committee filter no id can have (list filters
    # no longer apply to a case addressed by id)
    response = client_for(director_a).get(
        f"/api/v1/cases/{case.id}/events/", {"committee": committee}
    )

    # then it is an answer, not a crash: the case's history
    assert response.status_code == 200, response.content
    assert [e["kind"] for e in response.json()["results"]] == ["registered"]


# --- dates at the ends of the calendar ------------------------------------------------------
#
# A date filter is turned into the start of the next day (date + 1 day) or into an aware
# datetime; at 9999-12-31 the former overflows on every backend, and at 0001-01-01 the
# latter overflows on SQLite, which stores datetimes in UTC (0001-01-01 00:00 +08:00 is
# in year 0). Either is an answer (an empty result, or a 400), never a crash.


def assert_answered(response) -> None:
    assert response.status_code in (200, 400), response.content
    if response.status_code == 400:
        assert response.json()["code"]


@pytest.mark.parametrize(
    "path, extra",
    [
        ("/api/v1/statistics/summary/", {}),
        ("/api/v1/statistics/breakdown/", {"by": "month"}),
        ("/api/v1/statistics/mechanisms/", {}),
        ("/api/v1/statistics/export/", {"format": "csv"}),
    ],
)
@pytest.mark.parametrize(
    "period",
    [{"to": "9999-12-31"}, {"from": "0001-01-01"}, {"from": "0001-01-01", "to": "9999-12-31"}],
    ids=["to-9999-12-31", "from-0001-01-01", "whole-calendar"],
)
def test_statistics_over_the_whole_calendar_is_not_a_server_error(
    client_for, district, path, extra, period
):
    # when the district office asks for statistics up to the last day a date can have
    response = client_for(district).get(path, {**period, **extra})

    # then it is an answer (statistics.Period.before / is_whole_months add a day to `to`)
    assert_answered(response)


@pytest.mark.parametrize(
    "received", [{"received_before": "9999-12-31"}, {"received_after": "0001-01-01"}]
)
def test_case_list_received_filters_at_the_ends_of_the_calendar_are_not_a_server_error(
    client_for, director_a, committee_a, received
):
    # given a case of committee A, received today
    case = make_case(director_a, committee_a)

    # when the list is filtered by a received date at the end of the calendar
    response = client_for(director_a).get("/api/v1/cases/", received)

    # then the case is in the answer (both bounds include today), or the filter is refused
    assert_answered(response)
    if response.status_code == 200:
        assert [row["id"] for row in response.json()["results"]] == [case.id]


@pytest.mark.parametrize(
    "received", [{"received_before": "9999-12-31"}, {"received_after": "0001-01-01"}]
)
def test_case_events_received_filters_at_the_ends_of_the_calendar_are_not_a_server_error(
    client_for, director_a, committee_a, received
):
    # given a case of committee A, received today, with its registration event
    case = make_case(director_a, committee_a)

    # when its events are asked for with a received date at the end of the calendar (the
    # list's filters apply to this action's case lookup too)
    response = client_for(director_a).get(f"/api/v1/cases/{case.id}/events/", received)

    # then the case's events are the answer (both bounds include today), or a 400
    assert_answered(response)
    if response.status_code == 200:
        assert [row["kind"] for row in response.json()["results"]] == ["registered"]


@pytest.mark.parametrize(
    "due_before",
    [
        "2026-01-01T00:00:00+17:46",  # PostgreSQL: time zone displacement out of range
        "0001-01-01T00:00:00",  # SQLite: year 0 in UTC
        "9999-12-31T23:59:59-08:00",  # SQLite: year 10000 in UTC
    ],
)
def test_follow_up_list_due_before_any_iso_datetime_is_not_a_server_error(
    client_for, director_a, mediator_a, committee_a, due_before
):
    # given a case in mediation (it has scheduled follow-ups)
    case = make_case(mediator_a, committee_a)
    services.case_accept(actor=director_a, case=case, mediator_ids=[mediator_id(mediator_a)])

    # when the follow-ups are filtered by a valid ISO 8601 datetime the database cannot take
    response = client_for(director_a).get("/api/v1/follow-ups/", {"due_before": due_before})

    # then it is an answer, not a crash
    assert_answered(response)


# --- a screening report period the response schema forbids ---------------------------------


def test_screening_report_period_with_a_leading_zero_year_is_rejected_or_kept_in_format(
    client_for, director_a, committee_a
):
    # when a director files a report for "0892-12" (matches the request pattern)
    response = client_for(director_a).post(
        "/api/v1/screening-reports/",
        {"committee": committee_a.id, "period": "0892-12", "disputes_found": 1},
        format="json",
    )

    # then either it is refused, or the period answered matches the schema's own pattern
    # (^\d{4}-(0[1-9]|1[0-2])$); "892-12" does not
    if response.status_code == 400:
        assert response.json()["code"] == "invalid_period"
        assert ScreeningReport.objects.filter(committee=committee_a).count() == 0
        return
    assert response.status_code == 201, response.content
    assert re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", response.json()["period"]), response.json()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/statistics/export/?format=csv",
        "/api/v1/statistics/breakdown/?by=dispute_type",
        "/api/v1/statistics/summary/?",
    ],
)
def test_statistics_for_a_committee_outside_the_area_asked_for_are_empty_not_an_error(
    client_for, district, committee_a, committee_b, path
):
    """Both databases: committee A and B's area are each in scope, their intersection is
    empty; the rollup breakdown compiled an empty IN () and raised EmptyResultSet (500)."""
    area = committee_b.judicial_office.area_id
    assert committee_a.judicial_office.area_id != area

    response = client_for(district).get(f"{path}&committee={committee_a.id}&area={area}")

    assert response.status_code == 200
    if "breakdown" in path:
        assert response.json()["rows"] == []
    if "summary" in path:
        assert response.json()["received"] == 0
