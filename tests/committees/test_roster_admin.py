"""The admin shows the roster's trainings and the submitted months read-only (issue 15
items 15 and 16): they are written by committees.roster and the submissions service only."""

from decimal import Decimal

import pytest
from django.utils import timezone

from committees import roster
from tests.builders import membership

pytestmark = pytest.mark.django_db


def test_a_mediators_admin_page_lists_trainings_read_only(
    admin_client, district, mediator_a, committee_a
):
    row = membership(mediator_a, committee_a)
    roster.training_record(
        actor=district,
        mediator=row,
        on=timezone.localdate(),
        hours=Decimal("2"),
        topic="调解技巧",
    )

    page = admin_client.get(f"/admin/committees/mediator/{row.pk}/change/")
    submissions = admin_client.get("/admin/mediation/statisticssubmission/")

    assert page.status_code == 200 and "调解技巧" in page.content.decode()
    assert 'name="trainings-0-topic"' not in page.content.decode()
    assert submissions.status_code == 200
