"""schedule.new_case_start (issue 18): a registration writes a new case's follow-ups in
one INSERT instead of running acceptance_sync and leader_sync on a case that has none.
Both must leave the same rows."""

import pytest
import time_machine
from django.utils import timezone

from mediation import schedule
from mediation.models import FollowUp
from tests.builders import make_case

pytestmark = pytest.mark.django_db


def _rows(case) -> list[tuple]:
    return sorted(
        FollowUp.objects.filter(case=case).values_list(
            "kind", "step", "due_at", "status", "committee_id", "fired_at", "done_at"
        )
    )


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"difficulty": "major"},
        {"difficulty": "major", "responsible_leader": {"name": "王主任"}},
    ],
    ids=["ordinary", "major_without_leader", "major_with_leader"],
)
def test_a_new_case_gets_what_the_two_syncs_would_write(mediator_a, committee_a, fields):
    with time_machine.travel(timezone.now(), tick=False):
        # given a case registered through the service (new_case_start wrote its rows)
        case = make_case(mediator_a, committee_a, **fields)
        written = _rows(case)
        assert written  # at least the acceptance pair

        # when the same case starts again from no follow-ups through the two syncs
        FollowUp.objects.filter(case=case).delete()
        schedule.acceptance_sync(case)
        schedule.leader_sync(case)

    # then they wrote exactly the same rows
    assert _rows(case) == written
    kinds = {row[0] for row in written}
    assert (FollowUp.Kind.LEADER_MISSING in kinds) == (
        fields.get("difficulty") == "major" and "responsible_leader" not in fields
    )
