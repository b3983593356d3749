"""Routing services (mediation/routing.py): transfers between committees and referrals
with partner institutions. State is built through the services; every refusal checks
that nothing changed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from committees.models import Committee, Institution, Mechanism, Role
from mediation import routing, services
from mediation.exceptions import Conflict, InvalidInput, InvalidTransition, NotAllowed
from mediation.models import Case, CaseEvent, FollowUp, MediationSession, Referral, Transfer
from tests.builders import PARTIES, accept, fresh, make_case, membership, referral_in
from tests.factories import RoleFactory, UserFactory, institution

pytestmark = pytest.mark.django_db

MEDICAL = "C640106H01"
TOWN_OF_B = "C640106002"
ADMINISTRATIVE_PARTNER = "ADM-SCJ"

# --- fixtures and helpers ----------------------------------------------------------------


def year() -> int:
    return timezone.localdate().year


def snapshot(case) -> dict:
    case = fresh(case)
    return {
        "committee": case.committee_id,
        "number": case.number,
        "previous_numbers": case.previous_numbers,
        "status": case.status,
        "transfer_pending": case.transfer_pending,
        "source": case.source,
        "due_on": case.due_on,
        "mediators": sorted(case.mediators.values_list("id", flat=True)),
        "events": case.events.count(),
    }


def visible(user, case) -> bool:
    return Case.objects.visible_to(user).filter(pk=case.pk).exists()


def reassign_to_medical(director_a, case, medical) -> Transfer:
    return routing.transfer_request(
        actor=director_a, case=fresh(case), to_committee=medical, kind="reassign", reason="医疗纠纷"
    )


def conclude_success(mediator, case) -> Case:
    return services.case_conclude(
        actor=mediator,
        case=fresh(case),
        outcome="success",
        agreement={"form": "written", "terms": "李某赔偿张某8000元。"},
    )


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
    assert not visible(mediator_a, case)
    assert not visible(director_a, case)
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
    assert not visible(mediator_medical, case)

    # when
    routing.transfer_accept(actor=director_medical, transfer=transfer)

    # then the receiver's members see it, the sender's no longer do
    assert visible(mediator_medical, case)
    assert visible(director_medical, case)
    assert not visible(mediator_a, case)
    assert not visible(director_a, case)
    # A's judicial office does not supervise the district-level medical committee
    assert not visible(office_a, case)
    assert visible(district, case)


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


# --- referrals: inbound ------------------------------------------------------------------


def test_every_mechanism_has_an_inbound_path(committee_a, mediator_a):
    mechanisms = list(Mechanism.objects.order_by("id"))
    assert len(mechanisms) >= 9
    today = timezone.localdate()
    for index, mechanism in enumerate(mechanisms, start=1):
        # given a liaison of an institution the mechanism accepts
        partner = (
            Institution.objects.filter(kind__in=mechanism.partner_kinds).order_by("code").first()
        )
        assert partner is not None, mechanism.code
        liaison = RoleFactory(
            user=UserFactory(username=f"liaison_{mechanism.code}"),
            kind=Role.Kind.LIAISON,
            institution=partner,
        ).user

        # when
        referral = referral_in(liaison, mechanism.code, committee_a, external_ref=f"REF-{index}")

        # then
        case = referral.case
        assert referral.direction == "inbound", mechanism.code
        assert referral.status == "open"
        assert referral.mechanism == mechanism
        assert referral.institution == partner
        assert referral.committee == committee_a
        assert referral.external_ref == f"REF-{index}"
        assert referral.created_by == liaison
        assert referral.feedback_due == today + timedelta(days=mechanism.feedback_days)
        assert referral.result == ""
        assert case.committee == committee_a
        assert case.source == mechanism.code
        assert case.status == "registered"
        assert case.number == f"（{year()}）满城北街第一人调字第{index:05d}号"
        assert case.parties.count() == 2
        follow_up = FollowUp.objects.get(referral=referral)
        assert follow_up.kind == "referral_feedback"
        assert timezone.localdate(follow_up.due_at) == referral.feedback_due
        assert list(case.events.values_list("kind", flat=True)) == [
            "registered",
            "referral_received",
        ]
        received = case.events.get(kind="referral_received")
        assert received.committee == committee_a
        assert received.data["mechanism"] == mechanism.code
        assert received.data["institution"] == partner.code
        # the liaison sees the case its referral created, the committee's members too
        assert visible(liaison, case)
        assert visible(mediator_a, case)
    assert Case.objects.count() == len(mechanisms)


def test_a_liaison_sees_only_the_cases_its_referrals_created(
    committee_a, mediator_a, court_liaison, petition_liaison
):
    own = referral_in(court_liaison, "court", committee_a).case
    other = referral_in(petition_liaison, "petition", committee_a).case
    registered = make_case(mediator_a, committee_a)

    assert set(Case.objects.visible_to(court_liaison)) == {own}
    assert set(Case.objects.visible_to(petition_liaison)) == {other}
    assert not visible(court_liaison, registered)


@pytest.mark.parametrize(
    "persona, mechanism", [("court_liaison", "petition"), ("petition_liaison", "court")]
)
def test_a_mechanism_refuses_an_institution_of_the_wrong_kind(
    request, committee_a, persona, mechanism
):
    liaison = request.getfixturevalue(persona)
    events = CaseEvent.objects.count()

    with pytest.raises(InvalidInput) as caught:
        referral_in(liaison, mechanism, committee_a)

    assert caught.value.code == "mechanism_not_for_institution"
    assert caught.value.status == 400
    assert not Case.objects.exists()
    assert not Referral.objects.exists()
    assert CaseEvent.objects.count() == events


def test_only_a_liaison_of_the_institution_may_send_a_referral(
    committee_a, director_a, court_liaison, petition_liaison
):
    court = institution("CRT640106")

    with pytest.raises(NotAllowed):
        routing.referral_receive(
            actor=director_a,
            mechanism=Mechanism.objects.get(code="court"),
            committee=committee_a,
            institution=court,
            parties=PARTIES,
            title="纠纷",
            dispute_type="contract",
        )
    with pytest.raises(NotAllowed):
        routing.referral_receive(
            actor=petition_liaison,
            mechanism=Mechanism.objects.get(code="court"),
            committee=committee_a,
            institution=court,
            parties=PARTIES,
            title="纠纷",
            dispute_type="contract",
        )
    # a user who is no liaison at all is refused whether or not an institution is named
    with pytest.raises(NotAllowed):
        referral_in(director_a, "court", committee_a)

    assert not Case.objects.exists()
    assert not Referral.objects.exists()


def test_an_inbound_referral_to_an_inactive_committee_writes_nothing(committee_a, court_liaison):
    committee_a.is_active = False
    committee_a.save(update_fields=["is_active"])

    with pytest.raises(InvalidInput) as caught:
        referral_in(court_liaison, "court", committee_a)

    assert caught.value.code == "committee_inactive"
    assert not Case.objects.exists()
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    "ending, result, has_agreement",
    [
        ("success", "success", True),
        ("failure", "failure", False),
        ("decline", "declined", False),
        ("withdraw", "withdrawn", False),
    ],
)
def test_the_outcome_goes_back_on_the_referral_when_the_case_ends(
    committee_a, director_a, mediator_a, court_liaison, ending, result, has_agreement
):
    # given a case the court sent in
    referral = referral_in(court_liaison, "court", committee_a)
    case = referral.case
    if ending != "decline":
        accept(director_a, fresh(case), mediator_a)
    referral.refresh_from_db()
    assert referral.status == "open" and referral.result == ""

    # when the case ends
    if ending == "success":
        conclude_success(mediator_a, case)
    elif ending == "failure":
        services.case_conclude(
            actor=mediator_a, case=fresh(case), outcome="failure", guidance="litigation"
        )
    elif ending == "decline":
        services.case_decline(actor=director_a, case=fresh(case), reason="法院已受理")
    else:
        services.case_withdraw(actor=mediator_a, case=fresh(case), reason="申请人撤回")

    # then
    referral.refresh_from_db()
    assert referral.status == "closed"
    assert referral.result == result
    assert referral.has_agreement is has_agreement
    assert referral.result_on == timezone.localdate()
    assert referral.feedback_at is not None
    assert FollowUp.objects.get(referral=referral).status == "done"
    sent = fresh(case).events.get(kind="referral_feedback_sent")
    assert sent.data == {"referral": referral.id, "result": result, "on_time": True}


def test_feedback_cannot_be_entered_by_hand_on_an_inbound_referral(
    committee_a, court_liaison, director_a
):
    referral = referral_in(court_liaison, "court", committee_a)
    before = snapshot(referral.case)

    for actor in (court_liaison, director_a):
        with pytest.raises(InvalidTransition):
            routing.referral_feedback(actor=actor, referral=referral, result="success")

    referral.refresh_from_db()
    assert (referral.status, referral.result) == ("open", "")
    assert snapshot(referral.case) == before


def test_the_outcome_still_goes_back_after_the_case_was_transferred(
    committee_a, director_a, mediator_a, medical, director_medical, mediator_medical, court_liaison
):
    # given a court case transferred from A to the medical committee
    referral = referral_in(court_liaison, "court", committee_a)
    routing.transfer_accept(
        actor=director_medical, transfer=reassign_to_medical(director_a, referral.case, medical)
    )

    # when the receiver concludes it
    accept(director_medical, fresh(referral.case), mediator_medical)
    conclude_success(mediator_medical, referral.case)

    # then the court gets the result and still sees its case
    referral.refresh_from_db()
    assert (referral.status, referral.result, referral.has_agreement) == ("closed", "success", True)
    assert visible(court_liaison, referral.case)


# --- referrals: outbound -----------------------------------------------------------------


def refer_out(director, case, mechanism="administrative", partner=ADMINISTRATIVE_PARTNER):
    return routing.case_refer(
        actor=director,
        case=fresh(case),
        mechanism=Mechanism.objects.get(code=mechanism),
        institution=institution(partner),
        reason="需市场监管部门处理",
    )


def test_case_refer_hands_the_case_to_a_partner(committee_a, director_a, mediator_a):
    case = make_case(mediator_a, committee_a)
    accept(director_a, fresh(case), mediator_a)

    referral = refer_out(director_a, case)

    case = fresh(case)
    assert case.status == "referred"
    assert case.committee == committee_a
    assert referral.direction == "outbound"
    assert referral.status == "open"
    assert referral.mechanism.code == "administrative"
    assert referral.institution.code == ADMINISTRATIVE_PARTNER
    assert referral.committee == committee_a
    assert referral.reason == "需市场监管部门处理"
    assert referral.feedback_due == timezone.localdate() + timedelta(days=15)
    event = case.events.get(kind="referred_out")
    assert (event.from_status, event.to_status) == ("mediating", "referred")
    assert event.committee == committee_a
    assert event.data["institution"] == ADMINISTRATIVE_PARTNER
    # an outbound referral does not let the partner read the case
    liaison = RoleFactory(
        user=UserFactory(username="scj_liaison"),
        kind=Role.Kind.LIAISON,
        institution=institution(ADMINISTRATIVE_PARTNER),
    ).user
    assert not visible(liaison, case)


@pytest.mark.parametrize(
    "persona, mechanism, partner, reason, error, code",
    [
        ("mediator_a", "administrative", ADMINISTRATIVE_PARTNER, "理由", NotAllowed, None),
        ("outsider", "administrative", ADMINISTRATIVE_PARTNER, "理由", NotAllowed, None),
        (
            "director_a",
            "court",
            ADMINISTRATIVE_PARTNER,
            "理由",
            InvalidInput,
            "mechanism_not_for_institution",
        ),
        (
            "director_a",
            "administrative",
            ADMINISTRATIVE_PARTNER,
            " ",
            InvalidInput,
            "reason_required",
        ),
    ],
)
def test_invalid_referrals_out_change_nothing(
    request, committee_a, director_a, mediator_a, persona, mechanism, partner, reason, error, code
):
    case = make_case(mediator_a, committee_a)
    accept(director_a, fresh(case), mediator_a)
    before = snapshot(case)

    with pytest.raises(error) as caught:
        routing.case_refer(
            actor=request.getfixturevalue(persona),
            case=fresh(case),
            mechanism=Mechanism.objects.get(code=mechanism),
            institution=institution(partner),
            reason=reason,
        )

    if code:
        assert caught.value.code == code
    assert snapshot(case) == before
    assert not Referral.objects.exists()


def test_a_returned_referral_sends_the_case_back_to_mediating(
    committee_a, director_a, mediator_a, admin_liaison
):
    # given a mediating case handed to the market regulator
    case = make_case(mediator_a, committee_a)
    accept(director_a, fresh(case), mediator_a)
    due_on = fresh(case).due_on
    referral = refer_out(director_a, case)

    # when the partner returns it
    routing.referral_feedback(
        actor=admin_liaison, referral=referral, result="returned", note="属民事纠纷"
    )

    # then
    referral.refresh_from_db()
    assert referral.status == "closed"
    assert referral.result == "returned"
    assert referral.has_agreement is False
    assert referral.note == "属民事纠纷"
    assert referral.result_on == timezone.localdate()
    case = fresh(case)
    assert case.status == "mediating"
    assert case.committee == committee_a
    assert case.due_on == due_on
    event = case.events.get(kind="referral_result")
    assert (event.from_status, event.to_status) == ("referred", "mediating")
    assert event.actor == admin_liaison
    assert event.data["result"] == "returned"
    # and mediation goes on
    services.case_record_session(
        actor=mediator_a, case=case, held_at=timezone.now(), summary="退回后继续调解"
    )


def test_a_case_referred_before_acceptance_gets_a_deadline_when_returned(
    committee_a, director_a, mediator_a, admin_liaison
):
    case = make_case(mediator_a, committee_a)
    referral = refer_out(director_a, case)

    routing.referral_feedback(actor=admin_liaison, referral=referral, result="returned")

    case = fresh(case)
    assert case.status == "mediating"
    assert case.due_on == timezone.localdate() + timedelta(days=30)
    assert case.accepted_at is not None


def test_a_successful_referral_keeps_the_case_referred_and_closes_the_referral(
    committee_a, director_a, mediator_a, admin_liaison
):
    case = make_case(mediator_a, committee_a)
    accept(director_a, fresh(case), mediator_a)
    referral = refer_out(director_a, case)

    routing.referral_feedback(actor=admin_liaison, referral=referral, result="success")

    referral.refresh_from_db()
    assert (referral.status, referral.result, referral.has_agreement) == ("closed", "success", True)
    assert referral.result_on == timezone.localdate()
    case = fresh(case)
    assert case.status == "referred"
    event = case.events.get(kind="referral_result")
    assert (event.from_status, event.to_status) == ("referred", "referred")

    # a second result is refused and changes nothing
    before = snapshot(case)
    with pytest.raises(Conflict) as caught:
        routing.referral_feedback(actor=admin_liaison, referral=referral, result="returned")
    assert caught.value.code == "conflict"
    assert snapshot(case) == before


@pytest.mark.parametrize("persona", ["director_a", "mediator_a", "court_liaison", "district"])
def test_only_the_partners_liaison_records_the_result(
    request, committee_a, director_a, mediator_a, persona
):
    case = make_case(mediator_a, committee_a)
    referral = refer_out(director_a, case)
    before = snapshot(case)

    with pytest.raises(NotAllowed):
        routing.referral_feedback(
            actor=request.getfixturevalue(persona), referral=referral, result="returned"
        )

    referral.refresh_from_db()
    assert (referral.status, referral.result) == ("open", "")
    assert snapshot(case) == before


def test_a_partner_result_outside_the_list_is_refused(
    committee_a, director_a, mediator_a, admin_liaison
):
    case = make_case(mediator_a, committee_a)
    referral = refer_out(director_a, case)
    before = snapshot(case)

    with pytest.raises(InvalidInput) as caught:
        routing.referral_feedback(actor=admin_liaison, referral=referral, result="withdrawn")

    assert caught.value.code == "invalid_choice"
    referral.refresh_from_db()
    assert referral.status == "open"
    assert snapshot(case) == before
