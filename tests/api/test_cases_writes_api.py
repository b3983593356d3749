"""docs/api.md "Cases": Idempotency-Key, bad input, the full path from registration to
judicial confirmation, and PATCH."""

from datetime import timedelta

import pytest
from django.utils import timezone

from api.models import IdempotencyKey
from mediation.models import (
    Case,
    CaseEvent,
    CaseNumberCounter,
    FollowUp,
    Party,
)
from tests.api.conftest import (
    CASES,
    PARTIES,
    accept,
    case_in_state,
    create_body,
    mediator_row,
    register,
    snapshot,
    today,
)

pytestmark = pytest.mark.django_db


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
    # registered once, and its `escalation_risk` reported once (人民调解法 art 25)
    assert list(CaseEvent.objects.values_list("kind", flat=True)) == ["registered", "risk_reported"]
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
        ({"dispute_type": "gossip"}, "invalid_choice"),
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
    assert agreement["effective_on"] is None  # written: in force once signed (art 29)

    # the parties sign, the mediator signs, the committee seals: in force today
    signers = [{"signer_party": p["id"]} for p in concluded.json()["parties"]]
    signers += [
        {"signer_mediator": mediator_row(mediator_a).id},
        {"signer_committee": True, "method": "seal"},
    ]
    for signer in signers:
        signed = as_mediator.post(
            f"{url}agreement/signatures/",
            {"method": "handwritten", "at": timezone.now().isoformat(), **signer},
            format="json",
        )
        assert signed.status_code == 201, signed.content
    assert as_mediator.get(url).json()["agreement"]["effective_on"] == str(today())

    # judicial confirmation, applied for jointly
    confirmed = as_mediator.post(
        f"{url}judicial-confirmation/",
        {
            "applied_on": str(today()),
            "joint": True,
            "court": "银川市金凤区人民法院",
            "result": "confirmed",
            "ruling_number": "(2026)宁0106民特1号",
        },
        format="json",
    )
    assert confirmed.status_code == 200, confirmed.content
    confirmation = confirmed.json()["agreement"]["judicial_confirmation"]
    assert {k: confirmation[k] for k in ("applied_on", "court", "result", "ruling_number")} == {
        "applied_on": str(today()),
        "court": "银川市金凤区人民法院",
        "result": "confirmed",
        "ruling_number": "(2026)宁0106民特1号",
    }
    assert confirmation["joint"] is True
    assert confirmation["decided_on"] == str(today())

    # then the history lists every step in order, with who and from/to status
    events = as_mediator.get(f"{url}events/").json()["results"]
    assert [(e["kind"], e["actor"], e["from_status"], e["to_status"]) for e in events] == [
        ("registered", "mediator_a", "", "registered"),
        # 人民调解法 art 25: the body's `escalation_risk` is reported at registration
        ("risk_reported", "mediator_a", "registered", "registered"),
        ("accepted", "director_a", "registered", "mediating"),
        ("session_recorded", "mediator_a", "mediating", "mediating"),
        ("concluded", "mediator_a", "mediating", "succeeded"),
        *[("agreement_signed", "mediator_a", "succeeded", "succeeded")] * 4,
        ("agreement_effective", "mediator_a", "succeeded", "succeeded"),
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
