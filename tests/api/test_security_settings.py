"""Production settings: `check --deploy`, the settings each environment variable gives, and
CORS (the sign-in hardening is in test_auth_security.py)."""

import json
import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

ROOT = Path(__file__).resolve().parent.parent.parent


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
SECURITY_PREFIXES = ("SECURE_", "SESSION_COOKIE_", "CSRF_COOKIE_", "AUTH_LOGIN_", "JWT_")


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
        "values['TOKEN_LIFETIMES'] = [s.SIMPLE_JWT[k].total_seconds() for k in "
        "('ACCESS_TOKEN_LIFETIME', 'REFRESH_TOKEN_LIFETIME')]; "
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
    assert defaults["AUTH_LOGIN_IP_FAILURE_LIMIT"] == 50  # v1.1: address-wide, not per user
    assert defaults["AUTH_LOGIN_FAILURE_WINDOW"] == 900
    assert defaults["AUTH_LOGIN_LOCKOUT_SECONDS"] == 900
    assert defaults["CORS_ALLOWED_ORIGINS"] == []
    assert defaults["CACHE"] == "django.core.cache.backends.locmem.LocMemCache"
    assert defaults["THROTTLES"] == {
        "ratings": "30/minute",
        "statistics_export": "10/minute",
        "ledger_export": "10/minute",
        "documents": "60/minute",  # each a LibreOffice run for a PDF (mediation/documents)
    }
    assert defaults["SIMPLE_JWT"] == {
        "ROTATE_REFRESH_TOKENS": True,
        "BLACKLIST_AFTER_ROTATION": True,
    }
    assert defaults["TOKEN_LIFETIMES"] == [30 * 60, 7 * 24 * 3600]  # v1.1: was 12 h


def test_settings_follow_the_environment():
    configured = settings_under(
        DEBUG="1",
        REDIS_URL="redis://127.0.0.1:6379/3",
        CORS_ALLOWED_ORIGINS="https://app.example.gov.cn, https://b.example.gov.cn",
        TIAOJIE_EXPORT_THROTTLE="3/hour",
        AUTH_LOGIN_FAILURE_LIMIT="8",
        AUTH_LOGIN_LOCKOUT_SECONDS="60",
        AUTH_LOGIN_IP_FAILURE_LIMIT="80",
        JWT_ACCESS_MINUTES="5",
    )

    assert configured["CACHE"] == "django.core.cache.backends.redis.RedisCache"
    assert configured["CACHE_LOCATION"] == "redis://127.0.0.1:6379/3"
    assert configured["CORS_ALLOWED_ORIGINS"] == [
        "https://app.example.gov.cn",
        "https://b.example.gov.cn",
    ]
    assert configured["THROTTLES"]["statistics_export"] == "3/hour"
    assert configured["AUTH_LOGIN_FAILURE_LIMIT"] == 8
    assert configured["AUTH_LOGIN_IP_FAILURE_LIMIT"] == 80
    assert configured["TOKEN_LIFETIMES"] == [5 * 60, 7 * 24 * 3600]
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
