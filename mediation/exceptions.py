"""Domain errors with stable codes. The API turns each into {"detail", "code", ...} with
the class's HTTP status (api/exceptions.py); the codes are part of the API contract."""


class DomainError(Exception):
    status = 400
    code = "invalid"
    default_detail = "请求无效。"

    def __init__(self, detail: str | None = None, **extra):
        self.detail = detail or self.default_detail
        self.extra = extra
        super().__init__(self.detail)


class InvalidInput(DomainError):
    """Input that passed the serializer but breaks a domain rule (400)."""

    def __init__(self, detail: str, *, code: str = "invalid", **extra):
        super().__init__(detail, **extra)
        self.code = code


class NotAllowed(DomainError):
    """Visible to the caller, but their role may not do this (403)."""

    status = 403
    code = "permission_denied"
    default_detail = "您没有执行该操作的权限。"


class NotFound(DomainError):
    status = 404
    code = "not_found"
    default_detail = "未找到。"


class InvalidTransition(DomainError):
    """The case is not in a state that allows this move (409)."""

    status = 409
    code = "invalid_transition"
    default_detail = "案件当前状态不允许该操作。"


class Conflict(DomainError):
    """Another request changed the same thing first (409)."""

    status = 409
    code = "conflict"
    default_detail = "该记录已被其他请求修改，请刷新后重试。"


class IdempotencyKeyReused(DomainError):
    status = 422
    code = "idempotency_key_reused"
    default_detail = "该 Idempotency-Key 已用于内容不同的请求。"
