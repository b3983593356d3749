"""Sign-in: JWT tokens with a failed-login lock-out, logout, and the same lock-out for the admin.

Failed sign-ins are counted in the cache per username and per client address (one counter
each, shared by POST /api/v1/auth/token/ and the admin login form). When a counter reaches
its limit within AUTH_LOGIN_FAILURE_WINDOW seconds, that username (or address) is locked for
AUTH_LOGIN_LOCKOUT_SECONDS: every attempt, right or wrong, gets 429 with Retry-After. A
successful sign-in resets its username's counter; the address counter keeps counting, so
one address cannot spread guesses over many usernames by logging in now and then.

Usernames and addresses are hashed into the cache keys: the cache never holds them raw.
"""

import functools
import hashlib
import logging
import math
import time

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, AuthenticationFailed, Throttled
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

logger = logging.getLogger(__name__)

LOCKED_MESSAGE = "登录失败次数过多，请在 {wait} 秒后再试。"

ERROR_RESPONSE = inline_serializer(
    name="AuthError",
    fields={"detail": serializers.CharField(), "code": serializers.CharField()},
)


class LoginLocked(Throttled):
    """429 {"detail", "code": "throttled"} with Retry-After: wait seconds."""

    def __init__(self, wait: int):
        APIException.__init__(self, LOCKED_MESSAGE.format(wait=wait), "throttled")
        self.wait = wait


def _now() -> float:
    return time.time()


def client_address(request) -> str:
    """The client's address as the DRF throttles see it (REST_FRAMEWORK["NUM_PROXIES"])."""
    return BaseThrottle().get_ident(request) or ""


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _user_stem(username: str) -> str:
    return f"auth:login:user:{_digest(username.casefold())}"


def _subjects(username: str, address: str) -> list[tuple[str, int]]:
    """(cache key stem, failure limit) for each counter an attempt touches."""
    subjects = [(f"auth:login:ip:{_digest(address)}", settings.AUTH_LOGIN_IP_FAILURE_LIMIT)]
    if username:
        subjects.append((_user_stem(username), settings.AUTH_LOGIN_FAILURE_LIMIT))
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


@_fail_open(0)
def login_lock_remaining(username: str, address: str) -> int:
    """Seconds until this username and address may try again (0: not locked)."""
    now = _now()
    remaining = 0.0
    for stem, _limit in _subjects(username, address):
        until = cache.get(f"{stem}:locked")
        if until is not None and float(until) > now:
            remaining = max(remaining, float(until) - now)
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


@_fail_open(None)
def login_failed(username: str, address: str) -> None:
    """Count a failed sign-in; lock the username or address that reached its limit."""
    lockout = settings.AUTH_LOGIN_LOCKOUT_SECONDS
    for stem, limit in _subjects(username, address):
        if _count_failure(f"{stem}:failures") >= limit:
            cache.set(f"{stem}:locked", _now() + lockout, timeout=lockout)
            cache.delete(f"{stem}:failures")


@_fail_open(None)
def login_succeeded(username: str) -> None:
    """Reset the username's failure count (the address's count is kept)."""
    if username:
        cache.delete(f"{_user_stem(username)}:failures")


def _submitted_username(data) -> str:
    value = data.get(get_user_model().USERNAME_FIELD) if hasattr(data, "get") else None
    return value if isinstance(value, str) else ""


class TokenView(TokenObtainPairView):
    """Username and password → access and refresh tokens; repeated failures lock (429)."""

    @extend_schema(
        responses={
            200: TokenObtainPairSerializer,
            401: OpenApiResponse(ERROR_RESPONSE, description="用户名或密码错误"),
            429: OpenApiResponse(ERROR_RESPONSE, description="登录失败次数过多，暂时锁定"),
        }
    )
    def post(self, request, *args, **kwargs):
        username = _submitted_username(request.data)
        address = client_address(request)
        wait = login_lock_remaining(username, address)
        if wait:
            raise LoginLocked(wait=wait)
        try:
            response = super().post(request, *args, **kwargs)
        except AuthenticationFailed:
            login_failed(username, address)
            raise
        login_succeeded(username)
        return response


class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class LogoutView(APIView):
    """Revoke a refresh token (blacklist it); its access tokens expire on their own."""

    authentication_classes = ()
    permission_classes = ()

    def get_authenticate_header(self, request):
        # A bad token is 401 (with WWW-Authenticate), as on the refresh endpoint.
        return 'Bearer realm="api"'

    @extend_schema(
        request=LogoutSerializer,
        responses={
            204: OpenApiResponse(description="已注销"),
            401: OpenApiResponse(ERROR_RESPONSE, description="令牌无效、已过期或已注销"),
        },
    )
    def post(self, request):
        serializer = LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            RefreshToken(serializer.validated_data["refresh"]).blacklist()
        except TokenError as error:
            raise InvalidToken(error.args[0]) from error
        return Response(status=status.HTTP_204_NO_CONTENT)


class RefreshView(TokenRefreshView):
    """A refresh token → a new access token and a new refresh token (the old one is
    blacklisted: refresh tokens rotate)."""

    @extend_schema(
        responses={
            200: TokenRefreshSerializer,
            401: OpenApiResponse(ERROR_RESPONSE, description="令牌无效、已过期或已注销"),
        }
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


@never_cache
@sensitive_post_parameters("password")
def admin_login(request, extra_context=None):
    """The admin's login view behind the same lock-out (admin itself requires is_staff)."""
    if request.method != "POST":
        return admin.site.login(request, extra_context)
    username = request.POST.get("username", "")
    address = client_address(request)
    wait = login_lock_remaining(username, address)
    if wait:
        response = HttpResponse(
            LOCKED_MESSAGE.format(wait=wait),
            status=status.HTTP_429_TOO_MANY_REQUESTS,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = str(wait)
        return response
    response = admin.site.login(request, extra_context)
    if 300 <= response.status_code < 400:
        login_succeeded(username)
    else:
        form = (getattr(response, "context_data", None) or {}).get("form")
        # A wrong password, an inactive account or a non-staff user: the form's own error.
        if form is not None and form.is_bound and form.non_field_errors():
            login_failed(username, address)
    return response
