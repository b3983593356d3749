"""API.md v1.1 "Agreements" and "Judicial confirmation" over HTTP (issue 15 items 1-6, 12):
the probes of the issue's "Done when" answer as the law says. 人民调解法 arts 26, 28-30,
32, 33; 法释〔2011〕5号 arts 4, 5."""

from datetime import date, timedelta

import pytest
import time_machine
from django.utils import timezone

from mediation.models import Agreement, Case, CaseEvent
from tests.api.conftest import CASES, accept, mediator_row, register, snapshot
from tests.builders import at

pytestmark = pytest.mark.django_db


def mediating(world):
    return accept(register(world.mediator_a, world.committee_a), world.director_a, world.mediator_a)


def conclude(client, case, agreement):
    return client.post(
        f"{CASES}{case.id}/conclude/",
        {"outcome": "success", "agreement": agreement},
        format="json",
    )


def sign(client, case, **body):
    return client.post(
        f"{CASES}{case.id}/agreement/signatures/",
        {"method": "handwritten", "at": timezone.now().isoformat(), **body},
        format="json",
    )


def sign_everything(client, case, mediator_id):
    for party in Case.objects.get(pk=case.id).parties.all():
        assert sign(client, case, signer_party=party.id).status_code == 201
    assert sign(client, case, signer_mediator=mediator_id).status_code == 201
    answer = sign(client, case, signer_committee=True, method="seal")
    assert answer.status_code == 201, answer.content
    return answer


def test_art28_an_oral_agreement_for_50000_without_a_waiver_is_400(client_for, world):
    """人民调解法 art 28, 规定 art 34: the issue's first probe."""
    case = mediating(world)
    before = snapshot(case.id)

    answer = conclude(
        client_for(world.mediator_a),
        case,
        {"form": "oral", "terms": "分十期支付五万元", "amount": "50000.00"},
    )

    assert answer.status_code == 400, answer.content
    assert answer.json()["code"] == "written_agreement_required"
    assert snapshot(case.id) == before


def test_art28_with_the_waiver_the_oral_agreement_is_stored_and_shown(client_for, world):
    case = mediating(world)
    waived_at = (timezone.now() + timedelta(seconds=1)).replace(microsecond=0)

    answer = conclude(
        client_for(world.mediator_a),
        case,
        {
            "form": "oral",
            "terms": "分十期支付五万元",
            "amount": "50000.00",
            "document_waived": {
                "by": "张某、李某",
                "at": waived_at.isoformat(),
                "statement": "双方表示无需制作书面协议",
            },
        },
    )

    assert answer.status_code == 200, answer.content
    agreement = answer.json()["agreement"]
    assert agreement["document_waived"]["by"] == "张某、李某"
    assert agreement["document_waived"]["statement"] == "双方表示无需制作书面协议"
    assert agreement["effective_on"] == str(timezone.localdate())


def test_art29_effective_on_is_derived_from_the_signatures_not_sent(client_for, world):
    """人民调解法 art 29: the issue's second probe."""
    client = client_for(world.mediator_a)
    case = mediating(world)
    concluded = conclude(
        client,
        case,
        {"form": "written", "terms": "赔偿八千元", "effective_on": "2020-01-01"},
    )
    assert concluded.json()["agreement"]["effective_on"] is None
    assert "sign_agreement" in concluded.json()["allowed_actions"]

    sign_everything(client, case, mediator_row(world.mediator_a).id)

    detail = client.get(f"{CASES}{case.id}/").json()
    assert detail["agreement"]["effective_on"] == str(timezone.localdate())
    assert len(detail["agreement"]["signatures"]) == 4
    assert {s["method"] for s in detail["agreement"]["signatures"]} == {"handwritten", "seal"}
    assert "sign_agreement" not in detail["allowed_actions"]
    assert detail["agreement"]["judicial_window"]["opens"] == str(timezone.localdate())


def test_art29_a_signature_in_the_future_is_400(client_for, world):
    client = client_for(world.mediator_a)
    case = mediating(world)
    conclude(client, case, {"form": "written", "terms": "赔偿"})

    answer = sign(
        client,
        case,
        signer_committee=True,
        method="seal",
        at=(timezone.now() + timedelta(days=2)).isoformat(),
    )

    assert answer.status_code == 400
    assert answer.json()["code"] == "signed_in_future"


def test_art33_applied_2025_10_09_for_an_agreement_effective_2025_09_01_is_accepted(
    client_for, world
):
    """The issue's third probe: the window's last day (2025-10-01) is in the National Day
    holiday, which runs to 2025-10-08; the period ends on 2025-10-09."""
    client = client_for(world.mediator_a)
    with time_machine.travel(at(date(2025, 9, 1)), tick=False):
        case = mediating(world)
        conclude(client, case, {"form": "written", "terms": "赔偿"})
        signed = sign_everything(client, case, mediator_row(world.mediator_a).id)
    assert signed.status_code == 201

    with time_machine.travel(at(date(2025, 10, 9)), tick=False):
        detail = client.get(f"{CASES}{case.id}/").json()
        answer = client.post(
            f"{CASES}{case.id}/judicial-confirmation/",
            {"applied_on": "2025-10-09", "joint": True, "result": "pending"},
            format="json",
        )

    assert detail["agreement"]["judicial_window"]["deadline"] == "2025-10-09"
    assert answer.status_code == 200, answer.content
    confirmation = answer.json()["agreement"]["judicial_confirmation"]
    assert confirmation["court"] == "金凤区人民法院"  # the committee's basic court
    assert confirmation["joint"] is True
    assert confirmation["decision_due"] == "2025-10-24"  # 法释〔2011〕5号 art 5: 15 days


def test_art33_an_application_that_is_not_joint_is_400(client_for, world):
    client = client_for(world.mediator_a)
    case = mediating(world)
    conclude(client, case, {"form": "written", "terms": "赔偿"})
    sign_everything(client, case, mediator_row(world.mediator_a).id)
    before = snapshot(case.id)

    answer = client.post(
        f"{CASES}{case.id}/judicial-confirmation/",
        {"applied_on": str(timezone.localdate()), "joint": False, "result": "pending"},
        format="json",
    )

    assert answer.status_code == 400
    assert answer.json()["code"] == "joint_application_required"
    assert snapshot(case.id) == before


def test_art26_guidance_none_is_400(client_for, world):
    case = mediating(world)
    before = snapshot(case.id)

    answer = client_for(world.mediator_a).post(
        f"{CASES}{case.id}/conclude/", {"outcome": "failure", "guidance": "none"}, format="json"
    )

    assert answer.status_code == 400
    assert answer.json()["code"] == "guidance_required"
    assert snapshot(case.id) == before


def test_art33_rejected_then_remediated_lists_both_versions(client_for, world):
    client = client_for(world.mediator_a)
    case = mediating(world)
    conclude(client, case, {"form": "written", "terms": "第一版协议"})
    sign_everything(client, case, mediator_row(world.mediator_a).id)
    client.post(
        f"{CASES}{case.id}/judicial-confirmation/",
        {"applied_on": str(timezone.localdate()), "joint": True, "result": "rejected"},
        format="json",
    )
    assert "remediate" in client.get(f"{CASES}{case.id}/").json()["allowed_actions"]

    remediated = client.post(
        f"{CASES}{case.id}/remediate/",
        {"reason": "法院不予确认", "parties_consent": True},
        format="json",
    )
    assert remediated.status_code == 200, remediated.content
    assert remediated.json()["status"] == "mediating"
    assert remediated.json()["agreement"] is None
    again = conclude(client, case, {"form": "written", "terms": "第二版协议"})

    assert again.status_code == 200, again.content
    body = again.json()
    assert [a["version"] for a in body["agreements"]] == [1, 2]
    assert body["agreements"][0]["judicial_confirmation"]["result"] == "rejected"
    assert body["agreement"]["version"] == 2
    assert body["agreement"]["terms"] == "第二版协议"
    assert Agreement.objects.filter(case_id=case.id).count() == 2


def test_art32_performance_offers_only_what_applies(client_for, world):
    client = client_for(world.mediator_a)
    case = mediating(world)
    conclude(client, case, {"form": "oral", "terms": "当场道歉"})
    Agreement.objects.filter(case_id=case.id).update(performance="none")

    detail = client.get(f"{CASES}{case.id}/").json()
    refused = client.post(
        f"{CASES}{case.id}/performance/", {"action": "enforcement"}, format="json"
    )
    urged = client.post(
        f"{CASES}{case.id}/performance/", {"action": "urge", "note": "上门督促"}, format="json"
    )

    assert detail["agreement"]["performance_actions"] == ["urge", "remediate", "lawsuit"]
    assert "performance" in detail["allowed_actions"]
    assert refused.status_code == 409
    assert refused.json()["allowed"] == ["urge", "remediate", "lawsuit"]
    assert urged.status_code == 200, urged.content
    assert CaseEvent.objects.filter(case_id=case.id, kind="performance_urge").count() == 1
