"""HTTP level of transfers: /cases/{id}/transfer/, /transfers/, and a case's journey from
community to town to a specialised committee and back (referrals: test_routing_api.py).

Every endpoint has its authorization matrix (anonymous 401, outside the scope 404,
visible but the wrong role 403, the right role 200/201) and every denial checks that
nothing changed. State is built through the services; the endpoint under test is called
over HTTP.
"""

import pytest

from committees.models import Committee
from mediation import routing
from mediation.models import Case, Transfer
from tests.builders import (
    PARTIES,
    fresh,
    ids,
    make_case,
    request_transfer,
    state,
    year,
)

pytestmark = pytest.mark.django_db

ID_NUMBER = "640104198001011235"


# --- POST /cases/{id}/transfer/ ----------------------------------------------------------


@pytest.mark.parametrize(
    "persona, expected",
    [
        ("anon", 401),
        ("outsider", 404),
        ("court_liaison", 404),
        ("mediator_a", 403),  # a mediator requesting a transfer
        ("office_a", 403),
        ("district", 403),
        ("director_a", 201),
    ],
)
def test_transfer_request_authorization(
    as_persona, committee_a, mediator_a, medical, persona, expected
):
    # given
    case = make_case(mediator_a, committee_a)
    before = state(case)

    # when
    response = as_persona(persona).post(
        f"/api/v1/cases/{case.id}/transfer/",
        {"to_committee": medical.id, "kind": "reassign", "reason": "医疗纠纷"},
        format="json",
    )

    # then
    assert response.status_code == expected, response.content
    if expected != 201:
        assert response.json()["code"]
        assert state(case) == before
        return
    body = response.json()
    transfer = Transfer.objects.get(case=case)
    assert body["id"] == transfer.id
    assert body["case"] == case.id
    assert body["from_committee"] == committee_a.id
    assert body["to_committee"] == medical.id
    assert body["status"] == "pending"
    assert body["kind"] == "reassign"
    assert body["respond_by"]
    assert fresh(case).transfer_pending is True


@pytest.mark.parametrize(
    "target, kind, reason, code",
    [
        ("self", "reassign", "理由", "transfer_to_self"),
        ("inactive", "reassign", "理由", "committee_inactive"),
        ("medical", "escalate", "理由", "not_an_ancestor"),
        ("committee_b", "escalate", "理由", "not_an_ancestor"),
        ("medical", "reassign", None, "required"),
        ("medical", "reassign", "", "blank"),
        ("medical", "sideways", "理由", "invalid_choice"),
    ],
)
def test_transfer_request_invalid_targets_are_400_with_a_code(
    client_for,
    committee_a,
    committee_b,
    director_a,
    mediator_a,
    medical,
    target,
    kind,
    reason,
    code,
):
    case = make_case(mediator_a, committee_a)
    if target == "inactive":
        Committee.objects.filter(pk=medical.pk).update(is_active=False)
    to_committee = {
        "self": committee_a,
        "inactive": medical,
        "medical": medical,
        "committee_b": committee_b,
    }[target]
    body = {"to_committee": to_committee.id, "kind": kind}
    if reason is not None:
        body["reason"] = reason
    before = state(case)

    response = client_for(director_a).post(
        f"/api/v1/cases/{case.id}/transfer/", body, format="json"
    )

    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert response.json()["detail"]
    assert state(case) == before


def test_a_pending_transfer_freezes_the_case_over_the_api(
    client_for, committee_a, director_a, mediator_a, medical
):
    # given
    case = make_case(mediator_a, committee_a)
    request_transfer(director_a, case, medical)
    before = state(case)
    mediator_id = mediator_a.mediator_memberships.get().id

    # when
    client = client_for(director_a)
    detail = client.get(f"/api/v1/cases/{case.id}/")
    accepted = client.post(
        f"/api/v1/cases/{case.id}/accept/", {"mediators": [mediator_id]}, format="json"
    )
    again = client.post(
        f"/api/v1/cases/{case.id}/transfer/",
        {"to_committee": medical.id, "kind": "reassign", "reason": "再次"},
        format="json",
    )
    declined = client.post(f"/api/v1/cases/{case.id}/decline/", {"reason": "理由"}, format="json")

    # then
    assert detail.json()["transfer_pending"] is True
    assert detail.json()["allowed_actions"] == []
    for response in (accepted, again, declined):
        assert response.status_code == 409, response.content
        assert response.json()["code"] == "invalid_transition"
        assert response.json()["transfer_pending"] is True
    assert state(case) == before


# --- POST /transfers/{id}/accept|reject|cancel/ ------------------------------------------


@pytest.mark.parametrize(
    "persona, expected",
    [
        ("anon", 401),
        ("outsider", 404),
        ("court_liaison", 404),
        ("director_a", 403),  # the sender's director accepting its own transfer
        ("mediator_a", 403),
        ("mediator_medical", 403),
        ("office_a", 403),
        ("district", 403),
        ("director_medical", 200),
    ],
)
def test_transfer_accept_authorization(
    as_persona, committee_a, director_a, mediator_a, medical, persona, expected
):
    # given
    case = make_case(mediator_a, committee_a)
    transfer = request_transfer(director_a, case, medical)
    old_number = fresh(case).number
    before = state(case)

    # when
    response = as_persona(persona).post(f"/api/v1/transfers/{transfer.id}/accept/")

    # then
    assert response.status_code == expected, response.content
    if expected != 200:
        assert response.json()["code"]
        assert state(case) == before
        return
    assert response.json()["status"] == "accepted"
    case = fresh(case)
    assert case.committee == medical
    assert case.status == "registered"
    assert case.number == f"（{year()}）医调委人调字第00001号"
    assert case.previous_numbers == [old_number]


def test_after_acceptance_the_receiver_sees_the_case_unmasked_and_the_sender_masked(
    client_for,
    committee_a,
    director_a,
    mediator_a,
    medical,
    director_medical,
    mediator_medical,
    office_a,
    district,
):
    # given
    case = make_case(mediator_a, committee_a)
    old_number = fresh(case).number
    transfer = request_transfer(director_a, case, medical)
    # issue 15 item 14: while pending, the receiver reads the case, masked
    offered = client_for(mediator_medical).get(f"/api/v1/cases/{case.id}/")
    assert offered.status_code == 200
    assert offered.json()["access"] == "receiver"
    assert offered.json()["parties"][0]["id_number"] == "6401**********1235"

    # when
    assert (
        client_for(director_medical).post(f"/api/v1/transfers/{transfer.id}/accept/").status_code
        == 200
    )

    # then
    receiver = client_for(mediator_medical).get(f"/api/v1/cases/{case.id}/")
    assert receiver.status_code == 200
    body = receiver.json()
    assert body["id"] == case.id
    assert body["committee"] == medical.id
    assert body["status"] == "registered"
    assert body["transfer_pending"] is False
    assert body["source"] == "transfer"
    assert body["number"] == f"（{year()}）医调委人调字第00001号"
    assert body["previous_numbers"] == [old_number]
    assert body["parties"][0]["id_number"] == ID_NUMBER
    assert body["parties"][0]["phone"] == "13800000000"
    assert case.id in ids(client_for(mediator_medical).get("/api/v1/cases/"))

    # the sender (and its office) keep a masked, read-only view as the former holder
    for sender in (mediator_a, director_a, office_a):
        former = client_for(sender).get(f"/api/v1/cases/{case.id}/")
        assert former.status_code == 200
        assert former.json()["access"] == "former_holder"
        assert former.json()["parties"][0]["id_number"] == "6401**********1235"
        assert former.json()["allowed_actions"] == []
        assert client_for(sender).get(f"/api/v1/cases/{case.id}/events/").status_code == 200
        patch = client_for(sender).patch(f"/api/v1/cases/{case.id}/", {"title": "改"})
        assert patch.status_code == 403
    masked = client_for(district).get(f"/api/v1/cases/{case.id}/").json()
    assert masked["parties"][0]["id_number"] == "6401**********1235"


@pytest.mark.parametrize(
    "persona, reason, expected",
    [
        ("anon", "不收", 401),
        ("outsider", "不收", 404),
        ("director_a", "不收", 403),
        ("mediator_medical", "不收", 403),
        ("director_medical", "", 400),
        ("director_medical", None, 400),
        ("director_medical", "不属于医疗纠纷", 200),
    ],
)
def test_transfer_reject_authorization(
    as_persona, committee_a, director_a, mediator_a, medical, persona, reason, expected
):
    case = make_case(mediator_a, committee_a)
    transfer = request_transfer(director_a, case, medical)
    before = state(case)

    response = as_persona(persona).post(
        f"/api/v1/transfers/{transfer.id}/reject/",
        {} if reason is None else {"reason": reason},
        format="json",
    )

    assert response.status_code == expected, response.content
    if expected != 200:
        assert response.json()["code"]
        assert state(case) == before
        return
    assert response.json()["status"] == "rejected"
    assert response.json()["decision_reason"] == "不属于医疗纠纷"
    after = state(case)
    assert after["committee"] == before["committee"]
    assert after["number"] == before["number"]
    assert after["previous_numbers"] == []
    assert after["status"] == "registered"
    assert after["transfer_pending"] is False


@pytest.mark.parametrize(
    "persona, expected",
    [
        ("anon", 401),
        ("outsider", 404),
        ("court_liaison", 404),
        ("director_medical", 403),  # the receiver cancelling
        ("mediator_a", 403),
        ("office_a", 403),
        ("director_a", 200),
    ],
)
def test_transfer_cancel_authorization(
    as_persona, committee_a, director_a, mediator_a, medical, director_medical, persona, expected
):
    case = make_case(mediator_a, committee_a)
    transfer = request_transfer(director_a, case, medical)
    before = state(case)

    response = as_persona(persona).post(f"/api/v1/transfers/{transfer.id}/cancel/")

    assert response.status_code == expected, response.content
    if expected != 200:
        assert response.json()["code"]
        assert state(case) == before
        return
    assert response.json()["status"] == "cancelled"
    after = state(case)
    assert (after["committee"], after["number"], after["status"]) == (
        before["committee"],
        before["number"],
        "registered",
    )
    assert after["transfer_pending"] is False


@pytest.mark.parametrize("first", ["accept", "reject", "cancel"])
@pytest.mark.parametrize("second", ["accept", "reject", "cancel"])
def test_a_second_decision_is_409_conflict(
    client_for, committee_a, director_a, mediator_a, medical, director_medical, first, second
):
    case = make_case(mediator_a, committee_a)
    transfer = request_transfer(director_a, case, medical)
    deciders = {"accept": director_medical, "reject": director_medical, "cancel": director_a}
    url = f"/api/v1/transfers/{transfer.id}"
    assert (
        client_for(deciders[first])
        .post(f"{url}/{first}/", {"reason": "不收"}, format="json")
        .status_code
        == 200
    )
    before = state(case)

    response = client_for(deciders[second]).post(
        f"{url}/{second}/", {"reason": "不收"}, format="json"
    )

    assert response.status_code == 409, response.content
    assert response.json()["code"] == "conflict"
    assert state(case) == before


# --- GET /transfers/ ---------------------------------------------------------------------


def test_transfer_list_by_direction_and_status(
    client_for,
    anon,
    committee_a,
    director_a,
    mediator_a,
    medical,
    director_medical,
    outsider,
    office_a,
    district,
    court_liaison,
):
    # given one pending transfer A → medical and one accepted medical → A
    pending_case = make_case(mediator_a, committee_a)
    pending = request_transfer(director_a, pending_case, medical)
    other = make_case(director_medical, medical, title="医疗费用纠纷")
    accepted = routing.transfer_request(
        actor=director_medical,
        case=other,
        to_committee=committee_a,
        kind="reassign",
        reason="非医疗",
    )
    routing.transfer_accept(actor=director_a, transfer=accepted)

    receiver, sender = client_for(director_medical), client_for(director_a)

    # then
    assert anon.get("/api/v1/transfers/").status_code == 401
    assert ids(receiver.get("/api/v1/transfers/", {"direction": "incoming"})) == [pending.id]
    assert ids(receiver.get("/api/v1/transfers/", {"direction": "outgoing"})) == [accepted.id]
    assert ids(sender.get("/api/v1/transfers/", {"direction": "outgoing"})) == [pending.id]
    assert ids(sender.get("/api/v1/transfers/", {"direction": "incoming"})) == [accepted.id]
    assert ids(
        receiver.get("/api/v1/transfers/", {"direction": "incoming", "status": "pending"})
    ) == [pending.id]
    assert (
        ids(receiver.get("/api/v1/transfers/", {"direction": "incoming", "status": "accepted"}))
        == []
    )
    assert ids(sender.get("/api/v1/transfers/", {"status": "accepted"})) == [accepted.id]
    assert set(ids(sender.get("/api/v1/transfers/"))) == {pending.id, accepted.id}
    assert set(ids(client_for(office_a).get("/api/v1/transfers/"))) == {pending.id, accepted.id}
    assert set(ids(client_for(district).get("/api/v1/transfers/"))) == {pending.id, accepted.id}
    assert ids(client_for(outsider).get("/api/v1/transfers/")) == []
    assert ids(client_for(court_liaison).get("/api/v1/transfers/")) == []
    assert client_for(outsider).get(f"/api/v1/transfers/{pending.id}/").status_code == 404
    detail = receiver.get(f"/api/v1/transfers/{pending.id}/")
    assert detail.status_code == 200
    assert detail.json()["case_number"] == fresh(pending_case).number
    assert anon.get(f"/api/v1/transfers/{pending.id}/").status_code == 401


# --- Done when: village/community → town → specialised → back ------------------------------


def test_a_case_travels_community_town_specialised_and_back(
    client_for,
    committee_a,
    town_a,
    medical,
    mediator_a,
    director_a,
    director_town_a,
    director_medical,
):
    def transfer(director, case_id, to_committee, kind):
        response = client_for(director).post(
            f"/api/v1/cases/{case_id}/transfer/",
            {"to_committee": to_committee.id, "kind": kind, "reason": "按管辖移送"},
            format="json",
        )
        assert response.status_code == 201, response.content
        return response.json()["id"]

    def accept_transfer(director, transfer_id):
        incoming = client_for(director).get(
            "/api/v1/transfers/", {"direction": "incoming", "status": "pending"}
        )
        assert ids(incoming) == [transfer_id]
        response = client_for(director).post(f"/api/v1/transfers/{transfer_id}/accept/")
        assert response.status_code == 200, response.content

    def read(user, case_id):
        return client_for(user).get(f"/api/v1/cases/{case_id}/")

    # registered at community committee A
    created = client_for(mediator_a).post(
        "/api/v1/cases/",
        {
            "committee": committee_a.id,
            "source": "party_application",
            "dispute_type": "medical",
            "title": "诊疗损害纠纷",
            "parties": PARTIES,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    case_id = created.json()["id"]
    first = f"（{year()}）满城北街第一人调字第00001号"
    assert created.json()["number"] == first

    # escalated to the sub-district committee
    accept_transfer(director_town_a, transfer(director_a, case_id, town_a, "escalate"))
    at_town = read(director_town_a, case_id).json()
    second = f"（{year()}）满城北街人调字第00001号"
    assert (at_town["committee"], at_town["number"]) == (town_a.id, second)
    assert at_town["previous_numbers"] == [first]
    assert read(mediator_a, case_id).json()["access"] == "former_holder"

    # reassigned to the medical committee
    accept_transfer(director_medical, transfer(director_town_a, case_id, medical, "reassign"))
    at_medical = read(director_medical, case_id).json()
    third = f"（{year()}）医调委人调字第00001号"
    assert (at_medical["committee"], at_medical["number"]) == (medical.id, third)
    assert at_medical["previous_numbers"] == [first, second]
    assert read(director_town_a, case_id).json()["access"] == "former_holder"

    # and back to committee A
    accept_transfer(director_a, transfer(director_medical, case_id, committee_a, "reassign"))
    home = read(mediator_a, case_id)
    assert home.status_code == 200
    body = home.json()
    assert body["id"] == case_id
    assert body["committee"] == committee_a.id
    assert body["status"] == "registered"
    assert body["number"] == f"（{year()}）满城北街第一人调字第00002号"
    assert body["previous_numbers"] == [first, second, third]
    assert body["access"] == "holder"
    assert read(director_medical, case_id).json()["access"] == "former_holder"
    assert Case.objects.count() == 1

    # the history names both committees of every step
    events = client_for(mediator_a).get(f"/api/v1/cases/{case_id}/events/").json()["results"]
    steps = [
        (e["kind"], e["committee"], e["other_committee"])
        for e in events
        if e["kind"].startswith("transfer")
    ]
    assert steps == [
        ("transfer_requested", committee_a.id, town_a.id),
        ("transfer_accepted", town_a.id, committee_a.id),
        ("transfer_requested", town_a.id, medical.id),
        ("transfer_accepted", medical.id, town_a.id),
        ("transfer_requested", medical.id, committee_a.id),
        ("transfer_accepted", committee_a.id, medical.id),
    ]
