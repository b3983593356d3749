"""The case services' rules (issue 3, sections 4 and 5), called as the API calls them:
one event per service, case numbers, registration, case_update and archiving.

Every case is built through the services. Every refusal asserts that nothing changed: the
case's fields, its history (no new CaseEvent) and, for registrations, no rows and no
number taken. The `world` fixture is in tests/mediation/conftest.py.
"""

from datetime import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from committees.models import Committee
from mediation import followups, services
from mediation.exceptions import InvalidInput, InvalidTransition
from mediation.models import (
    Agreement,
    Case,
    CaseEvent,
    CaseNumberCounter,
    FollowUp,
    Party,
)
from tests.builders import (
    APPLICANT,
    RESPONDENT,
    World,
    complete_file,
    fresh,
    sign_all,
    year,
)
from tests.builders import WORLD_PARTIES as PARTIES
from tests.builders import case_events as events_of
from tests.builders import case_state as state
from tests.builders import world_accept as accept
from tests.builders import world_register as register
from tests.builders import world_succeed as succeed


def counter(committee: Committee) -> int | None:
    row = CaseNumberCounter.objects.filter(committee=committee, year=year()).first()
    return row.last if row else None


# --- one event per service ----------------------------------------------------------------


def _withdrawn(w: World) -> Case:
    case = services.case_withdraw(actor=w.mediator, case=fresh(accept(w)), reason="撤回")
    return complete_file(w.mediator, case)


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
        lambda w: sign_all(w.mediator, succeed(w)),
        lambda w, case: services.case_record_judicial_confirmation(
            actor=w.mediator,
            case=case,
            applied_on=timezone.localdate(),
            court="金凤区人民法院",
            result="pending",
            joint=True,
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
    case = succeed(world, complete_file(world.mediator, accept(world)))
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

    # and once they are done and the file is complete it archives
    complete_file(world.mediator, case)
    for row in FollowUp.objects.filter(case=case, status=FollowUp.Status.SCHEDULED):
        if row.needs_a_person:
            followups.followup_complete(actor=world.mediator, followup=row, performed="full")
        else:
            followups.followup_fire(followup_id=row.id)
    services.case_archive(actor=world.mediator, case=fresh(case))
    assert fresh(case).status == "archived"
