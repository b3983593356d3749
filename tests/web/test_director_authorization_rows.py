"""tests/web/rows_web2.py holds true: every URL of the director, dashboard and liaison
pages answers each persona as the table says, and the table covers every such URL."""

import pytest
from django.urls import reverse

from mediation import routing
from tests.builders import fresh, make_case, refer_out
from tests.web.rows_web2 import METHODS, ROWS
from tests.web.web2_world import client_of

pytestmark = pytest.mark.django_db

MODULES = ("web.views.director", "web.views.district", "web.views.liaison")


def test_the_table_covers_every_url_of_these_pages():
    names = set()
    for module in MODULES:
        for pattern in __import__(module, fromlist=["urlpatterns"]).urlpatterns:
            names.add(f"web:{pattern.name}")

    assert names == set(ROWS)


@pytest.fixture
def world(
    committee_a, committee_b, mediator_a, director_a, outsider, office_a, district, admin_liaison
):
    registered = make_case(mediator_a, committee_a, title="登记")
    mediating = make_case(
        mediator_a, committee_a, title="在办", status="mediating", director=director_a
    )
    outgoing = make_case(
        mediator_a, committee_a, title="移交", status="mediating", director=director_a
    )
    referral = refer_out(director_a, outgoing)
    from_b = make_case(outsider, committee_b, title="移送")
    transfer = routing.transfer_request(
        actor=outsider, case=fresh(from_b), to_committee=committee_a, kind="reassign", reason="属地"
    )
    personas = {
        "anonymous": None,
        "mediator": mediator_a,
        "director": director_a,
        "other_director": outsider,
        "judicial_office": office_a,
        "district_office": district,
        "liaison": admin_liaison,
    }
    arguments = {
        "web:director_committee": [committee_a.id],
        "web:director_accept": [committee_a.id, registered.id],
        "web:director_decline": [committee_a.id, registered.id],
        "web:director_assign": [committee_a.id, mediating.id],
        "web:director_transfer_accept": [committee_a.id, transfer.id],
        "web:director_transfer_reject": [committee_a.id, transfer.id],
        "web:director_screening": [committee_a.id],
        "web:liaison_referral": [referral.id],
        "web:liaison_feedback": [referral.id],
    }
    return personas, arguments


@pytest.mark.parametrize("name", sorted(ROWS))
def test_each_persona_gets_the_status_of_the_table(world, name):
    personas, arguments = world
    url = reverse(name, args=arguments.get(name, []))
    method = METHODS.get(name, "GET").lower()
    # The persona who may act goes last: its POST may change the state.
    order = sorted(
        ROWS[name], key=lambda persona: ROWS[name][persona] in (200, 302) and persona != "anonymous"
    )
    for persona in order:
        response = getattr(client_of(personas[persona]), method)(url)
        assert response.status_code == ROWS[name][persona], (persona, response.status_code)
        if persona == "anonymous":
            assert "next=" in response["Location"]
