"""Issue 15 item 13: events reach people, once each — a receiving director no longer polls
for transfers. And a planned session (人民调解工作若干规定 art 31: the parties are told the
time and place of mediation) sends each party with a phone an SMS through the outbox."""

from datetime import timedelta

import pytest
from django.utils import timezone

from committees.models import Role
from mediation import routing, services
from mediation.choices import Status
from mediation.exceptions import Conflict, InvalidInput
from mediation.followups import followup_fire, rating_submit
from mediation.models import FollowUp, MediationSession, Notification, OutboundMessage, RatingLink
from tests.builders import accept, fresh, make_case, referral_in
from tests.factories import RoleFactory, UserFactory, institution

pytestmark = pytest.mark.django_db

COURT = "CRT640106"
PARTIES = [
    {"role": "applicant", "name": "张某", "phone": "13800000000"},
    {"role": "respondent", "name": "李某", "phone": "0951-1234567"},
    {"role": "third_party", "name": "王某"},
]


def told(kind) -> list[str]:
    return sorted(
        Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True)
    )


def request_transfer(director_a, case, to):
    return routing.transfer_request(
        actor=director_a, case=fresh(case), to_committee=to, kind="reassign", reason="当事人搬迁"
    )


def test_transfer_requested_tells_the_receiving_directors(
    committee_a, mediator_a, director_a, committee_b, outsider
):
    case = make_case(mediator_a, committee_a)

    request_transfer(director_a, case, committee_b)

    assert told("transfer_requested") == ["outsider_b"]


@pytest.mark.parametrize("decision", ["accept", "reject"])
def test_transfer_decided_tells_the_sending_directors(
    decision, committee_a, mediator_a, director_a, committee_b, outsider
):
    case = make_case(mediator_a, committee_a)
    transfer = request_transfer(director_a, case, committee_b)

    if decision == "accept":
        routing.transfer_accept(actor=outsider, transfer=transfer)
    else:
        routing.transfer_reject(actor=outsider, transfer=transfer, reason="不属本会辖区")

    assert told("transfer_decided") == ["director_a"]
    title = Notification.objects.get(kind="transfer_decided").title
    assert ("已接收" if decision == "accept" else "已拒收") in title


def test_transfer_expired_tells_the_sending_directors_once(
    committee_a, mediator_a, director_a, committee_b, outsider
):
    case = make_case(mediator_a, committee_a)
    transfer = request_transfer(director_a, case, committee_b)
    row = FollowUp.objects.get(transfer=transfer)
    FollowUp.objects.filter(pk=row.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    type(transfer).objects.filter(pk=transfer.pk).update(
        respond_by=timezone.now() - timedelta(minutes=1)
    )

    assert followup_fire(followup_id=row.id)
    assert not followup_fire(followup_id=row.id)

    assert told("transfer_expired") == ["director_a"]


def test_referral_arrived_tells_the_committees_directors(committee_a, director_a, court_liaison):
    referral_in(court_liaison, "court", committee_a)

    assert told("referral_arrived") == ["director_a"]


def test_referral_feedback_due_tells_the_liaison(committee_a, director_a, office_a, court_liaison):
    referral = referral_in(court_liaison, "court", committee_a)
    row = FollowUp.objects.get(referral=referral)
    FollowUp.objects.filter(pk=row.pk).update(due_at=timezone.now() - timedelta(minutes=1))

    assert followup_fire(followup_id=row.id)

    assert told("referral_feedback_due") == ["court_liaison", "director_a", "office_a"]


def test_a_bad_rating_tells_the_director_at_once(committee_a, mediator_a, director_a):
    case = make_case(mediator_a, committee_a)
    link = RatingLink.objects.create(
        token="tok-bad",
        case=case,
        party=case.parties.first(),
        expires_at=timezone.now() + timedelta(days=30),
    )
    good = RatingLink.objects.create(
        token="tok-good",
        case=case,
        party=case.parties.last(),
        expires_at=timezone.now() + timedelta(days=30),
    )

    rating_submit(token=good.token, stars=3)
    assert told("bad_rating") == []
    rating_submit(token=link.token, stars=2, comment="态度差")

    assert told("bad_rating") == ["director_a"]
    assert "2星" in Notification.objects.get(kind="bad_rating").title


def test_events_are_notified_once_each(committee_a, mediator_a, director_a, committee_b, outsider):
    """A notice is keyed by its object and event: writing it again adds nothing."""
    from mediation import alerts

    case = make_case(mediator_a, committee_a)
    transfer = request_transfer(director_a, case, committee_b)

    alerts.transfer_requested(transfer)

    assert Notification.objects.filter(kind="transfer_requested").count() == 1


# --- planned sessions ------------------------------------------------------------------------


@pytest.fixture
def mediating(committee_a, mediator_a, director_a):
    case = make_case(mediator_a, committee_a, parties=PARTIES)
    return accept(director_a, case, mediator_a)


def test_a_session_in_the_future_is_planned_and_the_parties_with_a_phone_get_an_sms(
    mediating, mediator_a
):
    when = timezone.now() + timedelta(days=2)

    session = services.case_record_session(
        actor=mediator_a, case=fresh(mediating), held_at=when, place="社区调解室"
    )

    assert session.status == MediationSession.Status.PLANNED
    assert fresh(mediating).party_visits == 0
    messages = list(OutboundMessage.objects.filter(case=mediating).order_by("key"))
    assert sorted(m.to for m in messages) == ["0951-1234567", "13800000000"]
    local = timezone.localtime(when)
    for message in messages:
        assert f"{local:%Y年%m月%d日 %H:%M}" in message.body
        assert "社区调解室" in message.body
    assert mediating.events.filter(kind="session_planned").exists()


def test_a_planned_session_is_recorded_as_held_once(mediating, mediator_a):
    planned = services.case_record_session(
        actor=mediator_a,
        case=fresh(mediating),
        held_at=timezone.now() + timedelta(hours=2),
        place="社区调解室",
    )

    with pytest.raises(InvalidInput) as too_soon:
        services.session_mark_held(
            actor=mediator_a, case=fresh(mediating), session=planned, summary="双方到场"
        )
    assert too_soon.value.code == "held_in_future"

    held = services.session_mark_held(
        actor=mediator_a,
        case=fresh(mediating),
        session=planned,
        summary="双方到场，达成初步意向",
        held_at=timezone.now() - timedelta(minutes=5),
    )
    assert held.status == MediationSession.Status.HELD
    assert fresh(mediating).party_visits == 1

    with pytest.raises(Conflict):
        services.session_mark_held(
            actor=mediator_a, case=fresh(mediating), session=held, summary="再记一次"
        )
    assert fresh(mediating).party_visits == 1
    assert OutboundMessage.objects.filter(case=mediating).count() == 2  # the plan's SMS only


def test_a_session_held_now_needs_a_summary_and_sends_no_sms(mediating, mediator_a):
    with pytest.raises(InvalidInput) as refused:
        services.case_record_session(
            actor=mediator_a, case=fresh(mediating), held_at=timezone.now(), summary=""
        )
    assert refused.value.code == "summary_required"

    session = services.case_record_session(
        actor=mediator_a, case=fresh(mediating), held_at=timezone.now(), summary="当面调解"
    )
    assert session.status == MediationSession.Status.HELD
    assert not OutboundMessage.objects.exists()


def test_a_session_too_far_ahead_is_refused(mediating, mediator_a):
    with pytest.raises(InvalidInput) as refused:
        services.case_record_session(
            actor=mediator_a, case=fresh(mediating), held_at=timezone.now() + timedelta(days=90)
        )
    assert refused.value.code == "held_too_far"
    assert fresh(mediating).status == Status.MEDIATING


def test_the_police_and_other_liaisons_are_not_told_of_transfers(
    committee_a, mediator_a, director_a, committee_b, outsider
):
    RoleFactory(
        user=UserFactory(username="court_x"), kind=Role.Kind.LIAISON, institution=institution(COURT)
    )
    case = make_case(mediator_a, committee_a)
    routing.transfer_accept(
        actor=outsider, transfer=request_transfer(director_a, case, committee_b)
    )

    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {
        "outsider_b",
        "director_a",
    }
