"""Effects of follow-ups: in-app notifications and outbound messages (SMS).

Each effect carries a unique key (follow-up × recipient × channel) and is inserted with
"ignore conflicts": firing a follow-up twice writes nothing new. External messages are
written to the OutboundMessage table in the same transaction and delivered afterwards by
`outbox_deliver`, through the sender configured in TIAOJIE_MESSAGE_SENDER. The default
sender writes to the log — ids and lengths only, never the number or the text.
"""

import logging
from contextlib import contextmanager
from contextvars import ContextVar
from importlib import import_module

from celery import current_app, signature
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from committees.models import Mediator, Role
from mediation.models import Case, Notification, OutboundMessage

logger = logging.getLogger(__name__)


# --- who is told ---------------------------------------------------------------------------

_recipients: ContextVar[dict | None] = ContextVar("recipients", default=None)


@contextmanager
def cached_recipients():
    """Within one scan batch, look each committee's directors (etc.) up once: a backlog of
    thousands of follow-ups mostly notifies the same few people."""
    token = _recipients.set({})
    try:
        yield
    finally:
        _recipients.reset(token)


def _memo(key, compute) -> list:
    cache = _recipients.get()
    if cache is None:
        return list(compute())
    if key not in cache:
        cache[key] = list(compute())
    return cache[key]


def _users(**conditions):
    return get_user_model().objects.filter(is_active=True, **conditions).distinct()


def directors_of(committee_id: int) -> list:
    return _memo(
        ("directors", committee_id),
        lambda: _users(
            mediator_memberships__committee_id=committee_id,
            mediator_memberships__role__in=Mediator.DIRECTOR_ROLES,
            mediator_memberships__is_active=True,
        ),
    )


def mediators_of(case: Case) -> list:
    """The case's assigned mediators with a login; the directors if none has one."""

    def compute():
        users = list(_users(mediator_memberships__in=case.mediators.all()))
        return users or directors_of(case.committee_id)

    return _memo(("mediators", case.pk), compute)


def judicial_office_of(committee) -> list:
    return _memo(
        ("office", committee.judicial_office_id),
        lambda: _users(
            tiaojie_roles__kind=Role.Kind.JUDICIAL_OFFICE,
            tiaojie_roles__institution_id=committee.judicial_office_id,
        ),
    )


def district_office() -> list:
    return _memo(("district",), lambda: _users(tiaojie_roles__kind=Role.Kind.DISTRICT_OFFICE))


# --- in-app notifications ------------------------------------------------------------------


def notify(
    *, users, key: str, kind: str, title: str, body: str = "", case=None, follow_up=None
) -> int:
    """One notification per user under `key`; repeats are ignored. Returns how many users."""
    rows = [
        Notification(
            recipient_id=user_id,
            key=f"{key}:u{user_id}",
            kind=kind,
            title=title[:200],
            body=body,
            case=case,
            follow_up=follow_up,
        )
        for user_id in {u.pk for u in users}
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


# --- outbound messages ---------------------------------------------------------------------


class LogSender:
    """The default sender: logs that a message would go out, without personal data."""

    def send(self, message: OutboundMessage) -> None:
        logger.info(
            "outbound %s message #%s for case %s (%d characters)",
            message.channel,
            message.pk,
            message.case_id,
            len(message.body),
        )


def get_sender():
    path = getattr(settings, "TIAOJIE_MESSAGE_SENDER", "mediation.notify.LogSender")
    module_name, _, class_name = path.rpartition(".")
    return getattr(import_module(module_name), class_name)()


def message_queue(*, key: str, to: str, body: str, case=None, channel: str = "sms") -> None:
    """Queue one external message (inside the caller's transaction); once per key."""
    OutboundMessage.objects.bulk_create(
        [OutboundMessage(key=key, channel=channel, to=to, body=body, case=case)],
        ignore_conflicts=True,
    )
    transaction.on_commit(_kick_delivery)


def _kick_delivery() -> None:
    # Queued by name: the tasks call this module, so it does not import them. A process
    # that has loaded the task (web, worker) runs it as the task (in-process when eager);
    # elsewhere the name goes to the broker.
    try:
        signature("mediation.tasks.deliver_outbox", app=current_app).delay()
    except Exception:  # the broker is down: the scan delivers from the table later
        logger.warning("could not enqueue outbox delivery; the next scan will deliver")


MAX_ATTEMPTS = 10


def outbox_deliver(*, limit: int = 100) -> int:
    """Send unsent messages, each claimed under a row lock so two workers never send one
    message twice. Returns how many were sent."""
    sender = get_sender()
    sent = 0
    for _ in range(limit):
        with transaction.atomic():
            message = (
                OutboundMessage.objects.select_for_update(skip_locked=True)
                .filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
                .order_by("id")
                .first()
            )
            if message is None:
                break
            try:
                sender.send(message)
            except Exception as error:  # a gateway error: count it and try again later
                message.attempts += 1
                message.last_error = type(error).__name__[:200]
                message.save(update_fields=["attempts", "last_error"])
                logger.warning("sending message #%s failed: %s", message.pk, type(error).__name__)
                continue
            message.sent_at = timezone.now()
            message.attempts += 1
            message.save(update_fields=["sent_at", "attempts"])
            sent += 1
    return sent
