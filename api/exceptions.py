"""One handler for every error body: {"detail": <Chinese text>, "code": <stable code>, ...}.

Validation errors keep DRF's field errors beside `detail` and `code`; `code` is the code of
the first field error (e.g. "required", "invalid_id_number"), so a client can branch on it.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, DataError, OperationalError
from django.http import Http404
from redis.exceptions import RedisError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from mediation.exceptions import DomainError


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

    detail = response.data.get("detail") if isinstance(response.data, dict) else None
    codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
    code = codes if isinstance(codes, str) else getattr(exc, "default_code", "error")
    response.data = {"detail": str(detail or exc), "code": code}
    return response
