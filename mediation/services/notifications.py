"""A person's in-app notifications: marking one read."""

from django.utils import timezone

from mediation.models import Notification


def notification_mark_read(*, notification: Notification) -> Notification:
    """Mark the notification read once: the first read time stays (a repeat, or two tabs
    at once, changes nothing). The caller has checked it is the actor's own."""
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        notification.refresh_from_db()
    return notification
