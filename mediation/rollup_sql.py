"""The statistics rollup rebuilt in one set-based statement (PostgreSQL), for bulk loads.

mediation.statistics.rollup_rebuild recomputes the rollup one committee-month at a time
(`statistics.recompute`: one aggregate query per committee-month), which is right for the few
months a change dirties but slow after loading millions of cases. `rollup_rebuild_sql`
writes the same cells with one INSERT … SELECT … GROUP BY over the raw tables.

It follows `statistics.queries._raw_case_aggregates` measure by measure. Each fact is bucketed in
the month (Asia/Shanghai, settings.TIME_ZONE) of its own date column:

- received_at: received, amount_involved, people_involved;
- accepted_at: accepted, accepted_party_application, accepted_screening, mediated_people
  (people involved in the disputes mediated);
- concluded_at: succeeded / failed / withdrawn / declined by `closed_as`, written and oral
  agreements, one_visit (succeeded with at most one visit: statistics.base.ONE_VISIT_SQL),
  agreement_amount (over succeeded cases), and the prevention figures (cases with a
  figure > 0, and the sum of the figure) over ended cases (`closed_as` ≠ declined);
- agreement.judicial_applied_on (a date): judicial_confirmations (result confirmed).

A cell is kept only if one of its counters is not zero, as `statistics.recompute` does; cells
belong to the case's current committee. The result equals the union of `statistics.recompute` over
every committee-month that has a dated fact (tests/mediation/test_seed_cases.py).
The district's rows by day (DistrictDailyStat, DistrictDailyDurationStat) are the same
SELECT bucketed by day and summed over the committees; they equal
`statistics.rollup.recompute_district_day` of every day with a fact.
"""

from django.conf import settings
from django.db import connection, transaction

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
from mediation.statistics import ADDITIVE, CONCLUDED_AS, PREVENTION_KINDS
from mediation.statistics.base import ONE_VISIT_SQL

AMOUNTS = {"amount_involved", "agreement_amount"}


def _case_month(column: str, grain: str = "month") -> str:
    """The column's local month (or day, `grain="day"`) as a date."""
    if grain == "day":
        return f"(c.{column} AT TIME ZONE %(tz)s)::date"
    return f"(date_trunc('month', c.{column} AT TIME ZONE %(tz)s))::date"


def _fact_select(month: str, values: dict[str, str], source: str) -> str:
    """One branch of the UNION: the cell key and every measure (zero unless given)."""
    measures = []
    for name in ADDITIVE:
        default = "NULL::numeric" if name in AMOUNTS else "0"
        measures.append(f"{values.get(name, default)} AS {name}")
    return (
        f"SELECT c.committee_id, {month} AS month, c.dispute_type, c.source, "
        f"{', '.join(measures)} {source}"
    )


def _when(condition: str, then: str = "1") -> str:
    return f"CASE WHEN {condition} THEN {then} ELSE 0 END"


def rollup_select_sql(grain: str = "month") -> tuple[str, dict]:
    """The SELECT producing every rollup cell: (committee_id, month, dispute_type,
    source, *ADDITIVE), and its parameters; with `grain="day"` the second column is the
    day (the district's rows by day sum these over the committees)."""
    case, agreement = Case._meta.db_table, Agreement._meta.db_table
    succeeded = "c.closed_as = 'succeeded'"
    ended = "c.closed_as <> 'declined'"
    concluded_values = {
        "succeeded": _when(succeeded),
        "failed": _when("c.closed_as = 'failed'"),
        "withdrawn": _when("c.closed_as = 'withdrawn'"),
        "declined": _when("c.closed_as = 'declined'"),
        "written_agreements": _when(f"{succeeded} AND a.form = 'written'"),
        "oral_agreements": _when(f"{succeeded} AND a.form = 'oral'"),
        "one_visit": _when(f"{succeeded} AND {ONE_VISIT_SQL}"),
        "agreement_amount": f"CASE WHEN {succeeded} THEN a.amount END",
    }
    for kind in PREVENTION_KINDS:
        column = f"c.prevented_{kind}"
        concluded_values[f"prevented_{kind}_cases"] = _when(f"{ended} AND {column} > 0")
        concluded_values[f"prevented_{kind}"] = _when(ended, column)
    branches = [
        _fact_select(
            _case_month("received_at", grain),
            {
                "received": "1",
                "amount_involved": "c.amount_involved",
                "people_involved": "c.people_involved",
            },
            f"FROM {case} c",
        ),
        _fact_select(
            _case_month("accepted_at", grain),
            {
                "accepted": "1",
                "accepted_party_application": _when("c.source = 'party_application'"),
                "accepted_screening": _when("c.source = 'screening'"),
                "mediated_people": "c.people_involved",
            },
            f"FROM {case} c WHERE c.accepted_at IS NOT NULL",
        ),
        _fact_select(
            _case_month("concluded_at", grain),
            concluded_values,
            f"FROM {case} c LEFT JOIN {agreement} a ON a.id = c.agreement_id "
            "WHERE c.concluded_at IS NOT NULL",
        ),
        _fact_select(
            "a.judicial_applied_on"
            if grain == "day"
            else "(date_trunc('month', a.judicial_applied_on::timestamp))::date",
            {"judicial_confirmations": "1"},
            f"FROM {agreement} a JOIN {case} c ON c.agreement_id = a.id "
            "WHERE a.judicial_applied_on IS NOT NULL AND a.judicial_result = 'confirmed'",
        ),
    ]
    sums = [f"COALESCE(SUM({name}), 0)" if name in AMOUNTS else f"SUM({name})" for name in ADDITIVE]
    keep = " OR ".join(f"{total} <> 0" for total in sums)
    sql = (
        "SELECT committee_id, month, dispute_type, source, "
        + ", ".join(f"{total} AS {name}" for total, name in zip(sums, ADDITIVE, strict=True))
        + " FROM ("
        + " UNION ALL ".join(branches)
        + ") facts GROUP BY committee_id, month, dispute_type, source HAVING "
        + keep
    )
    return sql, {"tz": settings.TIME_ZONE}


def durations_select_sql(grain: str = "month") -> tuple[str, dict]:
    """The SELECT producing every DurationStat row: (committee_id, month concluded, days
    from the date received to the date concluded, cases), as statistics.raw_durations;
    with `grain="day"` the second column is the day concluded."""
    local = "(c.{} AT TIME ZONE %(tz)s)::date"
    outcomes = ", ".join(f"'{name}'" for name in CONCLUDED_AS)
    sql = (
        f"SELECT c.committee_id, {_case_month('concluded_at', grain)} AS month, "
        f"{local.format('concluded_at')} - {local.format('received_at')} AS days, "
        "count(*) AS cases "
        f"FROM {Case._meta.db_table} c "
        f"WHERE c.concluded_at IS NOT NULL AND c.closed_as IN ({outcomes}) "
        "GROUP BY 1, 2, 3"
    )
    return sql, {"tz": settings.TIME_ZONE}


def rollup_rebuild_sql(*, work_mem: str = "256MB") -> int:
    """Replace the whole rollup (cells, durations and their district sums) by a recompute
    from the raw tables (PostgreSQL), in one transaction; clears the dirty marks like
    statistics.rollup_rebuild. Returns the number of committee cells written."""
    if connection.vendor != "postgresql":
        raise NotImplementedError("rollup_rebuild_sql needs PostgreSQL; use rollup_rebuild.")
    select, params = rollup_select_sql()
    durations, duration_params = durations_select_sql()
    keys = ["committee_id", "month", "dispute_type", "source"]
    columns = [MonthlyStat._meta.get_field(name).column for name in [*keys, *ADDITIVE]]
    monthly, district = MonthlyStat._meta.db_table, DistrictMonthlyStat._meta.db_table
    duration, district_duration = DurationStat._meta.db_table, DistrictDurationStat._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 0")
        cursor.execute("SELECT set_config('work_mem', %s, true)", [work_mem])
        for model in (StatDirty, DistrictStatDirty, MonthlyStat, DurationStat):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")
        for model in (DistrictMonthlyStat, DistrictDurationStat):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")
        cursor.execute(f"INSERT INTO {monthly} ({', '.join(columns)}) {select}", params)
        written = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {duration} (committee_id, month, days, cases) {durations}",
            duration_params,
        )
        sums = ", ".join(f"SUM({name})" for name in ADDITIVE)
        cursor.execute(
            f"INSERT INTO {district} (month, dispute_type, source, {', '.join(ADDITIVE)}) "
            f"SELECT month, dispute_type, source, {sums} FROM {monthly} GROUP BY 1, 2, 3"
        )
        cursor.execute(
            f"INSERT INTO {district_duration} (month, days, cases) "
            f"SELECT month, days, SUM(cases) FROM {duration} GROUP BY 1, 2"
        )
        _district_days(cursor)
        return written


def _district_days(cursor) -> None:
    """The district's rows by day (cells and durations) from the raw tables."""
    daily, daily_duration = (
        DistrictDailyStat._meta.db_table,
        DistrictDailyDurationStat._meta.db_table,
    )
    cursor.execute(f"DELETE FROM {DayDirty._meta.db_table}")
    cursor.execute(f"DELETE FROM {daily}")
    cursor.execute(f"DELETE FROM {daily_duration}")
    select, params = rollup_select_sql("day")
    sums = ", ".join(f"SUM({name})" for name in ADDITIVE)
    cursor.execute(
        f"INSERT INTO {daily} (day, dispute_type, source, {', '.join(ADDITIVE)}) "
        f"SELECT month, dispute_type, source, {sums} FROM ({select}) cells GROUP BY 1, 2, 3",
        params,
    )
    durations, params = durations_select_sql("day")
    cursor.execute(
        f"INSERT INTO {daily_duration} (day, days, cases) "
        f"SELECT month, days, SUM(cases) FROM ({durations}) rows GROUP BY 1, 2",
        params,
    )
