"""The intake's answer and cost (issue 18).

The 201 of POST /api/v1/cases/ is built from the rows the registration just wrote, not
read back (mediation.services.intake._known_relations): it must equal, byte for byte, the
detail the same caller reads right after. And the statements of one intake with three
parties are pinned, like the GETs in test_query_counts.py: update the pins only downward,
with the reason.
"""

import json

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework_simplejwt.tokens import AccessToken

from mediation.models import Case, FollowUp, PersonalDataAccess
from tests.api.conftest import create_body, mediator_row
from tests.builders import ID_NUMBER, OTHER_ID_NUMBER, PHONE, person

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"

# One intake with three parties, the caller signed in by a JWT (its user look-up counted):
# user, committee, memberships, roles, repeat-dispute look-up, number counter, case,
# parties (one multi-row INSERT), history entry, statistics marks (the committee-month,
# then the committee-day for the district's rows by day), follow-ups (one multi-row
# INSERT), the audit of the reveal. 23 before issue 18; 12 until the day rollup's mark.
INTAKE_STATEMENTS = 13
# + the audit of the repeat-dispute look-up when the parties' ID numbers match a case.
INTAKE_STATEMENTS_REPEAT = 14

THREE_PARTIES = [
    person("applicant", "张某", id_number=ID_NUMBER, phone=PHONE),
    person("respondent", "李某", id_number=OTHER_ID_NUMBER),
    person("third_party", "王某"),
]


def _client(user) -> Client:
    user = get_user_model().objects.get(pk=user.pk)
    return Client(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")


def _post(client, body) -> tuple[list[str], object]:
    with CaptureQueriesContext(connection) as captured:
        response = client.post(
            CASES, json.dumps(body, ensure_ascii=False), content_type="application/json"
        )
    assert response.status_code == 201, response.content[:400]
    # The registration's transaction is a savepoint inside the test's own: its brackets
    # are not statements of the request (in production: BEGIN and COMMIT).
    statements = [
        q["sql"]
        for q in captured.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]
    return statements, response


def test_the_201_is_the_detail_read_back_byte_for_byte(mediator_a, mediator_a2, world):
    # given a case with everything a registration writes: three parties with personal
    # data, a chosen mediator, a reportable risk, a major case without a leader (its
    # reminder), and a repeat of an earlier case's parties
    client = _client(mediator_a)
    body = create_body(
        world.committee_a,
        parties=THREE_PARTIES,
        preferred_mediators=[mediator_row(mediator_a2).id],
        difficulty="major",
        people_involved=3,
    )
    _post(client, body)

    # when the same parties are registered again
    _, created = _post(client, body)

    # then the 201 is exactly what the detail shows
    case_id = created.json()["id"]
    detail = client.get(f"{CASES}{case_id}/")
    assert detail.status_code == 200
    assert created.content == detail.content
    shown = created.json()
    assert shown["repeat_dispute"]["count"] == 1
    assert shown["preferred_mediators"] == [mediator_row(mediator_a2).id]
    assert [p["id_number"] for p in shown["parties"]] == [ID_NUMBER, OTHER_ID_NUMBER, ""]
    kinds = {f["kind"] for f in shown["follow_ups"]}
    assert kinds == {
        FollowUp.Kind.ACCEPTANCE_DUE,
        FollowUp.Kind.ACCEPTANCE_OVERDUE,
        FollowUp.Kind.LEADER_MISSING,
    }
    assert Case.objects.get(pk=case_id).repeat_dispute == shown["repeat_dispute"]


def test_an_intake_with_three_parties_costs_the_pinned_statements(mediator_a, world):
    client = _client(mediator_a)
    body = create_body(world.committee_a, parties=THREE_PARTIES, risk_flags=[])

    first, _ = _post(client, body)
    again, _ = _post(client, body)

    assert (len(first), len(again)) == (
        INTAKE_STATEMENTS,
        INTAKE_STATEMENTS_REPEAT,
    ), "\n".join(s[:90] for s in again)
    # the repeat's look-up audited, the reveal of each answer too
    kinds = list(PersonalDataAccess.objects.values_list("kind", flat=True))
    assert sorted(kinds) == sorted(
        [PersonalDataAccess.Kind.REVEAL] * 2 + [PersonalDataAccess.Kind.REPEAT_DISPUTE]
    )
