"""A planned session (issue 15 item 13) is not yet a session record: it neither completes the
卷宗's 人民调解记录 (document-formats.md) nor prints as one, until it is held."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mediation import services
from mediation.documents import registry
from mediation.services.sessions import case_record_session, session_mark_held
from tests.builders import fresh, world_accept

pytestmark = pytest.mark.django_db


def plan(world, case):
    return case_record_session(
        actor=world.mediator,
        case=fresh(case),
        held_at=timezone.now() + timedelta(days=2),
        place="调委会调解室",
    )


def fail(world, case):
    return services.case_conclude(
        actor=world.mediator,
        case=fresh(case),
        outcome="failure",
        guidance="litigation",
        reason="双方分歧较大",
    )


def test_a_planned_session_prints_as_a_session_record_only_once_held(world):
    case = world_accept(world)
    session = plan(world, case)
    assert registry.missing(fresh(case), "session_record") == ["session"]

    session_mark_held(
        actor=world.mediator,
        case=fresh(case),
        session=session,
        summary="双方到场，达成一致。",
        held_at=timezone.now() - timedelta(minutes=1),
    )

    assert registry.missing(fresh(case), "session_record") == []


def test_a_failed_case_with_only_a_planned_session_lacks_its_session_record(world):
    planned_only = world_accept(world)
    plan(world, planned_only)
    fail(world, planned_only)

    assert "session_record" in services.casefile_missing(fresh(planned_only))["missing"]
