"""Routing services (mediation/routing.py): referrals with partner institutions,
inbound and outbound.
State is built through the services; every refusal checks that nothing changed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from committees.models import Institution, Mechanism, Role
from mediation import routing, services
from mediation.exceptions import Conflict, InvalidInput, InvalidTransition, NotAllowed
from mediation.models import Case, CaseEvent, FollowUp, Referral
from tests.builders import (
    ADMINISTRATIVE_PARTNER,
    PARTIES,
    accept,
    fresh,
    make_case,
    reassign_to_medical,
    referral_in,
    visible,
    year,
)
from tests.builders import routing_conclude_success as conclude_success
from tests.builders import routing_snapshot as snapshot
from tests.factories import RoleFactory, UserFactory, institution

pytestmark = pytest.mark.django_db


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
