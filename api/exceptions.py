"""One handler for every error body: {"detail": <Chinese text>, "code": <stable code>, ...}.

Validation errors keep DRF's field errors beside `detail` and `code`; `code` is the code of
the first field error (e.g. "required", "invalid_id_number"), so a client can branch on it.

Errors Django answers before or after DRF (an unknown URL, an unhandled exception, a body
too large outside a view) get the same shape under /api/ through `handler400`,
`handler404` and `handler500` (config/urls.py); other paths keep Django's pages.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, DataError, OperationalError
from django.http import Http404, JsonResponse
from django.views import defaults
from redis.exceptions import RedisError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from mediation.exceptions import DomainError

# The JWT library's messages are English: one Chinese text per code it raises.
AUTH_MESSAGES = {
    "no_active_account": "用户名或密码错误，或该账号已停用。",
    "token_not_valid": "令牌无效、已过期或已注销，请重新登录。",
    "bad_authorization_header": "Authorization 请求头应为“Bearer <令牌>”。",
    "user_not_found": "令牌对应的用户不存在。",
    "user_inactive": "该账号已停用。",
    "password_changed": "密码已修改，请重新登录。",
}


def _first_leaf(detail, path=()):
    """(path, ErrorDetail) of the first error in a nested DRF error structure."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            found = _first_leaf(value, (*path, str(key)))
            if found:
                return found
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            found = _first_leaf(value, path if not isinstance(value, dict) else (*path, str(index)))
            if found:
                return found
    elif detail is not None:
        return path, detail
    return None


def _unavailable(detail: str, code: str) -> Response:
    """503 with a hint to retry: a backing service is down for a moment."""
    response = Response(
        {"detail": detail, "code": code}, status=status.HTTP_503_SERVICE_UNAVAILABLE
    )
    response["Retry-After"] = "5"
    return response


def _request_too_large_body() -> dict:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
    return {"detail": f"请求体过大：最多 {limit:g} MB。", "code": "request_too_large"}


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        body = {"detail": exc.detail, "code": exc.code, **exc.extra}
        return Response(body, status=exc.status)

    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound("未找到。")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, exceptions.PermissionDenied) and str(exc.detail).startswith("CSRF"):
        # SessionAuthentication's refusal is English ("CSRF Failed: ...").
        exc = exceptions.PermissionDenied("CSRF 校验失败：请刷新页面后重试。")
    elif isinstance(exc, OperationalError):
        # The database went away (restart, failover): answer quickly and let the client retry.
        return _unavailable("数据库暂时不可用，请稍后重试。", "database_unavailable")
    elif isinstance(exc, DataError):
        # A value the database refuses (out of its range): bad input, not a server error.
        return Response(
            {"detail": "输入的值超出允许范围。", "code": "invalid"},
            status=status.HTTP_400_BAD_REQUEST,
        )
    elif isinstance(exc, DatabaseError):
        return None
    elif isinstance(exc, RequestDataTooBig):
        return Response(_request_too_large_body(), status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    elif isinstance(exc, RedisError):
        # The cache behind a throttle is down: say so quickly instead of a 500.
        return _unavailable("服务暂时不可用，请稍后重试。", "cache_unavailable")

    response = drf_exception_handler(exc, context)
    if response is None:
        return None

    if isinstance(exc, exceptions.ValidationError):
        data = (
            response.data
            if isinstance(response.data, dict)
            else {"non_field_errors": response.data}
        )
        found = _first_leaf(data)
        if found:
            path, message = found
            field = ".".join(p for p in path if p != "non_field_errors")
            detail = f"{field}: {message}" if field else str(message)
            code = getattr(message, "code", None) or "invalid"
        else:
            detail, code = "输入数据无效。", "invalid"
        response.data = {**data, "detail": detail, "code": code}
        return response

    data = response.data if isinstance(response.data, dict) else {}
    codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
    if isinstance(codes, str):
        code = codes
    else:
        # The JWT library's errors carry their code beside the detail ({"detail", "code", ...}).
        code = str(data.get("code") or getattr(exc, "default_code", "error"))
    detail = AUTH_MESSAGES.get(code) or str(data.get("detail") or exc)
    response.data = {"detail": detail, "code": code}
    return response


# --- Django's error views: JSON under /api/, Django's pages elsewhere ----------------------


def _json(body: dict, status_code: int) -> JsonResponse:
    return JsonResponse(body, status=status_code, json_dumps_params={"ensure_ascii": False})


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def bad_request(request, exception):
    """400 for a request Django refused before a view ran (e.g. a body too large: 413)."""
    if not _is_api(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return _json(_request_too_large_body(), 413)
    return _json({"detail": "请求无效。", "code": "bad_request"}, 400)


def not_found(request, exception):
    if not _is_api(request):
        return defaults.page_not_found(request, exception)
    return _json({"detail": "未找到该接口或资源。", "code": "not_found"}, 404)


def server_error(request):
    """500: Django has already logged the exception in full (logger django.request)."""
    if not _is_api(request):
        return defaults.server_error(request)
    return _json({"detail": "服务器内部错误，请稍后重试。", "code": "server_error"}, 500)
