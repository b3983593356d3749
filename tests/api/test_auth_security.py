"""Sign-in hardening: failed-login lock-out (API and admin), refresh rotation, logout
(production settings and CORS: test_security_settings.py).

Each test gets its own cache key prefix, so counters never leak between tests (also on the
shared Redis that CI uses as the cache).
"""

import time
import uuid
from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

from api import auth
from committees import signin
from tests.factories import UserFactory

PASSWORD = "secret-pass-123"  # tests.factories.UserFactory's password
TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/refresh/"
LOGOUT = "/api/v1/auth/logout/"
ADMIN_LOGIN = "/admin/login/"
LIMIT = 5
IP_LIMIT = 12
LOCKOUT = 900


@pytest.fixture(autouse=True)
def _isolated_login_counters(settings):
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    }
    settings.AUTH_LOGIN_FAILURE_LIMIT = LIMIT
    settings.AUTH_LOGIN_IP_FAILURE_LIMIT = IP_LIMIT
    settings.AUTH_LOGIN_FAILURE_WINDOW = 900
    settings.AUTH_LOGIN_LOCKOUT_SECONDS = LOCKOUT


def login(username, password, ip="127.0.0.1", **extra):
    return APIClient().post(
        TOKEN, {"username": username, "password": password}, format="json", REMOTE_ADDR=ip, **extra
    )


def locked_body(wait):
    return {"detail": f"登录失败次数过多，请在 {wait} 秒后再试。", "code": "throttled"}


# --- failed-login lock-out on POST /api/v1/auth/token/ -------------------------------------
# (v1.1: failures lock the pair (username, address); other users at the address are refused
# only past the address-wide limit.)


@pytest.mark.django_db
def test_failures_lock_only_the_pair_of_username_and_address():
    # given: five wrong passwords for alice from address X
    alice = UserFactory(username="alice")
    UserFactory(username="bob")
    failures = [login("alice", "wrong", ip="10.0.0.1") for _ in range(LIMIT)]

    # when: a sixth attempt from X, with the right password
    locked = login("alice", PASSWORD, ip="10.0.0.1")

    # then: the pair (alice, X) is locked ...
    assert [r.status_code for r in failures] == [401] * LIMIT
    assert failures[0].json()["code"] == "no_active_account"
    assert locked.status_code == 429
    assert locked.json() == locked_body(LOCKOUT)
    assert locked["Retry-After"] == str(LOCKOUT)
    assert "access" not in locked.json()
    # ... alice still signs in from Y, bob still signs in from X; alice's password unchanged
    assert login("alice", PASSWORD, ip="10.0.0.99").status_code == 200
    assert login("bob", PASSWORD, ip="10.0.0.1").status_code == 200
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


@pytest.mark.django_db
def test_failures_spread_over_addresses_lock_nothing():
    # an attacker who knows the username cannot lock alice out from elsewhere
    UserFactory(username="alice")
    for n in range(LIMIT * 2):
        assert login("alice", "wrong", ip=f"10.0.1.{n}").status_code == 401

    assert login("alice", PASSWORD, ip="10.0.1.200").status_code == 200


@pytest.mark.django_db
def test_pair_lock_ignores_username_case():
    UserFactory(username="alice")
    for n in range(LIMIT):
        login("Alice" if n % 2 else "ALICE", "wrong", ip="10.0.2.1")

    assert login("alice", PASSWORD, ip="10.0.2.1").status_code == 429


@pytest.mark.django_db
def test_other_users_failures_lock_an_address_only_at_the_address_wide_limit(caplog):
    # given: one failure short of the address-wide limit, from one address, for many
    # (partly unknown) usernames, none of them reaching the per-pair limit
    UserFactory(username="carol")
    for n in range(IP_LIMIT - 1):
        assert login(f"guess{n % 3}", "wrong", ip="10.2.2.2").status_code == 401
    assert login("carol", PASSWORD, ip="10.2.2.2").status_code == 200

    # when: one more failure from that address
    assert login("guess9", "wrong", ip="10.2.2.2").status_code == 401
    locked = login("carol", PASSWORD, ip="10.2.2.2")

    # then: the whole address is locked (logged as such), carol herself is not
    assert locked.status_code == 429
    assert locked.json() == locked_body(LOCKOUT)
    assert locked["Retry-After"] == str(LOCKOUT)
    assert login("carol", PASSWORD, ip="10.3.3.3").status_code == 200
    assert "address-wide limit" in caplog.text
    assert "10.2.2.2" in caplog.text


@pytest.mark.django_db
def test_forged_x_forwarded_for_does_not_escape_the_address_lock():
    UserFactory(username="carol")
    for n in range(IP_LIMIT):
        login(f"guess{n}", "wrong", ip="10.2.2.2", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")

    forged = login("carol", PASSWORD, ip="10.2.2.2", HTTP_X_FORWARDED_FOR="203.0.113.200")

    assert forged.status_code == 429


@pytest.mark.django_db
def test_the_client_address_behind_a_trusted_proxy_is_the_forwarded_one(settings):
    # given: one proxy in front of the app, every request arrives from its address
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    UserFactory(username="alice")
    for _ in range(LIMIT):
        login("alice", "wrong", ip="10.0.0.254", HTTP_X_FORWARDED_FOR="203.0.113.5")

    # when / then: the pair with the forwarded address is locked; alice behind the same
    # proxy from another client address is not
    via_5 = login("alice", PASSWORD, ip="10.0.0.254", HTTP_X_FORWARDED_FOR="203.0.113.5")
    via_6 = login("alice", PASSWORD, ip="10.0.0.254", HTTP_X_FORWARDED_FOR="203.0.113.6")
    assert via_5.status_code == 429
    assert via_6.status_code == 200


@pytest.mark.django_db
def test_fewer_failures_than_the_limit_do_not_lock():
    UserFactory(username="alice")
    for _ in range(LIMIT - 1):
        assert login("alice", "wrong", ip="10.4.4.4").status_code == 401

    assert login("alice", PASSWORD, ip="10.4.4.4").status_code == 200


@pytest.mark.django_db
def test_missing_password_is_a_validation_error_and_not_a_failure():
    UserFactory(username="alice")
    for _ in range(LIMIT + 2):
        response = APIClient().post(TOKEN, {"username": "alice"}, format="json")
        assert response.status_code == 400
        assert response.json()["code"] == "required"

    assert login("alice", PASSWORD).status_code == 200


@pytest.mark.django_db
def test_a_correct_password_never_ends_a_lock_early_and_the_lock_expires(monkeypatch, caplog):
    # given: the pair (alice, X) locked at a fixed moment
    clock = {"now": time.time()}
    monkeypatch.setattr(signin, "_now", lambda: clock["now"])
    UserFactory(username="alice")
    for _ in range(LIMIT):
        login("alice", "wrong", ip="10.5.5.5")

    # when / then: the right password during the lock is refused and changes nothing
    for step in (1, LOCKOUT // 2):
        clock["now"] += step
        assert login("alice", PASSWORD, ip="10.5.5.5").status_code == 429
    clock["now"] += LOCKOUT - 1 - 1 - LOCKOUT // 2
    still = login("alice", PASSWORD, ip="10.5.5.5")
    assert still.status_code == 429
    assert still["Retry-After"] == "1"
    assert still.json() == locked_body(1)
    assert "sign-in unlocked" not in caplog.text

    # when / then: at the end a wrong password is a plain failure again (the count
    # restarted), the right one works, and the end of the lock is logged
    clock["now"] += 1
    assert login("alice", "wrong", ip="10.5.5.5").status_code == 401
    assert login("alice", PASSWORD, ip="10.5.5.5").status_code == 200
    assert "sign-in unlocked" in caplog.text


@pytest.mark.django_db
def test_locks_are_logged_without_the_username(caplog):
    UserFactory(username="alice")
    for _ in range(LIMIT):
        login("alice", "wrong", ip="10.5.6.7")

    locks = [r for r in caplog.records if "sign-in locked" in r.getMessage()]
    assert len(locks) == 1
    assert locks[0].levelname == "WARNING"
    assert "10.5.6.7" in locks[0].getMessage()
    assert "alice" not in caplog.text


@pytest.mark.django_db
def test_success_resets_the_pair_count_but_not_the_address_count():
    # given: four failures for alice from address A, then her successful login from A
    UserFactory(username="alice")
    UserFactory(username="bob")
    for _ in range(LIMIT - 1):
        assert login("alice", "wrong", ip="10.6.6.6").status_code == 401
    assert login("alice", PASSWORD, ip="10.6.6.6").status_code == 200

    # when: alice fails once more from A
    again = login("alice", "wrong", ip="10.6.6.6")

    # then: her count restarted (no lock) ...
    assert again.status_code == 401
    assert login("alice", PASSWORD, ip="10.6.6.6").status_code == 200
    # ... while address A still carries its five failures: the rest of the limit locks it
    for n in range(IP_LIMIT - LIMIT):
        assert login(f"mallory{n}", "wrong", ip="10.6.6.6").status_code == 401
    assert login("bob", PASSWORD, ip="10.6.6.6").status_code == 429
    assert login("bob", PASSWORD, ip="10.8.8.8").status_code == 200


@pytest.mark.django_db
def test_inactive_account_counts_as_a_failure():
    UserFactory(username="gone", is_active=False)
    responses = [login("gone", PASSWORD, ip="10.9.9.9") for _ in range(LIMIT + 1)]

    assert [r.status_code for r in responses] == [401] * LIMIT + [429]


@pytest.mark.django_db
def test_login_unlock_ends_a_pair_or_address_lock_by_hand_and_logs_it(caplog):
    # given: the pair (alice, X) and the address Y locked
    UserFactory(username="alice")
    for _ in range(LIMIT):
        login("alice", "wrong", ip="10.20.0.1")
    for n in range(IP_LIMIT):
        login(f"guess{n}", "wrong", ip="10.20.0.2")
    assert login("alice", PASSWORD, ip="10.20.0.1").status_code == 429
    assert login("alice", PASSWORD, ip="10.20.0.2").status_code == 429

    # when
    out = StringIO()
    call_command("login_unlock", "10.20.0.1", "--username", "ALICE", stdout=out)
    call_command("login_unlock", "10.20.0.2", stdout=out)
    call_command("login_unlock", "10.20.0.3", stdout=out)

    # then
    assert login("alice", PASSWORD, ip="10.20.0.1").status_code == 200
    assert login("alice", PASSWORD, ip="10.20.0.2").status_code == 200
    assert out.getvalue().splitlines() == [
        "unlocked: user #{} at address 10.20.0.1".format(auth._digest("alice")[:12]),
        "unlocked: address 10.20.0.2",
        "nothing locked",
    ]
    unlocks = [r.getMessage() for r in caplog.records if "unlocked by hand" in r.getMessage()]
    assert len(unlocks) == 2
    assert "alice" not in caplog.text.lower()


# --- refresh rotation and logout --------------------------------------------------------------


@pytest.mark.django_db
def test_refresh_rotates_the_refresh_token_and_blacklists_the_old_one():
    UserFactory(username="alice")
    first = login("alice", PASSWORD).json()
    client = APIClient()

    rotated = client.post(REFRESH, {"refresh": first["refresh"]}, format="json")

    assert rotated.status_code == 200
    assert set(rotated.json()) == {"access", "refresh"}
    assert rotated.json()["refresh"] != first["refresh"]
    reused = client.post(REFRESH, {"refresh": first["refresh"]}, format="json")
    assert reused.status_code == 401
    assert reused.json()["code"] == "token_not_valid"
    assert client.post(REFRESH, {"refresh": rotated.json()["refresh"]}).status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {rotated.json()['access']}")
    assert client.get("/api/v1/me/").json()["username"] == "alice"


@pytest.mark.django_db
def test_an_access_token_older_than_its_lifetime_is_refused(time_machine):
    # given: tokens issued at a fixed moment (default lifetime: 30 minutes)
    time_machine.move_to(datetime(2026, 11, 20, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
    UserFactory(username="alice")
    tokens = login("alice", PASSWORD).json()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")

    # when / then: valid just before the end of its lifetime, refused after it
    time_machine.shift(timedelta(minutes=29, seconds=59))
    assert client.get("/api/v1/me/").status_code == 200
    time_machine.shift(timedelta(seconds=2))
    expired = client.get("/api/v1/me/")
    assert expired.status_code == 401
    assert expired.json()["code"] == "token_not_valid"
    # the refresh token (7 days) still gives a new access token
    fresh = APIClient().post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
    assert fresh.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {fresh.json()['access']}")
    assert client.get("/api/v1/me/").status_code == 200


@pytest.mark.django_db
def test_logout_blacklists_the_refresh_token():
    # given
    UserFactory(username="alice")
    tokens = login("alice", PASSWORD).json()
    client = APIClient()

    # when
    logout = client.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json")

    # then
    assert logout.status_code == 204
    assert logout.content == b""
    assert BlacklistedToken.objects.filter(token__user__username="alice").count() == 1
    refused = client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
    assert refused.status_code == 401
    assert refused.json()["code"] == "token_not_valid"
    assert "access" not in refused.json()
    again = client.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json")
    assert again.status_code == 401
    assert BlacklistedToken.objects.count() == 1


@pytest.mark.django_db
def test_logout_with_a_bad_or_missing_token_changes_nothing():
    client = APIClient()

    garbage = client.post(LOGOUT, {"refresh": "not-a-token"}, format="json")
    missing = client.post(LOGOUT, {}, format="json")

    assert garbage.status_code == 401
    assert garbage.json()["code"] == "token_not_valid"
    assert missing.status_code == 400
    assert missing.json()["code"] == "required"
    assert BlacklistedToken.objects.count() == 0


@pytest.mark.django_db
def test_logout_refuses_an_access_token():
    UserFactory(username="alice")
    tokens = login("alice", PASSWORD).json()

    response = APIClient().post(LOGOUT, {"refresh": tokens["access"]}, format="json")

    assert response.status_code == 401
    assert BlacklistedToken.objects.count() == 0


# --- the admin login ---------------------------------------------------------------------------


def admin_post(username, password, ip="127.0.0.1", **extra):
    return Client().post(
        ADMIN_LOGIN,
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=ip,
        **extra,
    )


def admin_locked(response, wait=LOCKOUT):
    return (
        response.status_code == 429
        and response["Retry-After"] == str(wait)
        and response.content.decode() == f"登录失败次数过多，请在 {wait} 秒后再试。"
        and "_auth_user_id" not in response.wsgi_request.session
    )


@pytest.mark.django_db
def test_admin_requires_staff():
    UserFactory(username="clerk")
    UserFactory(username="boss", is_staff=True)

    clerk = admin_post("clerk", PASSWORD)
    boss = admin_post("boss", PASSWORD)

    assert clerk.status_code == 200
    assert "_auth_user_id" not in clerk.wsgi_request.session
    assert boss.status_code == 302
    assert boss["Location"] == "/admin/"


@pytest.mark.django_db
def test_admin_failures_lock_only_the_pair():
    # given: five wrong passwords on the admin form for boss from address X
    UserFactory(username="boss", is_staff=True)
    UserFactory(username="chief", is_staff=True)
    failures = [admin_post("boss", "wrong", ip="10.10.0.1") for _ in range(LIMIT)]

    # when: the right password from X
    locked = admin_post("boss", PASSWORD, ip="10.10.0.1")

    # then: 429 with Retry-After and no session; the API token endpoint is locked too
    assert [r.status_code for r in failures] == [200] * LIMIT
    assert admin_locked(locked)
    assert login("boss", PASSWORD, ip="10.10.0.1").status_code == 429
    # boss from another address, and another user from X, still sign in
    assert admin_post("boss", PASSWORD, ip="10.10.0.2").status_code == 302
    assert admin_post("chief", PASSWORD, ip="10.10.0.1").status_code == 302


@pytest.mark.django_db
def test_admin_failures_spread_over_addresses_lock_nothing():
    UserFactory(username="boss", is_staff=True)
    for n in range(LIMIT * 2):
        assert admin_post("boss", "wrong", ip=f"10.10.1.{n}").status_code == 200

    assert admin_post("boss", PASSWORD, ip="10.10.1.200").status_code == 302


@pytest.mark.django_db
def test_admin_address_wide_limit():
    UserFactory(username="boss", is_staff=True)
    for n in range(IP_LIMIT - 1):
        assert admin_post(f"guess{n % 3}", "wrong", ip="10.10.2.1").status_code == 200
    assert admin_post("boss", PASSWORD, ip="10.10.2.1").status_code == 302

    admin_post("guess9", "wrong", ip="10.10.2.1")

    assert admin_locked(admin_post("boss", PASSWORD, ip="10.10.2.1"))
    assert admin_post("boss", PASSWORD, ip="10.10.2.2").status_code == 302


@pytest.mark.django_db
def test_admin_correct_password_never_ends_a_lock_early(monkeypatch, caplog):
    clock = {"now": time.time()}
    monkeypatch.setattr(signin, "_now", lambda: clock["now"])
    UserFactory(username="boss", is_staff=True)
    for _ in range(LIMIT):
        admin_post("boss", "wrong", ip="10.10.3.1")
    assert "sign-in locked" in caplog.text

    clock["now"] += LOCKOUT // 2
    assert admin_locked(admin_post("boss", PASSWORD, ip="10.10.3.1"), wait=LOCKOUT - LOCKOUT // 2)
    clock["now"] += LOCKOUT - LOCKOUT // 2 - 1
    assert admin_locked(admin_post("boss", PASSWORD, ip="10.10.3.1"), wait=1)

    clock["now"] += 1
    assert admin_post("boss", PASSWORD, ip="10.10.3.1").status_code == 302
    assert "sign-in unlocked" in caplog.text


@pytest.mark.django_db
def test_admin_client_address_behind_a_trusted_proxy(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    UserFactory(username="boss", is_staff=True)
    for _ in range(LIMIT):
        admin_post("boss", "wrong", ip="10.0.0.254", HTTP_X_FORWARDED_FOR="203.0.113.5")

    via_5 = admin_post("boss", PASSWORD, ip="10.0.0.254", HTTP_X_FORWARDED_FOR="203.0.113.5")
    via_6 = admin_post("boss", PASSWORD, ip="10.0.0.254", HTTP_X_FORWARDED_FOR="203.0.113.6")

    assert admin_locked(via_5)
    assert via_6.status_code == 302


@pytest.mark.django_db
def test_api_failures_lock_the_admin_login_and_non_staff_attempts_count():
    UserFactory(username="boss", is_staff=True)
    UserFactory(username="clerk")
    for _ in range(LIMIT):
        login("boss", "wrong", ip="10.11.0.1")
    # a non-staff user with the right password is refused by the admin: a failure
    for _ in range(LIMIT):
        assert admin_post("clerk", PASSWORD, ip="10.12.0.1").status_code == 200

    assert admin_post("boss", PASSWORD, ip="10.11.0.1").status_code == 429
    assert admin_post("clerk", PASSWORD, ip="10.12.0.1").status_code == 429
    # the admin login page itself still shows
    assert Client().get(ADMIN_LOGIN).status_code == 200


@pytest.mark.django_db
def test_admin_success_resets_the_pair_count():
    UserFactory(username="boss", is_staff=True)
    for _ in range(LIMIT - 1):
        admin_post("boss", "wrong", ip="10.13.0.1")
    assert admin_post("boss", PASSWORD, ip="10.13.0.1").status_code == 302

    for _ in range(LIMIT - 1):
        admin_post("boss", "wrong", ip="10.13.0.1")

    assert admin_post("boss", PASSWORD, ip="10.13.0.1").status_code == 302
