"""Operational numbers for `manage.py followups_status` and GET /api/v1/health/."""

import redis
from django.conf import settings
from django.db import connection
from django.db.models import Count, Min
from django.utils import timezone

from mediation.engine import claim_timeout
from mediation.models import FollowUp, OutboundMessage


def followup_lag() -> dict:
    """Due-but-unfired rows, the oldest one's due time, and how late it is now."""
    now = timezone.now()
    due = FollowUp.objects.filter(
        status=FollowUp.Status.SCHEDULED, fired_at__isnull=True, due_at__lte=now
    )
    summary = due.aggregate(count=Count("id"), oldest=Min("due_at"))
    oldest = summary["oldest"]
    return {
        "scheduled_due": summary["count"],
        "oldest_due_at": oldest,
        "lag_seconds": int((now - oldest).total_seconds()) if oldest else 0,
        "claimed_stale": due.filter(claimed_at__lt=now - claim_timeout()).count(),
        "unsent_messages": OutboundMessage.objects.filter(sent_at__isnull=True).count(),
    }


def counts_by_kind_and_status() -> list[dict]:
    return list(
        FollowUp.objects.values("kind", "status")
        .annotate(count=Count("id"))
        .order_by("kind", "status")
    )


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as error:  # report, don't raise: this is the health check
        return f"error: {type(error).__name__}"


def _broker() -> str:
    if not settings.REDIS_URL:
        return "in-process"
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1).ping()
        return "ok"
    except Exception as error:  # report, don't raise
        return f"error: {type(error).__name__}"


def health_report() -> dict:
    database = _database()
    broker = _broker()
    report = {"database": database, "broker": broker}
    report["follow_ups"] = (
        followup_lag()
        if database == "ok"
        else {
            "scheduled_due": 0,
            "oldest_due_at": None,
            "lag_seconds": 0,
            "claimed_stale": 0,
            "unsent_messages": 0,
        }
    )
    healthy = database == "ok" and broker in ("ok", "in-process")
    report["status"] = "ok" if healthy else "degraded"
    return report
