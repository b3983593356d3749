"""The mediator's pages read a fixed number of queries whatever the number of cases (no
query per row): pinned like the API's lists (tests/api/test_query_counts.py)."""

import pytest

from tests.builders import make_case


@pytest.fixture
def many_cases(mediator_a, director_a, committee_a):
    return [
        make_case(
            mediator_a, committee_a, title=f"纠纷{n}", status="mediating", director=director_a
        )
        for n in range(6)
    ]


@pytest.mark.django_db
def test_the_case_list_reads_a_fixed_number_of_queries(
    web_client, mediator_a, many_cases, django_assert_max_num_queries
):
    client = web_client(mediator_a)
    client.get("/cases/")  # the session and the user are warm
    with django_assert_max_num_queries(8):
        response = client.get("/cases/?view=all&q=纠纷")
    assert response.content.decode().count("纠纷") >= 6


@pytest.mark.django_db
def test_the_case_page_reads_a_fixed_number_of_queries(
    web_client, mediator_a, many_cases, django_assert_max_num_queries
):
    client = web_client(mediator_a)
    client.get(f"/cases/{many_cases[0].pk}/")
    # session, user, scope (2), case, parties, sessions, mediators (3), transfers,
    # referrals, follow-ups, the reveal log, events, attachments, unread notifications
    with django_assert_max_num_queries(18):  # + the agreement's versions (issue 15)
        assert client.get(f"/cases/{many_cases[1].pk}/").status_code == 200
