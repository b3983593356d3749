"""Sign-in hardening and production settings: failed-login lock-out (API and admin), refresh
rotation, logout, `check --deploy`, CORS.

Each test gets its own cache key prefix, so counters never leak between tests (also on the
shared Redis that CI uses as the cache).
"""

import json
import os
import secrets
import string
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.test import Client, override_settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

from api import auth
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent.parent
PASSWORD = "secret-pass-123"  # tests.factories.UserFactory's password
TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/refresh/"
LOGOUT = "/api/v1/auth/logout/"
ADMIN_LOGIN = "/admin/login/"
LIMIT = 5
LOCKOUT = 900


@pytest.fixture(autouse=True)
def _isolated_login_counters(settings):
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    }
    settings.AUTH_LOGIN_FAILURE_LIMIT = LIMIT
    settings.AUTH_LOGIN_IP_FAILURE_LIMIT = LIMIT
    settings.AUTH_LOGIN_FAILURE_WINDOW = 900
    settings.AUTH_LOGIN_LOCKOUT_SECONDS = LOCKOUT


def login(username, password, ip="127.0.0.1", **extra):
    return APIClient().post(
        TOKEN, {"username": username, "password": password}, format="json", REMOTE_ADDR=ip, **extra
    )


def locked_body(wait):
    return {"detail": f"登录失败次数过多，请在 {wait} 秒后再试。", "code": "throttled"}


# --- failed-login lock-out on POST /api/v1/auth/token/ -------------------------------------


@pytest.mark.django_db
def test_sixth_bad_password_for_one_username_is_429_even_from_new_addresses():
    # given: five wrong passwords for alice, each from a different address
    alice = UserFactory(username="alice")
    UserFactory(username="bob")
    failures = [login("alice", "wrong", ip=f"10.0.0.{n}") for n in range(1, LIMIT + 1)]

    # when: a sixth attempt, with the right password, from yet another address
    locked = login("alice", PASSWORD, ip="10.0.0.99")

    # then
    assert [r.status_code for r in failures] == [401] * LIMIT
    assert failures[0].json()["code"] == "no_active_account"
    assert locked.status_code == 429
    assert locked.json() == locked_body(LOCKOUT)
    assert locked["Retry-After"] == str(LOCKOUT)
    assert "access" not in locked.json()
    # another username from that address is not locked; alice's password is unchanged
    assert login("bob", PASSWORD, ip="10.0.0.99").status_code == 200
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


@pytest.mark.django_db
def test_username_lock_ignores_case():
    UserFactory(username="alice")
    for n in range(LIMIT):
        login("Alice" if n % 2 else "ALICE", "wrong", ip=f"10.0.1.{n}")

    assert login("alice", PASSWORD, ip="10.0.1.99").status_code == 429


@pytest.mark.django_db
def test_sixth_bad_login_from_one_address_is_429_across_usernames():
    # given: five failures from one address, each for a different (partly unknown) username
    UserFactory(username="carol")
    for n in range(LIMIT):
        assert login(f"guess{n}", "wrong", ip="10.2.2.2").status_code == 401

    # when: a valid login from that address
    locked = login("carol", PASSWORD, ip="10.2.2.2")

    # then: the address is locked, carol herself is not
    assert locked.status_code == 429
    assert locked.json() == locked_body(LOCKOUT)
    assert locked["Retry-After"] == str(LOCKOUT)
    assert login("carol", PASSWORD, ip="10.3.3.3").status_code == 200


@pytest.mark.django_db
def test_forged_x_forwarded_for_does_not_escape_the_address_lock():
    UserFactory(username="carol")
    for n in range(LIMIT):
        login(f"guess{n}", "wrong", ip="10.2.2.2", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")

    forged = login("carol", PASSWORD, ip="10.2.2.2", HTTP_X_FORWARDED_FOR="203.0.113.200")

    assert forged.status_code == 429


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
def test_lock_out_expires_after_the_window(monkeypatch):
    # given: alice locked at a fixed moment
    clock = {"now": time.time()}
    monkeypatch.setattr(auth, "_now", lambda: clock["now"])
    UserFactory(username="alice")
    for n in range(LIMIT):
        login("alice", "wrong", ip=f"10.5.5.{n}")

    # when / then: one second before the end still locked, with the remaining seconds
    clock["now"] += LOCKOUT - 1
    still = login("alice", PASSWORD, ip="10.5.5.99")
    assert still.status_code == 429
    assert still["Retry-After"] == "1"
    assert still.json() == locked_body(1)

    # when / then: at the end a wrong password is a plain failure again (the count
    # restarted), and the right one works
    clock["now"] += 1
    assert login("alice", "wrong", ip="10.5.5.99").status_code == 401
    assert login("alice", PASSWORD, ip="10.5.5.98").status_code == 200


@pytest.mark.django_db
def test_success_resets_the_username_count_but_not_the_address_count():
    # given: four failures for alice from address A, then her successful login from A
    UserFactory(username="alice")
    UserFactory(username="bob")
    for _ in range(LIMIT - 1):
        assert login("alice", "wrong", ip="10.6.6.6").status_code == 401
    assert login("alice", PASSWORD, ip="10.6.6.6").status_code == 200

    # when: alice fails once more from another address
    again = login("alice", "wrong", ip="10.7.7.7")

    # then: her count restarted (no lock) ...
    assert again.status_code == 401
    assert login("alice", PASSWORD, ip="10.7.7.7").status_code == 200
    # ... while address A still carries its four failures: one more locks it
    assert login("mallory", "wrong", ip="10.6.6.6").status_code == 401
    assert login("bob", PASSWORD, ip="10.6.6.6").status_code == 429
    assert login("bob", PASSWORD, ip="10.8.8.8").status_code == 200


@pytest.mark.django_db
def test_inactive_account_counts_as_a_failure():
    UserFactory(username="gone", is_active=False)
    responses = [login("gone", PASSWORD, ip=f"10.9.9.{n}") for n in range(LIMIT + 1)]

    assert [r.status_code for r in responses] == [401] * LIMIT + [429]


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


def admin_post(username, password, ip="127.0.0.1"):
    return Client().post(
        ADMIN_LOGIN,
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=ip,
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
def test_admin_login_is_locked_after_repeated_failures():
    # given: five wrong passwords on the admin form
    UserFactory(username="boss", is_staff=True)
    failures = [admin_post("boss", "wrong", ip=f"10.10.0.{n}") for n in range(LIMIT)]

    # when: the right password
    locked = admin_post("boss", PASSWORD, ip="10.10.0.99")

    # then: 429 with Retry-After and no session; the API token endpoint is locked too
    assert [r.status_code for r in failures] == [200] * LIMIT
    assert locked.status_code == 429
    assert locked["Retry-After"] == str(LOCKOUT)
    assert locked.content.decode() == f"登录失败次数过多，请在 {LOCKOUT} 秒后再试。"
    assert "_auth_user_id" not in locked.wsgi_request.session
    assert login("boss", PASSWORD, ip="10.10.0.98").status_code == 429


@pytest.mark.django_db
def test_api_failures_lock_the_admin_login_and_non_staff_attempts_count():
    UserFactory(username="boss", is_staff=True)
    UserFactory(username="clerk")
    for n in range(LIMIT):
        login("boss", "wrong", ip=f"10.11.0.{n}")
    # a non-staff user with the right password is refused by the admin: a failure
    for _ in range(LIMIT):
        assert admin_post("clerk", PASSWORD, ip="10.12.0.1").status_code == 200

    assert admin_post("boss", PASSWORD, ip="10.11.0.99").status_code == 429
    assert admin_post("clerk", PASSWORD, ip="10.12.0.2").status_code == 429
    # the admin login page itself still shows
    assert Client().get(ADMIN_LOGIN).status_code == 200


@pytest.mark.django_db
def test_admin_success_resets_the_username_count():
    UserFactory(username="boss", is_staff=True)
    for n in range(LIMIT - 1):
        admin_post("boss", "wrong", ip=f"10.13.0.{n}")
    assert admin_post("boss", PASSWORD, ip="10.13.0.50").status_code == 302

    for n in range(LIMIT - 1):
        admin_post("boss", "wrong", ip=f"10.14.0.{n}")

    assert admin_post("boss", PASSWORD, ip="10.14.0.50").status_code == 302


# --- settings -----------------------------------------------------------------------------------

SECURITY_VARIABLES = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "REDIS_URL",
    "CORS_ALLOWED_ORIGINS",
    "NUM_PROXIES",
    "TIAOJIE_EXPORT_THROTTLE",
    "TIAOJIE_RATINGS_THROTTLE",
}
SECURITY_PREFIXES = ("SECURE_", "SESSION_COOKIE_", "CSRF_COOKIE_", "AUTH_LOGIN_")


def clean_environment(**env):
    kept = {
        name: value
        for name, value in os.environ.items()
        if name not in SECURITY_VARIABLES and not name.startswith(SECURITY_PREFIXES)
    }
    return {**kept, "DJANGO_SETTINGS_MODULE": "config.settings", **env}


def random_secret_key():
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(50))


def settings_under(**env):
    """The settings a process started with this environment sees."""
    names = [
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_PROXY_SSL_HEADER",
        "CORS_ALLOWED_ORIGINS",
        "AUTH_LOGIN_FAILURE_LIMIT",
        "AUTH_LOGIN_IP_FAILURE_LIMIT",
        "AUTH_LOGIN_FAILURE_WINDOW",
        "AUTH_LOGIN_LOCKOUT_SECONDS",
    ]
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        f"values = {{n: getattr(s, n) for n in {names!r}}}; "
        "values['CACHE'] = s.CACHES['default']['BACKEND']; "
        "values['CACHE_LOCATION'] = s.CACHES['default'].get('LOCATION', ''); "
        "values['THROTTLES'] = s.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']; "
        "values['SIMPLE_JWT'] = {k: s.SIMPLE_JWT[k] for k in "
        "('ROTATE_REFRESH_TOKENS', 'BLACKLIST_AFTER_ROTATION')}; "
        "print(json.dumps(values))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean_environment(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_is_clean_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=clean_environment(
            DEBUG="0", SECRET_KEY=random_secret_key(), ALLOWED_HOSTS="example.org"
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout == "System check identified no issues (0 silenced).\n"
    assert "WARNING" not in result.stderr


def test_production_defaults_are_safe_and_a_laptop_serves_plain_http():
    production = settings_under(DEBUG="0", SECRET_KEY=random_secret_key())
    laptop = settings_under(DEBUG="1")

    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SECURE_HSTS_SECONDS"] == 31536000
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["CSRF_COOKIE_SECURE"] is True
    assert production["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert laptop["SECURE_SSL_REDIRECT"] is False
    assert laptop["SECURE_HSTS_SECONDS"] == 0
    assert laptop["SESSION_COOKIE_SECURE"] is False
    assert laptop["CSRF_COOKIE_SECURE"] is False
    assert laptop["SECURE_PROXY_SSL_HEADER"] is None


def test_auth_cache_cors_and_throttle_defaults():
    defaults = settings_under(DEBUG="1")

    assert defaults["AUTH_LOGIN_FAILURE_LIMIT"] == 5
    assert defaults["AUTH_LOGIN_IP_FAILURE_LIMIT"] == 5
    assert defaults["AUTH_LOGIN_FAILURE_WINDOW"] == 900
    assert defaults["AUTH_LOGIN_LOCKOUT_SECONDS"] == 900
    assert defaults["CORS_ALLOWED_ORIGINS"] == []
    assert defaults["CACHE"] == "django.core.cache.backends.locmem.LocMemCache"
    assert defaults["THROTTLES"] == {"ratings": "30/minute", "statistics_export": "10/minute"}
    assert defaults["SIMPLE_JWT"] == {
        "ROTATE_REFRESH_TOKENS": True,
        "BLACKLIST_AFTER_ROTATION": True,
    }


def test_settings_follow_the_environment():
    configured = settings_under(
        DEBUG="1",
        REDIS_URL="redis://127.0.0.1:6379/3",
        CORS_ALLOWED_ORIGINS="https://app.example.gov.cn, https://b.example.gov.cn",
        TIAOJIE_EXPORT_THROTTLE="3/hour",
        AUTH_LOGIN_FAILURE_LIMIT="8",
        AUTH_LOGIN_LOCKOUT_SECONDS="60",
    )

    assert configured["CACHE"] == "django.core.cache.backends.redis.RedisCache"
    assert configured["CACHE_LOCATION"] == "redis://127.0.0.1:6379/3"
    assert configured["CORS_ALLOWED_ORIGINS"] == [
        "https://app.example.gov.cn",
        "https://b.example.gov.cn",
    ]
    assert configured["THROTTLES"]["statistics_export"] == "3/hour"
    assert configured["AUTH_LOGIN_FAILURE_LIMIT"] == 8
    assert configured["AUTH_LOGIN_IP_FAILURE_LIMIT"] == 8
    assert configured["AUTH_LOGIN_LOCKOUT_SECONDS"] == 60


# --- CORS ---------------------------------------------------------------------------------------


def preflight(origin):
    return Client().options(
        "/api/v1/cases/",
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type, idempotency-key",
    )


@pytest.mark.django_db
@override_settings(CORS_ALLOWED_ORIGINS=[])
def test_cors_preflight_without_configured_origins_gets_no_allow_origin():
    response = preflight("https://app.example.gov.cn")

    assert "Access-Control-Allow-Origin" not in response


@pytest.mark.django_db
@override_settings(CORS_ALLOWED_ORIGINS=["https://app.example.gov.cn"])
def test_cors_preflight_only_from_a_configured_origin():
    allowed = preflight("https://app.example.gov.cn")
    other = preflight("https://evil.example.com")

    assert allowed.status_code == 200
    assert allowed["Access-Control-Allow-Origin"] == "https://app.example.gov.cn"
    assert "idempotency-key" in allowed["Access-Control-Allow-Headers"]
    assert "POST" in allowed["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Origin" not in other
    assert "Access-Control-Allow-Credentials" not in allowed
