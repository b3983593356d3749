"""The shared builders and factories build what they say, through the services."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mediation.choices import Status
from mediation.models import CaseEvent
from tests.builders import PARTIES, make_case
from tests.conftest import COMMITTEE_A, COURT
from tests.factories import CaseFactory, CommitteeFactory, InstitutionFactory, MechanismFactory

pytestmark = pytest.mark.django_db


def test_reference_factories_find_the_loaded_rows(ref):
    assert CommitteeFactory().code == COMMITTEE_A
    assert InstitutionFactory().code == COURT
    assert MechanismFactory(code="court").code == "court"


def test_case_factory_registers_through_the_services(ref):
    case = CaseFactory(dispute_type="contract")

    assert case.status == Status.REGISTERED
    assert case.committee.code == COMMITTEE_A
    assert case.number  # numbered by the service
    assert case.parties.count() == 2
    assert CaseEvent.objects.filter(case=case, kind="registered").exists()


def test_make_case_received_and_accepted(committee_a, mediator_a, director_a):
    day = timezone.localdate() - timedelta(days=40)

    case = make_case(
        mediator_a, committee_a, received=day, status=Status.MEDIATING, director=director_a
    )

    assert timezone.localtime(case.received_at).date() == day
    assert case.status == Status.MEDIATING
    assert list(case.mediators.values_list("user", flat=True)) == [mediator_a.pk]
    assert case.parties.count() == len(PARTIES)
