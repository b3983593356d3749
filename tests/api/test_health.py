"""GET /api/v1/health/: the status to anyone; backlog counts and lock-out figures only to
staff and the district office (v1.1)."""

import uuid

import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory

HEALTH = "/api/v1/health/"
PASSWORD = "secret-pass-123"  # tests.factories.UserFactory's password
DETAILS = {"database", "broker", "follow_ups", "login_lockouts"}


@pytest.fixture(autouse=True)
def _isolated_login_counters(settings):
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    }
    settings.AUTH_LOGIN_FAILURE_LIMIT = 2
    settings.AUTH_LOGIN_IP_FAILURE_LIMIT = 3


def login(username, password, ip):
    return APIClient().post(
        "/api/v1/auth/token/",
        {"username": username, "password": password},
        format="json",
        REMOTE_ADDR=ip,
    )


@pytest.mark.django_db
def test_anyone_gets_only_the_status(anon):
    response = anon.get(HEALTH)

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_a_mediator_or_liaison_gets_only_the_status(client_for, mediator_a, court_liaison):
    for user in (mediator_a, court_liaison):
        response = client_for(user).get(HEALTH)

        assert response.status_code == 200
        assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_staff_and_the_district_office_get_the_details(client_for, district):
    staff = UserFactory(username="ops", is_staff=True)

    for user in (staff, district):
        body = client_for(user).get(HEALTH).json()

        assert body["status"] == "ok"
        assert set(body) == {"status"} | DETAILS
        assert body["database"] == "ok"
        assert body["follow_ups"]["scheduled_due"] == 0
        assert body["login_lockouts"] == {"pair_locks_24h": 0, "address_locks_24h": 0}


@pytest.mark.django_db
def test_the_details_count_pair_and_address_locks(client_for, district):
    # given: one pair locked (two failures of alice at X), and address Y locked by three
    # failures for three usernames
    UserFactory(username="alice")
    for _ in range(2):
        login("alice", "wrong", ip="10.1.1.1")
    for n in range(3):
        login(f"guess{n}", "wrong", ip="10.2.2.2")

    # when
    body = client_for(district).get(HEALTH).json()

    # then
    assert body["login_lockouts"] == {"pair_locks_24h": 1, "address_locks_24h": 1}


@pytest.mark.django_db
def test_degraded_is_503_to_anyone_and_the_cause_only_to_staff(settings, anon, client_for):
    # given: a broker address where nothing listens
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    staff = UserFactory(username="ops", is_staff=True)

    # when
    public = anon.get(HEALTH)
    detailed = client_for(staff).get(HEALTH)

    # then
    assert public.status_code == 503
    assert public.json() == {"status": "degraded"}
    assert detailed.status_code == 503
    assert detailed.json()["status"] == "degraded"
    assert detailed.json()["broker"].startswith("error: ")
