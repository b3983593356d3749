"""The follow-up schedule kept by the database (docs/design.md principle 2): what falls due
when. The services call it; the engine (mediation.engine) fires what it wrote.

`followups_sync_case` is called by every service that changes a case, inside its
transaction: it creates the rows the case's new state implies and cancels the ones that
no longer apply (a concluded case needs no deadline warning). It is idempotent: calling
it twice leaves one row per (kind, step).

Times: rules fire at 09:00 Asia/Shanghai on the day they name (people act on reminders
in office hours), except `overdue`, which fires at the first moment the case is overdue
(00:00 on the day after `due_on`, the last day allowed).
"""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from committees.models import Committee
from mediation import agreement_rules, choices
from mediation.calendar import add_working_days
from mediation.models import Case, FollowUp, ScreeningReport
from mediation.rules import rule

Kind = FollowUp.Kind

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


def acceptance_deadline(received_at: datetime | None = None) -> date:
    """The day a case received at `received_at` (default now) must be accepted or declined
    by: ACCEPTANCE_WORKING_DAYS working days later (local practice, not law)."""
    received_on = timezone.localdate(received_at) if received_at else timezone.localdate()
    return add_working_days(received_on, rule("ACCEPTANCE_WORKING_DAYS"))


def acceptance_sync(case: Case) -> None:
    """The acceptance clock (issue 15 item 9): a registered case's reminder to the director
    on the day it falls due (09:00) and the overdue alert at the first moment after it. One
    pair per holding (step: the transfers accepted so far), so a case taken over by another
    committee starts a fresh clock there."""
    step = len(case.previous_numbers or [])
    # The previous holder's clock stops when the case moves.
    FollowUp.objects.filter(
        case=case,
        kind__in=(Kind.ACCEPTANCE_DUE, Kind.ACCEPTANCE_OVERDUE),
        status=FollowUp.Status.SCHEDULED,
        step__lt=step,
    ).update(status=FollowUp.Status.CANCELLED, done_at=timezone.now())
    rows = _acceptance_rows(case)
    for kind, due_at, row_step in rows:
        _ensure(case, kind, due_at, step=row_step)
    if not rows:
        _cancel(case, Kind.ACCEPTANCE_DUE, Kind.ACCEPTANCE_OVERDUE)


def _acceptance_rows(case: Case) -> list[tuple[str, datetime, int]]:
    """The acceptance pair (kind, due_at, step) a registered case's holding should have."""
    if not (case.status == choices.Status.REGISTERED and case.accept_by):
        return []
    step = len(case.previous_numbers or [])
    return [
        (Kind.ACCEPTANCE_DUE, at_local(case.accept_by), step),
        (Kind.ACCEPTANCE_OVERDUE, at_local(case.accept_by + timedelta(days=1), time(0, 0)), step),
    ]


def _needs_leader(case: Case) -> bool:
    return (
        case.status in (choices.Status.REGISTERED, choices.Status.MEDIATING)
        and case.difficulty == choices.Difficulty.MAJOR
        and not case.responsible_leader_name
    )


def _leader_reminder_due() -> datetime:
    """One working day from now, at the same time of day."""
    now = timezone.localtime()
    return timezone.make_aware(
        datetime.combine(add_working_days(now.date(), 1), now.time().replace(microsecond=0))
    )


def leader_sync(case: Case) -> None:
    """An open major case (重大疑难) without a 包案领导: a reminder one working day after it
    became so (kept, not moved, while the case stays that way); cancelled once a leader is
    named or the case is no longer open or major."""
    live = FollowUp.objects.filter(
        case=case, kind=Kind.LEADER_MISSING, status=FollowUp.Status.SCHEDULED
    )
    if not _needs_leader(case):
        _cancel(case, Kind.LEADER_MISSING)
    elif not live.exists():
        step = FollowUp.objects.filter(case=case, kind=Kind.LEADER_MISSING).count()
        FollowUp.objects.create(
            kind=Kind.LEADER_MISSING,
            case=case,
            committee_id=case.committee_id,
            due_at=_leader_reminder_due(),
            step=step,
        )


def new_case_start(case: Case) -> list[FollowUp]:
    """The follow-ups of a case just registered, in one INSERT: what acceptance_sync and
    leader_sync write for a case that has none yet (its acceptance pair at step 0 and, for
    a major case without a 包案领导, the leader reminder). Returns the rows, ordered as
    FollowUp.Meta.ordering (due_at, id), so the 201 can show them without reading back.
    tests/mediation/test_schedule_new_case.py holds it equal to the two syncs."""
    rows = _acceptance_rows(case)
    if _needs_leader(case):
        rows.append((Kind.LEADER_MISSING, _leader_reminder_due(), 0))
    created = FollowUp.objects.bulk_create(
        FollowUp(kind=kind, case=case, committee_id=case.committee_id, due_at=due_at, step=step)
        for kind, due_at, step in rows
    )
    return sorted(created, key=lambda r: (r.due_at, r.pk))


def followups_sync_case(*, case: Case) -> None:
    """Create and cancel the case's follow-ups to match its state (inside the caller's
    transaction)."""
    status = case.status
    acceptance_sync(case)
    leader_sync(case)
    if status == choices.Status.MEDIATING and case.due_on:
        warning_day = max(
            case.due_on - timedelta(days=rule("DEADLINE_WARNING_DAYS")), timezone.localdate()
        )
        _ensure(case, Kind.DEADLINE_WARNING, at_local(warning_day))
        _ensure(case, Kind.OVERDUE, at_local(case.due_on + timedelta(days=1), time(0, 0)))
    else:
        _cancel(case, Kind.DEADLINE_WARNING, Kind.OVERDUE)

    # Each re-mediation starts the agreement's follow-ups afresh (steps 100, 200, …), so
    # the done rows of a superseded version do not stand in for the new version's.
    base = 100 * case.remediation_count
    if status == choices.Status.SUCCEEDED and case.agreement_id:
        agreement = case.agreement
        # Everything hangs on the day the agreement took effect (derived from its
        # signatures, 人民调解法 art 29/30): nothing is scheduled before it is in force.
        if agreement.effective_on is not None:
            if agreement.performance_deadline:
                check_day = max(agreement.performance_deadline, agreement.effective_on)
                check_day += timedelta(days=1)
            else:
                check_day = agreement.effective_on + timedelta(days=rule("PERFORMANCE_CHECK_DAYS"))
            _ensure(case, Kind.PERFORMANCE_CHECK, at_local(check_day), step=base)
        if (
            agreement.effective_on is not None
            and agreement.intends_judicial_confirmation
            and not agreement.judicial_applied_on
        ):
            window_end = agreement_rules.judicial_window_end(agreement.effective_on)
            remind = max(
                window_end - timedelta(days=rule("JUDICIAL_WINDOW_REMINDER_DAYS_BEFORE")),
                agreement.effective_on,
            )
            _ensure(case, Kind.JUDICIAL_WINDOW, at_local(remind), step=base)
        elif agreement.judicial_applied_on:
            _cancel(case, Kind.JUDICIAL_WINDOW)
        decision_due = agreement_rules.judicial_decision_due(agreement)
        if decision_due is not None:
            # The court's time to decide passed without a result: chase it the next day.
            _ensure(
                case,
                Kind.JUDICIAL_PENDING,
                at_local(decision_due + timedelta(days=1)),
                step=base,
            )
        else:
            _cancel(case, Kind.JUDICIAL_PENDING)

    if status in (choices.Status.SUCCEEDED, choices.Status.FAILED) and case.concluded_at:
        concluded_day = timezone.localdate(case.concluded_at)
        _ensure(
            case,
            Kind.SATISFACTION,
            at_local(concluded_day + timedelta(days=rule("SATISFACTION_AFTER_DAYS"))),
            step=base,
        )

    # A case mediated again (after a remediation) drops its old agreement's follow-ups.
    remediating = status == choices.Status.MEDIATING and case.remediation_count
    if remediating or status in (
        choices.Status.REGISTERED,
        choices.Status.REFERRED,
        choices.Status.DECLINED,
        choices.Status.WITHDRAWN,
    ):
        _cancel(
            case,
            Kind.PERFORMANCE_CHECK,
            Kind.JUDICIAL_WINDOW,
            Kind.JUDICIAL_PENDING,
            Kind.SATISFACTION,
        )


def overdue_repeat(row: FollowUp) -> None:
    """The next overdue alert, OVERDUE_REPEAT_DAYS after this one (once per step), for the
    committee holding the case now."""
    FollowUp.objects.get_or_create(
        case_id=row.case_id,
        kind=Kind.OVERDUE,
        step=row.step + 1,
        defaults={
            "committee_id": row.case.committee_id,
            "due_at": row.due_at + timedelta(days=rule("OVERDUE_REPEAT_DAYS")),
        },
    )


def performance_check_again(row: FollowUp) -> None:
    """A second performance check, SECOND_PERFORMANCE_CHECK_DAYS from today (once)."""
    FollowUp.objects.get_or_create(
        case_id=row.case_id,
        kind=Kind.PERFORMANCE_CHECK,
        step=row.step + 1,
        defaults={
            "committee_id": row.committee_id,
            "due_at": at_local(
                timezone.localdate() + timedelta(days=rule("SECOND_PERFORMANCE_CHECK_DAYS"))
            ),
        },
    )


def bad_rating_review(case: Case, *, rating_id: int, stars: int) -> FollowUp:
    """The director's review of a bad rating, due in BAD_RATING_REVIEW_WORKING_DAYS."""
    due = add_working_days(timezone.localdate(), rule("BAD_RATING_REVIEW_WORKING_DAYS"))
    return FollowUp.objects.create(
        kind=Kind.BAD_RATING_REVIEW,
        case=case,
        committee_id=case.committee_id,
        due_at=at_local(due),
        result={"rating": rating_id, "stars": stars},
    )


# --- transfers and referrals ----------------------------------------------------------------


def transfer_response(transfer) -> FollowUp:
    """The transfer returns to the sender unless answered by `respond_by`."""
    return FollowUp.objects.create(
        kind=Kind.TRANSFER_RESPONSE,
        case_id=transfer.case_id,
        transfer=transfer,
        committee_id=transfer.from_committee_id,
        due_at=transfer.respond_by,
    )


def transfer_closed(transfer, *, accepted: bool) -> int:
    """The transfer was decided: its response row is done (accepted) or cancelled."""
    if accepted:
        return FollowUp.objects.filter(transfer=transfer, status=FollowUp.Status.SCHEDULED).update(
            status=FollowUp.Status.DONE, done_at=timezone.now()
        )
    return FollowUp.objects.filter(
        transfer=transfer, kind=Kind.TRANSFER_RESPONSE, status=FollowUp.Status.SCHEDULED
    ).update(status=FollowUp.Status.CANCELLED, done_at=timezone.now())


def referral_feedback(referral) -> FollowUp:
    """The outcome of an inbound referral is due back by `feedback_due` (09:00)."""
    return FollowUp.objects.create(
        kind=Kind.REFERRAL_FEEDBACK,
        case_id=referral.case_id,
        referral=referral,
        committee_id=referral.committee_id,
        due_at=at_local(referral.feedback_due),
    )


def referral_answered(referral, now: datetime) -> int:
    return FollowUp.objects.filter(referral=referral, status=FollowUp.Status.SCHEDULED).update(
        status=FollowUp.Status.DONE, done_at=now
    )


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
    today = today or timezone.localdate()
    if today.day > rule("SCREENING_OFFICE_DAY"):
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
        for step, day in ((0, rule("SCREENING_DIRECTOR_DAY")), (1, rule("SCREENING_OFFICE_DAY"))):
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


def screening_reminders_cancel(committee_id: int, period: str) -> int:
    """The report for `period` is filed: its reminders are moot."""
    return FollowUp.objects.filter(
        kind=Kind.SCREENING_REPORT,
        committee_id=committee_id,
        period=period,
        status=FollowUp.Status.SCHEDULED,
    ).update(status=FollowUp.Status.CANCELLED, done_at=timezone.now())
