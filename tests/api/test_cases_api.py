"""The HTTP contract of docs/api.md "Cases": who may call what, and masking. State is built
through the services; every denial checks that nothing changed (the case row, its history
and everything hanging off it). Filters and query counts: test_cases_filters_api.py;
Idempotency-Key, bad input, the full path and PATCH: test_cases_writes_api.py."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.utils import timezone

from committees.models import Institution
from mediation.models import (
    Case,
    CaseEvent,
    CaseNumberCounter,
    Party,
)
from tests.api.conftest import (
    ADMINISTRATIVE_PARTNER,
    CASES,
    ID_NUMBER,
    ID_NUMBER_MASKED,
    LEADER_PHONE,
    LEADER_PHONE_MASKED,
    PHONE,
    PHONE_MASKED,
    World,
    case_in_state,
    client_of,
    create_body,
    ids,
    register,
    snapshot,
    today,
)

pytestmark = pytest.mark.django_db


# --- 1. authorization matrix -------------------------------------------------------------

# Out of scope reads as 404. Every endpoint is tried by the outsider (a director of
# committee B); the reads also by another judicial office and a partner's liaison.
OUT_OF_SCOPE = ("outsider",)
OUT_OF_SCOPE_READERS = ("outsider", "office_b", "court_liaison")
READERS = ("mediator_a", "director_a", "office_a", "district")
NOT_MEMBERS = ("office_a", "district")


def _no_change(world, before) -> dict:
    return {}


@dataclass(frozen=True)
class Endpoint:
    """One case endpoint: how to call it, on a case in which state, who may, and what
    the allowed call changes (beyond one new event of kind `event`)."""

    name: str
    method: str
    path: str
    state: str
    allowed: tuple[str, ...]
    forbidden: tuple[str, ...] = ()
    body: Callable[[World], dict] | None = None
    ok_status: int = 200
    event: str | None = None
    changes: Callable[[World, dict], dict] = field(default=_no_change)
    returns: str = "case"

    def call(self, client, case_id: int, world: World):
        url = f"{CASES}{case_id}/{self.path}"
        if self.method == "get":
            return client.get(url)
        body = self.body(world) if self.body else {}
        return getattr(client, self.method)(url, body, format="json")


ENDPOINTS = [
    Endpoint("detail", "get", "", "registered", allowed=READERS),
    Endpoint("events", "get", "events/", "registered", allowed=READERS, returns="events"),
    Endpoint(
        "patch",
        "patch",
        "",
        "registered",
        allowed=("mediator_a", "director_a"),
        forbidden=NOT_MEMBERS,
        body=lambda w: {"title": "楼上漏水纠纷（更正）"},
        event="updated",
        changes=lambda w, before: {"title": "楼上漏水纠纷（更正）"},
    ),
    Endpoint(
        "accept",
        "post",
        "accept/",
        "registered",
        allowed=("director_a",),
        forbidden=("mediator_a", *NOT_MEMBERS),
        body=lambda w: {"mediators": [w.mediator_id]},
        event="accepted",
        changes=lambda w, before: {
            "status": "mediating",
            "mediators": [w.mediator_id],
            "due_on": today() + timedelta(days=30),
        },
    ),
    Endpoint(
        "decline",
        "post",
        "decline/",
        "registered",
        allowed=("director_a",),
        forbidden=("mediator_a", *NOT_MEMBERS),
        body=lambda w: {"reason": "法院已经受理", "reason_code": "already_accepted_elsewhere"},
        event="declined",
        changes=lambda w, before: {"status": "declined"},
    ),
    Endpoint(
        "assign",
        "post",
        "assign/",
        "mediating",
        allowed=("director_a",),
        forbidden=("mediator_a", *NOT_MEMBERS),
        body=lambda w: {"mediators": [w.mediator2_id], "reason": "工作调整"},
        event="mediators_assigned",
        changes=lambda w, before: {"mediators": [w.mediator2_id]},
    ),
    Endpoint(
        "sessions",
        "post",
        "sessions/",
        "mediating",
        allowed=("mediator_a", "director_a"),
        forbidden=NOT_MEMBERS,
        body=lambda w: {
            "held_at": timezone.now().isoformat(),
            "place": "社区调解室",
            "summary": "双方到场陈述意见。",
            "party_present": True,
        },
        ok_status=201,
        event="session_recorded",
        changes=lambda w, before: {"sessions": before["sessions"] + 1},
        returns="session",
    ),
    Endpoint(
        "extend",
        "post",
        "extend/",
        "mediating",
        allowed=("mediator_a", "director_a"),
        forbidden=NOT_MEMBERS,
        body=lambda w: {"days": 15, "reason": "需要鉴定损失", "parties_consent": True},
        event="extended",
        changes=lambda w, before: {"due_on": before["due_on"] + timedelta(days=15)},
    ),
    Endpoint(
        "conclude",
        "post",
        "conclude/",
        "mediating",
        allowed=("mediator_a", "director_a"),
        forbidden=NOT_MEMBERS,
        body=lambda w: {"outcome": "failure", "guidance": "litigation", "reason": "分歧较大"},
        event="concluded",
        changes=lambda w, before: {"status": "failed"},
    ),
    Endpoint(
        "withdraw",
        "post",
        "withdraw/",
        "mediating",
        allowed=("mediator_a", "director_a"),
        forbidden=NOT_MEMBERS,
        body=lambda w: {"reason": "申请人撤回申请"},
        event="withdrawn",
        changes=lambda w, before: {"status": "withdrawn"},
    ),
    Endpoint(
        "archive",
        "post",
        "archive/",
        "withdrawn",
        allowed=("mediator_a", "director_a"),
        forbidden=NOT_MEMBERS,
        event="archived",
        changes=lambda w, before: {"status": "archived"},
    ),
    Endpoint(
        "rights-notified",
        "post",
        "rights-notified/",
        "mediating",
        allowed=("mediator_a", "director_a"),
        forbidden=NOT_MEMBERS,
        body=lambda w: {"at": timezone.now().isoformat(), "how": "written"},
        event="rights_notified",
        changes=lambda w, before: {},
    ),
    Endpoint(
        "judicial-confirmation",
        "post",
        "judicial-confirmation/",
        "succeeded",
        allowed=("mediator_a", "director_a"),
        forbidden=NOT_MEMBERS,
        body=lambda w: {
            "applied_on": str(today()),
            "court": "银川市金凤区人民法院",
            "result": "confirmed",
            "ruling_number": "(2026)宁0106民特1号",
            "joint": True,
        },
        event="judicial_confirmation",
        changes=lambda w, before: {"judicial_result": "confirmed"},
    ),
    Endpoint(
        "transfer",
        "post",
        "transfer/",
        "registered",
        allowed=("director_a",),
        forbidden=("mediator_a", *NOT_MEMBERS),
        body=lambda w: {"to_committee": w.committee_b.id, "kind": "reassign", "reason": "属地"},
        ok_status=201,
        event="transfer_requested",
        changes=lambda w, before: {"transfer_pending": True, "transfers": 1},
        returns="transfer",
    ),
    Endpoint(
        "refer",
        "post",
        "refer/",
        "mediating",
        allowed=("director_a",),
        forbidden=("mediator_a", *NOT_MEMBERS),
        body=lambda w: {
            "mechanism": "administrative",
            "institution": Institution.objects.get(code=ADMINISTRATIVE_PARTNER).id,
            "reason": "属行政机关职责",
        },
        ok_status=201,
        event="referred_out",
        changes=lambda w, before: {"status": "referred", "referrals": 1},
        returns="referral",
    ),
]


def _denials():
    for endpoint in ENDPOINTS:
        yield pytest.param(endpoint, "anon", 401, "not_authenticated", id=f"{endpoint.name}-anon")
        for persona in OUT_OF_SCOPE_READERS if endpoint.method == "get" else OUT_OF_SCOPE:
            yield pytest.param(endpoint, persona, 404, "not_found", id=f"{endpoint.name}-{persona}")
        for persona in endpoint.forbidden:
            yield pytest.param(
                endpoint, persona, 403, "permission_denied", id=f"{endpoint.name}-{persona}"
            )


def _allowances():
    for endpoint in ENDPOINTS:
        for persona in endpoint.allowed:
            yield pytest.param(endpoint, persona, id=f"{endpoint.name}-{persona}")


def test_every_case_endpoint_is_in_the_matrix():
    # given the case actions the API publishes (docs/api.md "Cases" and "Transfers")
    published = {
        "detail",
        "events",
        "patch",
        "accept",
        "decline",
        "assign",
        "sessions",
        "extend",
        "conclude",
        "withdraw",
        "archive",
        "judicial-confirmation",
        "rights-notified",
        "transfer",
        "refer",
    }
    # then each has a row (create and list have their own tests below)
    assert {endpoint.name for endpoint in ENDPOINTS} == published


@pytest.mark.parametrize("endpoint, persona, status, code", list(_denials()))
def test_case_endpoint_denies_and_changes_nothing(request, world, endpoint, persona, status, code):
    # given a case of committee A in a state the endpoint accepts
    case = case_in_state(world, endpoint.state)
    before = snapshot(case.id)

    # when someone without the right calls it
    response = endpoint.call(client_of(request, persona), case.id, world)

    # then the refusal is the contract's, and nothing changed
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert body["detail"]
    assert "title" not in body and "parties" not in body
    assert snapshot(case.id) == before


@pytest.mark.parametrize("endpoint, persona", list(_allowances()))
def test_case_endpoint_allows_the_right_role(request, world, endpoint, persona):
    # given a case of committee A in a state the endpoint accepts
    case = case_in_state(world, endpoint.state)
    before = snapshot(case.id)

    # when the right role calls it
    response = endpoint.call(client_of(request, persona), case.id, world)

    # then it succeeds and changes exactly what it should, with one event in the history
    assert response.status_code == endpoint.ok_status, response.content
    body = response.json()
    after = snapshot(case.id)
    if endpoint.method == "get":
        assert after == before
    else:
        expected = {**before, **endpoint.changes(world, before), "events": before["events"] + 1}
        expected.pop("updated_at"), after.pop("updated_at")
        if endpoint.name == "archive":
            assert after.pop("archived_at") is not None
            expected.pop("archived_at")
        assert after == expected
        last = CaseEvent.objects.filter(case_id=case.id).order_by("-id").first()
        assert last.kind == endpoint.event
        assert last.actor_id == request.getfixturevalue(persona).id
    if endpoint.returns == "case":
        assert body["id"] == case.id
        assert body["status"] == after["status"]
    elif endpoint.returns == "events":
        assert [(e["kind"], e["from_status"], e["to_status"]) for e in body["results"]] == [
            ("registered", "", "registered")
        ]
    elif endpoint.returns == "session":
        assert body["summary"] == "双方到场陈述意见。"
        assert body["party_present"] is True
    elif endpoint.returns == "transfer":
        assert (body["case"], body["status"], body["to_committee"]) == (
            case.id,
            "pending",
            world.committee_b.id,
        )
    elif endpoint.returns == "referral":
        assert (body["direction"], body["mechanism"], body["case"]["id"]) == (
            "outbound",
            "administrative",
            case.id,
        )


@pytest.mark.parametrize(
    "persona, status, code",
    [
        ("anon", 401, "not_authenticated"),
        ("outsider", 403, "permission_denied"),
        ("office_a", 403, "permission_denied"),
        ("district", 403, "permission_denied"),
        ("court_liaison", 403, "permission_denied"),
    ],
)
def test_create_is_refused_to_all_but_members_and_writes_nothing(
    request, world, persona, status, code
):
    # given committee A (reference data every signed-in user can see)
    # when someone who is not a member of A registers a case there
    response = client_of(request, persona).post(
        CASES, create_body(world.committee_a), format="json"
    )

    # then it is refused and nothing is written
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert Case.objects.count() == 0
    assert Party.objects.count() == 0
    assert CaseEvent.objects.count() == 0
    assert CaseNumberCounter.objects.count() == 0


@pytest.mark.parametrize("persona", ["mediator_a", "director_a"])
def test_create_by_a_member_answers_201_with_the_case(request, world, persona):
    response = client_of(request, persona).post(
        CASES, create_body(world.committee_a), format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get()
    year = today().year
    short_name = world.committee_a.short_name
    assert body["id"] == case.id
    assert body["number"] == f"（{year}）{short_name}人调字第00001号"
    assert body["committee"] == world.committee_a.id
    assert body["status"] == "registered"
    assert body["due_on"] is None
    assert body["received_at"]
    assert [(p["role"], p["name"]) for p in body["parties"]] == [
        ("applicant", "张某"),
        ("respondent", "李某"),
    ]
    assert case.created_by_id == request.getfixturevalue(persona).id
    # 人民调解法 art 25: the body's `escalation_risk` is reported in the same transaction
    assert list(case.events.values_list("kind", flat=True)) == ["registered", "risk_reported"]


def test_list_requires_login(anon, world):
    register(world.mediator_a, world.committee_a)

    response = anon.get(CASES)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize(
    "persona, sees",
    [
        ("mediator_a", True),
        ("director_a", True),
        ("office_a", True),
        ("district", True),
        ("outsider", False),
        ("office_b", False),
        ("court_liaison", False),
    ],
)
def test_list_shows_a_case_only_inside_the_scope(request, world, persona, sees):
    # given one case in A and one in B
    case_a = register(world.mediator_a, world.committee_a)
    case_b = register(world.outsider, world.committee_b, title="邻里噪音纠纷")

    response = client_of(request, persona).get(CASES, {"page_size": 200})

    listed = ids(response)
    assert (case_a.id in listed) is sees
    if persona in ("mediator_a", "director_a", "office_a"):
        assert case_b.id not in listed
    if persona in ("outsider", "district"):
        assert case_b.id in listed


# --- 2. masking --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona, unmasked",
    [
        ("mediator_a", True),
        ("director_a", True),
        ("office_a", False),
        ("district", False),
    ],
)
def test_id_number_and_phone_are_masked_outside_the_holding_committee(
    request, world, persona, unmasked
):
    # given a case whose applicant gave an ID number and a phone, with a responsible leader
    case = register(
        world.mediator_a,
        world.committee_a,
        responsible_leader={"name": "王书记", "post": "社区书记", "phone": LEADER_PHONE},
    )
    client = client_of(request, persona)

    # when the persona reads it in the list and in the detail
    listed = client.get(CASES, {"page_size": 200}).json()["results"]
    row = next(r for r in listed if r["id"] == case.id)
    detail = client.get(f"{CASES}{case.id}/").json()

    # then ID number and phones are whole only for members of committee A
    expected = (
        (ID_NUMBER, PHONE, LEADER_PHONE)
        if unmasked
        else (ID_NUMBER_MASKED, PHONE_MASKED, LEADER_PHONE_MASKED)
    )
    for shown in (row, detail):
        applicant, respondent = shown["parties"]
        assert (applicant["id_number"], applicant["phone"]) == expected[:2]
        assert applicant["name"] == "张某"
        assert (respondent["id_number"], respondent["phone"]) == ("", "")
        assert shown["responsible_leader"]["phone"] == expected[2]
    # the stored values stay whole
    assert Party.objects.get(case=case, role="applicant").id_number == ID_NUMBER
