"""Load benchmark (issue 8, item 1): the API under gunicorn against plain-Django floors.

    .venv/bin/python bench/load.py --quick     # 20 000 cases, sync only, short phases: < 2 min
    .venv/bin/python bench/load.py             # 1 M cases, sync and gthread, 2 repeats: ~15 min
    .venv/bin/python bench/load.py --reuse     # keep tiaojie_load if it holds >= --count cases

Needs the local PostgreSQL (DATABASE_URL names the server, default
postgres://postgres@127.0.0.1:5432/postgres), `redis-server` on the PATH and locust and
py-spy in the venv. Everything listens on 127.0.0.1 only and every phase is bounded in
time. In one run the script

1. starts its own Redis (127.0.0.1:6391, no persistence) and (re)creates the database
   `tiaojie_load` (`tiaojie_load_quick` for --quick): migrate, then
   `manage.py seed_cases --count N` (1 M by default);
2. creates the benchmark's users: 8 mediators of 8 committees (intake, one committee each,
   the first of them the list committee), a mediator of the committee holding the most
   cases (list) and a district-office user
   (statistics), with JWT access tokens; registers 60 cases through the services at the
   list committee so its first page carries parties with encrypted ID numbers and phones;
3. counts the SQL of one request of each kind in-process (and EXPLAIN ANALYZEs the
   slowest SELECTs);
4. for each gunicorn worker class (`-w 4 -k sync`; `-w 4 -k gthread --threads 4`), with
   DEBUG=0 and the floor views mounted (DJANGO_SETTINGS_MODULE=bench.settings), runs locust headless
   (closed loop, no think time), each phase `--duration` seconds after a warm-up, repeated
   `--repeats` times:
   - intake_api: 8 clients POST /api/v1/cases/ (3 parties, JWT, validation, numbering,
     history, follow-ups, statistics marks, the full case in the answer);
   - intake_floor: 8 clients POST /bench-floor/cases/ (bench/floor.py: the case with a
     number from the counter, its 3 parties and one CaseEvent, plain ORM, one transaction);
   - list_api / list_floor, with 1 and with 8 clients: GET /api/v1/cases/?committee=
     <id>&page_size=50 (as a member of the committee) and the `.values()` floor;
   - mixed: the 8 intake clients while 10 clients loop over /api/v1/statistics/summary/
     and /breakdown/?by=month&by=dispute_type (district office, year to date), all on the
     same gunicorn;
   - mixed_isolated (sync only): the same, the statistics served by a second gunicorn
     (`-w 2 -k sync`) on another port: separate processes, same 2 cores and database;
5. profiles the gunicorn workers with py-spy during one more intake_api and list_api phase
   (sync; these phases' numbers are not in the table) and prints where the CPU goes;
6. prints the table (requests/s, p50/p95/p99 in ms, errors, load average) and the ratios,
   and writes everything to --out (results.json, census.txt, profiles, server logs).

The latencies are measured by the load generator (locust's FastHttpUser), which runs on
the same 2 cores as gunicorn and PostgreSQL; so do other engineers' jobs on a shared
machine: the load average is printed with each phase.
"""

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from load_common import INTAKE_USERS, ROOT, STATS_USERS, log
from load_env import bench_env, prepare_database, private_postgres, redis_server, urls
from load_fixtures import census, setup_fixtures
from load_profile import profiled
from load_report import print_report
from load_servers import gunicorn, locust


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="20 000 cases, short phases, sync")
    parser.add_argument("--count", type=int, help="cases to seed (1 000 000; --quick 20 000)")
    parser.add_argument("--database", help="database name (tiaojie_load[_quick])")
    parser.add_argument("--reuse", action="store_true", help="keep a database with >= count")
    parser.add_argument("--repeats", type=int, help="times each phase runs (2; --quick 1)")
    parser.add_argument("--duration", type=float, help="seconds per intake/mixed phase (20)")
    parser.add_argument("--list-duration", type=float, help="seconds per list phase (12)")
    parser.add_argument("--warmup", type=float, help="seconds left out at each phase start (3)")
    parser.add_argument(
        "--worker-classes", nargs="+", choices=("sync", "gthread"), help="sync gthread"
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn processes (4)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker (4)")
    parser.add_argument("--port", type=int, default=8391)
    parser.add_argument("--redis-port", type=int, default=6391)
    parser.add_argument(
        "--private-pg",
        action="store_true",
        help="run a private PostgreSQL cluster (initdb in --pg-dir, 127.0.0.1:--pg-port) "
        "instead of the server named by DATABASE_URL: a shared server may be restarted by "
        "other jobs (chaos tests) in the middle of a run",
    )
    parser.add_argument("--pg-dir", default="/tmp/tiaojie_load_pg")
    parser.add_argument("--pg-port", type=int, default=5499)
    parser.add_argument("--no-profile", action="store_true", help="skip the py-spy phases")
    parser.add_argument("--no-isolated", action="store_true", help="skip mixed_isolated")
    parser.add_argument(
        "--phases", nargs="+", help="run only these phases (e.g. intake_api intake_floor)"
    )
    parser.add_argument("--out", help="folder for results (a new one under /tmp)")
    args = parser.parse_args()
    quick = args.quick
    defaults = {
        "count": 20_000 if quick else 1_000_000,
        "database": "tiaojie_load_quick" if quick else "tiaojie_load",
        "repeats": 1 if quick else 2,
        "duration": 5.0 if quick else 20.0,
        "list_duration": 4.0 if quick else 12.0,
        "warmup": 1.5 if quick else 3.0,
        "worker_classes": ["sync"] if quick else ["sync", "gthread"],
    }
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if quick:
        args.no_isolated = True
    args.out = Path(args.out or tempfile.mkdtemp(prefix="tiaojie_load_"))
    args.out.mkdir(parents=True, exist_ok=True)
    return args


# --- the run -------------------------------------------------------------------------------


def phases(args, worker_class: str) -> list[tuple]:
    """(label, locust user classes, users, duration, statistics on a second server,
    statistics period)."""
    d, ld = args.duration, args.list_duration
    both = ["IntakeApiUser", "StatsUser"]
    mixed_users = INTAKE_USERS + STATS_USERS
    plan = [
        ("intake_api", ["IntakeApiUser"], INTAKE_USERS, d, False, ""),
        ("intake_floor", ["IntakeFloorUser"], INTAKE_USERS, d, False, ""),
        ("list_api_c1", ["ListApiUser"], 1, ld, False, ""),
        ("list_floor_c1", ["ListFloorUser"], 1, ld, False, ""),
        ("list_api_c8", ["ListApiUser"], 8, ld, False, ""),
        ("list_floor_c8", ["ListFloorUser"], 8, ld, False, ""),
        ("mixed", both, mixed_users, d, False, "ytd"),
        ("mixed_rollup", both, mixed_users, d, False, "last_year"),
    ]
    if worker_class == "sync" and not args.no_isolated:
        plan.append(("mixed_isolated", both, mixed_users, d, True, "ytd"))
    if args.phases:
        plan = [phase for phase in plan if phase[0] in args.phases]
    return plan


def main() -> int:
    args = parse_args()
    with private_postgres(args) as server:
        return measure(args, server)


def measure(args, server: str) -> int:
    database_url, maintenance_url = urls(args.database, server)
    env = bench_env(args, database_url)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT / "bench"))
    log(f"results in {args.out}")
    started = time.monotonic()
    report: dict = {
        "args": {k: str(v) for k, v in vars(args).items()},
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "postgresql_server": "private cluster" if server else "DATABASE_URL",
        },
        "results": [],
    }
    with redis_server(args):
        seeded = prepare_database(args, env, maintenance_url)
        report["seed_seconds"] = seeded
        if seeded:
            log(f"seeded in {seeded:.0f} s")
        import django  # the environment (DJANGO_SETTINGS_MODULE, DATABASE_URL) is set above

        django.setup()
        from django.db import connection, connections  # after django.setup()

        config = setup_fixtures(args)
        config_path = args.out / "config.json"
        config_path.write_text(json.dumps(config), encoding="utf-8")
        log(
            f"list committee {config['list']['committee']} ({config['list']['committee_name']}, "
            f"{config['list']['cases']:,} cases)"
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM mediation_case")
            report["cases"] = cursor.fetchone()[0]
            cursor.execute("SHOW server_version")
            report["machine"]["postgresql"] = cursor.fetchone()[0]
        report["census"] = census(config, args)
        for name, item in report["census"].items():
            log(
                f"census {name}: {item['queries']} queries, SQL {item['sql_ms']:.1f} ms, "
                f"CPU {item['cpu_ms']:.1f} ms, wall {item['wall_ms']:.1f} ms (in-process)"
            )
        connections.close_all()

        stats_port = args.port + 1
        for worker_class in args.worker_classes:
            label = f"{worker_class}-w{args.workers}" + (
                f"t{args.threads}" if worker_class == "gthread" else ""
            )
            log(f"gunicorn {label} on 127.0.0.1:{args.port}")
            with gunicorn(
                args, env, worker_class, port=args.port, workers=args.workers, label=label
            ) as server:
                for repeat in range(1, args.repeats + 1):
                    for name, classes, users, duration, isolated, period in phases(
                        args, worker_class
                    ):
                        tag = f"{label}-r{repeat}-{name}"
                        if isolated:
                            with gunicorn(
                                args,
                                env,
                                "sync",
                                port=stats_port,
                                workers=2,
                                label="stats-sync-w2",
                            ):
                                result = locust(
                                    args,
                                    label=tag,
                                    classes=classes,
                                    users=users,
                                    duration=duration,
                                    config_path=config_path,
                                    stats_host=f"http://127.0.0.1:{stats_port}",
                                    stats_period=period,
                                )
                        else:
                            result = locust(
                                args,
                                label=tag,
                                classes=classes,
                                users=users,
                                duration=duration,
                                config_path=config_path,
                                stats_period=period,
                            )
                        for request_name, numbers in result.items():
                            row = {
                                "server": label,
                                "repeat": repeat,
                                "phase": name,
                                "clients": users,
                                "request": request_name,
                                **numbers,
                            }
                            report["results"].append(row)
                            log(
                                f"{label} r{repeat} {name:15} {request_name:16} "
                                f"{numbers['rps']:7.1f}/s p50 {numbers['p50']:6.1f} "
                                f"p95 {numbers['p95']:6.1f} p99 {numbers['p99']:6.1f} ms "
                                f"err {numbers['errors']} load {numbers['load_before']:.1f}"
                            )
                if worker_class == "sync" and not args.no_profile:
                    report["profiles"] = {}
                    for name, classes, users in (
                        ("intake_api", ["IntakeApiUser"], INTAKE_USERS),
                        ("intake_floor", ["IntakeFloorUser"], INTAKE_USERS),
                        ("list_api", ["ListApiUser"], 8),
                    ):
                        log(f"profiling {name} (py-spy)")
                        report["profiles"][name] = profiled(
                            args,
                            server,
                            label=f"{label}-profile-{name}",
                            classes=classes,
                            users=users,
                            duration=args.duration,
                            config_path=config_path,
                        )
    report["total_seconds"] = time.monotonic() - started
    (args.out / "results.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
