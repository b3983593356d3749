"""The follow-up engine: claim the rows the schedule (mediation.schedule) says are due, and
fire each once. Called by the tasks (mediation.tasks) and the embedded scan.

scan → claim a batch (one short transaction: SELECT … FOR UPDATE SKIP LOCKED on
PostgreSQL; SQLite's IMMEDIATE transactions serialise the same statements) → fire each
row in its own transaction, under its row lock, only if it is still scheduled and
unfired. A worker killed after claiming leaves `claimed_at` set: the row is claimed
again once CLAIM_TIMEOUT has passed. A row fired twice (redelivered task, two scans)
finds `fired_at` set and does nothing; every effect carries a unique key anyway.
"""

import logging
import secrets
import time as clock
from datetime import timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone

from mediation import agreement_rules, alerts, choices, notify, reminders, schedule, statistics
from mediation.models import Case, FollowUp, RatingLink, ScreeningReport
from mediation.rules import rule
from mediation.services import routing

Kind = FollowUp.Kind

logger = logging.getLogger(__name__)

AUTOMATIC = {
    Kind.DEADLINE_WARNING,
    Kind.OVERDUE,
    Kind.SATISFACTION,
    Kind.JUDICIAL_WINDOW,
    Kind.JUDICIAL_PENDING,
    Kind.TRANSFER_RESPONSE,
    Kind.REFERRAL_FEEDBACK,
    Kind.SCREENING_REPORT,
    *reminders.AUTOMATIC,
}


def claim_timeout() -> timedelta:
    return timedelta(seconds=getattr(settings, "TIAOJIE_FOLLOWUP_CLAIM_TIMEOUT", 60))


def followups_claim(*, limit: int = 200) -> list[int]:
    """Claim up to `limit` due rows for this worker; returns their ids (committed)."""
    # The application's clock, asked once (docs/design.md principle 8: time is an input), so
    # a test that travels in time moves the scan with it.
    now = timezone.now()
    with transaction.atomic():
        due = (
            FollowUp.objects.select_for_update(skip_locked=True)
            .filter(status=FollowUp.Status.SCHEDULED, fired_at__isnull=True, due_at__lte=now)
            .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - claim_timeout()))
            .order_by("due_at", "id")
            .values_list("id", flat=True)[:limit]
        )
        ids = list(due)
        if ids:
            FollowUp.objects.filter(id__in=ids).update(claimed_at=now)
    return ids


def followups_due_left() -> bool:
    """Are there due rows nobody has claimed (or whose claim has gone stale)?"""
    now = timezone.now()
    return (
        FollowUp.objects.filter(
            status=FollowUp.Status.SCHEDULED, fired_at__isnull=True, due_at__lte=now
        )
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - claim_timeout()))
        .exists()
    )


def followup_fire(*, followup_id: int) -> bool:
    """Fire one follow-up once: its effects, the next step, and its new status.
    Returns False when there was nothing to do (already fired, cancelled, gone)."""
    case_id = FollowUp.objects.filter(pk=followup_id).values_list("case_id", flat=True).first()
    with transaction.atomic():
        if case_id is not None:
            # Lock order everywhere: case, then transfer/referral, then follow-up. The
            # services change follow-ups while holding the case lock; taking the case lock
            # first here means a firing (e.g. a transfer expiring) and a decision on the
            # same case queue instead of deadlocking.
            Case.objects.select_for_update().filter(pk=case_id).first()
        row = (
            FollowUp.objects.select_for_update(of=("self",))
            .select_related("case", "committee", "transfer", "referral")
            .filter(pk=followup_id)
            .first()
        )
        if row is None or row.status != FollowUp.Status.SCHEDULED or row.fired_at is not None:
            return False
        HANDLERS[row.kind](row)
        row.fired_at = timezone.now()
        row.claimed_at = None
        if row.kind in AUTOMATIC and row.status == FollowUp.Status.SCHEDULED:
            row.status = FollowUp.Status.DONE
            row.done_at = row.fired_at
        row.save()
    return True


# Sent at the end of every scan; receivers do their periodic housekeeping.
scan_finished = Signal()


def followups_scan(*, budget_seconds: float = 12, batch: int = 100) -> int:
    """Claim and fire due rows until none are left or the time budget is used."""
    started = clock.monotonic()
    fired = 0
    schedule.followups_ensure_screening()
    while clock.monotonic() - started < budget_seconds:
        ids = followups_claim(limit=batch)
        if not ids:
            break
        with notify.cached_recipients():
            fired += _fire_batch(ids)
    notify.outbox_deliver()
    # The statistics rollup is refreshed on the same beat (committee-months marked dirty),
    # within a budget of its own: a large backlog (after a migration or a bulk change, at
    # ~0.35 s per committee-month at 10 M cases) is worked off over several scans instead
    # of holding this one for minutes.
    statistics.rollup_refresh(seconds=budget_seconds)
    # Housekeeping of the outer layers on the same beat (the API purges its expired
    # Idempotency-Keys, api/apps.py), without this layer importing them.
    scan_finished.send(sender=followups_scan)
    return fired


def _fire_batch(ids: list[int]) -> int:
    fired = 0
    for followup_id in ids:
        try:
            fired += followup_fire(followup_id=followup_id)
        except (OperationalError, InterfaceError):
            raise  # the database went away: the task's retry takes over, rows are reclaimed
        except Exception:  # one bad row must not stop the others; it is reclaimed later
            logger.exception("follow-up %s failed; it will be retried", followup_id)
    return fired


# --- what each kind does -------------------------------------------------------------------


def _case_link(case: Case) -> str:
    return f"{case.number}《{case.title}》"


def _deadline_warning(row: FollowUp) -> None:
    case = row.case
    if case.status != choices.Status.MEDIATING:
        row.status = FollowUp.Status.CANCELLED
        return
    notify.notify(
        users=[*notify.mediators_of(case), *notify.directors_of(case.committee_id)],
        key=f"fu{row.id}",
        kind=row.kind,
        case=case,
        follow_up=row,
        title=f"调解期限预警：{_case_link(case)}将于{case.due_on}到期",
    )


def overdue_recipients(row: FollowUp):
    """Escalation: the director first, then the judicial office over the area, then the
    district office (every later alert goes to the district office)."""
    case = row.case
    if row.step == 0:
        return list(notify.directors_of(case.committee_id))
    if row.step == 1:
        return list(notify.judicial_office_of(case.committee))
    return list(notify.district_office())


def _overdue(row: FollowUp) -> None:
    case = row.case
    if not case.is_overdue:
        row.status = FollowUp.Status.CANCELLED
        return
    days = (timezone.localdate() - case.due_on).days
    title = f"超期督办：{_case_link(case)}已超过调解期限{days}天"
    notify.notify(
        users=overdue_recipients(row),
        key=f"fu{row.id}",
        kind=row.kind,
        title=title,
        case=case,
        follow_up=row,
    )
    if case.responsible_leader_phone:
        notify.message_queue(
            key=f"fu{row.id}:leader",
            to=case.responsible_leader_phone,
            body=f"【人民调解】{title}，请督办。",
            case=case,
        )
    schedule.overdue_repeat(row)


def _performance_check(row: FollowUp) -> None:
    case = row.case
    notify.notify(
        users=notify.mediators_of(case),
        key=f"fu{row.id}",
        kind=row.kind,
        case=case,
        follow_up=row,
        title=f"履行回访：请回访{_case_link(case)}的协议履行情况",
    )


def _judicial_window(row: FollowUp) -> None:
    case = row.case
    agreement = case.agreement if case.agreement_id else None
    if agreement is None or agreement.judicial_applied_on or agreement.effective_on is None:
        row.status = FollowUp.Status.CANCELLED
        return
    closes = agreement_rules.judicial_window_end(agreement.effective_on)
    notify.notify(
        users=notify.mediators_of(case),
        key=f"fu{row.id}",
        kind=row.kind,
        case=case,
        follow_up=row,
        title=f"司法确认提醒：{_case_link(case)}的司法确认申请期限将于{closes}届满",
    )


def _judicial_pending(row: FollowUp) -> None:
    """法释〔2011〕5号 art 5: the court decides within 15 days (+10 extended); past that the
    mediators and the director are asked to chase the court."""
    case = row.case
    agreement = case.agreement if case.agreement_id else None
    due = agreement_rules.judicial_decision_due(agreement)
    if due is None or due >= timezone.localdate():
        row.status = FollowUp.Status.CANCELLED
        return
    days = (timezone.localdate() - agreement.judicial_applied_on).days
    notify.notify(
        users=[*notify.mediators_of(case), *notify.directors_of(case.committee_id)],
        key=f"fu{row.id}",
        kind=row.kind,
        case=case,
        follow_up=row,
        title=f"司法确认待决：{_case_link(case)}向{agreement.judicial_court}申请司法确认已{days}天"
        f"（应于{due}前作出决定），请跟进",
    )


def _satisfaction(row: FollowUp) -> None:
    """One rating link per party with a phone; the link goes out by SMS."""
    case = row.case
    expires = timezone.now() + timedelta(days=rule("RATING_LINK_DAYS"))
    for party in case.parties.exclude(phone=""):
        link, created = RatingLink.objects.get_or_create(
            case=case,
            party=party,
            defaults={"token": secrets.token_urlsafe(32), "expires_at": expires},
        )
        base = getattr(settings, "TIAOJIE_PUBLIC_URL", "http://127.0.0.1:8000")
        notify.message_queue(
            key=f"fu{row.id}:party{party.id}",
            to=party.phone,
            case=case,
            body=f"【人民调解】请为{case.committee.short_name}调委会的调解服务评价："
            f"{base}/r/{link.token}",  # the party's page (web/views/party.py)
        )
    row.result = {"links": case.rating_links.count()}


def _transfer_response(row: FollowUp) -> None:
    transfer = routing.transfer_expire(transfer_id=row.transfer_id)
    row.result = {"expired": transfer is not None}
    if transfer is not None:
        alerts.transfer_expired(transfer, follow_up=row)


def _referral_feedback(row: FollowUp) -> None:
    referral = row.referral
    if referral.status != referral.Status.OPEN:
        row.status = FollowUp.Status.CANCELLED
        return
    alerts.referral_feedback_due(referral, row)


def _screening_report(row: FollowUp) -> None:
    committee = row.committee
    if ScreeningReport.objects.filter(committee=committee, period=row.period).exists():
        row.status = FollowUp.Status.CANCELLED
        return
    users = (
        notify.directors_of(committee.id) if row.step == 0 else notify.judicial_office_of(committee)
    )
    notify.notify(
        users=users,
        key=f"fu{row.id}",
        kind=row.kind,
        follow_up=row,
        title=f"{committee.short_name}调委会尚未报送{row.period}矛盾纠纷排查报告",
    )


def _bad_rating_review(row: FollowUp) -> None:
    notify.notify(
        users=notify.directors_of(row.committee_id),
        key=f"fu{row.id}",
        kind=row.kind,
        case=row.case,
        follow_up=row,
        title=f"差评复核：{_case_link(row.case)}收到差评，请核查",
    )


HANDLERS = {
    Kind.DEADLINE_WARNING: _deadline_warning,
    Kind.OVERDUE: _overdue,
    Kind.PERFORMANCE_CHECK: _performance_check,
    Kind.JUDICIAL_WINDOW: _judicial_window,
    Kind.JUDICIAL_PENDING: _judicial_pending,
    Kind.SATISFACTION: _satisfaction,
    Kind.TRANSFER_RESPONSE: _transfer_response,
    Kind.REFERRAL_FEEDBACK: _referral_feedback,
    Kind.SCREENING_REPORT: _screening_report,
    Kind.BAD_RATING_REVIEW: _bad_rating_review,
    **reminders.HANDLERS,
}
