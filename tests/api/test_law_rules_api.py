"""Issue 15 over HTTP (API.md "Added in v1.1": Cases, Transfers, Risk, Notifications): each
rule answers as the law says through the API, in the shapes the contract names."""

from datetime import timedelta

import pytest
from django.utils import timezone

from committees.models import Committee
from mediation import routing
from tests.api.conftest import (
    CASES,
    ID_NUMBER_MASKED,
    PHONE,
    PHONE_MASKED,
    accept,
    create_body,
    mediator_row,
    register,
)
from tests.builders import fresh

pytestmark = pytest.mark.django_db


def test_registration_answers_the_acceptance_deadline_and_the_parties_choices(
    client_for, mediator_a, mediator_a2, committee_a
):
    """Item 9 (accept_by, local practice) and 人民调解法 arts 19, 23."""
    body = create_body(
        committee_a, preferred_mediators=[mediator_row(mediator_a2).id], public_mediation=True
    )

    response = client_for(mediator_a).post(CASES, body, format="json")

    assert response.status_code == 201, response.content
    case = response.json()
    assert case["accept_by"] is not None
    assert case["acceptance_overdue"] is False
    assert case["preferred_mediators"] == [mediator_row(mediator_a2).id]
    assert case["public_mediation"] is True
    assert case["access"] == "holder"
    assert {p["consents"] for p in case["parties"]} == {None}


def test_a_choice_outside_the_committee_is_400(client_for, mediator_a, committee_a, outsider):
    body = create_body(committee_a, preferred_mediators=[mediator_row(outsider).id])

    response = client_for(mediator_a).post(CASES, body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_mediator"


def test_patch_edits_the_choices(client_for, mediator_a, mediator_a2, committee_a):
    case = register(mediator_a, committee_a)

    response = client_for(mediator_a).patch(
        f"{CASES}{case.id}/",
        {"preferred_mediators": [mediator_row(mediator_a2).id], "public_mediation": True},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["preferred_mediators"] == [mediator_row(mediator_a2).id]
    assert response.json()["public_mediation"] is True


def test_art17_a_refusal_posted_to_consent_declines_with_party_refuses(
    client_for, mediator_a, committee_a
):
    case = register(mediator_a, committee_a)
    respondent = case.parties.get(role="respondent")

    response = client_for(mediator_a).post(
        f"{CASES}{case.id}/consent/", {"party": respondent.id, "consents": False}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "declined"
    assert response.json()["decline_reason_code"] == "party_refuses"


def test_consent_for_a_party_of_another_case_is_400(client_for, mediator_a, committee_a):
    case = register(mediator_a, committee_a)
    other = register(mediator_a, committee_a)

    response = client_for(mediator_a).post(
        f"{CASES}{case.id}/consent/",
        {"party": other.parties.first().id, "consents": False},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_party"
    assert fresh(case).status == "registered"


def test_withdraw_from_registered(client_for, mediator_a, committee_a):
    case = register(mediator_a, committee_a)

    response = client_for(mediator_a).post(
        f"{CASES}{case.id}/withdraw/", {"reason": "申请人撤回"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "withdrawn"


def test_a_planned_session_then_held(client_for, mediator_a, director_a, committee_a):
    case = accept(register(mediator_a, committee_a), director_a, mediator_a)
    client = client_for(mediator_a)

    planned = client.post(
        f"{CASES}{case.id}/sessions/",
        {"held_at": (timezone.now() + timedelta(days=1)).isoformat(), "place": "调解室"},
        format="json",
    )
    assert planned.status_code == 201, planned.content
    assert planned.json()["status"] == "planned"
    url = f"{CASES}{case.id}/sessions/{planned.json()['id']}/held/"

    held = client.post(
        url,
        {"summary": "双方到场", "held_at": timezone.now().isoformat()},
        format="json",
    )
    again = client.post(url, {"summary": "双方到场"}, format="json")
    elsewhere = client.post(
        f"{CASES}{register(mediator_a, committee_a).id}/sessions/{planned.json()['id']}/held/",
        {"summary": "x"},
        format="json",
    )

    assert held.status_code == 200, held.content
    assert held.json()["status"] == "held"
    assert again.status_code == 409
    assert elsewhere.status_code == 404
    assert fresh(case).party_visits == 1


def _transfer(director_a, case, committee_b):
    return routing.transfer_request(
        actor=director_a, case=fresh(case), to_committee=committee_b, kind="reassign", reason="搬迁"
    )


def test_the_receiving_director_reads_the_pending_case_masked(
    client_for, mediator_a, director_a, committee_a, committee_b, outsider
):
    """The issue's probe (item 14): a receiving director reads the pending case, masked."""
    case = register(mediator_a, committee_a)
    _transfer(director_a, case, committee_b)

    response = client_for(outsider).get(f"{CASES}{case.id}/")

    assert response.status_code == 200
    data = response.json()
    assert data["access"] == "receiver"
    applicant = next(p for p in data["parties"] if p["role"] == "applicant")
    assert (applicant["id_number"], applicant["phone"]) == (ID_NUMBER_MASKED, PHONE_MASKED)
    assert data["allowed_actions"] == []


def test_the_former_holder_keeps_a_masked_view_of_its_part_of_the_history(
    client_for, mediator_a, director_a, committee_a, committee_b, outsider
):
    case = register(mediator_a, committee_a)
    routing.transfer_accept(actor=outsider, transfer=_transfer(director_a, case, committee_b))
    routing.transfer_request(
        actor=outsider,
        case=fresh(case),
        to_committee=Committee.objects.exclude(pk__in=[committee_a.pk, committee_b.pk])
        .filter(is_active=True)
        .first(),
        kind="reassign",
        reason="再次移送",
    )
    client = client_for(mediator_a)

    detail = client.get(f"{CASES}{case.id}/")
    events = client.get(f"{CASES}{case.id}/events/")
    listed = client.get(CASES)

    assert detail.status_code == 200
    assert detail.json()["access"] == "former_holder"
    assert PHONE not in detail.content.decode()
    kinds = [e["kind"] for e in events.json()["results"]]
    # its own part and the hand-over; not B's later request to a third committee
    assert kinds[:3] == ["registered", "transfer_requested", "transfer_accepted"]
    assert kinds.count("transfer_requested") == 1
    assert case.id in [row["id"] for row in listed.json()["results"]]


def test_art25_a_criminal_risk_registration_reaches_the_judicial_office(
    client_for, mediator_a, director_a, committee_a, office_a
):
    """The issue's probe: a `criminal_risk` case notifies the judicial office."""
    response = client_for(mediator_a).post(
        CASES, create_body(committee_a, risk_flags=["criminal_risk"]), format="json"
    )
    assert response.status_code == 201

    inbox = client_for(office_a).get("/api/v1/notifications/").json()["results"]

    assert [n["kind"] for n in inbox] == ["risk_report"]
    assert inbox[0]["case"] == response.json()["id"]


def test_the_former_holder_sees_only_the_sessions_of_its_part(
    client_for, mediator_a, director_a, committee_a, committee_b, outsider
):
    case = accept(register(mediator_a, committee_a), director_a, mediator_a)
    client_for(mediator_a).post(
        f"{CASES}{case.id}/sessions/",
        {"held_at": timezone.now().isoformat(), "summary": "A的调解"},
        format="json",
    )
    routing.transfer_accept(actor=outsider, transfer=_transfer(director_a, case, committee_b))
    accept(fresh(case), outsider, outsider)
    client_for(outsider).post(
        f"{CASES}{case.id}/sessions/",
        {"held_at": timezone.now().isoformat(), "summary": "B的调解"},
        format="json",
    )

    former = client_for(mediator_a).get(f"{CASES}{case.id}/").json()
    holder = client_for(outsider).get(f"{CASES}{case.id}/").json()

    assert [s["summary"] for s in former["sessions"]] == ["A的调解"]
    assert [s["summary"] for s in holder["sessions"]] == ["A的调解", "B的调解"]
