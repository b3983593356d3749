"""HTTP level of referrals: /referrals/, /cases/{id}/refer/, /referrals/{id}/feedback/ (the
transfers are in test_routing_transfers_api.py).

Every endpoint has its authorization matrix (anonymous 401, outside the scope 404,
visible but the wrong role 403, the right role 200/201) and every denial checks that
nothing changed. State is built through the services; the endpoint under test is called
over HTTP.
"""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from committees.models import Institution, Mechanism
from mediation import routing, services
from mediation.models import Case, Referral
from tests.builders import (
    ADMINISTRATIVE_PARTNER,
    LIAISON_CASE_FIELDS,
    accept,
    fresh,
    ids,
    make_case,
    refer_out,
    referral_body,
    referral_in,
    request_transfer,
    state,
    year,
)
from tests.factories import institution

pytestmark = pytest.mark.django_db


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
    """The sender's members keep only a former holder's masked view of a transferred case
    (issue 15 item 14) — not the referral, whose case summary (facts, claims, parties)
    follows the holder."""
    referral = referral_in(court_liaison, "court", committee_a)
    routing.transfer_accept(
        actor=director_medical, transfer=request_transfer(director_a, referral.case, medical)
    )

    former = client_for(mediator_a).get(f"/api/v1/cases/{referral.case_id}/")
    assert former.status_code == 200
    assert former.json()["access"] == "former_holder"
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
