"""Chaos run (issue 8): faults under load, then invariants checked in PostgreSQL.

    .venv/bin/python bench/chaos.py --short        # CI: about 2 minutes in all
    .venv/bin/python bench/chaos.py                # the long version: about 7 minutes
    .venv/bin/python bench/chaos.py --short --only worker-kill,transfer-storm

Scenarios (each selectable with --only):

- worker-kill: N follow-ups fall due on real cases (deadline warnings -> in-app notices,
  satisfaction surveys -> SMS through the outbox) while a real Celery worker
  (prefork, concurrency 2) is killed with SIGKILL, process group and all, every K seconds
  and restarted. Then: 0 missed, 0 doubled effects (notices per follow-up = expected
  recipients; each SMS sent once, counted by a recording sender), lateness <= 120 s.
  Each kill waits (up to 2 s) for a moment when the worker holds claimed rows.
- redis-stop: intake over HTTP (gunicorn) while Redis is shut down for D seconds, with
  follow-ups falling due during the outage -> every intake 201, the backlog (due
  follow-ups, unsent messages) drained within 120 s of Redis coming back.
- transfer-storm: T threads of random transfer requests/accepts/rejects/cancels over HTTP
  on H hot cases -> each case in exactly one committee, every transfer chain consistent,
  no 5xx, no error but 409 (and 404 or 403 for a director whose committee lost the case
  meanwhile: out of scope reads as 404, the former holder's read-only view as 403, by
  contract; each such refusal is matched to a transfer away accepted in its window).
- postgres-restart: intake over HTTP, and follow-ups falling due, while PostgreSQL is
  restarted (short: `pg_ctlcluster restart`; long: stopped for 5 s, then started) -> 503
  quickly, 201s again without restarting gunicorn, the worker fires what fell due, no
  half-written case, numbers gapless.

Everything runs on 127.0.0.1: PostgreSQL (database tiaojie_chaos, dropped and recreated),
Redis (database 11 for the broker and cache), gunicorn on a free port, Celery workers.
Redis and PostgreSQL are restarted in place (they are the machine's shared services); the
script makes sure both run when it exits, and stops every process it started. Logs of the
processes it starts go to a fresh folder under /tmp (printed at the start).

The scenarios live in bench/chaos_<scenario>.py, what they share in bench/chaos_base.py
(settings, processes, services, HTTP) and bench/chaos_common.py (data, checks, intake
load), the SMS sender the workers use in bench/chaos_sender.py (RecordingSender: it
appends each message id it "sends" to CHAOS_SEND_LOG, so a message sent twice is seen).
"""

import argparse
import base64
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

# Run as a script (python bench/chaos.py), the folder on the path is bench/: the project's
# root goes first so that bench.* and the project's packages import.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.chaos_base import (  # noqa: E402
    HOST,
    LONG,
    PG_ADMIN,
    REDIS_DB,
    REDIS_PORT,
    RESULTS,
    ROOT,
    SCENARIOS,
    SHORT,
    TIMING,
    Processes,
    Profile,
    check,
    ensure_services,
    psql,
    say,
)
from bench.chaos_common import (  # noqa: E402
    Context,
    check_cases_whole,
    db_reconnect,
)
from bench.chaos_postgres_restart import scenario_postgres_restart  # noqa: E402
from bench.chaos_redis_stop import scenario_redis_stop  # noqa: E402
from bench.chaos_transfer_storm import scenario_transfer_storm  # noqa: E402
from bench.chaos_worker_kill import scenario_worker_kill  # noqa: E402

# --- main ------------------------------------------------------------------------------------


def setup(profile: Profile, db_name: str) -> tuple[dict, Path, Path]:
    from cryptography.fernet import Fernet  # only the run needs it, not --help

    run_dir = Path(tempfile.mkdtemp(prefix="tiaojie-chaos-"))
    send_log = run_dir / "sms-sent.log"
    env = {
        **os.environ,
        "DATABASE_URL": f"{PG_ADMIN}/{db_name}",
        "REDIS_URL": f"redis://{HOST}:{REDIS_PORT}/{REDIS_DB}",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "TIAOJIE_FIELD_KEYS": Fernet.generate_key().decode(),
        "TIAOJIE_BLIND_INDEX_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "ALLOWED_HOSTS": f"{HOST},localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_PROXY_SSL_HEADER": "0",
        "SECURE_HSTS_SECONDS": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "TIAOJIE_FOLLOWUP_CLAIM_TIMEOUT": str(TIMING.claim_timeout),
        "TIAOJIE_MESSAGE_SENDER": "bench.chaos_sender.RecordingSender",
        "CHAOS_SEND_LOG": str(send_log),
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    os.environ.update(env)
    say(f"setup: database {db_name}, Redis db {REDIS_DB}, logs in {run_dir}")
    psql(f"DROP DATABASE IF EXISTS {db_name} WITH (FORCE)")
    psql(f"CREATE DATABASE {db_name}")
    for command in (
        ["migrate", "--no-input", "-v0"],
        ["load_reference_data"],
        ["create_demo_accounts", "--allow-without-debug"],
    ):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    subprocess.run(
        ["redis-cli", "-h", HOST, "-p", str(REDIS_PORT), "-n", str(REDIS_DB), "flushdb"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    import django  # configured only now that its database exists

    django.setup()
    return env, run_dir, send_log


def print_table() -> None:
    print()
    print(f"{'scenario':<17} {'result':<6} {'check':<58} measured (goal)")
    print("-" * 120)
    for c in RESULTS:
        mark = {True: "PASS", False: "FAIL", None: "info"}[c.ok]
        goal = f" (goal: {c.goal})" if c.goal else ""
        print(f"{c.scenario:<17} {mark:<6} {c.name:<58} {c.measured}{goal}")
    failed = sum(1 for c in RESULTS if c.ok is False)
    passed = sum(1 for c in RESULTS if c.ok is True)
    print("-" * 120)
    print(f"{passed} passed, {failed} failed")


def server_errors_in_logs(run_dir: Path) -> None:
    """Tracebacks the web and worker processes logged (the first line of each kind)."""
    kinds = Counter()
    for log in sorted(run_dir.glob("*.log")):
        text = log.read_text(errors="replace")
        for match in re.finditer(
            r"Traceback \(most recent call last\):.*?\n(\S[^\n]*)", text, re.S
        ):
            kinds[(log.name.split("-")[0], match.group(1)[:160])] += 1
    if kinds:
        print("\nTracebacks in the logs of the processes (process, last line, count):")
        for (process, line), count in kinds.most_common(15):
            print(f"  {process}: {line}  x{count}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--short", action="store_true", help="the CI version (seconds)")
    parser.add_argument("--only", default=",".join(SCENARIOS), help="comma-separated scenarios")
    parser.add_argument("--db", default="tiaojie_chaos", help="database (dropped and recreated)")
    parser.add_argument(
        "--scan-every",
        type=float,
        default=TIMING.scan_every,
        help="seconds between scan_followups sends (beat ships with 60)",
    )
    parser.add_argument(
        "--claim-timeout",
        type=int,
        default=TIMING.claim_timeout,
        help="TIAOJIE_FOLLOWUP_CLAIM_TIMEOUT for the workers (the default setting is 60)",
    )
    args = parser.parse_args()
    TIMING.scan_every, TIMING.claim_timeout = args.scan_every, args.claim_timeout
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(chosen) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", args.db):
        parser.error("--db must be a plain lower-case identifier")
    profile = SHORT if args.short else LONG
    started = time.monotonic()
    ensure_services()
    env, run_dir, send_log = setup(profile, args.db)
    procs = Processes(run_dir, env)
    ctx = Context(profile=profile, procs=procs, run_dir=run_dir, send_log=send_log)
    from committees.models import Committee  # Django is set up by setup() above

    ctx.committees = list(Committee.objects.filter(is_active=True).order_by("code"))
    say(
        f"setup done in {time.monotonic() - started:.0f} s ({profile.name} profile; scans "
        f"every {TIMING.scan_every:g} s, claim timeout {TIMING.claim_timeout} s)"
    )
    runners = {
        "worker-kill": scenario_worker_kill,
        "redis-stop": scenario_redis_stop,
        "transfer-storm": scenario_transfer_storm,
        "postgres-restart": scenario_postgres_restart,
    }
    timings = {}
    try:
        for name in SCENARIOS:
            if name not in chosen:
                continue
            say(f"== {name}")
            began = time.monotonic()
            try:
                runners[name](ctx)
            except Exception as error:  # a scenario that breaks is a failure, not a crash
                check(name, "scenario ran to the end", False, f"{type(error).__name__}: {error}")
            finally:
                procs.stop_all()
                ensure_services()
                db_reconnect()
            timings[name] = time.monotonic() - began
            check(name, "duration", None, f"{timings[name]:.0f} s")
        check_cases_whole()
    finally:
        procs.stop_all()
        ensure_services()
    print_table()
    server_errors_in_logs(run_dir)
    print(f"\ntotal {time.monotonic() - started:.0f} s; logs in {run_dir}")
    return 1 if any(c.ok is False for c in RESULTS) else 0


if __name__ == "__main__":
    sys.exit(main())
