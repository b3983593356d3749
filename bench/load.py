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
import base64
import hashlib
import json
import math
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

# Benchmark-only secrets: fixed, so a database kept with --reuse stays readable.
BENCH_SECRET_KEY = "tiaojie-load-bench-only-" + hashlib.sha256(b"tiaojie load").hexdigest()
BENCH_FIELD_KEY = base64.urlsafe_b64encode(hashlib.sha256(b"tiaojie load field").digest()).decode()
BENCH_BLIND_INDEX_KEY = "tiaojie-load-bench-blind-index-" + hashlib.sha256(b"blind").hexdigest()

INTAKE_USERS = 8
STATS_USERS = 10
LIST_CASES_WITH_PERSONAL_DATA = 60


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


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {message}", flush=True)


def loadavg() -> float:
    return os.getloadavg()[0]


# --- environment, Redis, database ----------------------------------------------------------


def urls(database: str, server: str = "") -> tuple[str, str]:
    url = server or os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("DATABASE_URL must name a PostgreSQL server (the benchmark needs PostgreSQL).")
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("The benchmark runs against a PostgreSQL server on this machine only.")
    return (
        urlunsplit(parts._replace(path=f"/{database}")),
        urlunsplit(parts._replace(path="/postgres")),
    )


def bench_env(args, database_url: str) -> dict:
    """The server's environment: DEBUG off, keys for personal data, the floor views on."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": f"redis://127.0.0.1:{args.redis_port}/0",
        "DEBUG": "0",
        "SECRET_KEY": BENCH_SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "TIAOJIE_FIELD_KEYS": BENCH_FIELD_KEY,
        "TIAOJIE_BLIND_INDEX_KEY": BENCH_BLIND_INDEX_KEY,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }


@contextmanager
def redis_server(args):
    server = shutil.which("redis-server")
    if not server:
        sys.exit("redis-server is not on the PATH (apt-get install redis-server).")
    logfile = open(args.out / "redis.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [server, "--bind", "127.0.0.1", "--port", str(args.redis_port), "--save", ""]
        + ["--appendonly", "no", "--protected-mode", "yes"],
        stdout=logfile,
        stderr=subprocess.STDOUT,
    )
    try:
        import redis

        client = redis.Redis(host="127.0.0.1", port=args.redis_port, socket_timeout=1)
        for _ in range(50):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.1)
        else:
            sys.exit(f"Redis did not start on 127.0.0.1:{args.redis_port} (see redis.log)")
        yield
    finally:
        process.terminate()
        process.wait(10)
        logfile.close()


def _pg_bin() -> Path:
    try:
        found = subprocess.run(
            ["pg_config", "--bindir"], capture_output=True, text=True, check=True
        ).stdout.strip()
        if (Path(found) / "initdb").exists():
            return Path(found)
    except (OSError, subprocess.CalledProcessError):
        pass
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not candidates:
        sys.exit("--private-pg needs the PostgreSQL server binaries (initdb, pg_ctl).")
    return candidates[-1].parent


@contextmanager
def private_postgres(args):
    """A PostgreSQL cluster of our own on 127.0.0.1:--pg-port (default configuration),
    kept in --pg-dir between runs (so --reuse keeps the seeded database)."""
    if not args.private_pg:
        yield ""
        return
    pg = _pg_bin()
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    data = Path(args.pg_dir)
    if not (data / "PG_VERSION").exists():
        data.mkdir(parents=True, exist_ok=True)
        if as_postgres:
            shutil.chown(data, "postgres", "postgres")
        log(f"initdb {data}")
        subprocess.run(
            [*as_postgres, str(pg / "initdb"), "-D", str(data), "-U", "postgres"]
            + ["--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    options = f"-p {args.pg_port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={data}"
    subprocess.run(
        [*as_postgres, str(pg / "pg_ctl"), "-D", str(data), "-o", options]
        + ["-l", str(data / "server.log"), "-w", "start"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        yield f"postgres://postgres@127.0.0.1:{args.pg_port}/postgres"
    finally:
        subprocess.run(
            [*as_postgres, str(pg / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
            check=False,
            stdout=subprocess.DEVNULL,
        )


def prepare_database(args, env: dict, maintenance_url: str) -> float | None:
    """Make the database hold >= count seeded cases; returns the seeding time (None if
    reused)."""
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True) as admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [args.database]
        ).fetchone()
    if exists and args.reuse:
        with psycopg.connect(env["DATABASE_URL"]) as conn:
            table = conn.execute("SELECT to_regclass('mediation_case')").fetchone()[0]
            have = conn.execute("SELECT count(*) FROM mediation_case").fetchone()[0] if table else 0
        if have >= args.count:
            log(f"reusing {args.database} ({have:,} cases)")
            run([BIN / "python", "manage.py", "migrate", "--no-input", "-v0"], env)
            return None
    with psycopg.connect(maintenance_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{args.database}"')
    log(f"created {args.database}; migrating")
    run([BIN / "python", "manage.py", "migrate", "--no-input", "-v0"], env)
    log(f"seeding {args.count:,} cases (manage.py seed_cases)")
    started = time.monotonic()
    run([BIN / "python", "manage.py", "seed_cases", "--count", str(args.count)], env)
    return time.monotonic() - started


def run(command: list, env: dict) -> None:
    subprocess.run([str(c) for c in command], cwd=ROOT, env=env, check=True)


# --- users, tokens and the list committee's first page -------------------------------------


def setup_fixtures(args) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from rest_framework_simplejwt.tokens import AccessToken

    from committees.models import Committee, Mediator, Role
    from mediation import services
    from mediation.models import Case, Party

    User = get_user_model()

    def user(username: str):
        account, _ = User.objects.get_or_create(username=username)
        return account

    def member(username: str, committee: Committee):
        account = user(username)
        Mediator.objects.get_or_create(
            committee=committee,
            user=account,
            defaults={"name": username, "role": Mediator.Role.MEDIATOR},
        )
        return account

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT committee_id, count(*) FROM mediation_case GROUP BY committee_id "
            "ORDER BY 2 DESC, 1 LIMIT 1"
        )
        list_committee_id, list_committee_cases = cursor.fetchone()
    list_committee = Committee.objects.get(pk=list_committee_id)
    lister = member("load_lister", list_committee)
    # One intake client registers at the list committee, as a busy committee's clerk would:
    # its first page stays among the newest cases. (With all intake elsewhere, the newest
    # rows of the table belong to other committees and PostgreSQL's plan for the page
    # changes: see docs/benchmarks.md, "Load (issue 8)".)
    intake_committees = [list_committee] + list(
        Committee.objects.filter(is_active=True)
        .exclude(pk=list_committee_id)
        .order_by("id")[: INTAKE_USERS - 1]
    )
    intake = [
        {
            "committee": committee.pk,
            "token": str(AccessToken.for_user(member(f"load_intake_{i}", committee))),
        }
        for i, committee in enumerate(intake_committees)
    ]
    district = user("load_district")
    Role.objects.get_or_create(user=district, kind=Role.Kind.DISTRICT_OFFICE, institution=None)

    # The first page of the list committee: cases registered through the services, with
    # three parties carrying ID numbers and phones (the seed writes neither).
    newest = list(
        Case.objects.filter(committee=list_committee)
        .order_by("-id")
        .values_list("id", flat=True)[:50]
    )
    with_data = (
        Party.objects.filter(case_id__in=newest)
        .exclude(id_number_digest="")
        .values("case_id")
        .distinct()
        .count()
    )
    if with_data < 50:
        import random

        from load_bodies import case_body

        rng = random.Random(7)
        for _ in range(LIST_CASES_WITH_PERSONAL_DATA):
            body = case_body(rng, list_committee.pk)
            body.pop("committee")
            services.case_register(actor=lister, committee=list_committee, **body)
        log(f"registered {LIST_CASES_WITH_PERSONAL_DATA} cases with personal data at the list")
    return {
        "intake": intake,
        "list": {
            "committee": list_committee.pk,
            "committee_name": list_committee.name,
            "cases": list_committee_cases,
            "token": str(AccessToken.for_user(lister)),
        },
        "stats": {"token": str(AccessToken.for_user(district))},
    }


# --- SQL census: the queries of one request of each kind -----------------------------------


CENSUS_RUNS = 20


def census(config: dict, args) -> dict:
    """Each kind of request in-process (DRF's test client, no server), warm, CENSUS_RUNS
    times: CPU and wall time per request, and its SQL statements, each timed; the slowest
    SELECTs of the last request EXPLAIN ANALYZEd. CPU per request is the figure least
    disturbed by other jobs on the machine."""
    import random

    from django.db import connection
    from load_bodies import case_body
    from rest_framework.test import APIClient

    rng = random.Random(time.time_ns())  # new ID numbers each run: no repeat-dispute hits
    committee = config["list"]["committee"]
    kinds = {
        "intake_api": ("post", "/api/v1/cases/", config["intake"][0]),
        "intake_floor": ("post", "/bench-floor/cases/", config["intake"][0]),
        "list_api": ("get", f"/api/v1/cases/?committee={committee}&page_size=50", config["list"]),
        "list_floor": (
            "get",
            f"/bench-floor/cases/list/?committee={committee}&page_size=50",
            config["list"],
        ),
    }
    summary, lines = {}, []
    for name, (method, path, who) in kinds.items():
        client = APIClient(HTTP_HOST="127.0.0.1")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {who['token']}")

        def one(client=client, method=method, path=path, who=who):
            if method == "post":
                body = json.dumps(case_body(rng, who["committee"]), ensure_ascii=False)
                response = client.post(path, body, content_type="application/json")
            else:
                response = client.get(path)
            assert response.status_code in (200, 201), (path, response.status_code)

        for _ in range(5):
            one()
        queries: list[tuple[float, str, object]] = []

        def timed(execute, sql, params, many, context, queries=queries):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                queries.append(((time.perf_counter() - started) * 1000, sql, params))

        cpu, wall = time.process_time(), time.perf_counter()
        with connection.execute_wrapper(timed):
            for _ in range(CENSUS_RUNS):
                one()
        cpu = (time.process_time() - cpu) * 1000 / CENSUS_RUNS
        wall = (time.perf_counter() - wall) * 1000 / CENSUS_RUNS
        per = len(queries) // CENSUS_RUNS
        sql_ms = sum(q[0] for q in queries) / CENSUS_RUNS
        summary[name] = {"queries": per, "sql_ms": sql_ms, "wall_ms": wall, "cpu_ms": cpu}
        lines.append(
            f"== {name}: {per} queries, SQL {sql_ms:.2f} ms, CPU {cpu:.1f} ms, "
            f"wall {wall:.1f} ms per request (in-process, mean of {CENSUS_RUNS})"
        )
        last = queries[-per:]
        lines += [f"{t:7.2f} ms  {sql[:200]}" for t, sql, _ in last]
        slow = sorted(
            (q for q in last if q[1].lstrip().upper().startswith("SELECT")),
            key=lambda q: -q[0],
        )[:2]
        with connection.cursor() as cursor:
            for t, sql, params in slow:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
                plan = "\n      ".join(row[0] for row in cursor.fetchall())
                lines.append(f"  -- EXPLAIN ANALYZE ({t:.2f} ms in the request): {sql[:160]}")
                lines.append(f"      {plan}")
    (args.out / "census.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return summary


# --- gunicorn and locust -------------------------------------------------------------------


@contextmanager
def gunicorn(args, env: dict, worker_class: str, *, port: int, workers: int, label: str):
    command = [
        BIN / "gunicorn",
        "--config",
        ROOT / "config" / "gunicorn.py",
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        "--timeout",
        "120",
        "--graceful-timeout",
        "5",
    ]
    if worker_class == "gthread":
        command += ["--threads", str(args.threads)]
    logfile = open(args.out / f"gunicorn-{label}.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [str(c) for c in command],
        cwd=ROOT,
        env=env,
        stdout=logfile,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                sys.exit(f"gunicorn ({label}) exited; see {args.out}/gunicorn-{label}.log")
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/api/v1/health/", timeout=2
                ) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                sys.exit(f"gunicorn ({label}) did not answer /api/v1/health/ within 60 s")
            time.sleep(0.3)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        logfile.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)] if ordered else float("nan")


def locust(
    args,
    *,
    label: str,
    classes: list[str],
    users: int,
    duration: float,
    config_path: Path,
    stats_host: str = "",
    stats_period: str = "",
) -> dict:
    """One headless locust run; returns per request name: n, rps, p50/p95/p99/max, errors."""
    out = args.out / f"{label}.json"
    env = {
        **os.environ,
        "LOAD_CONFIG": str(config_path),
        "LOAD_OUT": str(out),
        "LOAD_WARMUP": str(args.warmup),
        "LOAD_INTAKE_USERS": str(INTAKE_USERS),
        "LOAD_STATS_USERS": str(STATS_USERS),
        "LOAD_STATS_HOST": stats_host,
        "LOAD_STATS_PERIOD": stats_period,
        "PYTHONPATH": str(ROOT / "bench"),
    }
    command = [
        BIN / "locust",
        "-f",
        ROOT / "bench" / "load_locust.py",
        "--headless",
        "--only-summary",
        "--loglevel",
        "WARNING",
        "-u",
        str(users),
        "-r",
        str(users),
        "-t",
        f"{args.warmup + duration:.0f}s",
        "--host",
        f"http://127.0.0.1:{args.port}",
        "--exit-code-on-error",
        "0",
        *classes,
    ]
    before = loadavg()
    with open(args.out / f"{label}.locust.log", "w") as logfile:
        subprocess.run(
            [str(c) for c in command],
            cwd=ROOT,
            env=env,
            stdout=logfile,
            stderr=subprocess.STDOUT,
            timeout=args.warmup + duration + 90,
            check=False,
        )
    data = json.loads(out.read_text())
    window = data["window"] or float("nan")
    result = {}
    names = set(data["samples"]) | set(data["failures"])
    for name in sorted(names):
        samples = data["samples"].get(name, [])
        errors = sum(data["failures"].get(name, {}).values())
        result[name] = {
            "n": len(samples),
            "rps": len(samples) / window,
            "p50": percentile(samples, 0.50),
            "p95": percentile(samples, 0.95),
            "p99": percentile(samples, 0.99),
            "max": max(samples) if samples else float("nan"),
            "errors": errors,
            "error_kinds": data["failures"].get(name, {}),
            "load_before": before,
            "load_after": loadavg(),
        }
        if errors:
            log(f"  {label} {name}: {errors} errors: {data['failures'][name]}")
    return result


# --- py-spy --------------------------------------------------------------------------------

# (label, function name, file path fragment): inclusive CPU share in the profile.
PROFILE_GROUPS = [
    ("gunicorn: handle_request (everything below)", "handle_request", "gunicorn/workers"),
    ("Django: WSGIHandler (incl. middleware)", "__call__", "django/core/handlers/wsgi.py"),
    ("Django: _get_response (the view)", "_get_response", "django/core/handlers/base.py"),
    ("DRF: initial (authentication, permissions)", "initial", "rest_framework/views.py"),
    ("  JWT authentication", "authenticate", "rest_framework_simplejwt/authentication.py"),
    ("scope_for (memberships, roles)", "scope_for", "committees/scope.py"),
    ("request serializer is_valid", "is_valid", "rest_framework/serializers.py"),
    ("services.case_register", "case_register", "mediation/services.py"),
    ("  _clean_parties (ID/phone checks)", "_clean_parties", "mediation/services.py"),
    ("  _repeat_dispute", "_repeat_dispute", "mediation/services.py"),
    ("  case_event_record", "case_event_record", "mediation/events.py"),
    ("  followups_sync_case", "followups_sync_case", "mediation/followups.py"),
    ("  statistics.mark_dirty", "mark_dirty", "mediation/statistics/rollup.py"),
    ("CaseViewSet._respond (re-read + CaseSerializer)", "_respond", "api/views/cases.py"),
    ("CaseViewSet.list", "list", "api/views/cases.py"),
    ("  paginate_queryset (query + prefetch)", "paginate_queryset", "rest_framework/pagination.py"),
    ("prefetch_related_objects", "prefetch_related_objects", "django/db/models/query.py"),
    ("serializer .data (to_representation)", "data", "rest_framework/serializers.py"),
    (
        "  ModelSerializer.get_fields (building fields)",
        "get_fields",
        "rest_framework/serializers.py",
    ),
    ("Fernet encrypt", "encrypt", "mediation/crypto.py"),
    ("Fernet decrypt", "decrypt", "mediation/crypto.py"),
    ("blind index (HMAC)", "blind_index", "mediation/crypto.py"),
    ("audit.personal_data_reveals_record", "personal_data_reveals_record", "mediation/audit.py"),
    ("JSON rendering", "render", "rest_framework/renderers.py"),
    (
        "Django ORM: execute_sql (compile + run + fetch)",
        "execute_sql",
        "django/db/models/sql/compiler.py",
    ),
    ("  SQL compile: as_sql", "as_sql", "django/db/models/sql/compiler.py"),
    ("psycopg Cursor.execute (client side)", "execute", "psycopg/cursor.py"),
    ("floor: floor_case_create", "floor_case_create", "bench/floor.py"),
    ("floor: floor_case_list", "floor_case_list", "bench/floor.py"),
]


def _frame_is(frame: str, function: str, fragment: str) -> bool:
    """py-spy names a frame "Class.method (path/file.py:line)"."""
    name, _, where = frame.partition(" (")
    return fragment in where and (name == function or name.endswith("." + function))


def profile_summary(raw: Path, top: int = 25) -> list[str]:
    """Inclusive shares for PROFILE_GROUPS and the top self-time frames, from py-spy's
    raw (collapsed stacks) output."""
    stacks = []
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks.append((stack.split(";"), int(count)))
    total = sum(count for _, count in stacks) or 1
    lines = [f"samples: {total}"]
    for label, function, fragment in PROFILE_GROUPS:
        hit = sum(
            count
            for frames, count in stacks
            if any(_frame_is(f, function, fragment) for f in frames)
        )
        if hit:
            lines.append(f"{100 * hit / total:6.1f} %  {label}")
    own: dict[str, int] = {}
    for frames, count in stacks:
        leaf = frames[-1]
        own[leaf] = own.get(leaf, 0) + count
    lines.append("top self time:")
    for frame, count in sorted(own.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(f"{100 * count / total:6.1f} %  {frame[:150]}")
    return lines


def profiled(args, server, *, label, classes, users, duration, config_path) -> list[str]:
    spy = BIN / "py-spy"
    raw = args.out / f"{label}.pyspy.txt"
    recorder = subprocess.Popen(
        [str(spy), "record", "--pid", str(server.pid), "--subprocesses", "--nonblocking"]
        + ["--gil", "--rate", "200", "--format", "raw", "--output", str(raw)]
        + ["--duration", str(int(args.warmup + duration))],
        stdout=subprocess.DEVNULL,
        stderr=open(args.out / f"{label}.pyspy.log", "w"),  # noqa: SIM115
    )
    locust(
        args,
        label=label,
        classes=classes,
        users=users,
        duration=duration,
        config_path=config_path,
    )
    recorder.wait(60)
    if not raw.exists():
        return [f"(py-spy wrote nothing; see {label}.pyspy.log)"]
    return profile_summary(raw)


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
        import django

        django.setup()
        from django.db import connection, connections

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


def _row(results, **match):
    return [r for r in results if all(r[k] == v for k, v in match.items())]


def print_report(report: dict) -> None:
    results = report["results"]
    print()
    print(f"cases in the database: {report['cases']:,}; seeding: {report['seed_seconds']}")
    print()
    print("In-process census (DRF test client, no server; mean per request):")
    print()
    print("| request | queries | SQL ms | CPU ms | wall ms |")
    print("|---|---:|---:|---:|---:|")
    for name, item in report["census"].items():
        print(
            f"| {name} | {item['queries']} | {item['sql_ms']:.1f} | {item['cpu_ms']:.1f} "
            f"| {item['wall_ms']:.1f} |"
        )
    census = report["census"]
    print(
        f"\nCPU per request, floor / API: intake "
        f"{census['intake_floor']['cpu_ms'] / census['intake_api']['cpu_ms']:.2f}, list "
        f"{census['list_floor']['cpu_ms'] / census['list_api']['cpu_ms']:.2f}"
    )
    print()
    print(
        "| server | rep | phase | clients | request | req/s | p50 ms | p95 ms | p99 ms | n "
        "| errors | load |"
    )
    print("|---|---:|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['server']} | {r['repeat']} | {r['phase']} | {r['clients']} | {r['request']} "
            f"| {r['rps']:.1f} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | {r['n']} "
            f"| {r['errors']} | {r['load_before']:.1f} |"
        )
    print()
    print(
        "| server | rep | intake req/s API / floor | intake p99 API | list p95 API c1 / c8 "
        "| list p95 floor c1 / c8 | mixed (ytd) intake p99 | mixed (rollup) intake p99 "
        "| isolated intake p99 |"
    )
    print("|---|---:|---|---:|---|---|---|---|---|")
    servers = list(dict.fromkeys(r["server"] for r in results))
    for server in servers:
        repeats = sorted({r["repeat"] for r in results if r["server"] == server})
        for rep in repeats:

            def one(phase, request, server=server, rep=rep):
                rows = _row(results, server=server, repeat=rep, phase=phase, request=request)
                return rows[0] if rows else None

            api, floor = one("intake_api", "intake_api"), one("intake_floor", "intake_floor")
            l1, l8 = one("list_api_c1", "list_api"), one("list_api_c8", "list_api")
            f1, f8 = one("list_floor_c1", "list_floor"), one("list_floor_c8", "list_floor")

            def degrade(phase, api=api, one=one):
                row = one(phase, "intake_api")
                if not row or not api:
                    return "–"
                change = 100 * (row["p99"] / api["p99"] - 1)
                return f"{row['p99']:.0f} ({change:+.0f} %, n={row['n']})"

            def p95(row):
                return f"{row['p95']:.0f}" if row else "–"

            ratio = (
                f"{api['rps'] / floor['rps']:.2f} ({api['rps']:.1f} / {floor['rps']:.1f})"
                if api and floor
                else "–"
            )
            print(
                f"| {server} | {rep} | {ratio} | {api['p99'] if api else float('nan'):.0f} "
                f"| {p95(l1)} / {p95(l8)} "
                f"| {p95(f1)} / {p95(f8)} | {degrade('mixed')} | {degrade('mixed_rollup')} "
                f"| {degrade('mixed_isolated')} |"
            )
    for name, lines in (report.get("profiles") or {}).items():
        print(f"\nprofile {name} (py-spy --gil: Python on CPU in the gunicorn workers):")
        for line in lines:
            print("  " + line)
    print(f"\ntotal {report['total_seconds']:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
