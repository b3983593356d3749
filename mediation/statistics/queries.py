"""The reads: the raw measures (the reference), the same measures summed from the rollup,
the measures the rollup does not keep, the summary, the breakdown and the docking
mechanisms. Nothing here writes."""

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Avg, BooleanField, Count, F, Func, IntegerField, Min, Q, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear, TruncDate
from django.utils import timezone

from committees.models import Area, Committee, Mechanism
from mediation import choices
from mediation.models import (
    CaseEvent,
    DayDirty,
    DistrictDailyDurationStat,
    DistrictDailyStat,
    DistrictDurationStat,
    DistrictMonthlyStat,
    DistrictStatDirty,
    DurationStat,
    MonthlyStat,
    RatingLink,
    Referral,
    StatDirty,
)
from mediation.statistics.base import (
    ADDITIVE,
    DAILY_DIMENSIONS,
    PREVENTION_KINDS,
    ROLLUP_DIMENSIONS,
    Filter,
    Period,
    one_visit,
)
from mediation.statistics.fragments import add_counts, merge_rows, split

# --- raw measures (the reference) -----------------------------------------------------------


def _raw_case_aggregates(period: Period) -> dict:
    received = period.within("received_at")
    accepted = period.within("accepted_at")
    concluded = period.within("concluded_at")
    succeeded = concluded & Q(closed_as="succeeded")
    aggregates = {
        "received": Count("id", filter=received),
        "accepted": Count("id", filter=accepted),
        "accepted_party_application": Count(
            "id", filter=accepted & Q(source=choices.Source.PARTY_APPLICATION)
        ),
        "accepted_screening": Count("id", filter=accepted & Q(source=choices.Source.SCREENING)),
        "succeeded": Count("id", filter=succeeded),
        "failed": Count("id", filter=concluded & Q(closed_as="failed")),
        "withdrawn": Count("id", filter=concluded & Q(closed_as="withdrawn")),
        "declined": Count("id", filter=concluded & Q(closed_as="declined")),
        "written_agreements": Count(
            "id", filter=succeeded & Q(agreement__form=choices.AgreementForm.WRITTEN)
        ),
        "oral_agreements": Count(
            "id", filter=succeeded & Q(agreement__form=choices.AgreementForm.ORAL)
        ),
        "one_visit": Count("id", filter=succeeded & one_visit()),
        "judicial_confirmations": Count(
            "id",
            filter=period.within_dates("agreement__judicial_applied_on")
            & Q(agreement__judicial_result=choices.JudicialResult.CONFIRMED),
        ),
        "amount_involved": Coalesce(Sum("amount_involved", filter=received), Decimal("0")),
        "people_involved": Coalesce(Sum("people_involved", filter=received), 0),
        # 涉及当事人: the people of every dispute mediated (accepted), not only the successes.
        "mediated_people": Coalesce(Sum("people_involved", filter=accepted), 0),
        "agreement_amount": Coalesce(Sum("agreement__amount", filter=succeeded), Decimal("0")),
    }
    ended = concluded & ~Q(closed_as="declined")
    for kind in PREVENTION_KINDS:
        field = f"prevented_{kind}"
        aggregates[f"{field}_cases"] = Count("id", filter=ended & Q(**{f"{field}__gt": 0}))
        aggregates[field] = Coalesce(Sum(field, filter=ended), 0)
    # Prefixed: several measures share a name with a Case field (people_involved, …).
    return {f"{PREFIX}{name}": aggregate for name, aggregate in aggregates.items()}


PREFIX = "m_"


def _unprefix(row: dict) -> dict:
    return {k[len(PREFIX) :] if k.startswith(PREFIX) else k: v for k, v in row.items()}


def _touching(queryset, period: Period):
    """Cases with any dated fact in the period (keeps the aggregate scan small)."""
    return queryset.filter(
        period.within("received_at")
        | period.within("accepted_at")
        | period.within("concluded_at")
        | period.within_dates("agreement__judicial_applied_on")
    )


def raw_counts(scope: Filter, period: Period) -> dict:
    return _unprefix(_touching(scope.cases(), period).aggregate(**_raw_case_aggregates(period)))


def fragment_counts(scope: Filter, period: Period) -> dict:
    """raw_counts by one query per date column, each a range on its own index (no OR
    across the columns): the days of a period outside its whole months."""
    aggregates, counts = _raw_case_aggregates(period), {}
    for field, names in RAW_BASIS.items():
        within = period.within_dates(field) if field.endswith("_on") else period.within(field)
        wanted = {PREFIX + name: aggregates[PREFIX + name] for name in names}
        counts.update(_unprefix(scope.cases().filter(within).aggregate(**wanted)))
    return counts


def rollup_as_of(scope: Filter, *, days: bool = False) -> datetime:
    """Up to when the rollup rows read are exact: the oldest pending mark among the
    committee-months in scope (and the district months, when every committee counts; and
    the marked days, when the district's rows by day were read)."""
    pending = scope.on(StatDirty.objects.all()).aggregate(oldest=Min("marked_at"))["oldest"]
    if scope.committee_ids is None:
        district = DistrictStatDirty.objects.aggregate(oldest=Min("marked_at"))["oldest"]
        pending = min(filter(None, (pending, district)), default=None)
    if days:
        marked = DayDirty.objects.aggregate(oldest=Min("marked_at"))["oldest"]
        pending = min(filter(None, (pending, marked)), default=None)
    return pending or timezone.now()


def _rollup_rows(district, per_committee, scope: Filter, period: Period, *, by_committee=False):
    """The rollup rows of the period: the district table when every committee counts (and
    the caller needs no committee), else the committee table's rows in scope."""
    if scope.committee_ids is None and not by_committee:
        table = district.objects.all()
    else:
        table = scope.on(per_committee.objects.all())
    return table.filter(month__gte=period.start, month__lte=period.end)


def _cells(scope: Filter, period: Period, *, by_committee: bool = False):
    return _rollup_rows(DistrictMonthlyStat, MonthlyStat, scope, period, by_committee=by_committee)


def _sum_counts(cells) -> dict:
    sums = {k: v or 0 for k, v in cells.aggregate(**{n: Sum(n) for n in ADDITIVE}).items()}
    for name in ("amount_involved", "agreement_amount"):
        sums[name] = Decimal(sums[name] or 0).quantize(Decimal("0.01"))
    return sums


def rollup_counts(scope: Filter, period: Period) -> dict:
    return _sum_counts(_cells(scope, period))


# --- the district's rows by day: the days outside a period's whole months ------------------


def _days(model, period: Period):
    return model.objects.filter(day__gte=period.start, day__lte=period.end)


def daily_counts(period: Period) -> dict:
    """raw_counts over every committee, from the district's rows by day."""
    return _sum_counts(_days(DistrictDailyStat, period))


def daily_durations(period: Period) -> list[tuple[int, int]]:
    """raw_durations over every committee, from the district's rows by day."""
    return list(
        _days(DistrictDailyDurationStat, period)
        .values("days")
        .annotate(total=Sum("cases"))
        .values_list("days", "total")
        .order_by()
    )


def daily_breakdown(period: Period, dims: list[str]) -> list[dict]:
    """raw_breakdown over every committee, for dimensions in DAILY_DIMENSIONS, from the
    district's rows by day."""
    return _sum_rows(_days(DistrictDailyStat, period), dims, "day")


# --- measures not kept in the rollup ---------------------------------------------------------


class DaysBetween(Func):
    """Whole days from the second date to the first (an integer)."""

    arg_joiner = " - "
    template = "(%(expressions)s)"
    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )


CONCLUDED_AS = ("succeeded", "failed", "withdrawn")


def days_to_conclude() -> DaysBetween:
    """Calendar days from the date received to the date concluded (Asia/Shanghai)."""
    tz = timezone.get_current_timezone()
    return DaysBetween(TruncDate("concluded_at", tzinfo=tz), TruncDate("received_at", tzinfo=tz))


def raw_durations(scope: Filter, period: Period) -> list[tuple[int, int]]:
    """(days to conclude, cases) of the cases concluded in the period."""
    return list(
        scope.cases()
        .filter(period.within("concluded_at"), closed_as__in=CONCLUDED_AS)
        .annotate(days=days_to_conclude())
        .values("days")
        .annotate(cases=Count("id"))
        .values_list("days", "cases")
        .order_by()
    )


def rollup_durations(scope: Filter, period: Period) -> list[tuple[int, int]]:
    return list(
        _rollup_rows(DistrictDurationStat, DurationStat, scope, period)
        .values("days")
        .annotate(total=Sum("cases"))
        .values_list("days", "total")
        .order_by()
    )


def median_of(histogram: list[tuple[int, int]]) -> float | None:
    """The median of a histogram of (value, count): the middle value, or the mean of the
    two middle values when the count is even (as PERCENTILE_CONT(0.5))."""
    total = sum(count for _, count in histogram)
    if not total:
        return None
    low_rank, high_rank = (total - 1) // 2, total // 2
    seen, low = 0, None
    for value, count in sorted(histogram):
        seen += count
        if low is None and seen > low_rank:
            low = value
        if seen > high_rank:
            return round((low + value) / 2, 1)
    raise AssertionError("unreachable: the ranks are below the total")


def median_days_to_conclude(scope: Filter, period: Period, *, rollup: bool = False) -> float | None:
    durations = rollup_durations if rollup else raw_durations
    return median_of(durations(scope, period))


def satisfaction(scope: Filter, period: Period) -> dict:
    ratings = scope.on(RatingLink.objects.filter(period.within("used_at")), "case__committee_id")
    summary = ratings.aggregate(
        count=Count("id"), average=Avg("stars"), bad=Count("id", filter=Q(stars__lte=2))
    )
    if summary["average"] is not None:
        summary["average"] = round(summary["average"], 2)
    return summary


def overdue_now(scope: Filter, period: Period) -> int:
    return scope.cases().filter(period.within("received_at")).overdue().count()


def transfers(scope: Filter, period: Period) -> dict:
    accepted = CaseEvent.objects.filter(kind="transfer_accepted").filter(period.within("at"))
    return {
        "transfers_in": scope.on(accepted).count(),
        "transfers_out": scope.on(accepted, "other_committee_id").count(),
    }


def rates(counts: dict) -> dict:
    """concluded, and the rates. success_rate = succeeded ÷ disputes mediated (accepted),
    as the Ministry's form and the published district figures divide (issue 15 item 7:
    6,217 of 6,368 mediated = 97.6 %); None when nothing was accepted in the period."""
    concluded = counts["succeeded"] + counts["failed"] + counts["withdrawn"]
    accepted = counts["accepted"]
    return {
        "concluded": concluded,
        "success_rate": round(counts["succeeded"] / accepted, 4) if accepted else None,
        "one_visit_rate": (
            round(counts["one_visit"] / counts["succeeded"], 4) if counts["succeeded"] else None
        ),
    }


def summary(scope: Filter, period: Period) -> dict:
    """Every measure of docs/api.md's summary for the committees in `scope` and `period`:
    the whole months inside the period from the rollup, the days outside them from the case
    tables (equal to raw_counts and raw_durations over the period)."""
    # The whole months from the rollup; the days outside them from the district's rows by
    # day when every committee counts, else from the case tables (a committee's days,
    # through the committee-and-date indexes).
    months, fragments = split(period)
    daily = scope.committee_ids is None and bool(fragments)
    use_rollup = months is not None or daily
    counts = rollup_counts(scope, months) if months else dict.fromkeys(ADDITIVE, 0)
    histogram = rollup_durations(scope, months) if months else []
    for fragment in fragments:
        if daily:
            counts = add_counts(counts, daily_counts(fragment))
            histogram += daily_durations(fragment)
        else:
            counts = add_counts(counts, fragment_counts(scope, fragment))
            histogram += raw_durations(scope, fragment)
    counts["amount_involved"] = Decimal(counts["amount_involved"]).quantize(Decimal("0.01"))
    counts["agreement_amount"] = Decimal(counts["agreement_amount"]).quantize(Decimal("0.01"))
    return {
        **counts,
        **rates(counts),
        **transfers(scope, period),
        "overdue": overdue_now(scope, period),
        "median_days_to_conclude": median_of(histogram),
        "satisfaction": satisfaction(scope, period),
        "as_of": rollup_as_of(scope, days=daily) if use_rollup else timezone.now(),
        "computed_from": "rollup" if use_rollup else "raw",
    }


# --- breakdown -----------------------------------------------------------------------------


def _time_value(dimension: str, moment) -> str:
    if isinstance(moment, datetime):
        moment = timezone.localdate(moment)
    if dimension == "month":
        return moment.strftime("%Y-%m")
    if dimension == "quarter":
        return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"
    return str(moment.year)


AMOUNTS = ("amount_involved", "agreement_amount")


BIG_SUMS = ("people_involved", "mediated_people")  # sums of bigints: numeric on PostgreSQL


def _fetch_sums(queryset) -> list[dict]:
    """The rows of a rollup `values(...).annotate(<sums>)` query, read from the cursor
    without Django's per-value converters (a five-year breakdown has ~1,200 rows × 24
    sums, and the converters cost more than the query). The sums of the rollup's NOT NULL
    columns are never null; converted here: amounts to Decimal (SQLite sums them as
    floats), bigint sums to int, `month` to a date (SQLite returns text)."""
    query = queryset.query
    names = [*query.values_select, *query.annotation_select]
    try:
        sql, params = query.get_compiler(queryset.db).as_sql()
    except EmptyResultSet:  # e.g. a committee outside the area also asked for
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    exact = connection.vendor == "postgresql"  # numeric sums arrive as Decimal already
    for row in rows:
        for name in BIG_SUMS:
            row[name] = int(row[name])
        if not exact:
            for name in AMOUNTS:
                row[name] = Decimal(str(row[name]))
            for name in ("month", "day"):
                if isinstance(row.get(name), str):
                    row[name] = date.fromisoformat(row[name])
    return rows


def rollup_breakdown(scope: Filter, period: Period, dims: list[str]) -> list[dict]:
    cells = _cells(scope, period, by_committee=bool({"committee", "area"} & set(dims)))
    return _sum_rows(cells, dims, "month")


def _sum_rows(cells, dims: list[str], date_field: str) -> list[dict]:
    """The breakdown rows of rollup cells (`date_field`: the cells' month or day)."""
    fields = {
        "dispute_type": "dispute_type",
        "source": "source",
        "committee": "committee_id",
        "area": "committee__judicial_office__area_id",
    }
    group = [fields[d] for d in dims if d in fields]
    time_dims = [d for d in dims if d in ("month", "quarter", "year")]
    if time_dims:
        group.append(date_field)
    rows = cells.values(*group).annotate(**{n: Sum(n) for n in ADDITIVE}).order_by(*group)
    # Months (or days) are grouped by the database; longer spans add them up here.
    merge = bool({"quarter", "year"} & set(dims)) or (bool(time_dims) and date_field == "day")
    merged: dict[tuple, dict] = {}
    for row in _fetch_sums(rows):
        key_values = {d: row[fields[d]] for d in dims if d in fields}
        for d in time_dims:
            key_values[d] = _time_value(d, row[date_field])
        key = tuple(key_values[d] for d in dims)
        target = merged.get(key) if merge else None
        if target is None:
            merged[key] = {**key_values, **{name: row[name] for name in ADDITIVE}}
        else:
            for name in ADDITIVE:
                target[name] += row[name]
    return list(merged.values())


RAW_BASIS = {
    # which facts each date column carries, so time dimensions use the right date
    "received_at": ("received", "amount_involved", "people_involved"),
    "accepted_at": (
        "accepted",
        "accepted_party_application",
        "accepted_screening",
        "mediated_people",
    ),
    "concluded_at": (
        "succeeded",
        "failed",
        "withdrawn",
        "declined",
        "written_agreements",
        "oral_agreements",
        "one_visit",
        "agreement_amount",
        *[f"prevented_{k}{s}" for k in PREVENTION_KINDS for s in ("", "_cases")],
    ),
    "agreement__judicial_applied_on": ("judicial_confirmations",),
}


def with_risk_flag(queryset, flag: str):
    """The cases whose `risk_flags` (a JSON list) hold `flag`: `@>` on PostgreSQL, json_each
    on SQLite (Django's JSON `contains` is not available there)."""
    if connection.vendor == "postgresql":
        return queryset.filter(risk_flags__contains=[flag])
    table = queryset.model._meta.db_table
    return queryset.filter(
        RawSQL(
            f'EXISTS (SELECT 1 FROM json_each("{table}"."risk_flags") AS flags '
            "WHERE flags.value = %s)",
            [flag],
            output_field=BooleanField(),
        )
    )


def raw_breakdown(scope: Filter, period: Period, dims: list[str]) -> list[dict]:
    """Rows of the dimensions from the raw tables; `risk_flag` makes one pass per flag (a
    case with two flags counts under each: the rows by flag do not add up to the total)."""
    if "risk_flag" in dims:
        rest = [d for d in dims if d != "risk_flag"]
        rows = []
        for flag in choices.RiskFlag.values:
            for row in _raw_breakdown(scope, period, rest, with_risk_flag(scope.cases(), flag)):
                row["risk_flag"] = flag
                rows.append(row)
        return rows
    return _raw_breakdown(scope, period, dims, scope.cases())


def _raw_breakdown(scope: Filter, period: Period, dims: list[str], base) -> list[dict]:
    aggregates = _raw_case_aggregates(period)
    # `base`: the cases in scope; each date basis below filters by its own column (and index)
    fields = {
        "dispute_type": "dispute_type",
        "source": "source",
        "committee": "committee_id",
        "area": "committee__judicial_office__area_id",
        "status": "status",
        "outcome": "closed_as",
    }
    tz = timezone.get_current_timezone()
    merged: dict[tuple, dict] = {}
    for date_field, names in RAW_BASIS.items():
        annotations, group = {}, [fields[d] for d in dims if d in fields]
        for d in dims:
            if d in ("month", "quarter", "year"):
                if date_field.endswith("_on"):
                    annotations["_y"] = ExtractYear(date_field)
                    annotations["_m"] = ExtractMonth(date_field)
                else:
                    annotations["_y"] = ExtractYear(date_field, tzinfo=tz)
                    annotations["_m"] = ExtractMonth(date_field, tzinfo=tz)
                group += ["_y", "_m"]
        within = (
            period.within_dates(date_field)
            if date_field.endswith("_on")
            else period.within(date_field)
        )
        queryset = base.filter(within)
        queryset = queryset.annotate(**annotations) if annotations else queryset
        rows = (
            queryset.values(*dict.fromkeys(group))
            .annotate(**{PREFIX + n: aggregates[PREFIX + n] for n in names})
            .order_by()
        )
        for row in map(_unprefix, rows):
            if not any(row[n] for n in names):
                continue
            key_values = {d: row[fields[d]] for d in dims if d in fields}
            for d in dims:
                if d in ("month", "quarter", "year"):
                    key_values[d] = _time_value(d, date(row["_y"], row["_m"], 1))
            key = tuple(key_values[d] for d in dims)
            target = merged.setdefault(key, {**key_values, **{n: 0 for n in ADDITIVE}})
            for name in names:
                target[name] += row[name] or 0
    return list(merged.values())


def _name_rows(rows: list[dict], dims: list[str]) -> None:
    """Put the committee's and the area's names and the dispute type's label beside
    their codes (and the risk flag's label), so a reader of the rows needs no second look-up
    (two small queries)."""
    names = {}
    if "committee" in dims:
        ids = {row["committee"] for row in rows}
        names["committee"] = dict(Committee.objects.filter(id__in=ids).values_list("id", "name"))
    if "area" in dims:
        ids = {row["area"] for row in rows} - {None}
        names["area"] = dict(Area.objects.filter(id__in=ids).values_list("id", "name"))
    labels = dict(choices.DisputeType.choices)
    flags = dict(choices.RiskFlag.choices)
    for row in rows:
        if "dispute_type" in dims:
            row["dispute_type_label"] = labels.get(row["dispute_type"], row["dispute_type"])
        if "risk_flag" in dims:
            row["risk_flag_label"] = flags.get(row["risk_flag"], row["risk_flag"])
        for dimension, by_id in names.items():
            row[f"{dimension}_name"] = by_id.get(row[dimension])


def breakdown(scope: Filter, period: Period, dims: list[str]) -> dict:
    """Rows of the requested dimensions, each with the summary's counts and rates, and
    names and labels beside the codes (`committee_name`, `area_name`, `dispute_type_label`)."""
    months, fragments = split(period) if set(dims) <= ROLLUP_DIMENSIONS else (None, [period])
    # The whole months from the rollup; the rest from the district's rows by day when every
    # committee counts and no committee or area is asked for, else from the case tables.
    daily = scope.committee_ids is None and set(dims) <= DAILY_DIMENSIONS and bool(fragments)
    use_rollup = months is not None or daily
    parts = [rollup_breakdown(scope, months, dims)] if months else []
    parts += [
        daily_breakdown(fragment, dims) if daily else raw_breakdown(scope, fragment, dims)
        for fragment in fragments
    ]
    rows = parts[0] if len(parts) == 1 else merge_rows(parts, dims)
    for row in rows:
        row["amount_involved"] = Decimal(row["amount_involved"]).quantize(Decimal("0.01"))
        row["agreement_amount"] = Decimal(row["agreement_amount"]).quantize(Decimal("0.01"))
        row.update(rates(row))
    _name_rows(rows, dims)
    rows.sort(key=lambda r: tuple("" if r[d] is None else str(r[d]) for d in dims))
    return {
        "dimensions": dims,
        "rows": rows,
        "as_of": rollup_as_of(scope, days=daily) if use_rollup else timezone.now(),
        "computed_from": "rollup" if use_rollup else "raw",
    }


def area_totals(committee_rows: list[dict]) -> list[dict]:
    """Received, concluded and succeeded per area, added up from a by-committee breakdown's
    rows (the dashboard asks for both; tests/web/test_district_dashboard.py holds it equal
    to `breakdown(..., ["area"])`): a committee's
    area is its judicial office's, as the breakdown by `area` groups the same cells, and
    received, concluded and succeeded are additive; so the numbers are those of
    /api/v1/statistics/breakdown/?by=area without a second pass over the rollup (the
    slowest query of the page at 1 M cases). Committees without an area are left out, as
    the chart leaves out the area None."""
    ids = [row["committee"] for row in committee_rows]
    area_of = dict(
        Committee.objects.filter(id__in=ids)
        .exclude(judicial_office__area=None)
        .values_list("id", "judicial_office__area_id")
    )
    totals: dict[int, dict] = {}
    for row in committee_rows:
        area = area_of.get(row["committee"])
        if area is None:
            continue
        total = totals.setdefault(
            area, {"area": area, "received": 0, "concluded": 0, "succeeded": 0}
        )
        for name in ("received", "concluded", "succeeded"):
            total[name] += row[name]
    names = dict(Area.objects.filter(id__in=totals).values_list("id", "name"))
    for area, total in totals.items():
        total["area_name"] = names.get(area)
    return list(totals.values())


# --- docking mechanisms ----------------------------------------------------------------------


def mechanisms(scope: Filter, period: Period) -> list[dict]:
    """Per docking mechanism: referrals in and out created in the period, inbound ones
    concluded and succeeded in the period, and feedback sent on time or late."""
    referrals = scope.on(Referral.objects.all(), "committee_id")
    created = period.within("created_at")
    fed_back = period.within("feedback_at") & Q(direction="inbound")
    rows = {
        row["mechanism_id"]: row
        for row in referrals.filter(created | fed_back)
        .values("mechanism_id")
        .annotate(
            inbound=Count("id", filter=created & Q(direction="inbound")),
            outbound=Count("id", filter=created & Q(direction="outbound")),
            concluded=Count("id", filter=fed_back & Q(result__in=("success", "failure"))),
            succeeded=Count("id", filter=fed_back & Q(result="success")),
            feedback_on_time=Count("id", filter=fed_back & Q(result_on__lte=F("feedback_due"))),
            feedback_late=Count("id", filter=fed_back & Q(result_on__gt=F("feedback_due"))),
        )
        .order_by()
    }
    empty = dict.fromkeys(
        ("inbound", "outbound", "concluded", "succeeded", "feedback_on_time", "feedback_late"), 0
    )
    return [
        {"mechanism": m.code, "name": m.name, **{k: rows.get(m.id, {}).get(k, 0) for k in empty}}
        for m in Mechanism.objects.order_by("id")
    ]
