"""The rollup's writes: mark the committee-months (and the district days) a change
touches, recompute them from the raw tables (and the district months they touched),
rebuild everything after a bulk load (mediation.rollup_sql does that in a few set-based
statements on PostgreSQL)."""

import time as clock
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from mediation.models import (
    Agreement,
    Case,
    DayDirty,
    DistrictDailyDurationStat,
    DistrictDailyStat,
    DistrictDurationStat,
    DistrictMonthlyStat,
    DistrictStatDirty,
    DurationStat,
    MonthlyStat,
    StatDirty,
)
from mediation.statistics.base import (
    ADDITIVE,
    ROLLUP_KEYS,
    Filter,
    Period,
    first_of_month,
    next_month,
)
from mediation.statistics.queries import raw_breakdown, raw_durations

# --- the rollup ----------------------------------------------------------------------------


def mark_dirty(*, case: Case, also_committee_id: int | None = None, new: bool = False) -> None:
    """Mark the committee-months this case's figures fall in, and their days for the
    district's rows by day (inside the caller's transaction). A repeat mark moves
    `marked_at` forward, waiting for a running refresh of the same cell to commit, so no
    change is missed."""
    days = {
        timezone.localdate(moment)
        for moment in (case.received_at, case.accepted_at, case.concluded_at)
        if moment
    }
    # Every version's application day: a re-mediation moves the figure off the old one.
    applied = (
        ()  # a case just registered has no agreement
        if new
        else Agreement.objects.filter(case_id=case.pk, judicial_applied_on__isnull=False)
        .values_list("judicial_applied_on", flat=True)
        .distinct()
    )
    days.update(applied)
    months = {first_of_month(day) for day in days}
    committees = {case.committee_id, also_committee_id} - {None}
    now = timezone.now()
    with connection.cursor() as cursor:
        # One order for every transaction's marks (committee, then its months, then its
        # days), so two that mark the same cells (a transfer each way between two
        # committees) queue, not deadlock.
        for committee_id in sorted(committees):
            for model, column, values in ((StatDirty, "month", months), (DayDirty, "day", days)):
                for value in sorted(values):
                    cursor.execute(
                        f"INSERT INTO {model._meta.db_table} (committee_id, {column}, marked_at) "
                        f"VALUES (%s, %s, %s) ON CONFLICT (committee_id, {column}) "
                        "DO UPDATE SET marked_at = excluded.marked_at",
                        [committee_id, value, now],
                    )


def _mark_district_dirty(month: date) -> None:
    table = DistrictStatDirty._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (month, marked_at) VALUES (%s, %s) "
            "ON CONFLICT (month) DO UPDATE SET marked_at = excluded.marked_at",
            [month, timezone.now()],
        )


def recompute(committee_id: int, month: date) -> int:
    """Replace the rollup rows (cells and durations) of one committee-month by a
    recompute from the raw tables, and mark the month's district rows for recompute."""
    period = Period(month, next_month(month) - timedelta(days=1))
    scope = Filter(frozenset({committee_id}))
    MonthlyStat.objects.filter(committee_id=committee_id, month=month).delete()
    DurationStat.objects.filter(committee_id=committee_id, month=month).delete()
    cells = [
        MonthlyStat(committee_id=committee_id, month=month, **row)
        for row in raw_breakdown(scope, period, ["dispute_type", "source"])
    ]
    MonthlyStat.objects.bulk_create(cells)
    DurationStat.objects.bulk_create(
        DurationStat(committee_id=committee_id, month=month, days=days, cases=cases)
        for days, cases in raw_durations(scope, period)
    )
    _mark_district_dirty(month)
    return len(cells)


def recompute_district_day(day: date) -> int:
    """Replace the district's rows of one day (cells and durations) by a recompute from
    the raw tables: every date column through its own index, one day of cases."""
    period = Period(day, day)
    everyone = Filter(None)
    DistrictDailyStat.objects.filter(day=day).delete()
    DistrictDailyDurationStat.objects.filter(day=day).delete()
    cells = [
        DistrictDailyStat(day=day, **row)
        for row in raw_breakdown(everyone, period, list(ROLLUP_KEYS))
    ]
    DistrictDailyStat.objects.bulk_create(cells)
    DistrictDailyDurationStat.objects.bulk_create(
        DistrictDailyDurationStat(day=day, days=days, cases=cases)
        for days, cases in raw_durations(everyone, period)
    )
    return len(cells)


def _recompute_district(month: date) -> None:
    """Replace one month's district rows by the sums of its committee rows."""
    DistrictMonthlyStat.objects.filter(month=month).delete()
    DistrictDurationStat.objects.filter(month=month).delete()
    sums = (
        MonthlyStat.objects.filter(month=month)
        .values("dispute_type", "source")
        .annotate(**{name: Sum(name) for name in ADDITIVE})
        .order_by()
    )
    DistrictMonthlyStat.objects.bulk_create(DistrictMonthlyStat(month=month, **row) for row in sums)
    durations = (
        DurationStat.objects.filter(month=month)
        .values("days")
        .annotate(total=Sum("cases"))
        .values_list("days", "total")
        .order_by()
    )
    DistrictDurationStat.objects.bulk_create(
        DistrictDurationStat(month=month, days=days, cases=cases) for days, cases in durations
    )


def rollup_refresh(*, limit: int = 500, seconds: float | None = None) -> int:
    """Recompute up to `limit` dirty committee-months (and, if `seconds` is given, stop
    taking new ones once that time has passed, after at least one), then the district
    months they touched, then up to `limit` marked district days (within what is left of
    `seconds`, after at least one); each in its own transaction, the dirty row locked
    (SKIP LOCKED) so two refreshers never work on one cell. Returns the number of
    committee-months."""
    started = clock.monotonic()
    done = 0
    for _ in range(limit):
        if seconds is not None and done and clock.monotonic() - started >= seconds:
            break
        with transaction.atomic():
            dirty = (
                StatDirty.objects.select_for_update(skip_locked=True).order_by("marked_at").first()
            )
            if dirty is None:
                break
            recompute(dirty.committee_id, dirty.month)
            dirty.delete()
            done += 1
    _refresh_district(limit=limit)
    deadline = None if seconds is None else started + seconds
    _refresh_district_days(limit=limit, deadline=deadline)
    return done


def _refresh_district(*, limit: int) -> None:
    # A committee-month refresh marks its month in its own transaction; one that commits
    # while this recompute runs re-marks the month (waiting for this row's lock first), so
    # the month is recomputed again and no change is missed.
    for _ in range(limit):
        with transaction.atomic():
            dirty = (
                DistrictStatDirty.objects.select_for_update(skip_locked=True)
                .order_by("marked_at")
                .first()
            )
            if dirty is None:
                break
            _recompute_district(dirty.month)
            dirty.delete()


# pg_try_advisory_xact_lock's first key: the district days' own namespace of locks.
DAY_LOCKS = 18


def _lock_day(day: date) -> bool:
    """Take the day for this transaction, so two refreshers never recompute one day at once
    (their marks are separate rows, one per committee). SQLite has one writer at a time."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [DAY_LOCKS, day.toordinal()])
        return cursor.fetchone()[0]


def _refresh_district_days(*, limit: int, deadline: float | None = None) -> None:
    """Recompute the district's rows of up to `limit` marked days, oldest mark first. A
    change holds its committee-day mark until it commits: SKIP LOCKED passes such a mark by
    and it stays, so its day is recomputed again once the change is visible; the marks
    taken (of committed changes, visible to the recompute) are cleared. A change that
    marks a taken day meanwhile waits for its lock, then inserts a new mark. A day another
    refresher holds is left to it."""
    busy: set[date] = set()
    for done in range(limit):
        if deadline is not None and done and clock.monotonic() >= deadline:
            break
        with transaction.atomic():
            oldest = (
                DayDirty.objects.select_for_update(skip_locked=True)
                .exclude(day__in=busy)
                .order_by("marked_at")
                .first()
            )
            if oldest is None:
                break
            if not _lock_day(oldest.day):
                busy.add(oldest.day)
                continue
            taken = list(
                DayDirty.objects.select_for_update(skip_locked=True)
                .filter(day=oldest.day)
                .values_list("id", flat=True)
            )
            recompute_district_day(oldest.day)
            DayDirty.objects.filter(id__in=taken).delete()


def _dated_committee_days() -> set[tuple[int, date]]:
    """Every (committee, local day) holding a dated fact: a case received, accepted or
    concluded, or an agreement's judicial application."""
    tz = timezone.get_current_timezone()
    dated = set()
    for field in ("received_at", "accepted_at", "concluded_at"):
        dated |= set(
            Case.objects.exclude(**{field: None})
            .annotate(day=TruncDate(field, tzinfo=tz))
            .values_list("committee_id", "day")
            .distinct()
            .order_by()
        )
    dated |= set(
        Agreement.objects.exclude(judicial_applied_on=None)
        .values_list("case__committee_id", "judicial_applied_on")
        .distinct()
        .order_by()
    )
    return dated


def rollup_rebuild() -> int:
    """Recompute every district day and every committee-month that has a dated fact
    (after a bulk load), then every district month."""
    StatDirty.objects.all().delete()
    MonthlyStat.objects.all().delete()
    DurationStat.objects.all().delete()
    DistrictMonthlyStat.objects.all().delete()
    DistrictDurationStat.objects.all().delete()
    DayDirty.objects.all().delete()
    DistrictDailyStat.objects.all().delete()
    DistrictDailyDurationStat.objects.all().delete()
    dated = _dated_committee_days()
    for day in sorted({day for _, day in dated}):
        with transaction.atomic():
            recompute_district_day(day)
    months = {(committee_id, first_of_month(day)) for committee_id, day in dated}
    for committee_id, month in sorted(months):
        with transaction.atomic():
            recompute(committee_id, month)
    _refresh_district(limit=len(months) + 1)
    return len(months)
