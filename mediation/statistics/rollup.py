"""The rollup's writes: mark the committee-months a change touches, recompute them from
the raw tables (and the district months they touched), rebuild everything after a bulk
load (mediation.rollup_sql does that in one statement on PostgreSQL)."""

import time as clock
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Sum
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone

from mediation.models import (
    Agreement,
    Case,
    DistrictDurationStat,
    DistrictMonthlyStat,
    DistrictStatDirty,
    DurationStat,
    MonthlyStat,
    StatDirty,
)
from mediation.statistics.base import ADDITIVE, Filter, Period, first_of_month, next_month
from mediation.statistics.queries import raw_breakdown, raw_durations

# --- the rollup ----------------------------------------------------------------------------


def mark_dirty(*, case: Case, also_committee_id: int | None = None, new: bool = False) -> None:
    """Mark the committee-months this case's figures fall in (inside the caller's
    transaction). A repeat mark moves `marked_at` forward, waiting for a running refresh
    of the same cell to commit, so no change is missed."""
    months = set()
    for moment in (case.received_at, case.accepted_at, case.concluded_at):
        if moment:
            months.add(first_of_month(timezone.localdate(moment)))
    # Every version's application month: a re-mediation moves the figure off the old one.
    applied = (
        ()  # a case just registered has no agreement
        if new
        else Agreement.objects.filter(case_id=case.pk, judicial_applied_on__isnull=False)
        .values_list("judicial_applied_on", flat=True)
        .distinct()
    )
    for day in applied:
        months.add(first_of_month(day))
    committees = {case.committee_id, also_committee_id} - {None}
    table = StatDirty._meta.db_table
    with connection.cursor() as cursor:
        # One order for every transaction's marks (committee, then month), so two that mark
        # the same cells (a transfer each way between two committees) queue, not deadlock.
        for committee_id in sorted(committees):
            for month in sorted(months):
                cursor.execute(
                    f"INSERT INTO {table} (committee_id, month, marked_at) "
                    "VALUES (%s, %s, %s) ON CONFLICT (committee_id, month) "
                    "DO UPDATE SET marked_at = excluded.marked_at",
                    [committee_id, month, timezone.now()],
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
    months they touched; each in its own transaction, the dirty row locked (SKIP LOCKED)
    so two refreshers never work on one cell. Returns the number of committee-months."""
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


def rollup_rebuild() -> int:
    """Recompute every committee-month that has cases (after a bulk load), then every
    district month."""
    StatDirty.objects.all().delete()
    MonthlyStat.objects.all().delete()
    DurationStat.objects.all().delete()
    DistrictMonthlyStat.objects.all().delete()
    DistrictDurationStat.objects.all().delete()
    months = set()
    for field in ("received_at", "accepted_at", "concluded_at"):
        rows = Case.objects.exclude(**{field: None}).values_list("committee_id", field)
        rows = (
            rows.annotate(
                y=ExtractYear(field, tzinfo=timezone.get_current_timezone()),
                m=ExtractMonth(field, tzinfo=timezone.get_current_timezone()),
            )
            .values_list("committee_id", "y", "m")
            .distinct()
            .order_by()
        )
        months |= {(c, date(y, m, 1)) for c, y, m in rows}
    applied = Agreement.objects.exclude(judicial_applied_on=None).values_list(
        "case__committee_id", "judicial_applied_on"
    )
    months |= {(c, first_of_month(day)) for c, day in applied}
    for committee_id, month in sorted(months):
        with transaction.atomic():
            recompute(committee_id, month)
    _refresh_district(limit=len(months) + 1)
    return len(months)
