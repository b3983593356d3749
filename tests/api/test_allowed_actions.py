"""`allowed_actions` on a case lists what the caller may do now, not what the state allows
anyone: a mediator is not offered accept or transfer, a judicial office nothing."""

import pytest

from tests.api.test_cases_api import ENDPOINTS, READERS, World, case_in_state, client_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(committee_a, committee_b, mediator_a, mediator_a2, director_a, outsider):
    return World(committee_a, committee_b, mediator_a, mediator_a2, director_a, outsider)


# The endpoint of the authorization matrix each action name stands for.
ACTION_OF_ENDPOINT = {
    "patch": "update",
    "accept": "accept",
    "decline": "decline",
    "assign": "assign",
    "sessions": "record_session",
    "extend": "extend",
    "conclude": "conclude_failure",
    "withdraw": "withdraw",
    "archive": "archive",
    "judicial-confirmation": "judicial_confirmation",
    "transfer": "transfer",
    "refer": "refer",
    "rights-notified": "rights_notified",
}


def allowed_actions(request, world, persona, state) -> list[str]:
    case = case_in_state(world, state)
    response = client_of(request, persona).get(f"/api/v1/cases/{case.id}/")
    assert response.status_code == 200, response.content
    return response.json()["allowed_actions"]


@pytest.mark.parametrize(
    "persona, state, expected",
    [
        ("mediator_a", "registered", ["update", "rights_notified"]),
        (
            "director_a",
            "registered",
            ["accept", "decline", "refer", "assign", "update", "transfer", "rights_notified"],
        ),
        (
            "mediator_a",
            "mediating",
            ["conclude_success", "conclude_failure", "withdraw"]
            + ["record_session", "extend", "update", "rights_notified"],
        ),
        ("mediator_a", "succeeded", ["archive", "judicial_confirmation", "rights_notified"]),
        ("office_a", "registered", []),
        ("office_a", "mediating", []),
        ("district", "mediating", []),
    ],
)
def test_allowed_actions_are_the_callers(request, world, persona, state, expected):
    assert allowed_actions(request, world, persona, state) == expected


def _matrix():
    for endpoint in ENDPOINTS:
        if endpoint.name not in ACTION_OF_ENDPOINT:
            continue
        for persona in READERS:
            yield pytest.param(
                endpoint, persona, persona in endpoint.allowed, id=f"{endpoint.name}-{persona}"
            )


@pytest.mark.parametrize("endpoint, persona, may", list(_matrix()))
def test_allowed_actions_agree_with_the_authorization_matrix(
    request, world, endpoint, persona, may
):
    # given a case in the state the endpoint accepts, read by someone who may read it
    actions = allowed_actions(request, world, persona, endpoint.state)

    # then the action is offered exactly when the matrix says the call succeeds
    assert (ACTION_OF_ENDPOINT[endpoint.name] in actions) is may, actions
