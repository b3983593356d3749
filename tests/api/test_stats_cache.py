"""The statistics answer cache (api/stats_cache.py): shared by callers with the same
scope, never across scopes, bounded in time, and out of the way when the cache is down."""

from unittest import mock

import pytest
from django.core.cache import cache

from mediation import statistics
from tests.builders import PLAIN_PARTIES, make_case

SUMMARY = "/api/v1/statistics/summary/"


@pytest.fixture
def cached(settings):
    settings.STATISTICS_CACHE_SECONDS = 10
    cache.clear()
    yield
    cache.clear()


def register(mediator, committee):
    make_case(mediator, committee, parties=PLAIN_PARTIES, title="纠纷")
    statistics.rollup_refresh()


@pytest.mark.django_db
def test_a_repeated_question_is_answered_from_the_cache_until_it_expires(
    cached, settings, client_for, district, mediator_a, committee_a
):
    client = client_for(district)
    first = client.get(SUMMARY).json()

    register(mediator_a, committee_a)  # a new case, in the rollup already
    assert client.get(SUMMARY).json() == first  # the cached answer, with its own as_of

    cache.clear()  # as when the 10 s have passed
    fresh = client.get(SUMMARY).json()
    assert fresh["received"] == first["received"] + 1
    assert fresh["as_of"] > first["as_of"]


@pytest.mark.django_db
def test_answers_are_not_shared_across_scopes(
    cached, client_for, district, office_a, director_a, outsider, mediator_a, committee_a
):
    register(mediator_a, committee_a)
    assert client_for(district).get(SUMMARY).json()["received"] == 1
    # the same question from narrower scopes: their own numbers, not the district's
    assert client_for(office_a).get(SUMMARY).json()["received"] == 1
    assert client_for(outsider).get(SUMMARY).json()["received"] == 0
    breakdown = "/api/v1/statistics/breakdown/?by=committee"
    rows = client_for(district).get(breakdown).json()["rows"]
    assert [row["committee"] for row in rows] == [committee_a.id]
    by_type = client_for(district).get("/api/v1/statistics/breakdown/?by=dispute_type").json()
    assert [row["dispute_type"] for row in by_type["rows"]] == ["neighbourhood"]


@pytest.mark.django_db
def test_statistics_answer_when_the_cache_is_down(cached, client_for, district):
    with (
        mock.patch.object(cache, "get", side_effect=ConnectionError("cache down")),
        mock.patch.object(cache, "set", side_effect=ConnectionError("cache down")),
    ):
        response = client_for(district).get(SUMMARY)
    assert response.status_code == 200
    assert response.json()["computed_from"] == "rollup"
