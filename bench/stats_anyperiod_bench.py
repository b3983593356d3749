"""Statistics for any period (issue 18): an odd period against whole months, one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<a seeded database> DEBUG=1 \\
        .venv/bin/python bench/stats_anyperiod_bench.py --runs 30

On a database already filled by `manage.py seed_cases` (nothing is created or dropped), it
measures p50 / p95 over `--runs` runs (after 2 warm-up runs), in-process through DRF's
test client with a district-office JWT (as bench/stats_bench.py: no HTTP server), of
`summary` and `breakdown?by=month&by=dispute_type` for

- **odd**: 5 March to 20 November (the issue's example: mid-month to mid-month), and
- **whole**: 1 March to 30 November (whole months, the rollup's own case),

of the year given by `--year` (default: this year), and the ratio odd ÷ whole of each
p50/p95 in the same run, for the whole district or, with `--area ID` or `--committee ID`,
one town's or one committee's (their odd days come from the case tables, the district's
from its rows by day). It checks the odd summary against statistics.raw_counts (the
reference) over the same committees and prints the SQL statements per request.
To measure a "before" against the same database, run the script of that checkout from
inside it with `PYTHONPATH=.` (`TIAOJIE_ROOT` alone is not enough when the venv's
editable install maps the packages to another checkout).
"""

import argparse
import os
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(os.environ.get("TIAOJIE_ROOT") or Path(__file__).resolve().parent.parent)
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--year", type=int)
    parser.add_argument("--area", type=int, help="one town or street (area id)")
    parser.add_argument("--committee", type=int, help="one committee (id)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["STATISTICS_CACHE_SECONDS"] = "0"  # the computation, not the cache
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries
    from django.utils import timezone

    from bench.stats_bench import api, district_client, percentile
    from mediation import selectors, statistics

    year = args.year or timezone.localdate().year
    periods = {
        "odd": (date(year, 3, 5), date(year, 11, 20)),
        "whole": (date(year, 3, 1), date(year, 11, 30)),
    }
    client = district_client()
    query = "".join(
        f"&{name}={value}"
        for name, value in (("area", args.area), ("committee", args.committee))
        if value
    )
    print(f"code: {ROOT}; load average {os.getloadavg()[0]:.2f}", flush=True)
    results = {}
    for kind in ("summary", "breakdown"):
        for name, (start, end) in periods.items():
            for _ in range(2):
                answer = api(client, kind, start, end, query)
            times = []
            for _ in range(args.runs):
                reset_queries()
                began = time.perf_counter()
                answer = api(client, kind, start, end, query)
                times.append((time.perf_counter() - began) * 1000)
            queries = len(connection.queries)
            p50, p95 = percentile(times, 50), percentile(times, 95)
            results[kind, name] = (p50, p95)
            extra = ""
            if kind == "summary":
                extra = f" computed_from={answer.get('computed_from')}"
                if name == "odd":
                    scope, period = selectors.statistics_filter(
                        get_user_model().objects.get(username="bench_district_office"),
                        committee=args.committee,
                        area=args.area,
                        start=start,
                        end=end,
                    )
                    raw = statistics.raw_counts(scope, period)
                    wrong = [
                        n
                        for n in statistics.ADDITIVE
                        if n in answer
                        and Decimal(str(answer[n])) != Decimal(raw[n]).quantize(Decimal("0.01"))
                        and Decimal(str(answer[n])) != Decimal(raw[n])
                    ]
                    extra += f" equal to raw: {'yes' if not wrong else 'NO ' + str(wrong)}"
            print(
                f"{kind:9} {name:5} {start}..{end}  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
                f"{queries} SQL{extra}",
                flush=True,
            )
    for kind in ("summary", "breakdown"):
        (o50, o95), (w50, w95) = results[kind, "odd"], results[kind, "whole"]
        print(f"{kind:9} odd ÷ whole: p50 {o50 / w50:.1f}×  p95 {o95 / w95:.1f}×", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
