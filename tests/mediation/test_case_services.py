"""The case services' rules (issue 3, sections 4 and 5), called as the API calls them.

Every case is built through the services. Every refusal asserts that nothing changed: the
case's fields, its history (no new CaseEvent) and, for registrations, no rows and no
number taken.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from committees.models import Committee, Mediator
from mediation import followups, services
from mediation.choices import OTHER_ROUTES_NOTICE
from mediation.exceptions import InvalidInput, InvalidTransition, NotAllowed
from mediation.models import (
    Agreement,
    Case,
    CaseEvent,
    CaseNumberCounter,
    FollowUp,
    MediationSession,
    Party,
)
from tests.builders import make_case
from tests.factories import MediatorFactory, UserFactory

APPLICANT = {
    "role": "applicant",
    "name": "张某",
    "id_number": "11010519491231002X",
    "phone": "13800000000",
}
RESPONDENT = {"role": "respondent", "name": "李某", "phone": "0951-1234567"}
PARTIES = [APPLICANT, RESPONDENT]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The personas get a password; a fast hasher keeps these many small tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class World:
    committee_a: Committee
    committee_b: Committee
    mediator: object
    mediator_row: Mediator
    mediator2_row: Mediator
    director: object
    outsider: object


@pytest.fixture
def world(committee_a, committee_b, mediator_a, mediator_a2, director_a, outsider):
    return World(
        committee_a=committee_a,
        committee_b=committee_b,
        mediator=mediator_a,
        mediator_row=Mediator.objects.get(user=mediator_a),
        mediator2_row=Mediator.objects.get(user=mediator_a2),
        director=director_a,
        outsider=outsider,
    )


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def events_of(case: Case) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case_id=case.pk).order_by("id"))


def state(case: Case) -> dict:
    """Everything a refused service must leave as it was."""
    row = Case.objects.filter(pk=case.pk).values().get()
    return {
        **row,
        "mediators": sorted(fresh(case).mediators.values_list("id", flat=True)),
        "recused": sorted(fresh(case).recused_mediators.values_list("id", flat=True)),
        "events": CaseEvent.objects.filter(case_id=case.pk).count(),
        "sessions": MediationSession.objects.filter(case_id=case.pk).count(),
        "agreement": list(Agreement.objects.filter(case_id=case.pk).values()),
    }


def register(w: World, *, committee=None, actor=None, parties=PARTIES, **fields) -> Case:
    return make_case(actor or w.mediator, committee or w.committee_a, parties=parties, **fields)


def accept(w: World, case: Case | None = None) -> Case:
    return services.case_accept(
        actor=w.director, case=fresh(case or register(w)), mediator_ids=[w.mediator_row.id]
    )


def succeed(w: World, case: Case | None = None, **agreement) -> Case:
    agreement = {"form": "written", "terms": "楼上住户赔偿维修费2000元。", **agreement}
    return services.case_conclude(
        actor=w.mediator, case=fresh(case or accept(w)), outcome="success", agreement=agreement
    )


def year() -> int:
    return timezone.localdate().year


def counter(committee: Committee) -> int | None:
    row = CaseNumberCounter.objects.filter(committee=committee, year=year()).first()
    return row.last if row else None


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


@pytest.mark.parametrize("offset", [0, 30])
def test_judicial_confirmation_recorded_for_a_written_agreement_within_30_days(world, offset):
    # given
    effective_on = timezone.localdate() - timedelta(days=40)
    case = succeed(world, effective_on=effective_on)
    events = len(events_of(case))

    # when
    services.case_record_judicial_confirmation(
        actor=world.mediator,
        case=fresh(case),
        applied_on=effective_on + timedelta(days=offset),
        court="  金凤区人民法院 ",
        result="confirmed",
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
    effective_on = timezone.localdate() - timedelta(days=40)
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


# --- recusal (回避) -------------------------------------------------------------------------


def test_a_party_objection_removes_the_mediator_for_good(world):
    # given: two mediators on the case
    case = services.case_accept(
        actor=world.director,
        case=register(world),
        mediator_ids=[world.mediator_row.id, world.mediator2_row.id],
    )

    # when: a party objects to the first
    services.case_assign_mediators(
        actor=world.director,
        case=fresh(case),
        mediator_ids=[world.mediator2_row.id],
        reason="申请人称该调解员与被申请人系亲属",
        party_objection=True,
    )

    # then
    case = fresh(case)
    assert list(case.mediators.values_list("id", flat=True)) == [world.mediator2_row.id]
    assert list(case.recused_mediators.values_list("id", flat=True)) == [world.mediator_row.id]
    assert events_of(case)[-1].data == {
        "mediators": [world.mediator2_row.id],
        "removed": [world.mediator_row.id],
        "party_objection": True,
        "reason": "申请人称该调解员与被申请人系亲属",
    }

    # and assigning them again is refused, changing nothing
    before = state(case)
    with pytest.raises(InvalidInput) as refused:
        services.case_assign_mediators(
            actor=world.director,
            case=fresh(case),
            mediator_ids=[world.mediator_row.id, world.mediator2_row.id],
        )
    assert refused.value.code == "mediator_recused"
    assert refused.value.extra["mediators"] == [world.mediator_row.id]
    assert state(case) == before


def test_a_mediator_recused_before_acceptance_cannot_be_named_on_acceptance(world):
    # given
    case = register(world)
    services.case_assign_mediators(
        actor=world.director, case=fresh(case), mediator_ids=[world.mediator_row.id]
    )
    services.case_assign_mediators(
        actor=world.director,
        case=fresh(case),
        mediator_ids=[world.mediator2_row.id],
        reason="当事人申请回避",
        party_objection=True,
    )
    before = state(case)

    # when
    with pytest.raises(InvalidInput) as refused:
        services.case_accept(
            actor=world.director, case=fresh(case), mediator_ids=[world.mediator_row.id]
        )

    # then
    assert refused.value.code == "mediator_recused"
    assert state(case) == before


def test_changing_mediators_without_an_objection_recuses_nobody(world):
    # given
    case = accept(world)
    services.case_assign_mediators(
        actor=world.director, case=fresh(case), mediator_ids=[world.mediator2_row.id]
    )

    # when
    services.case_assign_mediators(
        actor=world.director, case=fresh(case), mediator_ids=[world.mediator_row.id]
    )

    # then
    case = fresh(case)
    assert list(case.mediators.values_list("id", flat=True)) == [world.mediator_row.id]
    assert case.recused_mediators.count() == 0


def test_an_objection_needs_a_reason(world):
    case = accept(world)
    before = state(case)

    with pytest.raises(InvalidInput) as refused:
        services.case_assign_mediators(
            actor=world.director,
            case=fresh(case),
            mediator_ids=[world.mediator2_row.id],
            reason=" ",
            party_objection=True,
        )

    assert refused.value.code == "reason_required"
    assert state(case) == before


# --- roles --------------------------------------------------------------------------------


def test_a_mediator_cannot_accept(world):
    # given
    case = register(world)
    before = state(case)

    # when
    with pytest.raises(NotAllowed) as refused:
        services.case_accept(
            actor=world.mediator, case=fresh(case), mediator_ids=[world.mediator_row.id]
        )

    # then
    assert refused.value.code == "permission_denied"
    assert refused.value.status == 403
    assert state(case) == before


def test_a_director_can_accept(world):
    case = register(world)

    services.case_accept(
        actor=world.director, case=fresh(case), mediator_ids=[world.mediator_row.id]
    )

    assert fresh(case).status == "mediating"


def test_a_deputy_director_can_accept(world):
    deputy = UserFactory(username="deputy_a")
    MediatorFactory(committee=world.committee_a, user=deputy, role=Mediator.Role.DEPUTY_DIRECTOR)
    case = register(world)

    services.case_accept(actor=deputy, case=fresh(case), mediator_ids=[world.mediator_row.id])

    assert fresh(case).status == "mediating"


@pytest.mark.parametrize(
    "attempt",
    [
        lambda w, case: services.case_decline(actor=w.mediator, case=case, reason="不属于范围"),
        lambda w, case: services.case_assign_mediators(
            actor=w.mediator, case=case, mediator_ids=[w.mediator2_row.id]
        ),
        lambda w, case: services.case_accept(
            actor=w.outsider, case=case, mediator_ids=[w.mediator_row.id]
        ),
        lambda w, case: services.case_update(actor=w.outsider, case=case, title="越权修改"),
        lambda w, case: services.case_register(
            actor=w.outsider,
            committee=w.committee_a,
            source="party_application",
            parties=PARTIES,
            title="越权登记",
            dispute_type="neighbourhood",
        ),
    ],
    ids=[
        "mediator-declines",
        "mediator-assigns",
        "outsider-accepts",
        "outsider-edits",
        "outsider-registers",
    ],
)
def test_wrong_roles_are_refused(world, attempt):
    case = register(world)
    before = state(case)
    cases = Case.objects.count()

    with pytest.raises(NotAllowed) as refused:
        attempt(world, fresh(case))

    assert refused.value.code == "permission_denied"
    assert state(case) == before
    assert Case.objects.count() == cases


# --- one event per service ----------------------------------------------------------------


def _withdrawn(w: World) -> Case:
    return services.case_withdraw(actor=w.mediator, case=fresh(accept(w)), reason="撤回")


EVENT_CASES = {
    # name: (case before the call or None, the call, actor attribute, kind, from, to)
    "register": (
        None,
        lambda w, case: register(w),
        "mediator",
        "registered",
        "",
        "registered",
    ),
    "accept": (
        register,
        lambda w, case: services.case_accept(
            actor=w.director, case=case, mediator_ids=[w.mediator_row.id]
        ),
        "director",
        "accepted",
        "registered",
        "mediating",
    ),
    "decline": (
        register,
        lambda w, case: services.case_decline(actor=w.director, case=case, reason="不属于范围"),
        "director",
        "declined",
        "registered",
        "declined",
    ),
    "assign": (
        accept,
        lambda w, case: services.case_assign_mediators(
            actor=w.director, case=case, mediator_ids=[w.mediator2_row.id]
        ),
        "director",
        "mediators_assigned",
        "mediating",
        "mediating",
    ),
    "record_session": (
        accept,
        lambda w, case: services.case_record_session(
            actor=w.mediator, case=case, held_at=timezone.now(), summary="到场调解"
        ),
        "mediator",
        "session_recorded",
        "mediating",
        "mediating",
    ),
    "extend": (
        accept,
        lambda w, case: services.case_extend(
            actor=w.mediator, case=case, days=10, reason="同意延长", parties_consent=True
        ),
        "mediator",
        "extended",
        "mediating",
        "mediating",
    ),
    "conclude_success": (
        accept,
        lambda w, case: services.case_conclude(
            actor=w.mediator,
            case=case,
            outcome="success",
            agreement={"form": "written", "terms": "赔偿"},
        ),
        "mediator",
        "concluded",
        "mediating",
        "succeeded",
    ),
    "conclude_failure": (
        accept,
        lambda w, case: services.case_conclude(
            actor=w.mediator, case=case, outcome="failure", guidance="litigation"
        ),
        "mediator",
        "concluded",
        "mediating",
        "failed",
    ),
    "withdraw": (
        accept,
        lambda w, case: services.case_withdraw(actor=w.mediator, case=case, reason="撤回"),
        "mediator",
        "withdrawn",
        "mediating",
        "withdrawn",
    ),
    "archive": (
        _withdrawn,
        lambda w, case: services.case_archive(actor=w.mediator, case=case),
        "mediator",
        "archived",
        "withdrawn",
        "archived",
    ),
    "judicial_confirmation": (
        succeed,
        lambda w, case: services.case_record_judicial_confirmation(
            actor=w.mediator,
            case=case,
            applied_on=timezone.localdate(),
            court="金凤区人民法院",
            result="pending",
        ),
        "mediator",
        "judicial_confirmation",
        "succeeded",
        "succeeded",
    ),
    "update": (
        register,
        lambda w, case: services.case_update(actor=w.mediator, case=case, title="新标题"),
        "mediator",
        "updated",
        "registered",
        "registered",
    ),
}


@pytest.mark.parametrize("name", list(EVENT_CASES))
def test_each_service_writes_exactly_one_event(world, name):
    # given
    build, call, actor_attribute, kind, from_status, to_status = EVENT_CASES[name]
    actor = getattr(world, actor_attribute)
    case = fresh(build(world)) if build else None
    known = set(CaseEvent.objects.values_list("id", flat=True))

    # when
    result = call(world, case)

    # then
    new = list(CaseEvent.objects.exclude(id__in=known))
    assert len(new) == 1
    event = new[0]
    assert event.case_id == (case or result).pk
    assert event.kind == kind
    assert event.actor == actor
    assert event.actor_name == actor.get_username()
    assert event.committee_id == world.committee_a.id
    assert (event.from_status, event.to_status) == (from_status, to_status)


# --- case numbers -------------------------------------------------------------------------


def number(committee: Committee, sequence: int) -> str:
    return f"（{year()}）{committee.short_name}人调字第{sequence:05d}号"


def test_case_numbers_are_consecutive_per_committee_in_the_file_cover_form(world):
    cases = [register(world) for _ in range(3)]

    assert world.committee_a.short_name == "满城北街第一"
    assert [fresh(c).number for c in cases] == [
        f"（{year()}）满城北街第一人调字第00001号",
        f"（{year()}）满城北街第一人调字第00002号",
        f"（{year()}）满城北街第一人调字第00003号",
    ]
    assert [(fresh(c).number_year, fresh(c).number_sequence) for c in cases] == [
        (year(), 1),
        (year(), 2),
        (year(), 3),
    ]


def test_case_numbers_restart_with_the_year_at_midnight_in_beijing(world, time_machine):
    """The year of a case number is Beijing's (Asia/Shanghai), not UTC's: the last case of
    2026 and the first of 2027 are a second apart, on either side of midnight there."""
    beijing = timezone.get_default_timezone()
    time_machine.move_to(datetime(2026, 12, 31, 23, 59, 59, tzinfo=beijing), tick=False)
    last = register(world)
    time_machine.move_to(datetime(2027, 1, 1, 0, 0, 1, tzinfo=beijing), tick=False)
    first, second = register(world), register(world)

    assert fresh(last).number.startswith("（2026）")
    assert [(fresh(c).number_year, fresh(c).number_sequence) for c in (first, second)] == [
        (2027, 1),
        (2027, 2),
    ]
    assert fresh(first).number == "（2027）满城北街第一人调字第00001号"


def test_each_committee_has_its_own_sequence(world):
    # given
    register(world)
    register(world)

    # when
    in_b = register(world, committee=world.committee_b, actor=world.outsider)
    third_in_a = register(world)

    # then
    assert fresh(in_b).number == number(world.committee_b, 1)
    assert fresh(third_in_a).number == number(world.committee_a, 3)


def test_the_agreement_carries_the_case_number(world):
    case = succeed(world)

    assert Agreement.objects.get(case=case).number == fresh(case).number


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (
            {"parties": [{**APPLICANT, "id_number": "110105194912310021"}, RESPONDENT]},
            "invalid_id_number",
        ),
        (
            {"parties": [{**APPLICANT, "id_number": "110105194913310021"}, RESPONDENT]},
            "invalid_id_number",
        ),
        ({"parties": [APPLICANT]}, "parties_incomplete"),
        ({"parties": [RESPONDENT]}, "parties_incomplete"),
        ({"parties": [{**APPLICANT, "phone": "12800000000"}, RESPONDENT]}, "invalid_phone"),
        ({"amount_involved": Decimal("-1")}, "negative_amount"),
        ({"dispute_type": "gossip"}, "invalid_choice"),
        ({"risk_flags": ["bad_mood"]}, "invalid_choice"),
    ],
    ids=[
        "bad-check-digit",
        "bad-birth-date",
        "no-respondent",
        "no-applicant",
        "bad-phone",
        "negative-amount",
        "unknown-type",
        "unknown-flag",
    ],
)
def test_a_refused_registration_writes_nothing_and_takes_no_number(world, change, code):
    # given
    register(world)
    counts = (
        Case.objects.count(),
        Party.objects.count(),
        CaseEvent.objects.count(),
        FollowUp.objects.count(),
    )
    fields = {"parties": PARTIES, **change}

    # when
    with pytest.raises(InvalidInput) as refused:
        register(world, **fields)

    # then
    assert refused.value.code == code
    assert refused.value.status == 400
    assert (
        Case.objects.count(),
        Party.objects.count(),
        CaseEvent.objects.count(),
        FollowUp.objects.count(),
    ) == counts
    assert counter(world.committee_a) == 1
    # and the next good registration gets the next number
    assert fresh(register(world)).number == number(world.committee_a, 2)


def test_a_registration_stores_the_parties_as_given(world):
    case = register(world, parties=[{**APPLICANT, "id_number": "11010519491231002x"}, RESPONDENT])

    parties = list(Party.objects.filter(case=case).order_by("id"))
    assert [(p.role, p.name, p.id_type, p.id_number, p.phone) for p in parties] == [
        ("applicant", "张某", "resident_id", "11010519491231002X", "13800000000"),
        ("respondent", "李某", "", "", "0951-1234567"),
    ]


# --- case_update --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [{"status": "archived"}, {"committee": "other"}, {"title": "新标题", "status": "succeeded"}],
    ids=["status", "committee", "status-among-others"],
)
def test_case_update_refuses_status_and_committee(world, change):
    # given
    case = register(world)
    if "committee" in change:
        change = {"committee": world.committee_b}
    before = state(case)

    # when
    with pytest.raises(InvalidInput) as refused:
        services.case_update(actor=world.mediator, case=fresh(case), **change)

    # then
    assert refused.value.code == "field_not_editable"
    assert state(case) == before


def test_case_update_records_before_and_after(world):
    # given
    case = register(world, title="楼上漏水纠纷", people_involved=2)

    # when
    services.case_update(
        actor=world.mediator,
        case=fresh(case),
        title="楼上漏水致楼下装修受损纠纷",
        people_involved=3,
    )

    # then
    case = fresh(case)
    assert (case.title, case.people_involved) == ("楼上漏水致楼下装修受损纠纷", 3)
    event = events_of(case)[-1]
    assert event.kind == "updated"
    assert event.actor == world.mediator
    assert event.data == {
        "before": {"title": "楼上漏水纠纷", "people_involved": 2},
        "after": {"title": "楼上漏水致楼下装修受损纠纷", "people_involved": 3},
    }


def test_case_update_refused_once_the_case_is_closed(world):
    case = services.case_withdraw(actor=world.mediator, case=fresh(accept(world)), reason="撤回")
    before = state(case)

    with pytest.raises(InvalidTransition) as refused:
        services.case_update(actor=world.mediator, case=fresh(case), title="结案后修改")

    assert refused.value.code == "invalid_transition"
    assert state(case) == before


def test_archive_waits_for_the_follow_ups(world):
    # given: a succeeded case still has its performance check and satisfaction survey
    case = succeed(world)
    before = state(case)

    # when
    with pytest.raises(InvalidTransition) as refused:
        services.case_archive(actor=world.mediator, case=fresh(case))

    # then
    assert state(case) == before
    pending = set(
        FollowUp.objects.filter(case=case, status=FollowUp.Status.SCHEDULED).values_list(
            "id", flat=True
        )
    )
    assert set(refused.value.extra["follow_ups"]) == pending
    assert pending

    # and once they are done it archives
    for row in FollowUp.objects.filter(case=case, status=FollowUp.Status.SCHEDULED):
        if row.needs_a_person:
            followups.followup_complete(actor=world.mediator, followup=row, performed="full")
        else:
            followups.followup_fire(followup_id=row.id)
    services.case_archive(actor=world.mediator, case=fresh(case))
    assert fresh(case).status == "archived"
