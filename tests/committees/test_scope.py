"""Which personas see which committees: one table, one scope function."""

import pytest

from committees.models import Committee
from committees.scope import scope_for, visible_committees


def codes(user):
    return set(visible_committees(user).values_list("code", flat=True))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "persona, expected",
    [
        ("mediator_a", {"C640106001001"}),
        ("director_a", {"C640106001001"}),
        ("outsider", {"C640106002001"}),
        ("court_liaison", set()),
        # the 满城北街 judicial office supervises its sub-district committee and communities
        ("office_a", "supervised_by:J640106001"),
        ("district", "all"),
    ],
)
def test_visible_committees(request, persona, expected):
    user = request.getfixturevalue(persona)
    if expected == "all":
        expected = set(Committee.objects.values_list("code", flat=True))
        assert len(expected) == 84
    elif isinstance(expected, str):
        office = expected.split(":")[1]
        expected = set(
            Committee.objects.filter(judicial_office__code=office).values_list("code", flat=True)
        )
        assert "C640106001" in expected and "C640106002001" not in expected
    assert codes(user) == expected


@pytest.mark.django_db
def test_only_members_see_personal_data_and_only_directors_decide(
    committee_a, mediator_a, director_a, office_a, district
):
    assert scope_for(mediator_a).is_member(committee_a.id)
    assert not scope_for(mediator_a).is_director(committee_a.id)
    assert scope_for(director_a).is_director(committee_a.id)
    assert scope_for(office_a).sees_committee(committee_a.id)
    assert not scope_for(office_a).is_member(committee_a.id)
    assert scope_for(district).sees_committee(committee_a.id)
    assert not scope_for(district).is_member(committee_a.id)


@pytest.mark.django_db
def test_inactive_user_and_inactive_membership_see_nothing(mediator_a, committee_a):
    mediator_a.is_active = False
    assert codes(mediator_a) == set()

    mediator_a.is_active = True
    mediator_a.mediator_memberships.update(is_active=False)
    from committees.scope import forget_scope

    forget_scope(mediator_a)
    assert codes(mediator_a) == set()


@pytest.mark.django_db
def test_liaison_scope_is_its_institution(court_liaison):
    scope = scope_for(court_liaison)
    assert len(scope.liaison_of) == 1
    assert not scope.sees_everything
    assert scope.committee_ids == frozenset()
