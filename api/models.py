from django.conf import settings
from django.db import models
from django.utils import timezone


class IdempotencyKey(models.Model):
    """A client's Idempotency-Key: a keyed fingerprint of the first request and the id of
    the object it created (API.md Conventions; api/idempotency.py). Never the response
    body, which held whole ID numbers and phones: a replay rebuilds it.

    The row is inserted in the same transaction as the object it creates, and (user, key)
    is unique: of two concurrent requests with one key, the second waits on the first's
    insert and then replays the response, so a duplicate never creates a second object.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    endpoint = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(default=0)
    object_id = models.PositiveBigIntegerField(null=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "幂等键"
        verbose_name_plural = "幂等键"
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"
