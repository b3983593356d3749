"""The roster (issue 15 item 15; 人民调解法 arts 8–9, 14): gender, ethnicity and term of
office through `PATCH /mediators/{id}/`, training records, the composition warnings, and
the statistics footer's mediators by gender and full-time.

Date-sensitive only through `timezone.localdate()` (training dates relative to today)."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.utils import timezone

from committees.models import Committee, Mediator, Training
from mediation import statistics
from mediation.statistics.ministry import ministry_table
from tests.builders import membership
from tests.factories import MediatorFactory

pytestmark = pytest.mark.django_db

MEDIATORS = "/api/v1/mediators/"
WARNINGS = "/api/v1/committees/composition-warnings/"


FOOTER = ("mediators", "full_time_mediators", "female_mediators", "male_mediators")
FOOTER += ("gender_unknown_mediators",)


def picked(data: dict, *names: str) -> dict:
    names = names or ("gender", "ethnicity", "term_start", "term_end")
    return {name: data.get(name) for name in names}


def roster_of(user, committee) -> Mediator:
    return membership(user, committee)


def seat(committee, role=Mediator.Role.MEMBER, **fields) -> Mediator:
    """A committee member (委员) without a login."""
    return MediatorFactory(committee=committee, role=role, user=None, **fields)


# --- gender, ethnicity, term (arts 8-9) ------------------------------------------------------


def test_the_judicial_office_sets_gender_ethnicity_and_a_three_year_term(
    client_for, office_a, mediator_a, committee_a
):
    """Arts 8-9: a member's gender and ethnicity are on the roster and a term lasts three
    years; a start without an end gets the full term (2026-01-05 → 2029-01-04)."""
    row = roster_of(mediator_a, committee_a)

    response = client_for(office_a).patch(
        f"{MEDIATORS}{row.pk}/",
        {"gender": "female", "ethnicity": "回族", "term_start": "2026-01-05"},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert picked(response.json()) == {
        "gender": "female",
        "ethnicity": "回族",
        "term_start": "2026-01-05",
        "term_end": "2029-01-04",
    }
    row.refresh_from_db()
    assert (row.gender, row.ethnicity, row.term_end) == ("female", "回族", date(2029, 1, 4))


def test_a_term_longer_than_three_years_or_ending_before_it_starts_is_refused(
    client_for, district, mediator_a, committee_a
):
    """Art 9: 委员每届任期三年. Nothing is written when refused."""
    row = roster_of(mediator_a, committee_a)
    client = client_for(district)
    cases = [
        ({"term_start": "2026-01-05", "term_end": "2029-01-05"}, "term_too_long"),
        ({"term_start": "2026-01-05", "term_end": "2026-01-05"}, "invalid_term"),
        ({"ethnicity": "火星族"}, "invalid_ethnicity"),
        ({"gender": "other"}, "invalid_choice"),
        ({"term_start": "1900-01-01"}, "date_out_of_range"),
        ({}, "empty_update"),
    ]
    for body, code in cases:
        response = client.patch(f"{MEDIATORS}{row.pk}/", body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert response.json()["code"] == code, (body, response.json())
    # an end set earlier and a new start that makes the term too long: checked together
    client.patch(f"{MEDIATORS}{row.pk}/", {"term_start": "2026-01-05"}, format="json")
    response = client.patch(f"{MEDIATORS}{row.pk}/", {"term_end": "2030-01-01"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "term_too_long"
    row.refresh_from_db()
    assert (row.ethnicity, row.gender, row.term_end) == ("", "", date(2029, 1, 4))


def test_only_the_supervising_office_and_the_district_edit_the_roster(
    client_for, director_a, mediator_a, office_b, committee_a
):
    """Art 14 puts the roster with the judicial administration: the committee's own
    director and another area's judicial office are refused (403), nothing written."""
    row = roster_of(mediator_a, committee_a)
    for user in (director_a, mediator_a, office_b):
        response = client_for(user).patch(
            f"{MEDIATORS}{row.pk}/", {"gender": "male"}, format="json"
        )
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
    row.refresh_from_db()
    assert row.gender == ""


def test_roster_details_show_only_to_who_sees_the_committee(
    client_for, office_a, outsider, mediator_a, committee_a
):
    row = roster_of(mediator_a, committee_a)
    client_for(office_a).patch(f"{MEDIATORS}{row.pk}/", {"ethnicity": "回族"}, format="json")

    own = client_for(mediator_a).get(f"{MEDIATORS}{row.pk}/").json()
    other = client_for(outsider).get(f"{MEDIATORS}{row.pk}/").json()

    assert own["ethnicity"] == "回族"
    assert "ethnicity" not in other and other["name"] == row.name


# --- trainings (art 14) ------------------------------------------------------------------------


def test_trainings_are_recorded_by_the_office_and_read_by_the_committee(
    client_for, office_a, mediator_a, outsider, committee_a
):
    """Art 14: the judicial administration trains mediators; the record (date, hours,
    topic, certificate) is kept on the roster."""
    row = roster_of(mediator_a, committee_a)
    on = timezone.localdate() - timedelta(days=10)
    url = f"{MEDIATORS}{row.pk}/trainings/"

    created = client_for(office_a).post(
        url,
        {"on": str(on), "hours": "6.5", "topic": "人民调解法", "certificate": "NX-01"},
        format="json",
    )
    listed = client_for(mediator_a).get(url)

    assert created.status_code == 201, created.content
    assert picked(created.json(), "on", "hours", "certificate") == {
        "on": str(on),
        "hours": "6.5",
        "certificate": "NX-01",
    }
    assert [t["topic"] for t in listed.json()["results"]] == ["人民调解法"]
    assert client_for(outsider).get(url).status_code == 403
    refused = client_for(mediator_a).post(
        url, {"on": str(on), "hours": "1", "topic": "自学"}, format="json"
    )
    assert refused.status_code == 403
    future = client_for(office_a).post(
        url,
        {"on": str(timezone.localdate() + timedelta(days=1)), "hours": "1", "topic": "x"},
        format="json",
    )
    assert future.status_code == 400 and future.json()["code"] == "date_out_of_range"
    assert Training.objects.count() == 1


# --- composition warnings (art 8) ---------------------------------------------------------------


def codes_of(response, committee) -> set[str]:
    assert response.status_code == 200, response.content
    return {w["code"] for w in response.json() if w["committee"] == committee.pk}


def test_composition_warnings_follow_article_8(
    client_for, settings, director_a, mediator_a, committee_a
):
    """Art 8: three to nine members, a woman among them, and in a multi-ethnic area
    (Ningxia) a member of a smaller ethnic group. Mediators who are not members (调解员)
    do not count."""
    client = client_for(mediator_a)

    # the director only (mediator_a is a 调解员, not a 委员)
    assert codes_of(client.get(WARNINGS), committee_a) == {
        "too_few_members",
        "no_woman_member",
        "no_minority_member",
    }
    # three members, one of them a Hui woman
    seat(committee_a, gender="female", ethnicity="回族")
    seat(committee_a, gender="male", ethnicity="汉族")
    assert codes_of(client.get(WARNINGS), committee_a) == set()
    # ten members
    for _ in range(7):
        seat(committee_a, role=Mediator.Role.DEPUTY_DIRECTOR if _ == 0 else "member")
    assert codes_of(client.get(WARNINGS), committee_a) == {"too_many_members"}
    # an inactive member does not sit: nine left, none a woman or of a smaller group
    Mediator.objects.filter(committee=committee_a, ethnicity="回族").update(is_active=False)
    assert codes_of(client.get(WARNINGS), committee_a) == {"no_woman_member", "no_minority_member"}
    # a district that is not multi-ethnic is not asked for a minority member
    settings.TIAOJIE_MULTI_ETHNIC = False
    assert codes_of(client.get(WARNINGS), committee_a) == {"no_woman_member"}


def test_composition_warnings_cover_the_callers_committees_only(
    client_for, mediator_a, district, committee_a, committee_b, petition_liaison
):
    mine = client_for(mediator_a).get(WARNINGS).json()
    everyone = client_for(district).get(WARNINGS).json()

    assert {w["committee"] for w in mine} == {committee_a.pk}
    active = Committee.objects.filter(is_active=True).count()
    assert len({w["committee"] for w in everyone}) == active  # nobody has a roster yet
    assert client_for(petition_liaison).get(WARNINGS).json() == []


# --- the statistics footer ------------------------------------------------------------------------


def test_the_statistics_footer_counts_mediators_by_gender_and_full_time(
    client_for, district, committee_a
):
    """Issue 15 item 15: the footer counts mediators by gender and full-time."""
    seat(committee_a, gender="female", is_full_time=True)
    seat(committee_a, gender="female")
    seat(committee_a, gender="male", is_full_time=True)
    seat(committee_a)
    scope = statistics.Filter(frozenset({committee_a.pk}))
    period = statistics.Period(date(2026, 1, 1), date(2026, 1, 31))

    footer = ministry_table(scope, period)["footer"]

    assert picked(footer, *FOOTER) == {
        "mediators": 4,
        "full_time_mediators": 2,
        "female_mediators": 2,
        "male_mediators": 1,
        "gender_unknown_mediators": 1,
    }
    export = client_for(district).get(
        "/api/v1/statistics/export/",
        {"committee": committee_a.pk, "from": "2026-01-01", "to": "2026-01-31", "format": "csv"},
    )
    lines = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert ["其中：女性（人）", "2"] in lines
    assert ["其中：男性（人）", "1"] in lines
