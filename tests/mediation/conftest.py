"""Fixtures shared by several test files in tests/mediation."""

import pytest

from committees.models import Mediator
from tests.builders import World


@pytest.fixture
def world(committee_a, committee_b, mediator_a, mediator_a2, director_a, outsider):
    """The case-services tests' personas (test_case_*.py); a file may define its own."""
    return World(
        committee_a=committee_a,
        committee_b=committee_b,
        mediator=mediator_a,
        mediator_row=Mediator.objects.get(user=mediator_a),
        mediator2_row=Mediator.objects.get(user=mediator_a2),
        director=director_a,
        outsider=outsider,
    )
