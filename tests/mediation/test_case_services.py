"""The case services' rules (issue 3, sections 4 and 5), called as the API calls them:
due date and extension, judicial confirmation, sessions, leader, difficulty, prevention,
decline.

Every case is built through the services. Every refusal asserts that nothing changed: the
case's fields, its history (no new CaseEvent) and, for registrations, no rows and no
number taken. The `world` fixture is in tests/mediation/conftest.py.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from mediation import services
from mediation.calendar import is_working_day
from mediation.choices import OTHER_ROUTES_NOTICE
from mediation.exceptions import InvalidInput, InvalidTransition
from mediation.models import (
    Agreement,
    MediationSession,
)
from tests.builders import case_events as events_of
from tests.builders import case_state as state
from tests.builders import (
    fresh,
)
from tests.builders import world_accept as accept
from tests.builders import world_register as register
from tests.builders import world_succeed as succeed

# --- due date and extension ---------------------------------------------------------------


def test_accept_sets_due_on_thirty_days_after_acceptance(world):
    # given
    case = register(world)
    assert case.due_on is None

    # when
    case = accept(world, case)

    # then
    case = fresh(case)
    assert case.status == "mediating"
    assert case.accepted_at is not None
    assert case.due_on == timezone.localdate(case.accepted_at) + timedelta(days=30)
    assert case.due_on == timezone.localdate() + timedelta(days=30)


def test_due_on_follows_the_mediation_days_setting(world, settings):
    settings.TIAOJIE = {**settings.TIAOJIE, "MEDIATION_DAYS": 45}

    case = accept(world)

    assert fresh(case).due_on == timezone.localdate() + timedelta(days=45)


@pytest.mark.parametrize("days", [1, 30])
def test_extend_once_moves_due_on_by_the_days_given(world, days):
    # given
    case = accept(world)
    due_on = fresh(case).due_on

    # when
    services.case_extend(
        actor=world.mediator,
        case=fresh(case),
        days=days,
        reason="  双方同意继续调解  ",
        parties_consent=True,
    )

    # then
    case = fresh(case)
    assert case.due_on == due_on + timedelta(days=days)
    assert case.extended_days == days
    assert case.extension_reason == "双方同意继续调解"
    assert case.status == "mediating"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"parties_consent": False}, "parties_consent_required"),
        ({"days": 31}, "extension_too_long"),
        ({"days": 0}, "extension_too_long"),
        ({"reason": ""}, "reason_required"),
        ({"reason": "   "}, "reason_required"),
    ],
)
def test_extend_refused_without_consent_reason_or_beyond_thirty_days(world, changes, code):
    # given
    case = accept(world)
    before = state(case)
    request = {"days": 10, "reason": "双方同意继续调解", "parties_consent": True, **changes}

    # when
    with pytest.raises(InvalidInput) as refused:
        services.case_extend(actor=world.mediator, case=fresh(case), **request)

    # then
    assert refused.value.code == code
    assert refused.value.status == 400
    assert state(case) == before


def test_extend_a_second_time_is_refused_with_409(world):
    # given
    case = accept(world)
    services.case_extend(
        actor=world.mediator, case=fresh(case), days=10, reason="第一次", parties_consent=True
    )
    before = state(case)

    # when
    with pytest.raises(InvalidTransition) as refused:
        services.case_extend(
            actor=world.mediator, case=fresh(case), days=5, reason="第二次", parties_consent=True
        )

    # then
    assert refused.value.code == "invalid_transition"
    assert refused.value.status == 409
    assert state(case) == before
    assert fresh(case).extended_days == 10


# --- judicial confirmation ----------------------------------------------------------------


def effective_40_days_ago() -> date:
    """About 40 days ago, on a day whose 30-day window ends on a working day (so the
    window's last day is exactly day 30; tests/mediation/test_agreement_rules.py covers the
    holiday case)."""
    day = timezone.localdate() - timedelta(days=40)
    while not is_working_day(day + timedelta(days=30)):
        day -= timedelta(days=1)
    return day


@pytest.mark.parametrize("offset", [0, 30])
def test_judicial_confirmation_recorded_for_a_written_agreement_within_30_days(world, offset):
    # given
    effective_on = effective_40_days_ago()
    case = succeed(world, effective_on=effective_on)
    events = len(events_of(case))

    # when
    services.case_record_judicial_confirmation(
        actor=world.mediator,
        case=fresh(case),
        applied_on=effective_on + timedelta(days=offset),
        court="  金凤区人民法院 ",
        result="confirmed",
        joint=True,
        ruling_number="（2026）宁0106民特1号",
    )

    # then
    agreement = Agreement.objects.get(case=case)
    assert agreement.judicial_applied_on == effective_on + timedelta(days=offset)
    assert agreement.judicial_court == "金凤区人民法院"
    assert agreement.judicial_result == "confirmed"
    assert agreement.judicial_ruling_number == "（2026）宁0106民特1号"
    assert len(events_of(case)) == events + 1
    assert fresh(case).status == "succeeded"


@pytest.mark.parametrize("offset", [31, -1])
def test_judicial_confirmation_refused_outside_the_30_day_window(world, offset):
    # given
    effective_on = effective_40_days_ago()
    case = succeed(world, effective_on=effective_on)
    before = state(case)

    # when
    with pytest.raises(InvalidInput) as refused:
        services.case_record_judicial_confirmation(
            actor=world.mediator,
            case=fresh(case),
            applied_on=effective_on + timedelta(days=offset),
            court="金凤区人民法院",
            result="pending",
            joint=True,
        )

    # then
    assert refused.value.code == "outside_judicial_window"
    assert state(case) == before


def test_judicial_confirmation_refused_for_an_oral_agreement(world):
    # given
    case = succeed(world, form="oral", terms="双方口头达成一致。")
    before = state(case)

    # when
    with pytest.raises(InvalidInput) as refused:
        services.case_record_judicial_confirmation(
            actor=world.mediator,
            case=fresh(case),
            applied_on=timezone.localdate(),
            court="金凤区人民法院",
            result="pending",
            joint=True,
        )

    # then
    assert refused.value.code == "written_agreement_required"
    assert state(case) == before


def test_an_oral_agreement_cannot_intend_judicial_confirmation(world):
    # given
    case = accept(world)
    before = state(case)

    # when
    with pytest.raises(InvalidInput) as refused:
        services.case_conclude(
            actor=world.mediator,
            case=fresh(case),
            outcome="success",
            agreement={"form": "oral", "terms": "口头协议", "intends_judicial_confirmation": True},
        )

    # then
    assert refused.value.code == "written_agreement_required"
    assert state(case) == before


# --- sessions and visits ------------------------------------------------------------------


def test_a_session_with_the_parties_present_counts_a_visit_and_one_without_does_not(world):
    # given
    case = accept(world)
    held_at = timezone.now() - timedelta(hours=2)

    # when
    services.case_record_session(
        actor=world.mediator,
        case=fresh(case),
        held_at=held_at,
        summary="双方到场",
        party_present=True,
    )
    services.case_record_session(
        actor=world.mediator,
        case=fresh(case),
        held_at=held_at,
        summary="电话沟通",
        party_present=False,
    )

    # then
    assert fresh(case).party_visits == 1
    sessions = list(MediationSession.objects.filter(case=case).order_by("id"))
    assert [(s.summary, s.party_present) for s in sessions] == [
        ("双方到场", True),
        ("电话沟通", False),
    ]

    # and a second visit counts again
    services.case_record_session(
        actor=world.mediator, case=fresh(case), held_at=held_at, summary="再次到场"
    )
    assert fresh(case).party_visits == 2


# --- responsible leader, difficulty, prevention -------------------------------------------


def test_the_responsible_leader_is_stored(world):
    case = register(
        world,
        responsible_leader={"name": " 王书记 ", "post": "街道党工委书记", "phone": "13912345678"},
    )

    case = fresh(case)
    assert case.responsible_leader_name == "王书记"
    assert case.responsible_leader_post == "街道党工委书记"
    assert case.responsible_leader_phone == "13912345678"


def test_the_responsible_leader_can_be_named_later(world):
    case = register(world)

    services.case_update(
        actor=world.mediator,
        case=fresh(case),
        responsible_leader={"name": "王书记", "post": "街道党工委书记"},
    )

    case = fresh(case)
    assert (case.responsible_leader_name, case.responsible_leader_post) == (
        "王书记",
        "街道党工委书记",
    )


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"people_involved": 10}, "major"),
        ({"people_involved": 9}, "ordinary"),
        ({"amount_involved": Decimal("100000")}, "major"),
        ({"amount_involved": Decimal("99999.99")}, "ordinary"),
        ({"risk_flags": ["group_petition_risk"]}, "major"),
        ({"risk_flags": ["group_fight_risk"]}, "major"),
        ({"risk_flags": ["criminal_risk"]}, "major"),
        ({"risk_flags": ["abnormal_death"]}, "major"),
        ({"risk_flags": ["escalation_risk", "vulnerable_party"]}, "ordinary"),
        ({"difficulty": "simple"}, "simple"),
        ({"difficulty": "simple", "people_involved": 12}, "major"),
        ({"difficulty": "simple", "amount_involved": Decimal("250000")}, "major"),
    ],
)
def test_difficulty_is_major_for_ten_people_a_hundred_thousand_yuan_or_a_major_risk(
    world, fields, expected
):
    case = register(world, **fields)

    assert fresh(case).difficulty == expected


def test_difficulty_becomes_major_when_an_edit_makes_the_dispute_major(world):
    # given
    case = register(world, people_involved=2)
    assert fresh(case).difficulty == "ordinary"

    # when
    services.case_update(actor=world.mediator, case=fresh(case), people_involved=15)

    # then
    assert fresh(case).difficulty == "major"


def test_an_edit_that_changes_the_difficulty_records_it_in_the_history(world):
    # given
    case = register(world, people_involved=2)

    # when: more people join the dispute, which makes it 重大疑难
    services.case_update(actor=world.mediator, case=fresh(case), people_involved=15)

    # then: the history shows every field the edit changed
    event = events_of(case)[-1]
    assert event.data == {
        "before": {"people_involved": 2, "difficulty": "ordinary"},
        "after": {"people_involved": 15, "difficulty": "major"},
    }


def test_a_major_dispute_cannot_be_edited_down_to_simple(world):
    # given: 12 people involved makes the dispute 重大疑难 (docs/api.md "difficulty")
    case = register(world, people_involved=12)
    assert fresh(case).difficulty == "major"

    # when
    services.case_update(actor=world.mediator, case=fresh(case), difficulty="simple")

    # then
    assert fresh(case).difficulty == "major"


@pytest.mark.parametrize("outcome", ["success", "failure"])
def test_prevention_counts_are_stored_on_conclusion(world, outcome):
    # given
    case = accept(world)
    prevented = {"suicide": 1, "civil_to_criminal": 2, "group_fight": 0, "group_petition": 15}
    extra = (
        {"agreement": {"form": "written", "terms": "赔偿2000元"}}
        if outcome == "success"
        else {"guidance": "litigation"}
    )

    # when
    services.case_conclude(
        actor=world.mediator, case=fresh(case), outcome=outcome, prevented=prevented, **extra
    )

    # then
    case = fresh(case)
    assert case.prevented == prevented
    assert events_of(case)[-1].data["prevented"] == {
        "prevented_suicide": 1,
        "prevented_civil_to_criminal": 2,
        "prevented_group_fight": 0,
        "prevented_group_petition": 15,
    }


@pytest.mark.parametrize(
    ("prevented", "code"),
    [({"suicide": -1}, "invalid"), ({"riot": 3}, "invalid_choice"), ({"suicide": "2"}, "invalid")],
)
def test_bad_prevention_counts_are_refused(world, prevented, code):
    case = accept(world)
    before = state(case)

    with pytest.raises(InvalidInput) as refused:
        services.case_conclude(
            actor=world.mediator,
            case=fresh(case),
            outcome="failure",
            guidance="litigation",
            prevented=prevented,
        )

    assert refused.value.code == code
    assert state(case) == before


# --- decline ------------------------------------------------------------------------------


def test_decline_stores_the_reason_and_tells_the_party_the_other_routes(world):
    # given
    case = register(world)

    # when
    services.case_decline(
        actor=world.director,
        case=fresh(case),
        reason=" 金凤区人民法院已立案受理 ",
        reason_code="already_accepted_elsewhere",
    )

    # then
    case = fresh(case)
    assert case.status == "declined"
    assert case.closing_reason == "金凤区人民法院已立案受理"
    assert case.decline_reason_code == "already_accepted_elsewhere"
    assert case.decline_notice == OTHER_ROUTES_NOTICE
    for route in ("诉讼", "仲裁", "行政"):
        assert route in case.decline_notice
    assert events_of(case)[-1].data == {
        "reason": "金凤区人民法院已立案受理",
        "reason_code": "already_accepted_elsewhere",
    }


@pytest.mark.parametrize(
    ("reason", "reason_code", "code"),
    [
        ("", "other", "reason_required"),
        ("  ", "other", "reason_required"),
        ("x", "nope", "invalid_choice"),
    ],
)
def test_decline_refused_without_a_reason_or_with_an_unknown_reason_code(
    world, reason, reason_code, code
):
    case = register(world)
    before = state(case)

    with pytest.raises(InvalidInput) as refused:
        services.case_decline(
            actor=world.director, case=fresh(case), reason=reason, reason_code=reason_code
        )

    assert refused.value.code == code
    assert state(case) == before
    assert fresh(case).decline_notice == ""
