"""Shared helpers and fixtures of the tests in tests/api (moved here from the test files
that share them)."""

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from committees.models import Mediator
from mediation import services
from mediation.models import (
    Agreement,
    Case,
    CaseEvent,
    MediationSession,
    Referral,
    Transfer,
)
from tests.builders import make_case

# --- the cases API (test_cases_api, test_cases_filters_api, test_cases_writes_api) ---------

CASES = "/api/v1/cases/"
ID_NUMBER = "11010519491231002X"  # valid under GB 11643, with an X check digit
ID_NUMBER_MASKED = "1101**********002X"
PHONE = "13800000000"
PHONE_MASKED = "138****0000"
LEADER_PHONE = "13900001111"
LEADER_PHONE_MASKED = "139****1111"
ADMINISTRATIVE_PARTNER = "ADM-SCJ"  # an administrative department (行政调解对接)

PARTIES = [
    {
        "role": "applicant",
        "kind": "person",
        "name": "张某",
        "id_number": ID_NUMBER,
        "phone": PHONE,
        "address": "满城北街1号",
    },
    {"role": "respondent", "kind": "person", "name": "李某"},
]


# --- helpers -----------------------------------------------------------------------------


def today() -> date:
    return timezone.localdate()


def mediator_row(user) -> Mediator:
    return Mediator.objects.get(user=user)


def register(actor, committee, **fields) -> Case:
    return make_case(actor, committee, **{"parties": PARTIES, **fields})


def accept(case, director, mediator) -> Case:
    return services.case_accept(actor=director, case=case, mediator_ids=[mediator_row(mediator).id])


def create_body(committee, **overrides) -> dict:
    body = {
        "committee": committee.id,
        "dispute_type": "neighbourhood",
        "source": "party_application",
        "title": "楼上漏水纠纷",
        "facts": "楼上卫生间漏水，楼下天花板受损。",
        "claims": "赔偿维修费用",
        "amount_involved": "8000.00",
        "people_involved": 2,
        "occurred_on": str(today() - timedelta(days=3)),
        "risk_flags": ["escalation_risk"],
        "parties": [dict(p) for p in PARTIES],
    }
    body.update(overrides)
    return body


def snapshot(case_id: int) -> dict:
    """Everything a case endpoint may change, read fresh from the database."""
    case = Case.objects.get(pk=case_id)
    agreement = Agreement.objects.filter(case_id=case_id).first()
    return {
        "status": case.status,
        "transfer_pending": case.transfer_pending,
        "committee": case.committee_id,
        "number": case.number,
        "title": case.title,
        "due_on": case.due_on,
        "archived_at": case.archived_at,
        "mediators": sorted(case.mediators.values_list("id", flat=True)),
        "updated_at": case.updated_at,
        "events": CaseEvent.objects.filter(case_id=case_id).count(),
        "sessions": MediationSession.objects.filter(case_id=case_id).count(),
        "transfers": Transfer.objects.filter(case_id=case_id).count(),
        "referrals": Referral.objects.filter(case_id=case_id).count(),
        "judicial_result": agreement.judicial_result if agreement else None,
    }


def fresh(user):
    """The user as a new request would load it (scope is cached per user object)."""
    return get_user_model().objects.get(pk=user.pk)


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# --- the world every matrix row starts from ----------------------------------------------


@dataclass
class World:
    committee_a: object
    committee_b: object
    mediator_a: object
    mediator_a2: object
    director_a: object
    outsider: object

    @property
    def mediator_id(self) -> int:
        return mediator_row(self.mediator_a).id

    @property
    def mediator2_id(self) -> int:
        return mediator_row(self.mediator_a2).id


@pytest.fixture
def world(committee_a, committee_b, mediator_a, mediator_a2, director_a, outsider):
    return World(committee_a, committee_b, mediator_a, mediator_a2, director_a, outsider)


def case_in_state(world: World, state: str) -> Case:
    """A case of committee A in `state`, built through the services."""
    case = register(world.mediator_a, world.committee_a)
    if state == "registered":
        return case
    case = accept(case, world.director_a, world.mediator_a)
    if state == "mediating":
        return case
    if state == "succeeded":
        return services.case_conclude(
            actor=world.mediator_a,
            case=case,
            outcome="success",
            agreement={
                "form": "written",
                "terms": "李某于十日内赔偿张某维修费8000元。",
                "amount": "8000.00",
                "performance_deadline": today() + timedelta(days=10),
                "intends_judicial_confirmation": True,
            },
        )
    if state == "withdrawn":
        return services.case_withdraw(actor=world.mediator_a, case=case, reason="双方已自行和解")
    raise AssertionError(state)


def client_of(request, persona: str):
    if persona == "anon":
        return request.getfixturevalue("anon")
    return request.getfixturevalue("client_for")(request.getfixturevalue(persona))



# --- routing over HTTP (test_routing_api, test_routing_transfers_api) ----------------------


@pytest.fixture
def as_persona(request, anon, client_for):
    """as_persona("director_a") → a client for that persona; "anon" → not signed in."""

    def make(name):
        if name == "anon":
            return anon
        return client_for(request.getfixturevalue(name))

    return make
