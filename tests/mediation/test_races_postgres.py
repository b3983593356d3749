"""Races on the real PostgreSQL (issues 3 and 4, "Tests that must exist").

Each test fires real concurrent requests through the HTTP API: worker threads, each on
Django's own per-thread connection (closed when the thread is done), released together by
a barrier. The database is shared between the threads, so the tests are transactional
(pytest-django flushes the database after each; the `ref` fixture reloads the reference
data).

The number of simultaneous connections is capped at RACE_WORKERS so the suite also runs on
a server with PostgreSQL's default `max_connections = 100` while other sessions use it: a
race of more calls than workers runs as RACE_WORKERS threads started together, each sending
its share of the calls back to back.

Where a race could be "won" by timing alone (one request finishing before the other reads),
the holder of the row lock is slowed down while it holds the lock, so that every competitor
has read the same state before the winner commits; without the lock they would all succeed.
"""

import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import IdempotencyKey
from committees.models import Mediator
from mediation import routing, services
from mediation.exceptions import InvalidInput
from mediation.models import Case, CaseEvent, CaseNumberCounter, FollowUp, Party, Transfer
from tests.builders import make_case, person
from tests.factories import MediatorFactory, UserFactory

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not ON_POSTGRES,
        reason="race tests need the real PostgreSQL (set DATABASE_URL=postgres://...); "
        f"the configured database engine is {settings.DATABASES['default']['ENGINE']}",
    ),
]

RACE_WORKERS = 30
LOCK_HOLD_SECONDS = 0.3

VALID_ID = "11010519491231002X"
BAD_CHECK_DIGIT_ID = "110105194912310021"  # VALID_ID with a wrong check digit
PARTIES = [
    person("applicant", "张某", id_number=VALID_ID, phone="13800000000"),
    person("respondent", "李某"),
]

DECISION_KINDS = ("transfer_accepted", "transfer_rejected", "transfer_cancelled")


# --- helpers -----------------------------------------------------------------------------


def race(calls, workers=RACE_WORKERS):
    """Run the callables concurrently and return their results in the order given.

    min(workers, len(calls)) threads wait on one barrier, then each runs its share of
    the calls (every n-th one); each thread closes its own database connection at the end.
    """
    count = min(workers, len(calls))
    barrier = threading.Barrier(count)
    results = [None] * len(calls)

    def work(first):
        try:
            barrier.wait(timeout=60)
            for index in range(first, len(calls), count):
                results[index] = calls[index]()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(work, first) for first in range(count)]
        for future in futures:
            future.result()
    return results


def client(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def post(user, path, body=None, **headers):
    """A callable for race(): one POST by `user` with a client of its own."""

    def call():
        return client(user).post(path, body or {}, format="json", headers=headers or None)

    return call


def slow_down(monkeypatch, module, name):
    """Make module.name sleep before it runs (it runs while the case row is locked)."""
    original = getattr(module, name)

    def slowed(*args, **kwargs):
        time.sleep(LOCK_HOLD_SECONDS)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, slowed)


def case_body(committee, index, id_number=VALID_ID):
    return {
        "committee": committee.id,
        "dispute_type": "neighbourhood",
        "source": "party_application",
        "title": f"楼上漏水纠纷{index}",
        "facts": "楼上卫生间漏水，损坏楼下吊顶。",
        "claims": "赔偿维修费用。",
        "parties": [
            {
                "role": "applicant",
                "kind": "person",
                "name": f"张某{index}",
                "id_number": id_number,
                "phone": "13800000000",
            },
            {"role": "respondent", "kind": "person", "name": f"李某{index}"},
        ],
    }


def membership(user, committee):
    return Mediator.objects.get(user=user, committee=committee)


def director_of(committee, username):
    user = UserFactory(username=username)
    MediatorFactory(committee=committee, user=user, role=Mediator.Role.DIRECTOR, name=username)
    return user


def numbering_of(committee):
    """(sorted sequences, numbers, counter value) of this year's cases at `committee`."""
    year = timezone.localdate().year
    cases = Case.objects.filter(committee=committee, number_year=year)
    counter = CaseNumberCounter.objects.filter(committee=committee, year=year).first()
    return (
        sorted(cases.values_list("number_sequence", flat=True)),
        set(cases.values_list("number", flat=True)),
        counter.last if counter else 0,
    )


# --- 1. case numbers under 100 concurrent registrations ---------------------------------


def test_concurrent_registrations_are_numbered_1_to_n_without_gaps(
    committee_a, mediator_a, mediator_a2
):
    # given: 100 registrations in one committee, every tenth with a bad ID number
    failing = {index for index in range(100) if index % 10 == 3}
    calls = [
        post(
            mediator_a if index % 2 else mediator_a2,
            "/api/v1/cases/",
            case_body(committee_a, index, BAD_CHECK_DIGIT_ID if index in failing else VALID_ID),
        )
        for index in range(100)
    ]

    # when
    responses = race(calls)

    # then: 90 created, 10 refused, and the created ones hold exactly 1..90
    assert Counter(r.status_code for r in responses) == {201: 90, 400: 10}
    assert {i for i, r in enumerate(responses) if r.status_code == 400} == failing
    assert {r.json()["code"] for r in responses if r.status_code == 400} == {"invalid_id_number"}
    created = [r.json() for r in responses if r.status_code == 201]
    assert len({c["id"] for c in created}) == 90
    sequences, numbers, counter = numbering_of(committee_a)
    assert sequences == list(range(1, 91))
    assert counter == 90
    year = timezone.localdate().year
    assert numbers == {
        services.case_number_format(committee=committee_a, year=year, sequence=n)
        for n in range(1, 91)
    }
    assert {c["number"] for c in created} == numbers
    assert Case.objects.count() == 90
    assert Party.objects.count() == 180
    assert CaseEvent.objects.filter(kind="registered").count() == 90


def test_registrations_failing_after_taking_a_number_give_it_back(
    committee_a, mediator_a, mediator_a2, monkeypatch
):
    # given: 100 registrations, every tenth failing *after* its number was taken (the
    # failure is injected at the end of the registering transaction), so a number only
    # stays taken if its transaction commits
    # (the last step of registering a case is marking its statistics month)
    from mediation import statistics

    original = statistics.mark_dirty

    def fail_marked(*, case, **kwargs):
        if case.title.startswith("注定失败"):
            raise InvalidInput("模拟：取号之后的校验失败。", code="injected_failure")
        return original(case=case, **kwargs)

    monkeypatch.setattr(statistics, "mark_dirty", fail_marked)
    failing = {index for index in range(100) if index % 10 == 7}
    bodies = []
    for index in range(100):
        body = case_body(committee_a, index)
        if index in failing:
            body["title"] = f"注定失败{index}"
        bodies.append(body)
    calls = [
        post(mediator_a if index % 2 else mediator_a2, "/api/v1/cases/", body)
        for index, body in enumerate(bodies)
    ]

    # when
    responses = race(calls)

    # then
    assert Counter(r.status_code for r in responses) == {201: 90, 400: 10}
    assert {i for i, r in enumerate(responses) if r.status_code == 400} == failing
    assert {r.json()["code"] for r in responses if r.status_code == 400} == {"injected_failure"}
    sequences, numbers, counter = numbering_of(committee_a)
    assert sequences == list(range(1, 91))
    assert counter == 90
    assert len(numbers) == 90
    assert not Case.objects.filter(title__startswith="注定失败").exists()
    assert Party.objects.count() == 180
    assert CaseEvent.objects.filter(kind="registered").count() == 90


# --- 2. two directors accept one case at once ---------------------------------------------


def test_two_concurrent_accepts_one_wins_the_other_gets_409(
    committee_a, mediator_a, director_a, monkeypatch
):
    # given: a registered case and two directors of its committee
    second_director = director_of(committee_a, "director_a_deputy")
    case = make_case(mediator_a, committee_a, title="邻里纠纷", parties=PARTIES)
    body = {"mediators": [membership(mediator_a, committee_a).id]}
    path = f"/api/v1/cases/{case.id}/accept/"
    slow_down(monkeypatch, services.cases, "case_event_record")

    # when
    responses = race([post(director_a, path, body), post(second_director, path, body)])

    # then
    assert sorted(r.status_code for r in responses) == [200, 409]
    (winner,) = [i for i, r in enumerate(responses) if r.status_code == 200]
    (loser,) = [r for r in responses if r.status_code == 409]
    assert loser.json()["code"] in {"conflict", "invalid_transition"}
    assert responses[winner].json()["status"] == "mediating"
    case.refresh_from_db()
    assert case.status == "mediating"
    assert list(case.mediators.values_list("id", flat=True)) == body["mediators"]
    accepted = CaseEvent.objects.filter(case=case, kind="accepted")
    assert accepted.count() == 1
    assert accepted.get().actor == [director_a, second_director][winner]
    assert CaseEvent.objects.filter(case=case).count() == 2  # registered, accepted


# --- 3. one Idempotency-Key, 50 parallel POSTs ----------------------------------------------


def test_parallel_posts_with_one_idempotency_key_create_one_case(committee_a, mediator_a):
    # given
    key = str(uuid.uuid4())
    body = case_body(committee_a, 1)
    calls = [post(mediator_a, "/api/v1/cases/", body, **{"Idempotency-Key": key})] * 50

    # when
    responses = race(calls)

    # then
    assert [r.status_code for r in responses] == [201] * 50
    assert len({r.json()["id"] for r in responses}) == 1
    assert len({r.json()["number"] for r in responses}) == 1
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 49
    case = Case.objects.get()
    assert case.id == responses[0].json()["id"]
    assert case.number_sequence == 1
    assert numbering_of(committee_a)[2] == 1
    assert Party.objects.count() == 2
    assert CaseEvent.objects.filter(kind="registered").count() == 1
    assert IdempotencyKey.objects.filter(user=mediator_a, key=key).count() == 1


# --- 4. twenty decisions on one pending transfer -------------------------------------------


def test_concurrent_decisions_on_one_transfer_exactly_one_wins(
    committee_a, committee_b, mediator_a, director_a, outsider, monkeypatch
):
    # given: a case of A with a pending transfer to B; `outsider` directs B
    case = make_case(mediator_a, committee_a, title="邻里纠纷", parties=PARTIES)
    old_number = case.number
    transfer = routing.transfer_request(
        actor=director_a,
        case=case,
        to_committee=committee_b,
        kind=Transfer.Kind.REASSIGN,
        reason="当事人均居住在黄河东路辖区。",
    )
    base = f"/api/v1/transfers/{transfer.id}"
    decisions = [
        ("accept", outsider, f"{base}/accept/", None),
        ("reject", outsider, f"{base}/reject/", {"reason": "不属于本会辖区。"}),
        ("cancel", director_a, f"{base}/cancel/", None),
    ]
    plan = [decisions[index % 3] for index in range(20)]
    slow_down(monkeypatch, services.routing, "case_event_record")

    # when
    responses = race([post(user, path, body) for _, user, path, body in plan])

    # then: exactly one decision wins, every other one is a 409 conflict
    assert Counter(r.status_code for r in responses) == {200: 1, 409: 19}
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"conflict"}
    (winner,) = [plan[i][0] for i, r in enumerate(responses) if r.status_code == 200]
    expected = {
        "accept": ("accepted", committee_b, "transfer_accepted"),
        "reject": ("rejected", committee_a, "transfer_rejected"),
        "cancel": ("cancelled", committee_a, "transfer_cancelled"),
    }[winner]
    transfer_status, holder, event_kind = expected
    transfer.refresh_from_db()
    case.refresh_from_db()
    assert transfer.status == transfer_status
    assert case.committee == holder
    assert case.transfer_pending is False
    assert case.status == "registered"
    events = CaseEvent.objects.filter(case=case, kind__in=DECISION_KINDS)
    assert list(events.values_list("kind", flat=True)) == [event_kind]
    assert not FollowUp.objects.filter(
        transfer=transfer, kind=FollowUp.Kind.TRANSFER_RESPONSE, status=FollowUp.Status.SCHEDULED
    ).exists()
    if winner == "accept":
        assert case.number_sequence == 1
        assert case.previous_numbers == [old_number]
        assert numbering_of(committee_b)[2] == 1
    else:
        assert case.number == old_number
        assert case.previous_numbers == []
        assert not CaseNumberCounter.objects.filter(committee=committee_b).exists()
