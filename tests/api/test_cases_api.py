"""The HTTP contract of docs/api.md "Cases": who may call what, masking, filters, pinned query
counts, Idempotency-Key, bad input, the full path from registration to judicial
confirmation, and PATCH. State is built through the services; every denial checks that
nothing changed (the case row, its history and everything hanging off it)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from api.models import IdempotencyKey
from committees.models import Institution, Mediator
from mediation import services
from mediation.models import (
    Agreement,
    Case,
    CaseEvent,
    CaseNumberCounter,
    FollowUp,
    MediationSession,
    Party,
    Referral,
    Transfer,
)
from tests.builders import make_case

pytestmark = pytest.mark.django_db

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
    assert list(case.events.values_list("kind", flat=True)) == ["registered"]


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


# --- 3. filters --------------------------------------------------------------------------


def _received(case: Case, day: date, at: time) -> None:
    """Test setup of time: the case came in at `at` on `day` (Asia/Shanghai)."""
    Case.objects.filter(pk=case.pk).update(
        received_at=timezone.make_aware(datetime.combine(day, at))
    )


@pytest.fixture
def filter_cases(world):
    """Four cases in A and one in B, received around the midnights of three days."""
    m, d = world.mediator_a, world.director_a
    neighbour = accept(register(m, world.committee_a, title="楼上漏水纠纷"), d, m)
    wages = register(
        m,
        world.committee_a,
        title="拖欠农民工工资",
        dispute_type="labour_wages",
        source="screening",
        parties=[
            {"role": "applicant", "name": "王某"},
            {"role": "respondent", "kind": "organisation", "name": "宏达建筑公司"},
        ],
    )
    labour = accept(
        register(
            m,
            world.committee_a,
            title="解除劳动合同补偿",
            dispute_type="labour",
            parties=[
                {"role": "applicant", "name": "赵某"},
                {"role": "respondent", "kind": "organisation", "name": "顺达物流公司"},
            ],
        ),
        d,
        m,
    )
    contract = services.case_decline(
        actor=d,
        case=register(
            m,
            world.committee_a,
            title="货款纠纷",
            dispute_type="contract",
            parties=[{"role": "applicant", "name": "钱某"}, {"role": "respondent", "name": "孙某"}],
        ),
        reason="法院已经受理",
    )
    other = register(
        world.outsider, world.committee_b, title="加班费纠纷", dispute_type="labour_other"
    )
    day1, day2, day3 = (today() - timedelta(days=n) for n in (10, 9, 8))
    _received(neighbour, day1, time(23, 59, 59))
    _received(wages, day2, time(0, 0))
    _received(labour, day2, time(23, 59, 59))
    _received(contract, day3, time(0, 0))
    _received(other, day2, time(12, 0))
    # neighbour is one day past its due date; labour is due today (not yet overdue)
    Case.objects.filter(pk=neighbour.pk).update(due_on=today() - timedelta(days=1))
    Case.objects.filter(pk=labour.pk).update(due_on=today())
    cases = {
        "neighbour": neighbour,
        "wages": wages,
        "labour": labour,
        "contract": contract,
        "other": other,
    }
    return {"days": (day1, day2, day3), **{k: Case.objects.get(pk=v.pk) for k, v in cases.items()}}


def _names(filter_cases, response) -> set[str]:
    by_id = {case.id: name for name, case in filter_cases.items() if isinstance(case, Case)}
    return {by_id[i] for i in ids(response)}


FILTERS = [
    ({"status": "mediating"}, {"neighbour", "labour"}),
    ({"status": "registered"}, {"wages", "other"}),
    ({"status": "declined"}, {"contract"}),
    ({"committee": "A"}, {"neighbour", "wages", "labour", "contract"}),
    ({"committee": "B"}, {"other"}),
    ({"dispute_type": "labour"}, {"wages", "labour", "other"}),
    ({"dispute_type": "labour_wages"}, {"wages"}),
    ({"dispute_type": "neighbourhood"}, {"neighbour"}),
    ({"committee": "A", "dispute_type": "labour"}, {"wages", "labour"}),
    ({"source": "screening"}, {"wages"}),
    ({"source": "party_application"}, {"neighbour", "labour", "contract", "other"}),
    ({"received_after": 1}, {"wages", "labour", "contract", "other"}),
    ({"received_before": 1}, {"neighbour", "wages", "labour", "other"}),
    ({"received_after": 1, "received_before": 1}, {"wages", "labour", "other"}),
    ({"received_after": 0, "received_before": 0}, {"neighbour"}),
    ({"received_after": 2}, {"contract"}),
    ({"overdue": "true"}, {"neighbour"}),
    ({"q": "漏水"}, {"neighbour"}),
    ({"q": "宏达"}, {"wages"}),
    ({"q": "赵某"}, {"labour"}),
    ({"q": "number:wages"}, {"wages"}),
]


@pytest.mark.parametrize("query, expected", FILTERS, ids=[str(q) for q, _ in FILTERS])
def test_case_list_filters(client_for, district, world, filter_cases, query, expected):
    # given the district office, which sees every committee
    params = {"page_size": 200}
    for key, value in query.items():
        if key == "committee":
            value = (world.committee_a if value == "A" else world.committee_b).id
        elif key.startswith("received_"):
            value = str(filter_cases["days"][value])
        elif key == "q" and value.startswith("number:"):
            value = filter_cases[value.removeprefix("number:")].number
        params[key] = value

    response = client_for(district).get(CASES, params)

    assert _names(filter_cases, response) == expected


def test_overdue_flag_in_the_list_matches_the_filter(client_for, district, filter_cases):
    rows = client_for(district).get(CASES, {"page_size": 200}).json()["results"]

    overdue = {row["id"] for row in rows if row["overdue"]}

    assert overdue == {filter_cases["neighbour"].id}


def test_filters_never_widen_the_scope(client_for, mediator_a, world, filter_cases):
    client = client_for(mediator_a)

    assert ids(client.get(CASES, {"committee": world.committee_b.id})) == set()
    assert ids(client.get(CASES, {"q": "加班费"})) == set()
    assert ids(client.get(CASES, {"dispute_type": "labour"})) == {
        filter_cases["wages"].id,
        filter_cases["labour"].id,
    }


@pytest.mark.parametrize(
    "query",
    [
        {"status": "finished"},
        {"dispute_type": "gossip"},
        {"source": "transfer_in"},
        {"received_after": "2026-13-01"},
        {"received_before": "yesterday"},
        {"committee": "A"},
    ],
)
def test_a_bad_filter_value_is_400_not_500(client_for, district, world, query):
    register(world.mediator_a, world.committee_a)

    response = client_for(district).get(CASES, query)

    assert response.status_code == 400, response.content
    assert response.json()["code"]
    assert response.json()["detail"]


# --- 4. pinned query count on the list ---------------------------------------------------

# scope (memberships, roles, supervised committees), cases, parties, and for members one
# insert recording the personal-data reveal (issue 7's audited reveal)
LIST_QUERY_BUDGET = 6


@pytest.mark.parametrize("persona", ["mediator_a", "office_a", "district"])
def test_list_query_count_is_the_same_at_page_size_1_50_200(
    request, client_for, world, django_assert_max_num_queries, django_assert_num_queries, persona
):
    # given 205 cases in committee A, one accepted (mediators) and one with a leader
    for n in range(205):
        register(world.mediator_a, world.committee_a, title=f"纠纷{n}")
    accept(Case.objects.order_by("-id").first(), world.director_a, world.mediator_a)
    user = request.getfixturevalue(persona)

    # when the list is read at page size 1, then 50, then 200 (each a fresh request)
    client = client_for(fresh(user))
    with django_assert_max_num_queries(LIST_QUERY_BUDGET) as first:
        response = client.get(CASES, {"page_size": 1})
    assert len(response.json()["results"]) == 1
    pinned = len(first.captured_queries)

    for size in (50, 200):
        client = client_for(fresh(user))
        with django_assert_num_queries(pinned):
            response = client.get(CASES, {"page_size": size})
        # then every page costs the same number of queries, and the rows are complete
        rows = response.json()["results"]
        assert len(rows) == size
        assert all(len(row["parties"]) == 2 for row in rows)
        assert response.json()["next"] is not None


# --- 5. Idempotency-Key ------------------------------------------------------------------

KEY = "3f1c9a4e-7b2d-4c55-9e61-0a8d2b7c4f10"


def test_same_key_and_body_replays_the_first_response(client_for, mediator_a, world):
    client = client_for(mediator_a)
    body = create_body(world.committee_a)

    first = client.post(CASES, body, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    second = client.post(CASES, body, format="json", HTTP_IDEMPOTENCY_KEY=KEY)

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Case.objects.count() == 1
    assert Case.objects.get().id == first.json()["id"]
    assert CaseEvent.objects.count() == 1
    assert CaseNumberCounter.objects.get().last == 1


def test_same_key_with_another_body_is_422_and_creates_nothing(client_for, mediator_a, world):
    client = client_for(mediator_a)
    first = client.post(
        CASES, create_body(world.committee_a), format="json", HTTP_IDEMPOTENCY_KEY=KEY
    )

    other = client.post(
        CASES,
        create_body(world.committee_a, title="另一纠纷"),
        format="json",
        HTTP_IDEMPOTENCY_KEY=KEY,
    )

    assert first.status_code == 201
    assert other.status_code == 422, other.content
    assert other.json()["code"] == "idempotency_key_reused"
    assert list(Case.objects.values_list("id", "title")) == [(first.json()["id"], "楼上漏水纠纷")]
    assert CaseNumberCounter.objects.get().last == 1


@pytest.mark.parametrize(
    "bad, code",
    [
        # refused by the serializer
        ({"parties": [{**PARTIES[0], "phone": "12345"}, PARTIES[1]]}, "invalid_phone"),
        # refused by the service, inside the idempotent transaction
        (
            {"parties": [PARTIES[0], {"role": "applicant", "name": "李某"}]},
            "parties_incomplete",
        ),
    ],
    ids=["serializer", "service"],
)
def test_a_failed_request_stores_no_key_so_a_retry_creates_the_case(
    client_for, mediator_a, world, bad, code
):
    client = client_for(mediator_a)

    failed = client.post(
        CASES, create_body(world.committee_a, **bad), format="json", HTTP_IDEMPOTENCY_KEY=KEY
    )

    assert failed.status_code == 400, failed.content
    assert failed.json()["code"] == code
    assert IdempotencyKey.objects.count() == 0
    assert Case.objects.count() == 0

    retried = client.post(
        CASES, create_body(world.committee_a), format="json", HTTP_IDEMPOTENCY_KEY=KEY
    )

    assert retried.status_code == 201, retried.content
    assert "Idempotent-Replayed" not in retried
    assert Case.objects.get().id == retried.json()["id"]
    assert retried.json()["number"].endswith("第00001号")


# --- 6. bad input ------------------------------------------------------------------------

BAD_BODIES = [
    pytest.param(
        {"parties": [{**PARTIES[0], "id_number": "110105194912310021"}, PARTIES[1]]},
        "invalid_id_number",
        id="id-number-check-digit",
    ),
    pytest.param(
        {"parties": [{**PARTIES[0], "id_number": "110105194902301234"}, PARTIES[1]]},
        "invalid_id_number",
        id="id-number-birth-date",
    ),
    pytest.param(
        {"parties": [{**PARTIES[0], "phone": "12345"}, PARTIES[1]]},
        "invalid_phone",
        id="phone",
    ),
    pytest.param(
        {"parties": [PARTIES[0], {"role": "applicant", "name": "李某"}]},
        "parties_incomplete",
        id="two-applicants-no-respondent",
    ),
    pytest.param(
        {"parties": [PARTIES[0]]},
        "parties_incomplete",
        id="applicant-only",
    ),
    pytest.param({"amount_involved": "-1.00"}, "min_value", id="negative-amount"),
    pytest.param({"dispute_type": "gossip"}, "invalid_choice", id="unknown-dispute-type"),
    pytest.param({"source": "transfer"}, "invalid_choice", id="source-transfer"),
    pytest.param({"source": "court"}, "invalid_choice", id="source-mechanism"),
    pytest.param({"risk_flags": ["bad_luck"]}, "invalid_choice", id="unknown-risk-flag"),
]


def _written_rows() -> tuple[int, ...]:
    return (
        Case.objects.count(),
        Party.objects.count(),
        CaseEvent.objects.count(),
        CaseNumberCounter.objects.count(),
        FollowUp.objects.filter(case__isnull=False).count(),
    )


@pytest.mark.parametrize("override, code", BAD_BODIES)
def test_bad_input_is_400_with_a_stable_code_and_writes_nothing(
    client_for, mediator_a, world, override, code
):
    client = client_for(mediator_a)

    response = client.post(CASES, create_body(world.committee_a, **override), format="json")

    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert response.json()["detail"]
    assert _written_rows() == (0, 0, 0, 0, 0)
    # and the number it would have taken is still free (no gap)
    good = client.post(CASES, create_body(world.committee_a), format="json")
    assert good.status_code == 201
    assert good.json()["number"].endswith("第00001号")


def test_negative_amount_names_the_field(client_for, mediator_a, world):
    response = client_for(mediator_a).post(
        CASES, create_body(world.committee_a, amount_involved="-1.00"), format="json"
    )

    assert response.status_code == 400
    assert "amount_involved" in response.json()
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    "raw",
    ['{"committee": 1, "title": "缺括号"', "not json at all", '{"parties": [}'],
)
def test_malformed_json_is_400_not_500(client_for, mediator_a, world, raw):
    response = client_for(mediator_a).post(
        CASES, raw.encode(), content_type="application/json; charset=utf-8"
    )

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "parse_error"
    assert Case.objects.count() == 0


# --- 7. the full path over the API --------------------------------------------------------


def test_register_to_judicial_confirmation_over_the_api(client_for, mediator_a, director_a, world):
    as_mediator, as_director = client_for(mediator_a), client_for(director_a)
    deadline = today() + timedelta(days=10)

    # register
    created = as_mediator.post(CASES, create_body(world.committee_a), format="json")
    assert created.status_code == 201, created.content
    case_id, number = created.json()["id"], created.json()["number"]
    url = f"{CASES}{case_id}/"

    # accept
    accepted = as_director.post(
        f"{url}accept/", {"mediators": [mediator_row(mediator_a).id]}, format="json"
    )
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "mediating"
    assert accepted.json()["accepted_at"]
    assert accepted.json()["due_on"] == str(today() + timedelta(days=30))
    assert accepted.json()["mediators"] == [mediator_row(mediator_a).id]

    # a session with the parties present
    session = as_mediator.post(
        f"{url}sessions/",
        {
            "held_at": timezone.now().isoformat(),
            "place": "社区调解室",
            "summary": "双方同意赔偿方案。",
            "party_present": True,
        },
        format="json",
    )
    assert session.status_code == 201, session.content

    # conclude with a written agreement and a performance deadline
    concluded = as_mediator.post(
        f"{url}conclude/",
        {
            "outcome": "success",
            "agreement": {
                "form": "written",
                "terms": "李某于十日内赔偿张某维修费8000元。",
                "amount": "8000.00",
                "performance_deadline": str(deadline),
                "intends_judicial_confirmation": True,
            },
        },
        format="json",
    )
    assert concluded.status_code == 200, concluded.content
    agreement = concluded.json()["agreement"]
    assert concluded.json()["status"] == "succeeded"
    assert concluded.json()["party_visits"] == 1
    assert agreement["number"] == number
    assert agreement["form"] == "written"
    assert agreement["amount"] == "8000.00"
    assert agreement["performance_deadline"] == str(deadline)
    assert agreement["effective_on"] == str(today())

    # judicial confirmation
    confirmed = as_mediator.post(
        f"{url}judicial-confirmation/",
        {
            "applied_on": str(today()),
            "court": "银川市金凤区人民法院",
            "result": "confirmed",
            "ruling_number": "(2026)宁0106民特1号",
        },
        format="json",
    )
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["agreement"]["judicial_confirmation"] == {
        "applied_on": str(today()),
        "court": "银川市金凤区人民法院",
        "result": "confirmed",
        "ruling_number": "(2026)宁0106民特1号",
    }

    # then the history lists every step in order, with who and from/to status
    events = as_mediator.get(f"{url}events/").json()["results"]
    assert [(e["kind"], e["actor"], e["from_status"], e["to_status"]) for e in events] == [
        ("registered", "mediator_a", "", "registered"),
        ("accepted", "director_a", "registered", "mediating"),
        ("session_recorded", "mediator_a", "mediating", "mediating"),
        ("concluded", "mediator_a", "mediating", "succeeded"),
        ("judicial_confirmation", "mediator_a", "succeeded", "succeeded"),
    ]
    assert {e["committee"] for e in events} == {world.committee_a.id}
    assert {"at", "actor", "kind", "from_status", "to_status", "committee", "data"} <= set(
        events[0]
    )
    detail = as_mediator.get(url).json()
    assert {
        "parties",
        "mediators",
        "sessions",
        "agreement",
        "transfers",
        "referrals",
        "follow_ups",
    } <= set(detail)
    assert [s["summary"] for s in detail["sessions"]] == ["双方同意赔偿方案。"]

    # and archiving is refused while the follow-ups (performance check, rating) are open
    scheduled = set(
        FollowUp.objects.filter(case_id=case_id, status="scheduled").values_list("id", flat=True)
    )
    assert set(
        FollowUp.objects.filter(case_id=case_id, status="scheduled").values_list("kind", flat=True)
    ) == {"performance_check", "satisfaction"}
    before = snapshot(case_id)
    archived = as_mediator.post(f"{url}archive/", {}, format="json")
    assert archived.status_code == 409, archived.content
    assert archived.json()["code"] == "invalid_transition"
    assert set(archived.json()["follow_ups"]) == scheduled
    assert snapshot(case_id) == before


# --- 8. PATCH ----------------------------------------------------------------------------


def test_patch_edits_descriptive_fields_and_records_before_and_after(client_for, mediator_a, world):
    case = register(world.mediator_a, world.committee_a, facts="漏水")
    before = snapshot(case.id)

    response = client_for(mediator_a).patch(
        f"{CASES}{case.id}/",
        {
            "title": "楼上漏水纠纷（更正）",
            "facts": "楼上卫生间漏水三次",
            "amount_involved": "12000.00",
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["title"] == "楼上漏水纠纷（更正）"
    assert response.json()["facts"] == "楼上卫生间漏水三次"
    assert response.json()["amount_involved"] == "12000.00"
    case.refresh_from_db()
    assert (case.status, case.committee_id, case.number) == (
        before["status"],
        before["committee"],
        before["number"],
    )
    event = case.events.order_by("-id").first()
    assert CaseEvent.objects.filter(case=case).count() == before["events"] + 1
    assert event.kind == "updated"
    assert event.data == {
        "before": {"title": "楼上漏水纠纷", "facts": "漏水", "amount_involved": None},
        "after": {
            "title": "楼上漏水纠纷（更正）",
            "facts": "楼上卫生间漏水三次",
            "amount_involved": "12000.00",
        },
    }


@pytest.mark.parametrize(
    "body",
    [
        {"status": "succeeded"},
        {"committee": "B"},
        {"title": "新标题", "status": "archived"},
        {"title": "新标题", "committee": "B"},
    ],
    ids=["status", "committee", "title+status", "title+committee"],
)
def test_patch_refuses_status_and_committee_and_changes_nothing(
    client_for, mediator_a, world, body
):
    case = register(world.mediator_a, world.committee_a)
    body = {k: (world.committee_b.id if v == "B" else v) for k, v in body.items()}
    before = snapshot(case.id)

    response = client_for(mediator_a).patch(f"{CASES}{case.id}/", body, format="json")

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "field_not_editable"
    assert snapshot(case.id) == before


@pytest.mark.parametrize("state", ["succeeded", "withdrawn"])
def test_patch_on_a_concluded_case_is_409(client_for, mediator_a, world, state):
    case = case_in_state(world, state)
    before = snapshot(case.id)

    response = client_for(mediator_a).patch(
        f"{CASES}{case.id}/", {"title": "结案后修改"}, format="json"
    )

    assert response.status_code == 409, response.content
    assert response.json()["code"] == "invalid_transition"
    assert snapshot(case.id) == before


@pytest.mark.parametrize(
    "field, value",
    [
        ("due_on", "2099-01-01"),
        ("received_at", "2020-01-01T08:00:00+08:00"),
        ("outcome", "success"),
        ("transfer_pending", True),
        ("number", "（2020）伪造人调字第00001号"),
        ("source", "screening"),
    ],
)
def test_patch_never_changes_a_non_descriptive_field(
    client_for, mediator_a, director_a, world, field, value
):
    # given a mediating case (it has a due date)
    case = accept(register(world.mediator_a, world.committee_a), director_a, mediator_a)
    before = Case.objects.values().get(pk=case.pk)

    response = client_for(mediator_a).patch(
        f"{CASES}{case.id}/", {"title": "新标题", field: value}, format="json"
    )

    # then the field is never written: either refused outright or left alone
    after = Case.objects.values().get(pk=case.pk)
    assert after[field] == before[field]
    assert response.status_code in (200, 400), response.content
    if response.status_code == 400:
        assert response.json()["code"] == "field_not_editable"
        assert after["title"] == before["title"]
