"""Every move of mediation.workflow.ACTIONS, allowed and forbidden, through the services.

MOVES below is the workflow written out from issue 3 and the workflow's diagram, by hand:
the first test pins the table to it, so a move added to or dropped from the table without
a test fails here. Then, for every action and every status, a real case is brought to that
status through the services and the action is attempted through the service that performs
it: an allowed move lands on its `to_status` and writes one CaseEvent; a forbidden one
raises InvalidTransition (409 `invalid_transition`) and leaves the case as it was.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from committees.models import Committee, Institution, Mechanism, Mediator
from mediation import followups, routing, services, workflow
from mediation.choices import Status
from mediation.exceptions import InvalidTransition
from mediation.models import Agreement, Case, CaseEvent, FollowUp, Referral, Transfer
from tests.builders import complete_file, fresh, make_case, sign_all

REGISTERED = Status.REGISTERED.value
MEDIATING = Status.MEDIATING.value
SUCCEEDED = Status.SUCCEEDED.value
FAILED = Status.FAILED.value
WITHDRAWN = Status.WITHDRAWN.value
DECLINED = Status.DECLINED.value
REFERRED = Status.REFERRED.value
ARCHIVED = Status.ARCHIVED.value

ALL_STATUSES = [REGISTERED, MEDIATING, SUCCEEDED, FAILED, WITHDRAWN, DECLINED, REFERRED, ARCHIVED]
OPEN = {REGISTERED, MEDIATING}
CONCLUDED = {SUCCEEDED, FAILED, WITHDRAWN}

# action → (statuses it may start from, status it leads to; None keeps the status)
MOVES: dict[str, tuple[set[str], str | None]] = {
    "accept": ({REGISTERED}, MEDIATING),
    "decline": ({REGISTERED}, DECLINED),
    "conclude_success": ({MEDIATING}, SUCCEEDED),
    "conclude_failure": ({MEDIATING}, FAILED),
    # 人民调解法 art 17 and issue 15 item 9: a party may withdraw before acceptance too.
    "withdraw": (OPEN, WITHDRAWN),
    "archive": (CONCLUDED | {REFERRED}, ARCHIVED),
    "refer": (OPEN, REFERRED),
    "referral_returned": ({REFERRED}, MEDIATING),
    "transfer_accepted": (OPEN, REGISTERED),
    "assign": (OPEN, None),
    "record_session": ({MEDIATING}, None),
    # 人民调解法 art 17: a party's consent (or refusal) is recorded before acceptance.
    "consent": ({REGISTERED}, None),
    "extend": ({MEDIATING}, None),
    "update": (OPEN, None),
    "judicial_confirmation": ({SUCCEEDED, ARCHIVED}, None),
    "sign_agreement": ({SUCCEEDED}, None),
    "performance": ({SUCCEEDED, ARCHIVED}, None),
    "remediate": ({SUCCEEDED}, MEDIATING),
    "transfer": (OPEN, None),
    "transfer_closed": (OPEN, None),
    "rights_notified": (OPEN | CONCLUDED | {REFERRED}, None),
}
TRANSFER_DECISIONS = {"transfer_accepted", "transfer_closed"}

PARTIES = [
    {
        "role": "applicant",
        "name": "张某",
        "id_number": "11010519491231002X",
        "phone": "13800000000",
    },
    {"role": "respondent", "name": "李某", "phone": "0951-1234567"},
]


@dataclass
class World:
    committee_a: Committee
    committee_b: Committee
    mediator: object  # a mediator of committee A (a member)
    mediator_row: Mediator
    mediator2_row: Mediator
    director: object  # the director of committee A
    receiver: object  # the director of committee B
    liaison: object  # the court's liaison
    mechanism: Mechanism
    institution: Institution


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The personas get a password; a fast hasher keeps these many small tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(committee_a, committee_b, mediator_a, mediator_a2, director_a, outsider, court_liaison):
    return World(
        committee_a=committee_a,
        committee_b=committee_b,
        mediator=mediator_a,
        mediator_row=Mediator.objects.get(user=mediator_a),
        mediator2_row=Mediator.objects.get(user=mediator_a2),
        director=director_a,
        receiver=outsider,
        liaison=court_liaison,
        mechanism=Mechanism.objects.get(code="court"),
        institution=Institution.objects.get(code="CRT640106"),
    )


def snapshot(case: Case) -> dict:
    case = fresh(case)
    return {
        "status": case.status,
        "transfer_pending": case.transfer_pending,
        "committee": case.committee_id,
        "number": case.number,
        "updated_at": case.updated_at,
        "events": CaseEvent.objects.filter(case=case).count(),
        "transfers": list(Transfer.objects.filter(case=case).values_list("id", "status")),
        "referrals": list(Referral.objects.filter(case=case).values_list("id", "status")),
    }


# --- bringing a case to a status, through the services ------------------------------------


def _registered(w: World) -> Case:
    return make_case(w.mediator, w.committee_a, parties=PARTIES)


def _mediating(w: World) -> Case:
    case = services.case_accept(
        actor=w.director, case=_registered(w), mediator_ids=[w.mediator_row.id]
    )
    # What the 卷宗 needs before conclusion (a session, the rights notice, ID copies), so
    # every concluded case can be archived.
    return complete_file(w.mediator, case)


def _succeeded(w: World) -> Case:
    return services.case_conclude(
        actor=w.mediator,
        case=_mediating(w),
        outcome="success",
        agreement={"form": "written", "terms": "楼上住户赔偿维修费2000元。", "amount": "2000"},
    )


def _failed(w: World) -> Case:
    return services.case_conclude(
        actor=w.mediator, case=_mediating(w), outcome="failure", guidance="litigation"
    )


def _withdrawn(w: World) -> Case:
    return services.case_withdraw(actor=w.mediator, case=_mediating(w), reason="申请人撤回")


def _declined(w: World) -> Case:
    return services.case_decline(
        actor=w.director,
        case=_registered(w),
        reason="法院已立案受理",
        reason_code="already_accepted_elsewhere",
    )


def _referred(w: World) -> Case:
    case = _mediating(w)
    routing.case_refer(
        actor=w.director,
        case=case,
        mechanism=w.mechanism,
        institution=w.institution,
        reason="涉及房屋产权，移交法院调解",
    )
    return fresh(case)


def _settle_followups(w: World, case: Case) -> None:
    """Complete or fire every scheduled follow-up, as the people and the engine would,
    and let the partner report on a referred case (a referred case archives after that)."""
    complete_file(w.mediator, case)
    for referral in Referral.objects.filter(case=case, direction="outbound", status="open"):
        routing.referral_feedback(actor=w.liaison, referral=referral, result="resolved")
    for row in FollowUp.objects.filter(case=case, status=FollowUp.Status.SCHEDULED):
        if row.needs_a_person:
            followups.followup_complete(actor=w.mediator, followup=row, performed="full")
        else:
            followups.followup_fire(followup_id=row.id)


def _archived(w: World) -> Case:
    # An archived agreement is in force (signed), as it is once its file is complete.
    case = sign_all(w.mediator, _succeeded(w))
    _settle_followups(w, case)
    return services.case_archive(actor=w.mediator, case=fresh(case))


BUILD = {
    REGISTERED: _registered,
    MEDIATING: _mediating,
    SUCCEEDED: _succeeded,
    FAILED: _failed,
    WITHDRAWN: _withdrawn,
    DECLINED: _declined,
    REFERRED: _referred,
    ARCHIVED: _archived,
}


def _request_transfer(w: World, case: Case) -> Transfer:
    return routing.transfer_request(
        actor=w.director,
        case=fresh(case),
        to_committee=w.committee_b,
        kind="reassign",
        reason="当事人均居住在对方辖区",
    )


# What an allowed move needs first (not part of the move itself).
def _in_force(w: World, case: Case) -> None:
    """The written agreement signed by everyone (人民调解法 art 29), unless it already is."""
    if fresh(case).agreement.effective_on is None:
        sign_all(w.mediator, case)


def _not_performed(w: World, case: Case) -> None:
    # As a performance check records it (an archived case's checks are all done already).
    _in_force(w, case)
    Agreement.objects.filter(case=case).update(performance="none")


def _rejected(w: World, case: Case) -> None:
    _in_force(w, case)
    services.case_record_judicial_confirmation(
        actor=w.mediator,
        case=fresh(case),
        applied_on=timezone.localdate(),
        result="rejected",
        joint=True,
    )


PREPARE = {
    "archive": _settle_followups,
    "judicial_confirmation": _in_force,
    "performance": _not_performed,
    "remediate": _rejected,
    "transfer_accepted": _request_transfer,
    "transfer_closed": _request_transfer,
}


# --- each action, through its service -----------------------------------------------------


def _pending_transfer(case: Case) -> Transfer:
    return Transfer.objects.get(case=case, status=Transfer.Status.PENDING)


PERFORM = {
    "accept": lambda w, case: services.case_accept(
        actor=w.director, case=case, mediator_ids=[w.mediator2_row.id]
    ),
    "decline": lambda w, case: services.case_decline(
        actor=w.director, case=case, reason="不属于人民调解范围", reason_code="not_mediable"
    ),
    "conclude_success": lambda w, case: services.case_conclude(
        actor=w.mediator,
        case=case,
        outcome="success",
        agreement={"form": "oral", "terms": "双方互相谅解。"},
    ),
    "conclude_failure": lambda w, case: services.case_conclude(
        actor=w.mediator, case=case, outcome="failure", guidance="arbitration"
    ),
    "withdraw": lambda w, case: services.case_withdraw(
        actor=w.mediator, case=case, reason="双方已自行和解"
    ),
    "archive": lambda w, case: services.case_archive(actor=w.mediator, case=case),
    "refer": lambda w, case: routing.case_refer(
        actor=w.director,
        case=case,
        mechanism=w.mechanism,
        institution=w.institution,
        reason="移交法院调解",
    ),
    "referral_returned": lambda w, case: routing.referral_feedback(
        actor=w.liaison,
        referral=Referral.objects.get(
            case=case, direction=Referral.Direction.OUTBOUND, status=Referral.Status.OPEN
        ),
        result="returned",
    ),
    "transfer_accepted": lambda w, case: routing.transfer_accept(
        actor=w.receiver, transfer=_pending_transfer(case)
    ),
    "assign": lambda w, case: services.case_assign_mediators(
        actor=w.director, case=case, mediator_ids=[w.mediator2_row.id]
    ),
    "record_session": lambda w, case: services.case_record_session(
        actor=w.mediator,
        case=case,
        held_at=timezone.now() - timedelta(hours=1),
        summary="双方到场，初步沟通。",
    ),
    "consent": lambda w, case: services.case_record_consent(
        actor=w.mediator,
        case=case,
        party_id=case.parties.get(role="respondent").id,
        consents=True,
    ),
    "extend": lambda w, case: services.case_extend(
        actor=w.mediator, case=case, days=15, reason="双方同意继续调解", parties_consent=True
    ),
    "update": lambda w, case: services.case_update(
        actor=w.mediator, case=case, title="楼上漏水纠纷（补充）"
    ),
    "judicial_confirmation": lambda w, case: services.case_record_judicial_confirmation(
        actor=w.mediator,
        case=case,
        applied_on=timezone.localdate(),
        court="金凤区人民法院",
        result="pending",
        joint=True,
    ),
    "sign_agreement": lambda w, case: services.agreement_sign(
        actor=w.mediator, case=case, signer_committee=True, method="seal", at=timezone.now()
    ),
    "performance": lambda w, case: services.agreement_performance(
        actor=w.mediator, case=case, action="urge", note="电话督促履行"
    ),
    "remediate": lambda w, case: services.agreement_remediate(
        actor=w.mediator, case=case, reason="法院不予确认", parties_consent=True
    ),
    "transfer": lambda w, case: routing.transfer_request(
        actor=w.director,
        case=case,
        to_committee=w.committee_b,
        kind="reassign",
        reason="当事人均居住在对方辖区",
    ),
    "transfer_closed": lambda w, case: routing.transfer_reject(
        actor=w.receiver, transfer=_pending_transfer(case), reason="不属于本调委会辖区"
    ),
    "rights_notified": lambda w, case: services.case_rights_notified(
        actor=w.mediator, case=case, at=timezone.now(), how="oral"
    ),
}


def _no_service_can_attempt(action: str, status: str) -> bool:
    """A transfer decision needs a pending transfer, which only an open case can have; a
    partner's `returned` needs an open outbound referral, which only a referred case has.
    For these pairs no service can even try the move, so the table is asked directly
    (workflow.move, the function every service calls) on the same real case."""
    if action in TRANSFER_DECISIONS:
        return status not in OPEN
    if action == "referral_returned":
        return status != REFERRED
    return False


# --- the table ----------------------------------------------------------------------------


def test_the_table_is_exactly_the_documented_workflow():
    table = {
        name: (set(action.from_statuses), action.to_status)
        for name, action in workflow.ACTIONS.items()
    }

    assert table == MOVES
    assert {
        name for name, action in workflow.ACTIONS.items() if action.allowed_while_transfer_pending
    } == TRANSFER_DECISIONS


def test_every_service_covers_an_action_of_the_table():
    assert set(PERFORM) == set(workflow.ACTIONS)


# --- every action from every status -------------------------------------------------------


@pytest.mark.parametrize("status", ALL_STATUSES)
@pytest.mark.parametrize("action", list(MOVES))
def test_action_from_status(world, action, status):
    # given
    allowed_from, to_status = MOVES[action]
    case = BUILD[status](world)
    if status in allowed_from and action in PREPARE:
        PREPARE[action](world, case)
    case = fresh(case)
    assert case.status == status
    before = snapshot(case)

    if status in allowed_from:
        # when
        PERFORM[action](world, case)

        # then
        after = fresh(case)
        expected = to_status or status
        assert after.status == expected
        new_events = list(CaseEvent.objects.filter(case=case).order_by("id"))[before["events"] :]
        assert len(new_events) == 1
        assert (new_events[0].from_status, new_events[0].to_status) == (status, expected)
    else:
        # when
        with pytest.raises(InvalidTransition) as refused:
            if _no_service_can_attempt(action, status):
                workflow.move(case, action)
            else:
                PERFORM[action](world, case)

        # then
        assert refused.value.code == "invalid_transition"
        assert refused.value.status == 409
        assert refused.value.extra == {"status": status, "action": action}
        assert case.status == status
        assert snapshot(case) == before


# --- a pending transfer freezes the case --------------------------------------------------


@pytest.mark.parametrize("status", [REGISTERED, MEDIATING])
@pytest.mark.parametrize("action", [name for name in MOVES if name not in TRANSFER_DECISIONS])
def test_a_case_with_a_pending_transfer_refuses_every_other_action(world, action, status):
    # given
    case = BUILD[status](world)
    transfer = _request_transfer(world, case)
    case = fresh(case)
    assert case.transfer_pending is True
    before = snapshot(case)

    # when
    with pytest.raises(InvalidTransition) as refused:
        if action == "referral_returned":
            # An open case has no open outbound referral, so no service can try this.
            workflow.move(case, action)
        else:
            PERFORM[action](world, case)

    # then
    assert refused.value.code == "invalid_transition"
    assert refused.value.extra == {"status": status, "action": action, "transfer_pending": True}
    assert snapshot(case) == before
    assert Transfer.objects.get(pk=transfer.pk).status == Transfer.Status.PENDING


@pytest.mark.parametrize("status", [REGISTERED, MEDIATING])
def test_a_frozen_case_allows_the_receiver_to_accept(world, status):
    # given
    case = BUILD[status](world)
    transfer = _request_transfer(world, case)
    old_number = fresh(case).number
    events = CaseEvent.objects.filter(case=case).count()

    # when
    routing.transfer_accept(actor=world.receiver, transfer=transfer)

    # then
    case = fresh(case)
    assert case.status == REGISTERED
    assert case.transfer_pending is False
    assert case.committee_id == world.committee_b.id
    assert case.previous_numbers == [old_number]
    assert Transfer.objects.get(pk=transfer.pk).status == Transfer.Status.ACCEPTED
    event = CaseEvent.objects.filter(case=case).order_by("id").last()
    assert CaseEvent.objects.filter(case=case).count() == events + 1
    assert (event.kind, event.from_status, event.to_status) == (
        "transfer_accepted",
        status,
        REGISTERED,
    )


@pytest.mark.parametrize("status", [REGISTERED, MEDIATING])
@pytest.mark.parametrize("decision", ["reject", "cancel"])
def test_a_frozen_case_allows_rejecting_or_cancelling_and_is_then_unfrozen(world, status, decision):
    # given
    case = BUILD[status](world)
    transfer = _request_transfer(world, case)
    events = CaseEvent.objects.filter(case=case).count()

    # when
    if decision == "reject":
        routing.transfer_reject(actor=world.receiver, transfer=transfer, reason="不属于本辖区")
    else:
        routing.transfer_cancel(actor=world.director, transfer=transfer)

    # then
    case = fresh(case)
    assert case.status == status
    assert case.transfer_pending is False
    assert case.committee_id == world.committee_a.id
    assert CaseEvent.objects.filter(case=case).count() == events + 1
    expected = Transfer.Status.REJECTED if decision == "reject" else Transfer.Status.CANCELLED
    assert Transfer.objects.get(pk=transfer.pk).status == expected
    # and the case takes ordinary actions again
    services.case_update(actor=world.mediator, case=case, title="已解除冻结")
    assert fresh(case).title == "已解除冻结"
