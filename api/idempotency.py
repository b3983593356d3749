"""Idempotency-Key handling for the creating POSTs (POST /cases/, POST /referrals/)."""

import hashlib
import json

from django.db import IntegrityError, transaction
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from api.models import IdempotencyKey
from mediation.exceptions import IdempotencyKeyReused, InvalidInput


def _fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(f"{request.path}\n{body}".encode()).hexdigest()


def idempotent(request, create) -> Response:
    """Run `create()` once per (user, Idempotency-Key); replay its response afterwards.

    The same key with another body is 422 `idempotency_key_reused`. A failed request
    stores nothing (the key row rolls back with it), so the client may retry it.
    """
    key = request.headers.get("Idempotency-Key")
    if not key:
        return create()
    key = key.strip()
    if not 1 <= len(key) <= 100:
        raise InvalidInput("Idempotency-Key 长度应为1至100个字符。", code="invalid_idempotency_key")
    fingerprint = _fingerprint(request)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(
                    user=request.user, key=key, endpoint=request.path, request_hash=fingerprint
                )
        except IntegrityError:
            # Another request with this key committed first (its insert held us until then).
            record = IdempotencyKey.objects.get(user=request.user, key=key)
            if record.request_hash != fingerprint:
                raise IdempotencyKeyReused() from None
            response = Response(record.response_body, status=record.status_code)
            response["Idempotent-Replayed"] = "true"
            return response
        response = create()
        record.status_code = response.status_code
        record.response_body = json.loads(JSONRenderer().render(response.data))
        record.save(update_fields=["status_code", "response_body"])
    return response
