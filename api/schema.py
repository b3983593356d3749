"""The OpenAPI schema's common parts (issue 12, item 4): every operation declares the
error responses it can answer, in the one error shape of api/exceptions.py, and ids have
`minimum: 1`.

`AutoSchema` (REST_FRAMEWORK's DEFAULT_SCHEMA_CLASS) adds, beside what a view declares
with @extend_schema (which wins), the errors that follow from the operation itself:

- 400 when it takes a body or query parameters (a cursor list: `invalid_cursor`);
- 401 when it authenticates (a token sent that is not valid), 403 when it needs a
  signed-in user;
- 404 when its path names a row;
- 409 when it changes something as a signed-in user (a state that does not allow it,
  another request first);
- 413 and 415 when it takes a body (`request_too_large`, unsupported media type);
- 429 when a throttle guards it;
- 500 and 503 everywhere (an unexpected failure, the database or cache down for a moment).

Errors a view alone knows (422 of an Idempotency-Key reused, a statistics filter outside
the caller's scope) are declared on the view.
"""

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny


class ErrorSerializer(serializers.Serializer):
    """Every error under /api/: {"detail", "code", ...}; a 400 of invalid fields carries
    DRF's field errors beside them (`{"<field>": ["<message>"]}`)."""

    detail = serializers.CharField(help_text="说明（中文）。")
    code = serializers.CharField(
        help_text="稳定的机器可读代码，如 `required`、`invalid_transition`、`not_found`。"
    )

    class Meta:
        ref_name = "Error"


def error(description: str) -> OpenApiResponse:
    """An error response with the common error body, for @extend_schema(responses=...)."""
    return OpenApiResponse(ErrorSerializer, description=description)


BAD_REQUEST = (
    "输入无效：字段错误按 DRF 的格式列出，`code` 为第一个错误的代码（如 `required`、"
    "`invalid`、`invalid_choice`）；JSON 无法解析为 `parse_error`，嵌套过深为 "
    "`nesting_too_deep`。"
)
BAD_CURSOR = "分页游标无效（`invalid_cursor`），或筛选参数无效。"
NOT_AUTHENTICATED = "未登录或令牌无效、已过期（`not_authenticated`、`token_not_valid`）。"
FORBIDDEN = "已登录但无权执行该操作（`permission_denied`）。"
NOT_FOUND = "不存在，或不在调用者的范围内（`not_found`）。"
CONFLICT = (
    "案件当前状态不允许该操作（`invalid_transition`），或其他请求已先修改了同一记录（`conflict`）。"
)
TOO_LARGE = "请求体超过大小上限（`request_too_large`）。"
UNSUPPORTED_MEDIA_TYPE = "不支持的请求体类型（`unsupported_media_type`）。"
THROTTLED = "请求过于频繁（`throttled`）；`Retry-After` 给出需等待的秒数。"
SERVER_ERROR = "服务器内部错误（`server_error`），已记录日志。"
UNAVAILABLE = (
    "数据库或缓存暂时不可用（`database_unavailable`、`cache_unavailable`）；"
    "`Retry-After` 给出建议的重试秒数。"
)

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": 100},
    OpenApiParameter.HEADER,
    description=(
        "A UUID: a repeat with the same key and body returns the first response and "
        "creates nothing; the same key with another body is 422 `idempotency_key_reused`."
    ),
)
# The case's id in a path a plain APIView serves (cases/{id}/attachments/ ...).
CASE_ID = OpenApiParameter(
    "id", {"type": "integer", "minimum": 1}, OpenApiParameter.PATH, description="The case."
)

IDEMPOTENCY_KEY_REUSED = error(
    "该 Idempotency-Key 已用于内容不同的请求（`idempotency_key_reused`）。"
)


# Query parameters that name a row by id (filters, statistics scope).
ID_QUERY_PARAMETERS = {
    "area",
    "case",
    "committee",
    "institution",
    "judicial_office",
    "mediator",
    "parent",
    "user",
}


class AutoSchema(openapi.AutoSchema):
    def _needs_login(self) -> bool:
        if not self.view.get_authenticators():
            return False
        return not any(isinstance(p, AllowAny) for p in self.view.get_permissions())

    def _error_responses(self) -> dict[str, str]:
        has_body = self._get_request_body() is not None
        has_path_row = "{" in self.path
        query = [p for p in self._get_parameters() if p["in"] == "query"]
        changes = self.method in ("POST", "PUT", "PATCH", "DELETE")
        errors = {}
        if has_body:
            errors["400"] = BAD_REQUEST
        elif query:
            paginated = any(p["name"] == "cursor" for p in query)
            errors["400"] = BAD_CURSOR if paginated else "查询参数无效（如 `invalid`）。"
        if self.view.get_authenticators():
            # Even where no login is needed, a token sent that is invalid or expired is 401.
            errors["401"] = NOT_AUTHENTICATED
        if self._needs_login():
            errors["403"] = FORBIDDEN
        if has_path_row:
            errors["404"] = NOT_FOUND
        if changes and self._needs_login():
            errors["409"] = CONFLICT
        if has_body:
            errors["413"] = TOO_LARGE
            errors["415"] = UNSUPPORTED_MEDIA_TYPE
        if self.view.get_throttles():
            errors["429"] = THROTTLED
        errors["500"] = SERVER_ERROR
        errors["503"] = UNAVAILABLE
        return errors

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, description in self._error_responses().items():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    error(description), code, direction=direction
                )
        return dict(sorted(responses.items()))

    def _get_parameters(self):
        parameters = super()._get_parameters()
        for parameter in parameters:
            schema = parameter.get("schema", {})
            if (
                parameter["in"] == "query"
                and parameter["name"] in ID_QUERY_PARAMETERS
                and schema.get("type") == "integer"
            ):
                parameter["schema"] = {**schema, "minimum": 1}
        return parameters

    def _get_request_body(self, direction="request"):
        # A body, where an operation takes one, is required (even a PATCH's).
        body = super()._get_request_body(direction)
        if body is not None:
            body["required"] = True
        return body

    def _map_model_field(self, model_field, direction):
        schema = super()._map_model_field(model_field, direction)
        if model_field.primary_key and schema.get("type") == "integer":
            schema = {**schema, "minimum": 1}
        return schema

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if getattr(field, "source", None) in ("id", "pk") and schema.get("type") == "integer":
            schema = {**schema, "minimum": 1}
        return schema
