"""The pages' queries do not grow with the rows they show (no query per case, transfer or
referral): each page is read once with a few rows and again with more."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.builders import make_case, refer_out, referral_in, request_transfer
from tests.web.web2_world import client_of

pytestmark = pytest.mark.django_db


def queries(client, url) -> int:
    client.get(url)  # warm the session and the content types
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_director_inbox(
    director_a, mediator_a, committee_a, outsider, committee_b, court_liaison
):
    client = client_of(director_a)
    url = reverse("web:director_inbox")

    def add():
        make_case(mediator_a, committee_a)
        make_case(mediator_a, committee_a, status="mediating", director=director_a)
        request_transfer(outsider, make_case(outsider, committee_b), committee_a)
        referral_in(court_liaison, "court", committee_a)

    add()
    few = queries(client, url)
    for _ in range(3):
        add()

    assert queries(client, url) == few


def test_the_dashboard_and_its_drill_down(district, mediator_a, committee_a, committee_b, outsider):
    client = client_of(district)
    make_case(mediator_a, committee_a)
    few = queries(client, reverse("web:dashboard")), queries(client, reverse("web:dashboard_cases"))
    for _ in range(3):
        make_case(mediator_a, committee_a, dispute_type="contract")
        make_case(outsider, committee_b)

    assert (
        queries(client, reverse("web:dashboard")),
        queries(client, reverse("web:dashboard_cases")),
    ) == few


def test_the_liaison_pages(admin_liaison, mediator_a, director_a, committee_a):
    client = client_of(admin_liaison)

    def add():
        return refer_out(
            director_a, make_case(mediator_a, committee_a, status="mediating", director=director_a)
        )

    referral = add()
    few = queries(client, reverse("web:liaison_home"))
    detail = queries(client, reverse("web:liaison_referral", args=[referral.id]))
    for _ in range(3):
        add()

    assert queries(client, reverse("web:liaison_home")) == few
    assert queries(client, reverse("web:liaison_referral", args=[referral.id])) == detail
