"""Celery tasks: thin wrappers that take ids, call one function, and may run twice.

Beat sends `scan_followups` every minute (config/settings.py CELERY_BEAT_SCHEDULE); the
database holds the schedule, the broker only says "go look now".
"""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from mediation import engine, ledger, notify

logger = logging.getLogger(__name__)

TRANSIENT = (OperationalError, InterfaceError)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def scan_followups() -> int:
    fired = engine.followups_scan()
    if engine.followups_due_left():
        # A backlog: keep going on any free worker instead of waiting for the next tick.
        scan_followups.delay()
    return fired


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def deliver_outbox() -> int:
    return notify.outbox_deliver()


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def run_ledger_import(job_id: int) -> bool:
    return ledger.ledger_import_job_run(job_id=job_id)
