"""The sign-in lock-out: the one copy of the rule, shared by the API's token endpoint, the
admin's login form and the web pages' sign-in (api/auth.py, web/views/auth.py).

Failed sign-ins are counted in the cache per pair (username, client address) and per client
address alone:

- AUTH_LOGIN_FAILURE_LIMIT failures of one username from one address within
  AUTH_LOGIN_FAILURE_WINDOW seconds lock that pair only: the same user still signs in from
  another address, and other users still sign in from that address;
- AUTH_LOGIN_IP_FAILURE_LIMIT failures from one address, whatever the usernames (credential
  stuffing), lock the whole address.

A lock lasts AUTH_LOGIN_LOCKOUT_SECONDS: every attempt, right or wrong, gets 429 with
Retry-After, so a correct password never ends it early. A successful sign-in resets its pair's
counter; the address counter keeps counting, so one address cannot spread guesses over many
usernames by logging in now and then. The client address is the one the DRF throttles see
(REST_FRAMEWORK["NUM_PROXIES"]). Every lock is logged (warning) and so is its end (info, at the
next attempt after it, or by hand with `manage.py login_unlock`); the health details show how
many locks each kind had in the last 24 h.

Usernames and addresses are hashed into the cache keys: the cache never holds them raw, and
the log names a username only by the start of its hash.

django-axes was considered: its AXES_LOCKOUT_PARAMETERS=[["username", "ip_address"]] expresses
the pair, but not the separate address-wide limit, and its cache handler neither gives the
time left for Retry-After nor passes `check --deploy` on a per-process cache.

It lives here, below both ways in (api and web never import each other), because it is about
who may sign in; it knows requests only through `request.META` and `request.POST`.
"""

import functools
import hashlib
import logging
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

logger = logging.getLogger(__name__)

LOCKED_MESSAGE = "登录失败次数过多，请在 {wait} 秒后再试。"


def _now() -> float:
    return time.time()


def client_address(request) -> str:
    """The client's address as the API's throttles see it: REMOTE_ADDR, or with
    REST_FRAMEWORK["NUM_PROXIES"] = n > 0 the n-th address from the right of
    X-Forwarded-For (the same rule as DRF's BaseThrottle.get_ident, kept here so the web
    pages, which do not use DRF, count failures against the same address)."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    remote = request.META.get("REMOTE_ADDR") or ""
    proxies = (getattr(settings, "REST_FRAMEWORK", None) or {}).get("NUM_PROXIES")
    if proxies is not None:
        if proxies == 0 or forwarded is None:
            return remote
        addresses = forwarded.split(",")
        return addresses[-min(proxies, len(addresses))].strip()
    return "".join(forwarded.split()) if forwarded else remote


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class _Subject:
    """One counter an attempt touches: its cache key stem, limit, kind and name in the log."""

    stem: str
    limit: int
    kind: str  # "pair" or "address"
    label: str


def _subjects(username: str, address: str) -> list[_Subject]:
    """The address-wide counter, and the (username, address) pair's when there is a username."""
    subjects = [
        _Subject(
            f"auth:login:ip:{_digest(address)}",
            settings.AUTH_LOGIN_IP_FAILURE_LIMIT,
            "address",
            f"address {address}",
        )
    ]
    if username:
        user = _digest(username.casefold())
        subjects.append(
            _Subject(
                f"auth:login:pair:{_digest(f'{user}:{address}')}",
                settings.AUTH_LOGIN_FAILURE_LIMIT,
                "pair",
                f"user #{user[:12]} at address {address}",
            )
        )
    return subjects


def _fail_open(default):
    """The counters live in the cache (Redis in production). If the cache is unreachable,
    sign-in keeps working without the lock-out, with a warning in the log: an outage of
    the cache must not lock everybody out or answer 500."""

    def wrap(function):
        @functools.wraps(function)
        def guarded(*args, **kwargs):
            try:
                return function(*args, **kwargs)
            except Exception as error:  # any cache client error: fail open
                logger.warning(
                    "login lock-out skipped, cache unavailable: %s", type(error).__name__
                )
                return default

        return guarded

    return wrap


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, tz=UTC).isoformat(timespec="seconds")


@_fail_open(0)
def login_lock_remaining(username: str, address: str) -> int:
    """Seconds until this username and address may try again (0: not locked).

    A lock found expired is removed and its end logged (the lock key outlives the lock by
    AUTH_LOGIN_FAILURE_WINDOW so that the next attempt sees it)."""
    now = _now()
    remaining = 0.0
    for subject in _subjects(username, address):
        key = f"{subject.stem}:locked"
        until = cache.get(key)
        if until is None:
            continue
        if float(until) > now:
            remaining = max(remaining, float(until) - now)
        elif cache.delete(key):
            logger.info("sign-in unlocked: %s (lock ended %s)", subject.label, _iso(float(until)))
    return math.ceil(remaining)


def _count_failure(key: str) -> int:
    window = settings.AUTH_LOGIN_FAILURE_WINDOW
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def _hour(moment: float) -> int:
    return int(moment // 3600)


def _record_lock(kind: str, now: float) -> None:
    """Count the lock in this hour's bucket (kept a day) for the health details."""
    key = f"auth:login:locks:{kind}:{_hour(now)}"
    if not cache.add(key, 1, timeout=25 * 3600):
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=25 * 3600)


@_fail_open(None)
def login_failed(username: str, address: str) -> None:
    """Count a failed sign-in; lock the pair or address that reached its limit."""
    lockout = settings.AUTH_LOGIN_LOCKOUT_SECONDS
    now = _now()
    for subject in _subjects(username, address):
        if _count_failure(f"{subject.stem}:failures") >= subject.limit:
            until = now + lockout
            cache.set(
                f"{subject.stem}:locked",
                until,
                timeout=lockout + settings.AUTH_LOGIN_FAILURE_WINDOW,
            )
            cache.delete(f"{subject.stem}:failures")
            _record_lock(subject.kind, now)
            if subject.kind == "address":
                logger.warning(
                    "sign-in locked: %s after %d failures for any usernames "
                    "(address-wide limit, credential stuffing?) until %s",
                    subject.label,
                    subject.limit,
                    _iso(until),
                )
            else:
                logger.warning(
                    "sign-in locked: %s after %d failures until %s",
                    subject.label,
                    subject.limit,
                    _iso(until),
                )


@_fail_open(None)
def login_succeeded(username: str, address: str) -> None:
    """Reset the pair's failure count (the address's count is kept)."""
    for subject in _subjects(username, address):
        if subject.kind == "pair":
            cache.delete(f"{subject.stem}:failures")


def login_unlock(address: str, username: str = "") -> list[str]:
    """End the lock of the pair (username, address), or of the address when no username is
    given, and clear its failure count (manage.py login_unlock). Returns what was locked."""
    unlocked = []
    for subject in _subjects(username, address):
        if (subject.kind == "pair") != bool(username):
            continue
        was_locked = cache.delete(f"{subject.stem}:locked")
        cache.delete(f"{subject.stem}:failures")
        if was_locked:
            logger.warning("sign-in unlocked by hand: %s", subject.label)
            unlocked.append(subject.label)
    return unlocked


@_fail_open({"pair_locks_24h": None, "address_locks_24h": None})
def lockout_figures() -> dict:
    """Locks of each kind in the last 24 hours (the current hour and the 23 before it)."""
    hour = _hour(_now())
    figures = {}
    for kind in ("pair", "address"):
        keys = [f"auth:login:locks:{kind}:{h}" for h in range(hour - 23, hour + 1)]
        figures[f"{kind}_locks_24h"] = sum(cache.get_many(keys).values())
    return figures


def with_login_lockout(login_view, *, locked_response=None):
    """A session login view (a django.contrib.auth LoginView, the admin's login) behind the
    same lock-out as the token endpoint: a locked pair or address gets 429 with Retry-After;
    a redirect (signed in) resets the pair's count; the form's own error (wrong password,
    inactive account, a non-staff user at the admin) counts as a failure.

    `locked_response(request, wait)` answers a locked attempt (default: a plain-text 429
    with Retry-After); the web sign-in renders its form with the message instead."""

    @functools.wraps(login_view)
    @never_cache
    @sensitive_post_parameters("password")
    def guarded(request, *args, **kwargs):
        if request.method != "POST":
            return login_view(request, *args, **kwargs)
        username = request.POST.get("username", "")
        address = client_address(request)
        wait = login_lock_remaining(username, address)
        if wait:
            if locked_response is not None:
                response = locked_response(request, wait)
            else:
                response = HttpResponse(
                    LOCKED_MESSAGE.format(wait=wait),
                    content_type="text/plain; charset=utf-8",
                )
            response.status_code = 429
            response["Retry-After"] = str(wait)
            return response
        response = login_view(request, *args, **kwargs)
        if 300 <= response.status_code < 400:
            login_succeeded(username, address)
        else:
            form = (getattr(response, "context_data", None) or {}).get("form")
            if form is not None and form.is_bound and form.non_field_errors():
                login_failed(username, address)
        return response

    return guarded
