"""Idempotency-Key handling for the creating POSTs (POST /cases/, POST /referrals/).

A key row holds who sent it, a keyed fingerprint of the request and the id of the object
the first request created — never the response: a replay rebuilds the answer from the
object as the caller may see it today (404 once it is out of their scope, masking and the
personal-data access record as for a GET). Keys expire after TIAOJIE_IDEMPOTENCY_KEY_HOURS
(default 24); the follow-up scan deletes expired rows (`idempotency_keys_purge`).
"""

import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from rest_framework.response import Response

from api.models import IdempotencyKey
from mediation.exceptions import IdempotencyKeyReused, InvalidInput

FINGERPRINT_SALT = "api.idempotency.request"


def keyed_fingerprint(digest: str) -> str:
    """HMAC (SECRET_KEY) of a request digest: the body holds ID numbers and phones, so the
    stored value must not be a plain hash anyone can test guesses against."""
    return salted_hmac(FINGERPRINT_SALT, digest, algorithm="sha256").hexdigest()


def _fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, ensure_ascii=False, default=str)
    return keyed_fingerprint(hashlib.sha256(f"{request.path}\n{body}".encode()).hexdigest())


def key_lifetime() -> timedelta:
    return timedelta(hours=getattr(settings, "TIAOJIE_IDEMPOTENCY_KEY_HOURS", 24))


def idempotency_keys_purge() -> int:
    """Delete the expired keys; returns how many."""
    cutoff = timezone.now() - key_lifetime()
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def idempotent(request, create, replay) -> Response:
    """Run `create()` once per (user, Idempotency-Key) within the key's lifetime; later
    requests with the key get `replay(object_id, status_code)`, built afresh.

    `create()` answers with the created object's representation (its `id` is kept). The
    same key with another body is 422 `idempotency_key_reused`. A failed request stores
    nothing (the key row rolls back with it), so the client may retry it.
    """
    key = request.headers.get("Idempotency-Key")
    if not key:
        return create()
    key = key.strip()
    if not 1 <= len(key) <= 100:
        raise InvalidInput("Idempotency-Key 长度应为1至100个字符。", code="invalid_idempotency_key")
    fingerprint = _fingerprint(request)
    with transaction.atomic():
        # An expired key is forgotten: the request is a new one.
        IdempotencyKey.objects.filter(
            user=request.user, key=key, created_at__lt=timezone.now() - key_lifetime()
        ).delete()
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
            response = replay(record.object_id, record.status_code)
            response["Idempotent-Replayed"] = "true"
            return response
        response = create()
        record.status_code = response.status_code
        record.object_id = response.data["id"]
        record.save(update_fields=["status_code", "object_id"])
    return response
