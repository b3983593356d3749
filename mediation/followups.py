"""The follow-up schedule kept by the database (DESIGN.md principle 2).

`followups_sync_case` is called by every service that changes a case, inside its
transaction: it creates the rows the case's new state implies and cancels the ones that
no longer apply (a concluded case needs no deadline warning). It is idempotent: calling
it twice leaves one row per (kind, step).

Times: rules fire at 09:00 Asia/Shanghai on the day they name (people act on reminders
in office hours), except `overdue`, which fires at the first moment the case is overdue
(00:00 on the day after `due_on`, the last day allowed).
"""

import logging
import secrets
import time as clock
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from committees.scope import scope_for
from mediation import choices, notify
from mediation.calendar import add_working_days
from mediation.events import case_event_record
from mediation.exceptions import Conflict, InvalidInput, InvalidTransition, NotAllowed, NotFound
from mediation.models import Agreement, Case, FollowUp, RatingLink, ScreeningReport
from mediation.services import _check_text
from mediation.validators import SHORT_TEXT_MAX

Kind = FollowUp.Kind

DEADLINE_WARNING_DAYS = 5
PERFORMANCE_CHECK_WITHOUT_DEADLINE_DAYS = 15
SECOND_PERFORMANCE_CHECK_DAYS = 15
SATISFACTION_AFTER_DAYS = 3
JUDICIAL_WINDOW_REMINDER_DAY = 25
OVERDUE_REPEAT_DAYS = 7

MORNING = time(9, 0)


def at_local(day: date, at: time = MORNING) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


def _ensure(case: Case, kind: str, due_at: datetime, step: int = 0) -> FollowUp | None:
    """One live row of (case, kind, step) due at `due_at`; moves an unfired row's due time.
    A row that was already done stays done (a repeat call schedules nothing new)."""
    rows = FollowUp.objects.filter(case=case, kind=kind, step=step).exclude(
        status=FollowUp.Status.CANCELLED
    )
    live = next((r for r in rows if r.status == FollowUp.Status.SCHEDULED), None)
    if live is not None:
        if live.fired_at is None and (
            live.due_at != due_at or live.committee_id != case.committee_id
        ):
            live.due_at = due_at
            live.committee_id = case.committee_id
            live.save(update_fields=["due_at", "committee"])
        return live
    if rows:
        return None
    return FollowUp.objects.create(
        kind=kind, case=case, committee_id=case.committee_id, due_at=due_at, step=step
    )


def _cancel(case: Case, *kinds: str) -> int:
    return FollowUp.objects.filter(
        case=case, kind__in=kinds, status=FollowUp.Status.SCHEDULED
    ).update(status=FollowUp.Status.CANCELLED, done_at=timezone.now())


def followups_sync_case(*, case: Case) -> None:
    """Create and cancel the case's follow-ups to match its state (inside the caller's
    transaction)."""
    status = case.status
    if status == choices.Status.MEDIATING and case.due_on:
        warning_day = max(case.due_on - timedelta(days=DEADLINE_WARNING_DAYS), timezone.localdate())
        _ensure(case, Kind.DEADLINE_WARNING, at_local(warning_day))
        _ensure(case, Kind.OVERDUE, at_local(case.due_on + timedelta(days=1), time(0, 0)))
    else:
        _cancel(case, Kind.DEADLINE_WARNING, Kind.OVERDUE)

    if status == choices.Status.SUCCEEDED:
        agreement = case.agreement
        if agreement.performance_deadline:
            check_day = agreement.performance_deadline + timedelta(days=1)
        else:
            check_day = agreement.effective_on + timedelta(
                days=PERFORMANCE_CHECK_WITHOUT_DEADLINE_DAYS
            )
        _ensure(case, Kind.PERFORMANCE_CHECK, at_local(check_day))
        if agreement.intends_judicial_confirmation and not agreement.judicial_applied_on:
            _ensure(
                case,
                Kind.JUDICIAL_WINDOW,
                at_local(agreement.effective_on + timedelta(days=JUDICIAL_WINDOW_REMINDER_DAY)),
            )
        elif agreement.judicial_applied_on:
            _cancel(case, Kind.JUDICIAL_WINDOW)

    if status in (choices.Status.SUCCEEDED, choices.Status.FAILED) and case.concluded_at:
        concluded_day = timezone.localdate(case.concluded_at)
        _ensure(
            case,
            Kind.SATISFACTION,
            at_local(concluded_day + timedelta(days=SATISFACTION_AFTER_DAYS)),
        )

    if status in (
        choices.Status.REGISTERED,
        choices.Status.REFERRED,
        choices.Status.DECLINED,
        choices.Status.WITHDRAWN,
    ):
        _cancel(case, Kind.PERFORMANCE_CHECK, Kind.JUDICIAL_WINDOW, Kind.SATISFACTION)


# --- the engine ----------------------------------------------------------------------------
#
# scan → claim a batch (one short transaction: SELECT … FOR UPDATE SKIP LOCKED on
# PostgreSQL; SQLite's IMMEDIATE transactions serialise the same statements) → fire each
# row in its own transaction, under its row lock, only if it is still scheduled and
# unfired. A worker killed after claiming leaves `claimed_at` set: the row is claimed
# again once CLAIM_TIMEOUT has passed. A row fired twice (redelivered task, two scans)
# finds `fired_at` set and does nothing; every effect carries a unique key anyway.

logger = logging.getLogger(__name__)

AUTOMATIC = {
    Kind.DEADLINE_WARNING,
    Kind.OVERDUE,
    Kind.SATISFACTION,
    Kind.JUDICIAL_WINDOW,
    Kind.TRANSFER_RESPONSE,
    Kind.REFERRAL_FEEDBACK,
    Kind.SCREENING_REPORT,
}
RATING_LINK_DAYS = 30
BAD_RATING_MAX_STARS = 2
BAD_RATING_REVIEW_WORKING_DAYS = 5
SCREENING_DIRECTOR_DAY = 5
SCREENING_OFFICE_DAY = 10


def claim_timeout() -> timedelta:
    return timedelta(seconds=getattr(settings, "TIAOJIE_FOLLOWUP_CLAIM_TIMEOUT", 60))


def followups_claim(*, limit: int = 200) -> list[int]:
    """Claim up to `limit` due rows for this worker; returns their ids (committed)."""
    # The application's clock, asked once (DESIGN.md principle 8: time is an input), so
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


def followups_scan(*, budget_seconds: float = 12, batch: int = 100) -> int:
    """Claim and fire due rows until none are left or the time budget is used."""
    started = clock.monotonic()
    fired = 0
    followups_ensure_screening()
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
    from mediation.statistics import rollup_refresh

    rollup_refresh(seconds=budget_seconds)
    # Idempotency keys are kept TIAOJIE_IDEMPOTENCY_KEY_HOURS, then forgotten.
    from api.idempotency import idempotency_keys_purge

    idempotency_keys_purge()
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
    FollowUp.objects.get_or_create(
        case=case,
        kind=Kind.OVERDUE,
        step=row.step + 1,
        defaults={
            "committee_id": case.committee_id,
            "due_at": row.due_at + timedelta(days=OVERDUE_REPEAT_DAYS),
        },
    )


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
    agreement = Agreement.objects.filter(case=case).first()
    if agreement is None or agreement.judicial_applied_on:
        row.status = FollowUp.Status.CANCELLED
        return
    closes = agreement.effective_on + timedelta(days=30)
    notify.notify(
        users=notify.mediators_of(case),
        key=f"fu{row.id}",
        kind=row.kind,
        case=case,
        follow_up=row,
        title=f"司法确认提醒：{_case_link(case)}的司法确认申请期限将于{closes}届满",
    )


def _satisfaction(row: FollowUp) -> None:
    """One rating link per party with a phone; the link goes out by SMS."""
    case = row.case
    expires = timezone.now() + timedelta(days=RATING_LINK_DAYS)
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
            f"{base}/api/v1/ratings/{link.token}/",
        )
    row.result = {"links": case.rating_links.count()}


def _transfer_response(row: FollowUp) -> None:
    from mediation.routing import transfer_expire

    transfer = transfer_expire(transfer_id=row.transfer_id)
    row.result = {"expired": transfer is not None}
    if transfer is not None:
        notify.notify(
            users=notify.directors_of(transfer.from_committee_id),
            key=f"fu{row.id}",
            kind=row.kind,
            case=row.case,
            follow_up=row,
            title=f"移送超期未答复，案件已退回：{_case_link(row.case)}",
        )


def _referral_feedback(row: FollowUp) -> None:
    referral = row.referral
    if referral.status != referral.Status.OPEN:
        row.status = FollowUp.Status.CANCELLED
        return
    committee = referral.committee
    notify.notify(
        users=[*notify.directors_of(committee.id), *notify.judicial_office_of(committee)],
        key=f"fu{row.id}",
        kind=row.kind,
        case=row.case,
        follow_up=row,
        title=f"对接反馈到期：{referral.mechanism.name}转来的{_case_link(row.case)}"
        f"应于{referral.feedback_due}前反馈结果",
    )


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
    Kind.SATISFACTION: _satisfaction,
    Kind.TRANSFER_RESPONSE: _transfer_response,
    Kind.REFERRAL_FEEDBACK: _referral_feedback,
    Kind.SCREENING_REPORT: _screening_report,
    Kind.BAD_RATING_REVIEW: _bad_rating_review,
}


# --- schedules not tied to one case ---------------------------------------------------------


def previous_period(today: date | None = None) -> str:
    today = today or timezone.localdate()
    first = today.replace(day=1)
    return (first - timedelta(days=1)).strftime("%Y-%m")


def followups_ensure_screening(*, today: date | None = None) -> int:
    """Make sure every active committee has the reminders for last month's screening
    report: the director on the 5th, the judicial office on the 10th. Idempotent. After
    the 10th nothing is created for last month (a system started mid-month does not
    send reminders that are already late)."""
    from committees.models import Committee

    today = today or timezone.localdate()
    if today.day > SCREENING_OFFICE_DAY:
        return 0
    period = previous_period(today)
    first = today.replace(day=1)
    existing = set(
        FollowUp.objects.filter(kind=Kind.SCREENING_REPORT, period=period).values_list(
            "committee_id", "step"
        )
    )
    filed = set(
        ScreeningReport.objects.filter(period=period).values_list("committee_id", flat=True)
    )
    rows = []
    for committee_id in Committee.objects.filter(is_active=True).values_list("id", flat=True):
        if committee_id in filed:
            continue
        for step, day in ((0, SCREENING_DIRECTOR_DAY), (1, SCREENING_OFFICE_DAY)):
            if (committee_id, step) not in existing:
                rows.append(
                    FollowUp(
                        kind=Kind.SCREENING_REPORT,
                        committee_id=committee_id,
                        period=period,
                        step=step,
                        due_at=at_local(first.replace(day=day)),
                    )
                )
    FollowUp.objects.bulk_create(rows)
    return len(rows)


# --- people completing follow-ups -----------------------------------------------------------


def followup_complete(
    *, actor, followup: FollowUp, performed: str = "", result: str = "", note: str = ""
) -> FollowUp:
    """A person records the outcome of a follow-up that asks for one (履行回访, 差评复核).

    A performance check with `none` or `partial` schedules a second check in 15 days and
    reminds the mediator that judicial confirmation or litigation remains open."""
    if not (actor.is_superuser or scope_for(actor).is_member(followup.committee_id)):
        raise NotAllowed("只有本调委会的调解员可以完成此事项。")
    if followup.kind not in (Kind.PERFORMANCE_CHECK, Kind.BAD_RATING_REVIEW):
        raise InvalidTransition("该事项由系统自动处理，无需手工完成。", action="complete")
    if followup.kind == Kind.PERFORMANCE_CHECK and performed not in choices.Performance.values:
        raise InvalidInput(
            "请填写履行情况（full / partial / none）。",
            code="performed_required",
            field="performed",
        )
    _check_text(result, SHORT_TEXT_MAX, field="result", label="回访结果")
    _check_text(note, SHORT_TEXT_MAX, field="note", label="备注")
    with transaction.atomic():
        row = FollowUp.objects.select_for_update().get(pk=followup.pk)
        if row.status != FollowUp.Status.SCHEDULED:
            raise Conflict("该事项已处理。", follow_up_status=row.status)
        now = timezone.now()
        row.status = FollowUp.Status.DONE
        row.done_at = now
        row.completed_by = actor
        row.result = {"performed": performed, "result": result, "note": note}
        if row.kind == Kind.PERFORMANCE_CHECK:
            Agreement.objects.filter(case_id=row.case_id).update(performance=performed)
            if performed in (choices.Performance.NONE, choices.Performance.PARTIAL):
                row.result["advice"] = (
                    "协议未完全履行：当事人可以就调解协议共同向人民法院申请司法确认，"
                    "或者就协议的履行、内容向人民法院提起诉讼。"
                )
                FollowUp.objects.get_or_create(
                    case_id=row.case_id,
                    kind=Kind.PERFORMANCE_CHECK,
                    step=row.step + 1,
                    defaults={
                        "committee_id": row.committee_id,
                        "due_at": at_local(
                            timezone.localdate() + timedelta(days=SECOND_PERFORMANCE_CHECK_DAYS)
                        ),
                    },
                )
        row.save()
        if row.case_id:
            case = Case.objects.get(pk=row.case_id)
            case_event_record(
                case=case,
                kind=f"{row.kind}_done",
                actor=actor,
                from_status=case.status,
                data={"follow_up": row.id, **row.result},
            )
    return row


# --- ratings (no login) ---------------------------------------------------------------------


def rating_submit(*, token: str, stars: int, comment: str = "") -> RatingLink:
    """A party rates the service once. ≤ 2 stars (差评) opens a review for the director,
    due in 5 working days."""
    if not isinstance(stars, int) or not 1 <= stars <= 5:
        raise InvalidInput("评分应为1至5星。", code="invalid_stars", field="stars")
    _check_text((comment or "").strip(), SHORT_TEXT_MAX, field="comment", label="评价内容")
    with transaction.atomic():
        link = RatingLink.objects.select_for_update().filter(token=token).first()
        if link is None or link.expires_at <= timezone.now():
            raise NotFound("评价链接无效或已过期。")
        if link.used_at is not None:
            raise Conflict("该评价链接已使用。")
        link.stars, link.comment, link.used_at = stars, (comment or "").strip(), timezone.now()
        link.save()
        if stars <= BAD_RATING_MAX_STARS:
            case = link.case
            due = add_working_days(timezone.localdate(), BAD_RATING_REVIEW_WORKING_DAYS)
            FollowUp.objects.create(
                kind=Kind.BAD_RATING_REVIEW,
                case=case,
                committee_id=case.committee_id,
                due_at=at_local(due),
                result={"rating": link.id, "stars": stars},
            )
    return link
