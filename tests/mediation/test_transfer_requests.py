"""Routing services (mediation/routing.py): transfers between committees — requests,
invalid requests, and the freeze while one is pending.
State is built through the services; every refusal checks that nothing changed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from committees.models import Committee, Mechanism
from mediation import routing, selectors, services
from mediation.exceptions import InvalidInput, InvalidTransition, NotAllowed
from mediation.models import FollowUp, MediationSession, Referral, Transfer
from tests.builders import (
    ADMINISTRATIVE_PARTNER,
    accept,
    fresh,
    make_case,
    membership,
    reassign_to_medical,
    visible,
    year,
)
from tests.builders import routing_conclude_success as conclude_success
from tests.builders import routing_snapshot as snapshot
from tests.factories import institution

pytestmark = pytest.mark.django_db

MEDICAL = "C640106H01"
TOWN_OF_B = "C640106002"


# --- transfers: requests -----------------------------------------------------------------


def test_reassign_request_freezes_the_case_and_records_both_committees(
    committee_a, director_a, mediator_a, medical
):
    # given
    case = make_case(mediator_a, committee_a)

    # when
    transfer = reassign_to_medical(director_a, case, medical)

    # then
    case = fresh(case)
    assert case.transfer_pending is True
    assert case.committee == committee_a
    assert case.status == "registered"
    assert transfer.status == "pending"
    assert transfer.kind == "reassign"
    assert transfer.from_committee == committee_a
    assert transfer.to_committee == medical
    assert transfer.requested_by == director_a
    assert transfer.respond_by == transfer.requested_at + timedelta(days=3)
    event = case.events.get(kind="transfer_requested")
    assert (event.committee, event.other_committee) == (committee_a, medical)
    assert event.actor == director_a
    assert event.data["transfer"] == transfer.id
    follow_up = FollowUp.objects.get(transfer=transfer)
    assert follow_up.kind == "transfer_response"
    assert follow_up.status == "scheduled"
    assert follow_up.due_at == transfer.respond_by


def test_reassign_happy_path_to_an_industry_committee(
    committee_a, director_a, mediator_a, medical, director_medical
):
    # given a case being mediated at community committee A
    case = make_case(mediator_a, committee_a)
    accept(director_a, fresh(case), mediator_a)
    old_number = fresh(case).number
    transfer = reassign_to_medical(director_a, case, medical)

    # when the medical committee's director accepts
    decided = routing.transfer_accept(actor=director_medical, transfer=transfer)

    # then
    case = fresh(case)
    assert decided.status == "accepted"
    assert decided.decided_by == director_medical
    assert decided.decided_at is not None
    assert case.committee == medical
    assert case.status == "registered"
    assert case.transfer_pending is False
    assert case.number == f"（{year()}）医调委人调字第00001号"
    assert (case.number_year, case.number_sequence) == (year(), 1)
    assert case.previous_numbers == [old_number]
    assert case.source == "transfer"
    assert case.accepted_at is None
    assert case.due_on is None
    assert list(case.mediators.all()) == []
    event = case.events.get(kind="transfer_accepted")
    assert (event.committee, event.other_committee) == (medical, committee_a)
    assert (event.from_status, event.to_status) == ("mediating", "registered")
    assert event.data["number"] == case.number
    assert event.data["previous_number"] == old_number
    assert event.data["previous_source"] == "party_application"
    assert FollowUp.objects.get(transfer=transfer).status == "done"
    # the sender's deadline reminders do not follow the case: it starts over as registered
    assert not FollowUp.objects.filter(
        case=case, kind__in=["deadline_warning", "overdue"], status="scheduled"
    ).exists()


def test_escalate_happy_path_to_the_town_committee(
    committee_a, town_a, director_a, mediator_a, director_town_a, office_a
):
    # given
    case = make_case(mediator_a, committee_a)
    old_number = fresh(case).number

    # when
    transfer = routing.transfer_request(
        actor=director_a, case=fresh(case), to_committee=town_a, kind="escalate", reason="重大疑难"
    )
    routing.transfer_accept(actor=director_town_a, transfer=transfer)

    # then
    case = fresh(case)
    assert case.committee == town_a
    assert case.status == "registered"
    assert case.number == f"（{year()}）满城北街人调字第00001号"
    assert case.previous_numbers == [old_number]
    assert visible(director_town_a, case)
    # issue 15 item 14: the sender keeps a read-only view as the former holder
    assert selectors.case_access(mediator_a, case) == "former_holder"
    assert selectors.case_access(director_a, case) == "former_holder"
    # the sub-district's judicial office supervises both committees: it still sees the case
    assert visible(office_a, case)
    kinds = list(
        case.events.filter(kind__startswith="transfer").values_list(
            "kind", "committee__code", "other_committee__code"
        )
    )
    assert kinds == [
        ("transfer_requested", committee_a.code, town_a.code),
        ("transfer_accepted", town_a.code, committee_a.code),
    ]


def test_accept_gives_the_next_number_in_the_receivers_sequence(
    committee_a, director_a, mediator_a, medical, director_medical, mediator_medical
):
    # given the medical committee has already numbered one case this year
    make_case(mediator_medical, medical, title="医疗费用纠纷")
    case = make_case(mediator_a, committee_a)
    transfer = reassign_to_medical(director_a, case, medical)

    # when
    routing.transfer_accept(actor=director_medical, transfer=transfer)

    # then
    assert fresh(case).number == f"（{year()}）医调委人调字第00002号"


def test_accept_moves_visibility_to_the_receiver(
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
    transfer = reassign_to_medical(director_a, case, medical)
    assert visible(mediator_a, case) and visible(office_a, case)
    # issue 15 item 14: the committee asked to take the case reads it while it decides
    assert selectors.case_access(mediator_medical, fresh(case)) == "receiver"

    # when
    routing.transfer_accept(actor=director_medical, transfer=transfer)

    # then the receiver's members hold it; the sender's (and its office) keep only a
    # former holder's view, and cannot act on it
    assert selectors.case_access(mediator_medical, fresh(case)) == "holder"
    assert selectors.case_access(director_medical, fresh(case)) == "holder"
    assert selectors.case_access(mediator_a, fresh(case)) == "former_holder"
    assert selectors.case_access(director_a, fresh(case)) == "former_holder"
    # A's judicial office does not supervise the district-level medical committee
    assert selectors.case_access(office_a, fresh(case)) == "former_holder"
    assert visible(district, case)
    with pytest.raises(NotAllowed):
        services.case_update(actor=mediator_a, case=fresh(case), title="改名")


def test_the_received_case_can_be_worked_by_the_receiver(
    committee_a, director_a, mediator_a, medical, director_medical, mediator_medical
):
    case = make_case(mediator_a, committee_a)
    routing.transfer_accept(
        actor=director_medical, transfer=reassign_to_medical(director_a, case, medical)
    )

    accept(director_medical, fresh(case), mediator_medical)

    case = fresh(case)
    assert case.status == "mediating"
    assert list(case.mediators.all()) == [membership(mediator_medical)]
    with pytest.raises(NotAllowed):
        services.case_record_session(
            actor=mediator_a, case=case, held_at=timezone.now(), summary="双方到场"
        )


# --- transfers: invalid requests ---------------------------------------------------------


@pytest.mark.parametrize(
    "target, kind, reason, code",
    [
        ("self", "reassign", "理由", "transfer_to_self"),
        ("self", "escalate", "理由", "transfer_to_self"),
        ("inactive", "reassign", "理由", "committee_inactive"),
        ("medical", "escalate", "理由", "not_an_ancestor"),
        ("committee_b", "escalate", "理由", "not_an_ancestor"),
        ("town_of_b", "escalate", "理由", "not_an_ancestor"),
        ("medical", "reassign", "", "reason_required"),
        ("medical", "reassign", "   ", "reason_required"),
        ("medical", "move", "理由", "invalid_choice"),
    ],
)
def test_invalid_transfer_requests_are_refused_and_change_nothing(
    committee_a, committee_b, medical, director_a, mediator_a, target, kind, reason, code
):
    # given
    case = make_case(mediator_a, committee_a)
    if target == "inactive":
        medical.is_active = False
        medical.save(update_fields=["is_active"])
    to_committee = {
        "self": committee_a,
        "inactive": medical,
        "medical": medical,
        "committee_b": committee_b,
        "town_of_b": Committee.objects.get(code=TOWN_OF_B),
    }[target]
    before = snapshot(case)

    # when
    with pytest.raises(InvalidInput) as caught:
        routing.transfer_request(
            actor=director_a, case=fresh(case), to_committee=to_committee, kind=kind, reason=reason
        )

    # then
    assert caught.value.code == code
    assert caught.value.status == 400
    assert snapshot(case) == before
    assert not Transfer.objects.exists()
    assert not FollowUp.objects.filter(kind="transfer_response").exists()


def test_escalating_a_town_case_down_to_a_community_is_refused(
    committee_a, town_a, director_town_a
):
    case = make_case(director_town_a, town_a)
    before = snapshot(case)

    with pytest.raises(InvalidInput) as caught:
        routing.transfer_request(
            actor=director_town_a,
            case=fresh(case),
            to_committee=committee_a,
            kind="escalate",
            reason="理由",
        )

    assert caught.value.code == "not_an_ancestor"
    assert snapshot(case) == before
    assert not Transfer.objects.exists()


@pytest.mark.parametrize("persona", ["mediator_a", "outsider", "office_a", "director_medical"])
def test_only_the_holding_committees_director_may_request_a_transfer(
    request, committee_a, mediator_a, medical, persona
):
    case = make_case(mediator_a, committee_a)
    actor = request.getfixturevalue(persona)
    before = snapshot(case)

    with pytest.raises(NotAllowed):
        routing.transfer_request(
            actor=actor, case=fresh(case), to_committee=medical, kind="reassign", reason="理由"
        )

    assert snapshot(case) == before
    assert not Transfer.objects.exists()


@pytest.mark.parametrize("ending", ["declined", "succeeded"])
def test_a_closed_case_cannot_be_transferred(committee_a, director_a, mediator_a, medical, ending):
    case = make_case(mediator_a, committee_a)
    if ending == "declined":
        services.case_decline(actor=director_a, case=fresh(case), reason="不属于调解范围")
    else:
        accept(director_a, fresh(case), mediator_a)
        conclude_success(mediator_a, case)
    before = snapshot(case)

    with pytest.raises(InvalidTransition):
        reassign_to_medical(director_a, case, medical)

    assert snapshot(case) == before
    assert not Transfer.objects.exists()


# --- transfers: a pending transfer freezes the case --------------------------------------


def _frozen_moves(director_a, mediator_a):
    mediator_id = membership(mediator_a).id
    administrative = Mechanism.objects.get(code="administrative")
    partner = institution(ADMINISTRATIVE_PARTNER)
    return {
        "accept": lambda c: services.case_accept(
            actor=director_a, case=c, mediator_ids=[mediator_id]
        ),
        "decline": lambda c: services.case_decline(actor=director_a, case=c, reason="理由"),
        "assign": lambda c: services.case_assign_mediators(
            actor=director_a, case=c, mediator_ids=[mediator_id]
        ),
        "update": lambda c: services.case_update(actor=mediator_a, case=c, title="新标题"),
        "record_session": lambda c: services.case_record_session(
            actor=mediator_a, case=c, held_at=timezone.now(), summary="双方到场"
        ),
        "extend": lambda c: services.case_extend(
            actor=mediator_a, case=c, days=10, reason="需要鉴定", parties_consent=True
        ),
        "conclude": lambda c: services.case_conclude(
            actor=mediator_a,
            case=c,
            outcome="success",
            agreement={"form": "oral", "terms": "当场赔偿"},
        ),
        "withdraw": lambda c: services.case_withdraw(actor=mediator_a, case=c, reason="撤回"),
        "refer": lambda c: routing.case_refer(
            actor=director_a,
            case=c,
            mechanism=administrative,
            institution=partner,
            reason="行政处理",
        ),
        "transfer": lambda c: routing.transfer_request(
            actor=director_a,
            case=c,
            to_committee=Committee.objects.get(code="C640106H02"),
            kind="reassign",
            reason="再移送",
        ),
    }


@pytest.mark.parametrize(
    "status, move",
    [
        ("registered", "accept"),
        ("registered", "decline"),
        ("registered", "assign"),
        ("registered", "update"),
        ("registered", "refer"),
        ("registered", "transfer"),
        ("mediating", "record_session"),
        ("mediating", "extend"),
        ("mediating", "conclude"),
        ("mediating", "withdraw"),
        ("mediating", "assign"),
        ("mediating", "update"),
        ("mediating", "refer"),
        ("mediating", "transfer"),
    ],
)
def test_a_pending_transfer_freezes_every_other_move(
    committee_a, director_a, mediator_a, medical, status, move
):
    # given a case with a pending transfer
    case = make_case(mediator_a, committee_a)
    if status == "mediating":
        accept(director_a, fresh(case), mediator_a)
    reassign_to_medical(director_a, case, medical)
    before = snapshot(case)
    transfers_before = Transfer.objects.count()

    # when
    with pytest.raises(InvalidTransition) as caught:
        _frozen_moves(director_a, mediator_a)[move](fresh(case))

    # then
    assert caught.value.code == "invalid_transition"
    assert caught.value.status == 409
    assert caught.value.extra["transfer_pending"] is True
    assert snapshot(case) == before
    assert fresh(case).title == "楼上漏水纠纷"
    assert Transfer.objects.count() == transfers_before
    assert not MediationSession.objects.exists()
    assert not Referral.objects.exists()
