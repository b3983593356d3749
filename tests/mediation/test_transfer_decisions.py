"""Routing services (mediation/routing.py): deciding a transfer — reject, cancel,
expire, and no second decision.
State is built through the services; every refusal checks that nothing changed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mediation import routing, services
from mediation.exceptions import Conflict, InvalidInput, NotAllowed
from mediation.models import CaseEvent, FollowUp, MediationSession, Transfer
from tests.builders import (
    accept,
    fresh,
    make_case,
    reassign_to_medical,
    visible,
)
from tests.builders import routing_snapshot as snapshot

pytestmark = pytest.mark.django_db


# --- transfers: reject, cancel, expire ---------------------------------------------------


def test_reject_requires_a_reason_and_changes_nothing_without_one(
    committee_a, director_a, mediator_a, medical, director_medical
):
    case = make_case(mediator_a, committee_a)
    transfer = reassign_to_medical(director_a, case, medical)
    before = snapshot(case)

    with pytest.raises(InvalidInput) as caught:
        routing.transfer_reject(actor=director_medical, transfer=transfer, reason="  ")

    assert caught.value.code == "reason_required"
    assert snapshot(case) == before
    transfer.refresh_from_db()
    assert transfer.status == "pending"


def test_reject_leaves_everything_as_it_was(
    committee_a, director_a, mediator_a, medical, director_medical, mediator_medical
):
    # given a mediating case with a pending transfer
    case = make_case(mediator_a, committee_a)
    accept(director_a, fresh(case), mediator_a)
    before = snapshot(case)
    transfer = reassign_to_medical(director_a, case, medical)

    # when
    decided = routing.transfer_reject(
        actor=director_medical, transfer=transfer, reason="不属于医疗纠纷"
    )

    # then
    assert decided.status == "rejected"
    assert decided.decision_reason == "不属于医疗纠纷"
    assert decided.decided_by == director_medical
    after = snapshot(case)
    assert after == {**before, "events": before["events"] + 2}
    assert after["transfer_pending"] is False
    assert visible(mediator_a, case)
    assert not visible(mediator_medical, case)
    event = fresh(case).events.get(kind="transfer_rejected")
    assert (event.committee, event.other_committee) == (committee_a, medical)
    assert event.actor == director_medical
    assert event.data == {"transfer": transfer.id, "reason": "不属于医疗纠纷"}
    assert FollowUp.objects.get(transfer=transfer).status == "cancelled"
    # and the case is no longer frozen
    services.case_record_session(
        actor=mediator_a, case=fresh(case), held_at=timezone.now(), summary="继续调解"
    )
    assert MediationSession.objects.filter(case=case).count() == 1


def test_cancel_by_the_sender_leaves_everything_as_it_was(
    committee_a, director_a, mediator_a, medical
):
    case = make_case(mediator_a, committee_a)
    before = snapshot(case)
    transfer = reassign_to_medical(director_a, case, medical)

    decided = routing.transfer_cancel(actor=director_a, transfer=transfer)

    assert decided.status == "cancelled"
    assert decided.decided_by == director_a
    assert snapshot(case) == {**before, "events": before["events"] + 2}
    event = fresh(case).events.get(kind="transfer_cancelled")
    assert (event.committee, event.other_committee) == (committee_a, medical)
    assert FollowUp.objects.get(transfer=transfer).status == "cancelled"
    accept(director_a, fresh(case), mediator_a)
    assert fresh(case).status == "mediating"


@pytest.mark.parametrize(
    "decision, persona",
    [
        ("accept", "director_a"),  # the sender accepting its own transfer
        ("accept", "mediator_medical"),  # a member of the receiver who is not its director
        ("accept", "outsider"),
        ("accept", "office_a"),
        ("reject", "director_a"),
        ("reject", "mediator_medical"),
        ("cancel", "director_medical"),  # the receiver cancelling
        ("cancel", "mediator_a"),
        ("cancel", "outsider"),
    ],
)
def test_only_the_right_director_decides_a_transfer(
    request, committee_a, director_a, mediator_a, medical, director_medical, decision, persona
):
    case = make_case(mediator_a, committee_a)
    transfer = reassign_to_medical(director_a, case, medical)
    actor = request.getfixturevalue(persona)
    before = snapshot(case)

    with pytest.raises(NotAllowed):
        if decision == "accept":
            routing.transfer_accept(actor=actor, transfer=transfer)
        elif decision == "reject":
            routing.transfer_reject(actor=actor, transfer=transfer, reason="理由")
        else:
            routing.transfer_cancel(actor=actor, transfer=transfer)

    assert snapshot(case) == before
    transfer.refresh_from_db()
    assert transfer.status == "pending"


def test_expiry_before_respond_by_is_a_no_op(committee_a, director_a, mediator_a, medical):
    case = make_case(mediator_a, committee_a)
    transfer = reassign_to_medical(director_a, case, medical)
    before = snapshot(case)

    assert routing.transfer_expire(transfer_id=transfer.id) is None

    assert snapshot(case) == before
    transfer.refresh_from_db()
    assert transfer.status == "pending"


def test_expiry_after_respond_by_returns_the_case_to_the_sender(
    committee_a, director_a, mediator_a, medical, director_medical
):
    # given a transfer nobody answered in time
    case = make_case(mediator_a, committee_a)
    accept(director_a, fresh(case), mediator_a)
    before = snapshot(case)
    transfer = reassign_to_medical(director_a, case, medical)
    Transfer.objects.filter(pk=transfer.pk).update(respond_by=timezone.now() - timedelta(minutes=1))

    # when
    expired = routing.transfer_expire(transfer_id=transfer.id)

    # then
    assert expired.status == "expired"
    assert expired.decided_by is None
    assert snapshot(case) == {**before, "events": before["events"] + 2}
    event = fresh(case).events.get(kind="transfer_expired")
    assert (event.committee, event.other_committee) == (committee_a, medical)
    assert event.actor is None
    assert visible(mediator_a, case)

    # a second call changes nothing
    assert routing.transfer_expire(transfer_id=transfer.id) is None
    assert snapshot(case) == {**before, "events": before["events"] + 2}
    # and the receiver can no longer accept it
    with pytest.raises(Conflict):
        routing.transfer_accept(actor=director_medical, transfer=transfer)
    assert fresh(case).committee == committee_a


def test_expiry_of_an_unknown_transfer_is_a_no_op(ref):
    assert routing.transfer_expire(transfer_id=987654) is None


def _decide(decision, transfer, director_a, director_medical):
    if decision == "accept":
        return routing.transfer_accept(actor=director_medical, transfer=transfer)
    if decision == "reject":
        return routing.transfer_reject(actor=director_medical, transfer=transfer, reason="不收")
    if decision == "cancel":
        return routing.transfer_cancel(actor=director_a, transfer=transfer)
    Transfer.objects.filter(pk=transfer.pk).update(respond_by=timezone.now() - timedelta(minutes=1))
    return routing.transfer_expire(transfer_id=transfer.id)


@pytest.mark.parametrize("first", ["accept", "reject", "cancel", "expire"])
@pytest.mark.parametrize("second", ["accept", "reject", "cancel"])
def test_a_decided_transfer_cannot_be_decided_again(
    committee_a, director_a, mediator_a, medical, director_medical, first, second
):
    # given a transfer already decided
    case = make_case(mediator_a, committee_a)
    transfer = reassign_to_medical(director_a, case, medical)
    decided = _decide(first, transfer, director_a, director_medical)
    before = snapshot(case)

    # when another decision arrives
    with pytest.raises(Conflict) as caught:
        _decide(second, transfer, director_a, director_medical)

    # then
    assert caught.value.code == "conflict"
    assert caught.value.status == 409
    assert caught.value.extra["transfer_status"] == decided.status
    assert snapshot(case) == before
    transfer.refresh_from_db()
    assert transfer.status == decided.status
    # expiry of a decided transfer is silently nothing
    assert routing.transfer_expire(transfer_id=transfer.id) is None
    assert snapshot(case) == before


def test_a_new_transfer_may_follow_a_rejected_one(
    committee_a, town_a, director_a, mediator_a, medical, director_medical, director_town_a
):
    case = make_case(mediator_a, committee_a)
    routing.transfer_reject(
        actor=director_medical,
        transfer=reassign_to_medical(director_a, case, medical),
        reason="不收",
    )

    second = routing.transfer_request(
        actor=director_a, case=fresh(case), to_committee=town_a, kind="escalate", reason="上报"
    )
    routing.transfer_accept(actor=director_town_a, transfer=second)

    assert fresh(case).committee == town_a
    assert list(
        Transfer.objects.filter(case=case).order_by("id").values_list("status", flat=True)
    ) == [
        "rejected",
        "accepted",
    ]


def test_every_transfer_event_carries_both_committees(
    committee_a, director_a, mediator_a, medical, director_medical
):
    case = make_case(mediator_a, committee_a)
    routing.transfer_cancel(
        actor=director_a, transfer=reassign_to_medical(director_a, case, medical)
    )
    routing.transfer_reject(
        actor=director_medical,
        transfer=reassign_to_medical(director_a, case, medical),
        reason="不收",
    )
    expiring = reassign_to_medical(director_a, case, medical)
    Transfer.objects.filter(pk=expiring.pk).update(respond_by=timezone.now() - timedelta(seconds=1))
    routing.transfer_expire(transfer_id=expiring.id)
    routing.transfer_accept(
        actor=director_medical, transfer=reassign_to_medical(director_a, case, medical)
    )

    rows = list(
        CaseEvent.objects.filter(case=case, kind__startswith="transfer")
        .order_by("id")
        .values_list("kind", "committee__code", "other_committee__code")
    )
    a, h = committee_a.code, medical.code
    assert rows == [
        ("transfer_requested", a, h),
        ("transfer_cancelled", a, h),
        ("transfer_requested", a, h),
        ("transfer_rejected", a, h),
        ("transfer_requested", a, h),
        ("transfer_expired", a, h),
        ("transfer_requested", a, h),
        ("transfer_accepted", h, a),
    ]
