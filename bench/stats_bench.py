"""Statistics benchmark (issue 6): the API against the raw-SQL floor, at 1 M and 10 M cases.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres DEBUG=1 \\
        .venv/bin/python bench/stats_bench.py --sizes 1000000 10000000 --runs 30
    ... bench/stats_bench.py --quick            # 20 000 cases, 5 runs: a smoke test
    ... bench/stats_bench.py --sizes 1000000 --reuse   # keep a database already at size
    ... bench/stats_bench.py --sizes 10000000 --runs 30 --floor-runs 10  # fewer floor runs

For each size the script (re)creates the database `tiaojie_bench` on the server named by
DATABASE_URL (dropping it first; `--reuse` keeps it if it already holds exactly that many
cases), migrates it and fills it with `manage.py seed_cases --count SIZE` (which rebuilds
the statistics rollup and ANALYZEs). Then, for two periods

- **year**: one district-year, last calendar year (from=<1 Jan>&to=<31 Dec>);
- **all**: the whole table, from the first month with a case to the end of this month
  (whole months, so the API may answer from the rollup);

it measures p50 / p95 over `--runs` runs (after 2 warm-up runs) of

- `GET /api/v1/statistics/summary/` and
  `GET /api/v1/statistics/breakdown/?by=month&by=dispute_type`, through the real URL
  routing, authentication (a JWT access token of a district-office user, sent as a Bearer
  header), views and serializers, **in-process** with DRF's test client (no HTTP server,
  no network: the figures exclude socket and WSGI-server time);
- the **floor**: one raw SQL statement over mediation_case (and mediation_agreement)
  computing the same numbers the same way (statistics._raw_case_aggregates: each count by
  its own date, months in Asia/Shanghai), run on the same connection. For `summary` the
  floor computes the counts, `overdue` and `median_days_to_conclude`; the transfers and
  satisfaction figures come from tables the seed leaves empty.

It checks that the API and the floor give the same numbers, then prints the table with
the ratio API p95 / floor p95, the number of SQL queries per request and the slowest of
them (DEBUG=1 records them), and the sizes of mediation_case and mediation_monthlystat.
"""

import argparse
import os
import platform
import statistics as pystats
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TZ = "Asia/Shanghai"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--floor-runs", type=int, help="runs of the floor query (default: --runs)")
    parser.add_argument("--quick", action="store_true", help="20 000 cases, 5 runs")
    parser.add_argument("--reuse", action="store_true", help="keep a database already at size")
    parser.add_argument("--database", default="tiaojie_bench")
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE slow queries")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.runs = [20_000], 5
    if args.floor_runs is None:
        args.floor_runs = args.runs
    return args


def server_urls(database: str) -> tuple[str, str]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit(
            "Set DATABASE_URL=postgres://user@host:port/any_db (the benchmark needs PostgreSQL)."
        )
    parts = urlsplit(url)
    bench = urlunsplit(parts._replace(path=f"/{database}"))
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    return bench, maintenance


# --- the database --------------------------------------------------------------------------


def prepare(size: int, args, maintenance_url: str) -> float | None:
    """Make `args.database` hold `size` seeded cases; returns the seeding time (None if
    reused)."""
    import psycopg
    from django.core.management import call_command
    from django.db import connection, connections

    connections.close_all()
    with psycopg.connect(maintenance_url, autocommit=True) as admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [args.database]
        ).fetchone()
    if exists and args.reuse:
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('mediation_case') IS NOT NULL")
            if cursor.fetchone()[0]:
                cursor.execute("SELECT count(*) FROM mediation_case")
                have = cursor.fetchone()[0]
                if have == size:
                    print(f"reusing {args.database} ({size:,} cases)", flush=True)
                    refresh_schema()
                    return None
        connections.close_all()
    with psycopg.connect(maintenance_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{args.database}"')
    call_command("migrate", verbosity=0)
    started = time.monotonic()
    call_command("seed_cases", count=size, years=args.years, seed=args.seed)
    return time.monotonic() - started


def refresh_schema() -> None:
    """Bring a reused database to the code's schema; rebuild the rollup if a migration
    left it incomplete (new rollup tables start empty, their months marked dirty)."""
    from django.core.management import call_command
    from django.db import connection

    from mediation.models import DistrictMonthlyStat, StatDirty
    from mediation.rollup_sql import rollup_rebuild_sql

    call_command("migrate", verbosity=1)
    if StatDirty.objects.exists() or not DistrictMonthlyStat.objects.exists():
        # (also after a seed interrupted before its rollup rebuild)
        started = time.monotonic()
        cells = rollup_rebuild_sql()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(f"rollup rebuilt ({cells:,} cells) in {time.monotonic() - started:.0f} s")


def sizes_report() -> list[tuple[str, int, int]]:
    from django.db import connection

    rows = []
    with connection.cursor() as cursor:
        for table in (
            "mediation_case",
            "mediation_agreement",
            "mediation_monthlystat",
            "mediation_durationstat",
            "mediation_districtmonthlystat",
            "mediation_districtdurationstat",
        ):
            cursor.execute(
                f"SELECT count(*), pg_total_relation_size('{table}'), pg_relation_size('{table}') "
                f"FROM {table}"
            )
            rows.append((table, *cursor.fetchone()))
    return rows


# --- the floor: raw SQL --------------------------------------------------------------------


def _bounds(start: date, end: date) -> dict:
    return {"tz": TZ, "start": start, "stop": end + timedelta(days=1), "end": end}


def _within(column: str) -> str:
    # Local days, like statistics.Period.within (timestamps) / within_dates (dates).
    if column.endswith("_on"):
        return f"({column} >= %(start)s AND {column} <= %(end)s)"
    return (
        f"({column} >= (%(start)s::timestamp AT TIME ZONE %(tz)s) "
        f"AND {column} < (%(stop)s::timestamp AT TIME ZONE %(tz)s))"
    )


RECEIVED, ACCEPTED = _within("c.received_at"), _within("c.accepted_at")
CONCLUDED, APPLIED = _within("c.concluded_at"), _within("a.judicial_applied_on")
SUCCEEDED = f"{CONCLUDED} AND c.closed_as = 'succeeded'"
ENDED = f"{CONCLUDED} AND c.closed_as <> 'declined'"

SUMMARY_MEASURES = {
    "received": f"count(*) FILTER (WHERE {RECEIVED})",
    "accepted": f"count(*) FILTER (WHERE {ACCEPTED})",
    "accepted_party_application": (
        f"count(*) FILTER (WHERE {ACCEPTED} AND c.source = 'party_application')"
    ),
    "accepted_screening": f"count(*) FILTER (WHERE {ACCEPTED} AND c.source = 'screening')",
    "succeeded": f"count(*) FILTER (WHERE {SUCCEEDED})",
    "failed": f"count(*) FILTER (WHERE {CONCLUDED} AND c.closed_as = 'failed')",
    "withdrawn": f"count(*) FILTER (WHERE {CONCLUDED} AND c.closed_as = 'withdrawn')",
    "declined": f"count(*) FILTER (WHERE {CONCLUDED} AND c.closed_as = 'declined')",
    "written_agreements": f"count(*) FILTER (WHERE {SUCCEEDED} AND a.form = 'written')",
    "oral_agreements": f"count(*) FILTER (WHERE {SUCCEEDED} AND a.form = 'oral')",
    "one_visit": (
        f"count(*) FILTER (WHERE {SUCCEEDED} AND (c.party_visits"
        " + CASE WHEN c.source = 'party_application' THEN 1 ELSE 0 END) <= 1)"
    ),
    "judicial_confirmations": (
        f"count(*) FILTER (WHERE {APPLIED} AND a.judicial_result = 'confirmed')"
    ),
    "amount_involved": f"COALESCE(sum(c.amount_involved) FILTER (WHERE {RECEIVED}), 0)",
    "people_involved": f"COALESCE(sum(c.people_involved) FILTER (WHERE {RECEIVED}), 0)",
    "mediated_people": f"COALESCE(sum(c.people_involved) FILTER (WHERE {ACCEPTED}), 0)",
    "agreement_amount": f"COALESCE(sum(a.amount) FILTER (WHERE {SUCCEEDED}), 0)",
}
for _kind in ("suicide", "civil_to_criminal", "group_fight", "group_petition"):
    _column = f"c.prevented_{_kind}"
    SUMMARY_MEASURES[f"prevented_{_kind}_cases"] = (
        f"count(*) FILTER (WHERE {ENDED} AND {_column} > 0)"
    )
    SUMMARY_MEASURES[f"prevented_{_kind}"] = f"COALESCE(sum({_column}) FILTER (WHERE {ENDED}), 0)"

SUMMARY_FLOOR = (
    "SELECT "
    + ", ".join(f"{sql} AS {name}" for name, sql in SUMMARY_MEASURES.items())
    + ", (SELECT count(*) FROM mediation_case c WHERE "
    + RECEIVED
    + " AND c.status = 'mediating' AND c.due_on < %(today)s) AS overdue"
    + ", (SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY "
    "(c.concluded_at AT TIME ZONE %(tz)s)::date - (c.received_at AT TIME ZONE %(tz)s)::date"
    ")::numeric, 1) FROM mediation_case c WHERE "
    + CONCLUDED
    + " AND c.closed_as IN ('succeeded', 'failed', 'withdrawn')) AS median_days_to_conclude"
    + " FROM mediation_case c LEFT JOIN mediation_agreement a ON a.case_id = c.id WHERE "
    + f"{RECEIVED} OR {ACCEPTED} OR {CONCLUDED} OR {APPLIED}"
)


def _month(column: str) -> str:
    if column.endswith("_on"):
        return f"to_char({column}, 'YYYY-MM')"
    return f"to_char({column} AT TIME ZONE %(tz)s, 'YYYY-MM')"


BREAKDOWN_FLOOR = f"""
SELECT month, dispute_type,
       sum(received), sum(accepted), sum(succeeded), sum(failed), sum(withdrawn),
       sum(declined), sum(written), sum(oral), sum(judicial),
       COALESCE(sum(amount_involved), 0), COALESCE(sum(agreement_amount), 0)
FROM (
    SELECT {_month("c.received_at")} AS month, c.dispute_type, 1 AS received, 0 AS accepted,
           0 AS succeeded, 0 AS failed, 0 AS withdrawn, 0 AS declined, 0 AS written,
           0 AS oral, 0 AS judicial, c.amount_involved, NULL::numeric AS agreement_amount
      FROM mediation_case c WHERE {RECEIVED}
    UNION ALL
    SELECT {_month("c.accepted_at")}, c.dispute_type, 0, 1, 0, 0, 0, 0, 0, 0, 0, NULL, NULL
      FROM mediation_case c WHERE {ACCEPTED}
    UNION ALL
    SELECT {_month("c.concluded_at")}, c.dispute_type, 0, 0,
           (c.closed_as = 'succeeded')::int, (c.closed_as = 'failed')::int,
           (c.closed_as = 'withdrawn')::int, (c.closed_as = 'declined')::int,
           (c.closed_as = 'succeeded' AND a.form IS NOT DISTINCT FROM 'written')::int,
           (c.closed_as = 'succeeded' AND a.form IS NOT DISTINCT FROM 'oral')::int, 0, NULL,
           CASE WHEN c.closed_as = 'succeeded' THEN a.amount END
      FROM mediation_case c LEFT JOIN mediation_agreement a ON a.case_id = c.id
     WHERE {CONCLUDED}
    UNION ALL
    SELECT {_month("a.judicial_applied_on")}, c.dispute_type, 0, 0, 0, 0, 0, 0, 0, 0, 1,
           NULL, NULL
      FROM mediation_agreement a JOIN mediation_case c ON c.id = a.case_id
     WHERE {APPLIED} AND a.judicial_result = 'confirmed'
) facts
GROUP BY month, dispute_type
"""
BREAKDOWN_FIELDS = (
    "received",
    "accepted",
    "succeeded",
    "failed",
    "withdrawn",
    "declined",
    "written_agreements",
    "oral_agreements",
    "judicial_confirmations",
    "amount_involved",
    "agreement_amount",
)


def floor(kind: str, start: date, end: date, today: date):
    from django.db import connection

    params = {**_bounds(start, end), "today": today}
    with connection.cursor() as cursor:
        # The floor may take longer than the API's statement timeout at 10 M cases.
        cursor.execute("SET statement_timeout = 0")
        try:
            if kind == "summary":
                cursor.execute(SUMMARY_FLOOR, params)
                names = [d[0] for d in cursor.description]
                return dict(zip(names, cursor.fetchone(), strict=True))
            cursor.execute(BREAKDOWN_FLOOR, params)
            return {
                (row[0], row[1]): dict(zip(BREAKDOWN_FIELDS, row[2:], strict=True))
                for row in cursor.fetchall()
            }
        finally:
            cursor.execute("RESET statement_timeout")


# --- the API -------------------------------------------------------------------------------


def district_client():
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient
    from rest_framework_simplejwt.tokens import AccessToken

    from committees.models import Role

    user, _ = get_user_model().objects.get_or_create(username="bench_district_office")
    Role.objects.get_or_create(user=user, kind=Role.Kind.DISTRICT_OFFICE, institution=None)
    token = AccessToken.for_user(user)
    return APIClient(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {token}")


def api(client, kind: str, start: date, end: date, query: str = "") -> dict:
    url = f"/api/v1/statistics/{kind}/?from={start}&to={end}{query}"
    if kind == "breakdown":
        url += "&by=month&by=dispute_type"
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url}: {response.status_code} {response.content[:500]!r}")
    return response.json()


def same_numbers(kind: str, answer: dict, reference) -> list[str]:
    """Differences between the API's answer and the floor's (empty when they agree)."""
    problems = []
    if kind == "summary":
        reference = dict(reference)
        concluded = sum(reference[n] for n in ("succeeded", "failed", "withdrawn"))
        reference["concluded"] = concluded
        accepted = reference["accepted"]
        reference["success_rate"] = (
            round(reference["succeeded"] / accepted, 4) if accepted else None
        )
        reference["one_visit_rate"] = (
            round(reference["one_visit"] / reference["succeeded"], 4)
            if reference["succeeded"]
            else None
        )
        # The serializer shows a subset of the measures statistics.summary computes.
        for name in [n for n in reference if n in answer]:
            got, want = answer[name], reference[name]
            if name in ("amount_involved", "agreement_amount"):
                got = Decimal(got)
            if name == "median_days_to_conclude" and want is not None:
                want = float(want)  # whole days or a half: exact in both
            if got != want:
                problems.append(f"summary {name}: API {got} ≠ floor {want}")
        return problems
    rows = {(r["month"], r["dispute_type"]): r for r in answer["rows"]}
    for key in set(rows) | set(reference):
        got, want = rows.get(key), reference.get(key)
        if got is None or want is None:
            problems.append(f"breakdown {key}: only in {'floor' if got is None else 'API'}")
            continue
        for name in [n for n in BREAKDOWN_FIELDS if n in got]:
            value = Decimal(got[name]) if "amount" in name else got[name]
            if value != want[name]:
                problems.append(f"breakdown {key} {name}: API {value} ≠ floor {want[name]}")
    return problems


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def measure(size: int, args) -> list[dict]:
    from django.db import connection, reset_queries
    from django.utils import timezone

    client = district_client()
    today = timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute("SELECT (min(received_at) AT TIME ZONE %s)::date FROM mediation_case", [TZ])
        earliest = cursor.fetchone()[0]
    month_end = (today.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    periods = {
        "year": (date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
        "all": (earliest.replace(day=1), month_end),
    }
    results = []
    for label, (start, end) in periods.items():
        for kind in ("summary", "breakdown"):
            answer = api(client, kind, start, end)
            problems = same_numbers(kind, answer, floor(kind, start, end, today))
            for problem in problems[:10]:
                print(f"  ✗ {problem}", flush=True)
            api(client, kind, start, end)
            floor(kind, start, end, today)
            api_times, floor_times, queries, slowest = [], [], [], []
            for run in range(max(args.runs, args.floor_runs)):
                if run < args.runs:
                    reset_queries()
                    began = time.perf_counter()
                    api(client, kind, start, end)
                    api_times.append(time.perf_counter() - began)
                    queries.append(len(connection.queries))
                    slowest.append(max((float(q["time"]) for q in connection.queries), default=0))
                if run < args.floor_runs:
                    began = time.perf_counter()
                    floor(kind, start, end, today)
                    floor_times.append(time.perf_counter() - began)
            row = {
                "size": size,
                "period": f"{label} {start}..{end}",
                "endpoint": kind,
                "from": answer.get("computed_from", "?"),
                "api_p50": pystats.median(api_times) * 1000,
                "api_p95": percentile(api_times, 95) * 1000,
                "floor_p50": pystats.median(floor_times) * 1000,
                "floor_p95": percentile(floor_times, 95) * 1000,
                "queries": max(queries),
                "slowest": pystats.median(slowest) * 1000,
                "agrees": not problems,
            }
            row["ratio"] = row["api_p95"] / row["floor_p95"]
            results.append(row)
            print(
                f"  {label:4} {kind:9} API p50 {row['api_p50']:8.1f} p95 {row['api_p95']:8.1f} ms"
                f" | floor p50 {row['floor_p50']:8.1f} p95 {row['floor_p95']:8.1f} ms"
                f" | ratio {row['ratio']:6.3f}",
                flush=True,
            )
            if args.explain and row["slowest"] > 50:
                explain_slowest(client, kind, start, end)
    return results


def explain_slowest(client, kind: str, start: date, end: date) -> None:
    from django.db import connection, reset_queries

    reset_queries()
    api(client, kind, start, end)
    query = max(connection.queries, key=lambda q: float(q["time"]))
    print(f"    slowest query ({float(query['time']) * 1000:.0f} ms):\n    {query['sql'][:400]}")
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
        for (line,) in cursor.fetchall():
            print(f"      {line}")


def measure_refresh(months: int = 24) -> dict:
    """The incremental path at this size: mark `months` committee-months dirty (the two
    busiest committees, the last 12 months each), time rollup_refresh (recompute each from
    the raw tables, then the district months), and check every rewritten row is unchanged
    (nothing changed in the cases)."""
    from django.db.models import Count

    from mediation import statistics
    from mediation.models import (
        Case,
        DistrictMonthlyStat,
        DurationStat,
        MonthlyStat,
        StatDirty,
    )

    busiest = [
        row["committee_id"]
        for row in Case.objects.values("committee_id").annotate(n=Count("id")).order_by("-n")[:2]
    ]
    today = date.today().replace(day=1)
    marks, month = [], today
    for _ in range(months // len(busiest)):
        month = (month - timedelta(days=1)).replace(day=1)
        marks += [(committee_id, month) for committee_id in busiest]
    keys = {m for _, m in marks}

    def snapshot():
        # every row of those months, without its id (a recompute writes new rows)
        rows = set()
        for model, scoped in (
            (MonthlyStat, True),
            (DurationStat, True),
            (DistrictMonthlyStat, False),
        ):
            table = model.objects.filter(month__in=keys)
            if scoped:
                table = table.filter(committee_id__in=busiest)
            rows |= {(model.__name__, *r[1:]) for r in table.values_list()}
        return rows

    before = snapshot()
    StatDirty.objects.bulk_create(
        [StatDirty(committee_id=c, month=m) for c, m in marks], ignore_conflicts=True
    )
    started = time.perf_counter()
    done = statistics.rollup_refresh()
    seconds = time.perf_counter() - started
    return {
        "committee_months": done,
        "seconds": seconds,
        "per_month_ms": 1000 * seconds / max(done, 1),
        "unchanged": snapshot() == before,
    }


def machine() -> str:
    from django.db import connection

    cores = os.cpu_count()
    memory = ""
    try:
        with open("/proc/meminfo") as meminfo:
            kib = int(meminfo.readline().split()[1])
            memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except OSError:
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        shown = []
        for name in ("shared_buffers", "work_mem", "max_parallel_workers_per_gather", "jit"):
            cursor.execute(f"SHOW {name}")
            shown.append(f"{name}={cursor.fetchone()[0]}")
        settings = ", ".join(shown)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{platform.machine()} {cores} cores{memory}; PostgreSQL {version} ({settings}); "
        f"Python {platform.python_version()}; load average {load:.2f}"
    )


def main() -> None:
    args = parse_args()
    bench_url, maintenance_url = server_urls(args.database)
    os.environ["DATABASE_URL"] = bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Measure the computation, not api/stats_cache.py's cached answers.
    os.environ["STATISTICS_CACHE_SECONDS"] = "0"
    # The measured requests keep the production statement timeout (DB_STATEMENT_TIMEOUT_MS,
    # 30 s by default): a slower answer fails the benchmark rather than being timed.
    import django

    django.setup()
    results, seeding = [], {}
    for size in args.sizes:
        print(f"\n== {size:,} cases ==", flush=True)
        seeding[size] = prepare(size, args, maintenance_url)
        print(f"machine: {machine()}", flush=True)
        results += measure(size, args)
        refresh = measure_refresh()
        print(
            f"incremental refresh: {refresh['committee_months']} committee-months (2 busiest "
            f"committees × 12 months) + their district months in {refresh['seconds']:.2f} s "
            f"= {refresh['per_month_ms']:.0f} ms per committee-month; rows unchanged: "
            f"{'yes' if refresh['unchanged'] else 'NO'}",
            flush=True,
        )
        for table, rows, total, heap in sizes_report():
            print(
                f"  {table:24} {rows:>12,} rows  {total / 2**20:9.1f} MiB total "
                f"({heap / 2**20:.1f} MiB heap)",
                flush=True,
            )
    print(
        "\n| cases | period | endpoint | path | API p50 | API p95 | floor p50 | floor p95 "
        "| API p95 / floor p95 | queries | slowest query (p50) | = floor |"
    )
    print("|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in results:
        print(
            f"| {r['size']:,} | {r['period']} | {r['endpoint']} | {r['from']} "
            f"| {r['api_p50']:.1f} ms | {r['api_p95']:.1f} ms | {r['floor_p50']:.1f} ms "
            f"| {r['floor_p95']:.1f} ms | {r['ratio']:.3f} | {r['queries']} "
            f"| {r['slowest']:.1f} ms | {'yes' if r['agrees'] else 'NO'} |"
        )
    for size, seconds in seeding.items():
        if seconds is not None:
            print(f"seeding {size:,} cases (with rollup rebuild): {seconds:.0f} s")


if __name__ == "__main__":
    main()
