"""The case services' rules (issue 3, sections 4 and 5), called as the API calls them:
recusal (回避) and who may do what.

Every case is built through the services. Every refusal asserts that nothing changed: the
case's fields, its history (no new CaseEvent) and, for registrations, no rows and no
number taken. The `world` fixture is in tests/mediation/conftest.py.
"""

import pytest

from committees.models import Mediator
from mediation import services
from mediation.exceptions import InvalidInput, NotAllowed
from mediation.models import (
    Case,
)
from tests.builders import WORLD_PARTIES as PARTIES
from tests.builders import case_events as events_of
from tests.builders import case_state as state
from tests.builders import (
    fresh,
)
from tests.builders import world_accept as accept
from tests.builders import world_register as register
from tests.factories import MediatorFactory, UserFactory

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
