"""Pinned statement counts of the two heaviest pages (issue 17 item 9: every page renders in
≤ 200 ms at 1 M cases, bench/pages_bench.py): the dashboard and the director inbox read a
fixed number of statements, whatever the number of cases, committees or rows shown — a
statement added per row, per chart or per committee fails here. And the mediator's list
counts its cases only as far as its pager needs."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mediation.models import Case
from tests.builders import make_case, referral_in, request_transfer
from tests.web.web2_world import client_of
from web.views import director, mediator

pytestmark = pytest.mark.django_db

# session, user, scope; the summary (rollup sums, durations, transfers, overdue,
# satisfaction, freshness); four breakdowns (month, dispute type, committee, source: rows
# and freshness each, committee names); the by-area chart from the committees' rows (their
# areas, the areas' names); overdue by committee; mechanisms; the filters' choices.
DASHBOARD_STATEMENTS = 29
# session, user, scope, the committee, its mediators; to accept and mediating: rows,
# parties, mediators, recused, count (5 each); the overdue come from the mediating rows
# (one count more when every row shown is overdue); transfers, referrals (+ parties), open
# referrals; the screening report; the unread notifications.
INBOX_STATEMENTS = 21


def statements(client, url) -> int:
    client.get(url)  # the session and the content types are warm
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_dashboard_reads_a_pinned_number_of_statements(
    district, mediator_a, committee_a, committee_b, outsider
):
    for _ in range(3):
        make_case(mediator_a, committee_a)
        make_case(outsider, committee_b, dispute_type="contract")

    assert statements(client_of(district), reverse("web:dashboard")) == DASHBOARD_STATEMENTS


def test_the_director_inbox_reads_a_pinned_number_of_statements(
    director_a, mediator_a, committee_a, outsider, committee_b, court_liaison
):
    for _ in range(3):
        make_case(mediator_a, committee_a)
        make_case(mediator_a, committee_a, status="mediating", director=director_a)
        request_transfer(outsider, make_case(outsider, committee_b), committee_a)
        referral_in(court_liaison, "court", committee_a)

    assert statements(client_of(director_a), reverse("web:director_inbox")) == INBOX_STATEMENTS


def test_the_case_list_counts_only_as_far_as_its_pager_needs(
    web_client, mediator_a, committee_a, monkeypatch
):
    monkeypatch.setattr(mediator, "PAGE_SIZE", 1)
    monkeypatch.setattr(mediator.CountingPaginator, "COUNT_AT_LEAST", 2)
    monkeypatch.setattr(mediator.CountingPaginator, "COUNT_AHEAD", 0)
    titles = [f"纠纷{n}" for n in range(5)]
    for title in titles:
        make_case(mediator_a, committee_a, title=title)
    client = web_client(mediator_a)

    def page(number):
        return client.get("/cases/", {"view": "all", "page": number}).content.decode()

    first = page(1)
    assert "第1/3+页" in first and "page=2" in first  # counted 3 of 5, stopped
    third = page(3)
    assert "第3/4+页" in third and "page=4" in third  # reachable: counted past the page
    last = page(5)
    assert "第5/5页" in last and "page=6" not in last  # the count reached the end
    shown = [t for t in titles if t in page(1) + page(2) + page(3) + page(4) + last]
    assert sorted(shown) == titles  # every case on some page


@pytest.mark.parametrize("limit", [2, 5])
def test_the_inbox_counts_every_overdue_case_beyond_the_rows_it_shows(
    director_a, mediator_a, committee_a, monkeypatch, limit
):
    monkeypatch.setattr(director, "INBOX_LIMIT", limit)
    today = timezone.localdate()
    for days in (-9, -5, -2, 3):  # three overdue, one due in three days
        case = make_case(mediator_a, committee_a, status="mediating", director=director_a)
        Case.objects.filter(pk=case.pk).update(due_on=today + timedelta(days))

    context = director.inbox_context(director_a, committee_a)

    assert context["overdue_count"] == 3
    assert [c.due_on for c in context["overdue"]] == [today + timedelta(d) for d in (-9, -5, -2)][
        :limit
    ]
    assert context["mediating_count"] == 4
