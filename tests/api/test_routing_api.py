"""HTTP level of routing: /cases/{id}/transfer/, /transfers/, /referrals/, /cases/{id}/refer/.

Every new endpoint has its authorization matrix (anonymous 401, outside the scope 404,
visible but the wrong role 403, the right role 200/201) and every denial checks that
nothing changed. State is built through the services; the endpoint under test is called
over HTTP.
"""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from committees.models import Committee, Institution, Mechanism
from mediation import routing, services
from mediation.models import Case, CaseEvent, Referral, Transfer
from tests.builders import PARTIES, accept, fresh, make_case, referral_in
from tests.factories import institution

pytestmark = pytest.mark.django_db

MEDICAL = "C640106H01"
ADMINISTRATIVE_PARTNER = "ADM-SCJ"
ID_NUMBER = "640104198001011235"

LIAISON_CASE_FIELDS = {
    "id",
    "number",
    "committee",
    "status",
    "source",
    "dispute_type",
    "title",
    "facts",
    "claims",
    "amount_involved",
    "people_involved",
    "occurred_on",
    "received_at",
    "concluded_at",
    "outcome",
    "has_agreement",
    "parties",
}


# --- fixtures and helpers ----------------------------------------------------------------


@pytest.fixture
def as_persona(request, anon, client_for):
    """as_persona("director_a") → a client for that persona; "anon" → not signed in."""

    def make(name):
        if name == "anon":
            return anon
        return client_for(request.getfixturevalue(name))

    return make


def year() -> int:
    return timezone.localdate().year


def state(case) -> dict:
    """Everything a denied request must leave as it was."""
    case = fresh(case)
    return {
        "committee": case.committee_id,
        "number": case.number,
        "previous_numbers": case.previous_numbers,
        "status": case.status,
        "transfer_pending": case.transfer_pending,
        "events": CaseEvent.objects.filter(case=case).count(),
        "transfers": list(Transfer.objects.filter(case=case).values_list("id", "status")),
        "referrals": list(Referral.objects.filter(case=case).values_list("id", "status", "result")),
    }


def request_transfer(director_a, case, to_committee) -> Transfer:
    return routing.transfer_request(
        actor=director_a,
        case=fresh(case),
        to_committee=to_committee,
        kind="reassign",
        reason="医疗",
    )


def refer_out(director, case) -> Referral:
    return routing.case_refer(
        actor=director,
        case=fresh(case),
        mechanism=Mechanism.objects.get(code="administrative"),
        institution=institution(ADMINISTRATIVE_PARTNER),
        reason="需市场监管部门处理",
    )


def referral_body(committee, mechanism="court", external_ref="(2026)宁0106民诉前调7号"):
    return {
        "mechanism": mechanism,
        "committee": committee.id,
        "external_ref": external_ref,
        "case": {
            "dispute_type": "contract",
            "title": "货款纠纷",
            "facts": "拖欠货款",
            "claims": "支付货款",
            "amount_involved": "12000.00",
            "parties": PARTIES,
        },
    }


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


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


def test_after_acceptance_the_receiver_sees_the_case_unmasked_and_the_sender_not_at_all(
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
    assert client_for(mediator_medical).get(f"/api/v1/cases/{case.id}/").status_code == 404

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

    for sender in (mediator_a, director_a, office_a):
        assert client_for(sender).get(f"/api/v1/cases/{case.id}/").status_code == 404
        assert client_for(sender).get(f"/api/v1/cases/{case.id}/events/").status_code == 404
        assert case.id not in ids(client_for(sender).get("/api/v1/cases/"))
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


# --- POST /referrals/ --------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona, mechanism, institution_code, expected, code",
    [
        ("anon", "court", None, 401, "not_authenticated"),
        ("director_a", "court", "CRT640106", 403, "permission_denied"),
        ("petition_liaison", "court", "CRT640106", 403, "permission_denied"),
        ("court_liaison", "petition", None, 400, "mechanism_not_for_institution"),
        ("court_liaison", "court", None, 201, None),
    ],
)
def test_referral_create_authorization(
    as_persona, committee_a, persona, mechanism, institution_code, expected, code
):
    body = referral_body(committee_a, mechanism=mechanism)
    if institution_code:
        body["institution"] = Institution.objects.get(code=institution_code).id

    response = as_persona(persona).post("/api/v1/referrals/", body, format="json")

    assert response.status_code == expected, response.content
    if expected != 201:
        assert response.json()["code"] == code
        assert not Case.objects.exists()
        assert not Referral.objects.exists()
        return
    data = response.json()
    referral = Referral.objects.get()
    assert data["id"] == referral.id
    assert data["direction"] == "inbound"
    assert data["mechanism"] == "court"
    assert data["institution"] == institution("CRT640106").id
    assert data["committee"] == committee_a.id
    assert data["external_ref"] == "(2026)宁0106民诉前调7号"
    assert data["status"] == "open"
    assert data["feedback_due"] == str(
        timezone.localdate() + timedelta(days=Mechanism.objects.get(code="court").feedback_days)
    )
    assert data["case"]["id"] == referral.case_id
    assert data["case"]["source"] == "court"
    assert data["case"]["status"] == "registered"
    assert data["case"]["committee"] == committee_a.id
    assert data["case"]["number"] == f"（{year()}）满城北街第一人调字第00001号"
    assert set(data["case"]) == LIAISON_CASE_FIELDS


def test_referral_create_with_idempotency_key_replays(client_for, committee_a, court_liaison):
    client = client_for(court_liaison)
    key = str(uuid.uuid4())
    body = referral_body(committee_a)

    first = client.post("/api/v1/referrals/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    second = client.post("/api/v1/referrals/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    reused = client.post(
        "/api/v1/referrals/",
        referral_body(committee_a, external_ref="另一个文号"),
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )

    assert first.status_code == 201, first.content
    assert second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency_key_reused"
    assert Referral.objects.count() == 1
    assert Case.objects.count() == 1
    # another key is another referral
    third = client.post(
        "/api/v1/referrals/", body, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
    )
    assert third.status_code == 201
    assert Referral.objects.count() == 2


# --- GET /referrals/ ---------------------------------------------------------------------


@pytest.fixture
def three_referrals(committee_a, director_a, mediator_a, court_liaison, petition_liaison):
    court = referral_in(court_liaison, "court", committee_a)
    petition = referral_in(petition_liaison, "petition", committee_a, external_ref="访2026-1")
    case = make_case(mediator_a, committee_a, title="占道经营纠纷")
    outbound = refer_out(director_a, case)
    return court, petition, outbound


def test_referral_list_filters(client_for, anon, three_referrals, director_a):
    court, petition, outbound = three_referrals
    client = client_for(director_a)

    assert anon.get("/api/v1/referrals/").status_code == 401
    assert ids(client.get("/api/v1/referrals/")) == [court.id, petition.id, outbound.id]
    assert set(ids(client.get("/api/v1/referrals/", {"direction": "inbound"}))) == {
        court.id,
        petition.id,
    }
    assert ids(client.get("/api/v1/referrals/", {"direction": "outbound"})) == [outbound.id]
    assert ids(client.get("/api/v1/referrals/", {"mechanism": "court"})) == [court.id]
    assert ids(client.get("/api/v1/referrals/", {"mechanism": "administrative"})) == [outbound.id]
    assert set(ids(client.get("/api/v1/referrals/", {"status": "open"}))) == {
        court.id,
        petition.id,
        outbound.id,
    }
    assert ids(client.get("/api/v1/referrals/", {"status": "closed"})) == []
    assert ids(
        client.get("/api/v1/referrals/", {"direction": "inbound", "mechanism": "petition"})
    ) == [petition.id]


def test_a_liaison_sees_only_its_own_institutions_referrals(
    client_for, three_referrals, court_liaison, petition_liaison, outsider, office_a, admin_liaison
):
    court, petition, outbound = three_referrals

    assert ids(client_for(court_liaison).get("/api/v1/referrals/")) == [court.id]
    assert ids(client_for(petition_liaison).get("/api/v1/referrals/")) == [petition.id]
    assert ids(client_for(admin_liaison).get("/api/v1/referrals/")) == [outbound.id]
    assert ids(client_for(outsider).get("/api/v1/referrals/")) == []
    assert set(ids(client_for(office_a).get("/api/v1/referrals/"))) == {
        court.id,
        petition.id,
        outbound.id,
    }
    # the other institution's referral reads as absent
    assert client_for(petition_liaison).get(f"/api/v1/referrals/{court.id}/").status_code == 404
    assert client_for(court_liaison).get(f"/api/v1/referrals/{petition.id}/").status_code == 404
    assert client_for(court_liaison).get(f"/api/v1/referrals/{outbound.id}/").status_code == 404
    assert client_for(outsider).get(f"/api/v1/referrals/{court.id}/").status_code == 404
    assert client_for(court_liaison).get(f"/api/v1/referrals/{court.id}/").status_code == 200


def test_a_liaison_reads_only_its_own_cases_and_only_their_summary(
    client_for, committee_a, director_a, mediator_a, three_referrals, court_liaison
):
    # given the court's case is being mediated and has a session on record
    court, petition, outbound = three_referrals
    own = court.case
    accept(director_a, own, mediator_a)
    services.case_record_session(
        actor=mediator_a, case=fresh(own), held_at=timezone.now(), summary="双方到场，分歧较大"
    )
    registered = make_case(mediator_a, committee_a, title="邻里噪音纠纷")
    client = client_for(court_liaison)

    # then it lists and reads only its own case
    assert ids(client.get("/api/v1/cases/")) == [own.id]
    for other in (petition.case, outbound.case, registered):
        assert client.get(f"/api/v1/cases/{other.id}/").status_code == 404
    detail = client.get(f"/api/v1/cases/{own.id}/")
    assert detail.status_code == 200
    body = detail.json()
    assert set(body) == LIAISON_CASE_FIELDS
    assert body["status"] == "mediating"
    assert body["parties"][0]["id_number"] == "6401**********1235"
    assert body["parties"][0]["phone"] == "138****0000"
    for hidden in ("sessions", "mediators", "transfers", "follow_ups", "agreement"):
        assert hidden not in body
    listed = client.get("/api/v1/cases/").json()["results"][0]
    assert set(listed) == LIAISON_CASE_FIELDS
    # no history for the liaison; the committee still has it
    assert client.get(f"/api/v1/cases/{own.id}/events/").status_code == 404
    assert client_for(mediator_a).get(f"/api/v1/cases/{own.id}/events/").status_code == 200


def test_a_liaison_cannot_act_on_its_case(
    client_for, committee_a, mediator_a, court_liaison, medical
):
    referral = referral_in(court_liaison, "court", committee_a)
    case = referral.case
    before = state(case)
    client = client_for(court_liaison)

    responses = [
        client.post(
            f"/api/v1/cases/{case.id}/accept/",
            {"mediators": [mediator_a.mediator_memberships.get().id]},
            format="json",
        ),
        client.post(
            f"/api/v1/cases/{case.id}/transfer/",
            {"to_committee": medical.id, "kind": "reassign", "reason": "理由"},
            format="json",
        ),
        client.post(
            f"/api/v1/cases/{case.id}/refer/",
            {
                "mechanism": "administrative",
                "institution": institution(ADMINISTRATIVE_PARTNER).id,
                "reason": "理由",
            },
            format="json",
        ),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403]
    assert state(case) == before


def test_the_outcome_appears_for_the_liaison_when_the_case_concludes(
    client_for, committee_a, director_a, mediator_a, court_liaison
):
    # given
    referral = referral_in(court_liaison, "court", committee_a)
    accept(director_a, referral.case, mediator_a)
    client = client_for(court_liaison)
    assert client.get(f"/api/v1/referrals/{referral.id}/").json()["result"] == ""

    # when the committee concludes it over the API
    concluded = client_for(mediator_a).post(
        f"/api/v1/cases/{referral.case_id}/conclude/",
        {"outcome": "success", "agreement": {"form": "written", "terms": "李某支付货款12000元。"}},
        format="json",
    )
    assert concluded.status_code == 200, concluded.content

    # then the liaison sees result, agreement yes/no and date — not the terms
    body = client.get(f"/api/v1/referrals/{referral.id}/").json()
    assert body["status"] == "closed"
    assert body["result"] == "success"
    assert body["has_agreement"] is True
    assert body["result_on"] == str(timezone.localdate())
    assert body["feedback_at"]
    assert body["case"]["status"] == "succeeded"
    assert body["case"]["has_agreement"] is True
    assert "agreement" not in body["case"]
    assert "李某支付货款12000元。" not in str(body)
    assert client.get("/api/v1/referrals/", {"status": "closed"}).json()["results"][0]["id"] == (
        referral.id
    )


def test_feedback_on_an_inbound_referral_is_409(client_for, committee_a, court_liaison, director_a):
    referral = referral_in(court_liaison, "court", committee_a)
    before = state(referral.case)

    for user in (court_liaison, director_a):
        response = client_for(user).post(
            f"/api/v1/referrals/{referral.id}/feedback/", {"result": "success"}, format="json"
        )
        assert response.status_code == 409, response.content
        assert response.json()["code"] == "invalid_transition"

    assert state(referral.case) == before


# --- POST /cases/{id}/refer/ and /referrals/{id}/feedback/ -------------------------------


@pytest.mark.parametrize(
    "persona, expected",
    [
        ("anon", 401),
        ("outsider", 404),
        ("admin_liaison", 404),
        ("mediator_a", 403),
        ("office_a", 403),
        ("district", 403),
        ("director_a", 201),
    ],
)
def test_refer_authorization(as_persona, committee_a, director_a, mediator_a, persona, expected):
    case = make_case(mediator_a, committee_a)
    accept(director_a, case, mediator_a)
    before = state(case)

    response = as_persona(persona).post(
        f"/api/v1/cases/{case.id}/refer/",
        {
            "mechanism": "administrative",
            "institution": institution(ADMINISTRATIVE_PARTNER).id,
            "reason": "需市场监管部门处理",
        },
        format="json",
    )

    assert response.status_code == expected, response.content
    if expected != 201:
        assert response.json()["code"]
        assert state(case) == before
        return
    body = response.json()
    assert body["direction"] == "outbound"
    assert body["mechanism"] == "administrative"
    assert body["status"] == "open"
    assert body["case"]["status"] == "referred"
    assert fresh(case).status == "referred"


def test_refer_to_an_institution_the_mechanism_does_not_serve_is_400(
    client_for, committee_a, director_a, mediator_a
):
    case = make_case(mediator_a, committee_a)
    before = state(case)

    response = client_for(director_a).post(
        f"/api/v1/cases/{case.id}/refer/",
        {
            "mechanism": "court",
            "institution": institution(ADMINISTRATIVE_PARTNER).id,
            "reason": "理由",
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "mechanism_not_for_institution"
    assert state(case) == before


@pytest.mark.parametrize(
    "persona, expected",
    [
        ("anon", 401),
        ("outsider", 404),
        ("court_liaison", 404),
        ("director_a", 403),
        ("mediator_a", 403),
        ("office_a", 403),
        ("admin_liaison", 200),
    ],
)
def test_referral_feedback_authorization(
    as_persona, committee_a, director_a, mediator_a, persona, expected
):
    case = make_case(mediator_a, committee_a)
    accept(director_a, case, mediator_a)
    referral = refer_out(director_a, case)
    before = state(case)

    response = as_persona(persona).post(
        f"/api/v1/referrals/{referral.id}/feedback/",
        {"result": "returned", "note": "属民事纠纷，退回调解"},
        format="json",
    )

    assert response.status_code == expected, response.content
    if expected != 200:
        assert response.json()["code"]
        assert state(case) == before
        return
    body = response.json()
    assert body["status"] == "closed"
    assert body["result"] == "returned"
    assert body["note"] == "属民事纠纷，退回调解"
    case = fresh(case)
    assert case.status == "mediating"
    assert case.committee == committee_a


def test_a_partners_success_keeps_the_case_referred(
    client_for, committee_a, director_a, mediator_a, admin_liaison
):
    case = make_case(mediator_a, committee_a)
    referral = refer_out(director_a, case)
    client = client_for(admin_liaison)

    first = client.post(
        f"/api/v1/referrals/{referral.id}/feedback/", {"result": "success"}, format="json"
    )
    before = state(case)
    second = client.post(
        f"/api/v1/referrals/{referral.id}/feedback/", {"result": "returned"}, format="json"
    )
    invalid = client.post(
        f"/api/v1/referrals/{referral.id}/feedback/", {"result": "withdrawn"}, format="json"
    )

    assert first.status_code == 200
    assert (first.json()["status"], first.json()["result"]) == ("closed", "success")
    assert first.json()["has_agreement"] is True
    assert fresh(case).status == "referred"
    assert second.status_code == 409
    assert second.json()["code"] == "conflict"
    assert invalid.status_code == 400
    assert invalid.json()["code"] == "invalid_choice"
    assert state(case) == before


# --- the referral follows its case -------------------------------------------------------


def test_after_a_transfer_the_sender_no_longer_reads_the_case_through_its_referral(
    client_for, committee_a, director_a, mediator_a, medical, director_medical, court_liaison
):
    """The sender's members no longer see a transferred case: not through /cases/, and not
    through the case summary (facts, claims, parties) embedded in /referrals/ either."""
    referral = referral_in(court_liaison, "court", committee_a)
    routing.transfer_accept(
        actor=director_medical, transfer=request_transfer(director_a, referral.case, medical)
    )

    assert client_for(mediator_a).get(f"/api/v1/cases/{referral.case_id}/").status_code == 404
    assert client_for(mediator_a).get(f"/api/v1/referrals/{referral.id}/").status_code == 404
    assert referral.id not in ids(client_for(mediator_a).get("/api/v1/referrals/"))
    # the court still follows its case
    assert client_for(court_liaison).get(f"/api/v1/cases/{referral.case_id}/").status_code == 200


def test_after_a_transfer_the_receiver_sees_the_referral_of_the_case_it_holds(
    client_for, committee_a, director_a, mediator_a, medical, director_medical, court_liaison
):
    """The receiver now holds the case and owes the court its outcome: the referral is
    listed in the case it reads, so /referrals/ must let it open that referral too."""
    referral = referral_in(court_liaison, "court", committee_a)
    routing.transfer_accept(
        actor=director_medical, transfer=request_transfer(director_a, referral.case, medical)
    )
    client = client_for(director_medical)

    embedded = client.get(f"/api/v1/cases/{referral.case_id}/").json()["referrals"]
    assert [r["id"] for r in embedded] == [referral.id]
    assert client.get(f"/api/v1/referrals/{referral.id}/").status_code == 200
    assert ids(client.get("/api/v1/referrals/", {"direction": "inbound"})) == [referral.id]


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
    assert read(mediator_a, case_id).status_code == 404

    # reassigned to the medical committee
    accept_transfer(director_medical, transfer(director_town_a, case_id, medical, "reassign"))
    at_medical = read(director_medical, case_id).json()
    third = f"（{year()}）医调委人调字第00001号"
    assert (at_medical["committee"], at_medical["number"]) == (medical.id, third)
    assert at_medical["previous_numbers"] == [first, second]
    assert read(director_town_a, case_id).status_code == 404

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
    assert read(director_medical, case_id).status_code == 404
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
