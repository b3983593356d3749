"""Sign-in: JWT tokens with a failed-login lock-out, logout, and the same lock-out for the admin.

The lock-out rule (who is locked, for how long, what is logged) is committees.signin, shared
with the web pages' sign-in; this module applies it to POST /api/v1/auth/token/ and the
admin's login form.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, AuthenticationFailed, Throttled
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

# The rule itself is in committees.signin (shared with the web sign-in); re-exported here.
from committees.signin import (  # noqa: F401
    LOCKED_MESSAGE,
    _digest,
    client_address,
    lockout_figures,
    login_failed,
    login_lock_remaining,
    login_succeeded,
    login_unlock,
    with_login_lockout,
)

ERROR_RESPONSE = inline_serializer(
    name="AuthError",
    fields={"detail": serializers.CharField(), "code": serializers.CharField()},
)


class LoginLocked(Throttled):
    """429 {"detail", "code": "throttled"} with Retry-After: wait seconds."""

    def __init__(self, wait: int):
        APIException.__init__(self, LOCKED_MESSAGE.format(wait=wait), "throttled")
        self.wait = wait


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
        login_succeeded(username, address)
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


def _admin_site_login(request, extra_context=None):
    return admin.site.login(request, extra_context)


# The admin's login (the admin itself requires is_staff).
admin_login = with_login_lockout(_admin_site_login)
