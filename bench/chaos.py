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
  no 5xx, no error but 409 (and 404 for a director whose committee lost the case meanwhile:
  out of scope reads as 404 by contract).
- postgres-restart: intake over HTTP, and follow-ups falling due, while PostgreSQL is
  restarted (short: `pg_ctlcluster restart`; long: stopped for 5 s, then started) -> 503
  quickly, 201s again without restarting gunicorn, the worker fires what fell due, no
  half-written case, numbers gapless.

Everything runs on 127.0.0.1: PostgreSQL (database tiaojie_chaos, dropped and recreated),
Redis (database 11 for the broker and cache), gunicorn on a free port, Celery workers.
Redis and PostgreSQL are restarted in place (they are the machine's shared services); the
script makes sure both run when it exits, and stops every process it started. Logs of the
processes it starts go to a fresh folder under /tmp (printed at the start).

The module also holds RecordingSender, the SMS sender the workers use during the run
(TIAOJIE_MESSAGE_SENDER=bench.chaos.RecordingSender): it appends each message id it
"sends" to the file named by CHAOS_SEND_LOG, so a message sent twice is seen.
"""

import argparse
import base64
import http.client
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # the only address this script ever talks to
PG_PORT = 5432
PG_ADMIN = f"postgres://postgres@{HOST}:{PG_PORT}"
REDIS_PORT = 6379
REDIS_DB = 11
DEMO_PASSWORD = "tiaojie-demo"
API = "/api/v1"


class RecordingSender:
    """The SMS gateway of the chaos run: takes a few milliseconds (like a real gateway
    call) and appends the message id to CHAOS_SEND_LOG."""

    def send(self, message) -> None:
        time.sleep(float(os.environ.get("CHAOS_SEND_SECONDS", "0.005")))
        with open(os.environ["CHAOS_SEND_LOG"], "a", encoding="ascii") as log:
            log.write(f"{message.pk}\n")


# --- profiles ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    name: str
    # worker-kill
    wk_followups: int
    wk_cases: int
    wk_window: float  # due times spread over this many seconds
    wk_kill_every: float
    # redis-stop
    rs_threads: int
    rs_warmup: float
    rs_outage: float
    rs_after: float
    rs_backlog: int
    # transfer-storm
    ts_threads: int
    ts_cases: int
    ts_committees: int
    ts_duration: float
    # postgres-restart
    pg_threads: int
    pg_warmup: float
    pg_down: float  # 0: `pg_ctlcluster restart`; else stop, wait this long, start
    pg_after: float


SHORT = Profile(
    name="short",
    wk_followups=500,
    wk_cases=20,
    wk_window=20,
    wk_kill_every=5,
    rs_threads=3,
    rs_warmup=4,
    rs_outage=8,
    rs_after=4,
    rs_backlog=100,
    ts_threads=10,
    ts_cases=20,
    ts_committees=4,
    ts_duration=10,
    pg_threads=3,
    pg_warmup=4,
    pg_down=0,
    pg_after=5,
)
LONG = Profile(
    name="long",
    wk_followups=10_000,
    wk_cases=200,
    wk_window=150,
    wk_kill_every=30,
    rs_threads=4,
    rs_warmup=15,
    rs_outage=60,
    rs_after=15,
    rs_backlog=1000,
    ts_threads=50,
    ts_cases=100,
    ts_committees=8,
    ts_duration=60,
    pg_threads=4,
    pg_warmup=15,
    pg_down=5,
    pg_after=20,
)

SCENARIOS = ("worker-kill", "redis-stop", "transfer-storm", "postgres-restart")
LATENESS_GOAL = 120.0
DRAIN_GOAL = 120.0
OUTAGE_RESPONSE_GOAL = 5.0  # "a few seconds, not 30"
RECOVERY_GOAL = 15.0
SATISFACTION_EVERY = 10  # every 10th worker-kill follow-up is a satisfaction survey (SMS)
# What beat does every 60 s, done every 2 s so lateness measures the engine, and a claim
# timeout of 10 s instead of 60 (--scan-every / --claim-timeout set the shipped values).
SCAN_EVERY = 2.0
CLAIM_TIMEOUT = 10


# --- results -------------------------------------------------------------------------------


@dataclass
class Check:
    scenario: str
    name: str
    ok: bool | None  # None: information only
    measured: str
    goal: str = ""


RESULTS: list[Check] = []
NOTES: list[str] = []


def check(scenario: str, name: str, ok: bool | None, measured, goal: str = "") -> bool | None:
    RESULTS.append(Check(scenario, name, ok, str(measured), goal))
    mark = {True: "PASS", False: "FAIL", None: "info"}[ok]
    print(f"  [{mark}] {name}: {measured}" + (f" (goal: {goal})" if goal else ""), flush=True)
    return ok


T0 = time.monotonic()


def say(message: str) -> None:
    print(f"[{time.monotonic() - T0:6.1f} s] {message}", flush=True)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


# --- processes -----------------------------------------------------------------------------


class Processes:
    """Every process this script starts, each in its own process group."""

    def __init__(self, log_dir: Path, env: dict):
        self.log_dir = log_dir
        self.env = env
        self.running: dict[str, subprocess.Popen] = {}
        self.counter = Counter()

    def start(self, name: str, args: list[str], extra_env: dict | None = None) -> str:
        self.counter[name] += 1
        tag = f"{name}-{self.counter[name]}"
        log = open(self.log_dir / f"{tag}.log", "wb")  # closed when the process is stopped
        process = subprocess.Popen(
            args,
            cwd=ROOT,
            env={**self.env, **(extra_env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        process.log_file = log
        self.running[tag] = process
        return tag

    def kill(self, tag: str) -> None:
        """SIGKILL the whole process group (a crash: nothing gets to clean up)."""
        process = self.running.pop(tag)
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()
        process.log_file.close()

    def stop(self, tag: str, grace: float = 15) -> None:
        """SIGTERM the leader (gunicorn and Celery shut their children down warmly), then
        SIGKILL whatever is left of the process group after `grace` seconds."""
        process = self.running.pop(tag, None)
        if process is None:
            return
        try:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=grace)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()
        process.log_file.close()

    def stop_all(self) -> None:
        for tag in list(self.running):
            self.stop(tag, grace=10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def worker_args(name: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool",
        "prefork",
        "--concurrency",
        "2",
        "--loglevel",
        "WARNING",
        "--without-gossip",
        "--without-mingle",
        "-n",
        f"{name}@chaos",
    ]


def gunicorn_args(port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi",
        "--workers",
        "3",
        "--bind",
        f"{HOST}:{port}",
        "--timeout",
        "30",
        "--graceful-timeout",
        "5",
    ]


# --- services (the machine's PostgreSQL and Redis) ----------------------------------------


def redis_up() -> bool:
    result = subprocess.run(
        ["redis-cli", "-h", HOST, "-p", str(REDIS_PORT), "ping"],
        capture_output=True,
        text=True,
        timeout=10,
    )
    return result.stdout.strip() == "PONG"


def redis_start() -> None:
    subprocess.run(
        [
            "redis-server",
            "--daemonize",
            "yes",
            "--bind",
            HOST,
            "--port",
            str(REDIS_PORT),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        cwd="/tmp",
        check=True,
        stdout=subprocess.DEVNULL,
    )
    for _ in range(100):
        if redis_up():
            return
        time.sleep(0.1)
    raise RuntimeError("Redis did not come back")


def redis_stop() -> None:
    subprocess.run(
        ["redis-cli", "-h", HOST, "-p", str(REDIS_PORT), "shutdown", "nosave"],
        capture_output=True,
        timeout=10,
    )
    for _ in range(100):
        if not redis_up():
            return
        time.sleep(0.1)
    raise RuntimeError("Redis did not stop")


def pg_cluster_version() -> str:
    return sorted(os.listdir("/etc/postgresql"))[-1]


def pg_up() -> bool:
    return (
        subprocess.run(["pg_isready", "-h", HOST, "-p", str(PG_PORT), "-q"], timeout=10).returncode
        == 0
    )


def pg_ctl(action: str) -> None:
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", pg_cluster_version(), "main", action],
        check=True,
        timeout=120,
    )


def ensure_services() -> None:
    """Both shared services must be running whenever this script is not deliberately
    holding one down."""
    if not pg_up():
        say("PostgreSQL is down: starting it")
        pg_ctl("start")
        for _ in range(60):
            if pg_up():
                break
            time.sleep(0.5)
    if not redis_up():
        say("Redis is down: starting it")
        redis_start()


def psql(sql: str) -> None:
    subprocess.run(
        ["psql", "-h", HOST, "-p", str(PG_PORT), "-U", "postgres", "-d", "postgres", "-qc", sql],
        check=True,
    )


# --- HTTP ----------------------------------------------------------------------------------


@dataclass
class Record:
    started: float
    ended: float
    status: int  # -1: no response (connection refused/reset, timeout)
    op: str
    replayed: bool = False
    error: str = ""

    @property
    def seconds(self) -> float:
        return self.ended - self.started


def request(
    port: int,
    method: str,
    path: str,
    *,
    token: str | None = None,
    body: dict | None = None,
    headers: dict | None = None,
    timeout: float = 30,
):
    """One request on a fresh connection: (status, parsed body or None, headers, t0, t1,
    error)."""
    all_headers = {"Accept": "application/json", **(headers or {})}
    if token:
        all_headers["Authorization"] = f"Bearer {token}"
    payload = None
    if body is not None:
        payload = json.dumps(body, ensure_ascii=False).encode()
        all_headers["Content-Type"] = "application/json; charset=utf-8"
    started = time.monotonic()
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request(method, path, body=payload, headers=all_headers)
        response = connection.getresponse()
        raw = response.read()
        ended = time.monotonic()
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = None
        return response.status, data, dict(response.getheaders()), started, ended, ""
    except (OSError, http.client.HTTPException) as error:
        return -1, None, {}, started, time.monotonic(), type(error).__name__
    finally:
        connection.close()


def login(port: int, username: str) -> str:
    status, data, *_ = request(
        port,
        "POST",
        f"{API}/auth/token/",
        body={"username": username, "password": DEMO_PASSWORD},
    )
    if status != 200:
        raise RuntimeError(f"sign-in of {username} answered {status}: {data}")
    return data["access"]


def wait_http(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status, *_ = request(port, "GET", f"{API}/health/", timeout=5)
        if status in (200, 503):
            return
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer")


# --- test data -----------------------------------------------------------------------------

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"


def resident_id(rng: random.Random) -> str:
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 50))
    body = f"640106{born:%Y%m%d}{rng.randrange(1000):03d}"
    total = sum(int(digit) * weight for digit, weight in zip(body, ID_WEIGHTS, strict=True))
    return body + ID_CHECK_CHARS[total % 11]


def mobile(rng: random.Random) -> str:
    return f"13{rng.randrange(10)}{rng.randrange(10**8):08d}"


def party_dicts(rng: random.Random, *, phones: bool = True) -> list[dict]:
    return [
        {
            "role": "applicant",
            "kind": "person",
            "name": "张某",
            "id_number": resident_id(rng),
            "phone": mobile(rng) if phones else "",
        },
        {
            "role": "respondent",
            "kind": "person",
            "name": "李某",
            "id_number": resident_id(rng),
            "phone": mobile(rng) if phones else "",
        },
        {"role": "third_party", "kind": "person", "name": "王某", "phone": mobile(rng)},
    ]


def intake_body(committee_id: int, key: str, rng: random.Random) -> dict:
    return {
        "committee": committee_id,
        "dispute_type": "neighbourhood",
        "source": "party_application",
        "title": f"chaos {key}",
        "facts": "楼上漏水，损坏楼下吊顶。",
        "claims": "赔偿维修费用。",
        "amount_involved": "8000.00",
        "parties": party_dicts(rng),
    }


# --- the run's context ---------------------------------------------------------------------


@dataclass
class Context:
    profile: Profile
    procs: Processes
    run_dir: Path
    send_log: Path
    committees: list = field(default_factory=list)  # Committee rows with demo accounts
    used_committees: int = 0

    def take_committees(self, count: int) -> list:
        """Committees not used by an earlier scenario (keeps each scenario's data apart)."""
        chosen = self.committees[self.used_committees : self.used_committees + count]
        if len(chosen) < count:
            raise RuntimeError("not enough committees")
        self.used_committees += count
        return chosen


def db_reconnect() -> None:
    from django.db import connections

    connections.close_all()


def members(committee):
    """(director user, mediator user, mediator membership) of a committee's demo logins."""
    from django.contrib.auth import get_user_model

    from committees.models import Mediator

    users = get_user_model().objects
    director = users.get(username=f"director.{committee.code}")
    mediator = users.get(username=f"mediator.{committee.code}")
    membership = Mediator.objects.get(committee=committee, user=mediator)
    return director, mediator, membership


def register_cases(committees, count: int, rng: random.Random, *, accept: bool, conclude=False):
    """Real cases through the services (register, accept, conclude), round robin."""
    from mediation import services

    staff = {c.id: members(c) for c in committees}
    cases = []
    for index in range(count):
        committee = committees[index % len(committees)]
        director, mediator, membership = staff[committee.id]
        case = services.case_register(
            actor=mediator,
            committee=committee,
            source="party_application",
            parties=party_dicts(rng),
            dispute_type="neighbourhood",
            title=f"chaos seed {index}",
        )
        if accept:
            case = services.case_accept(actor=director, case=case, mediator_ids=[membership.id])
        if conclude:
            case = services.case_conclude(
                actor=mediator,
                case=case,
                outcome="failure",
                guidance="litigation",
                reason="双方分歧较大，调解不成。",
            )
        cases.append(case)
    return cases


def expected_recipients(case) -> int:
    from mediation import notify

    users = [*notify.mediators_of(case), *notify.directors_of(case.committee_id)]
    return len({user.pk for user in users})


def seed_followups(dw_cases, sat_cases, count: int, first_due, window: float) -> list[int]:
    """`count` follow-ups due evenly over `window` seconds from `first_due`: every
    SATISFACTION_EVERY-th a satisfaction survey on a concluded case, the rest deadline
    warnings on mediating cases. Steps from 1 up keep them apart from the cases' own rows."""
    from mediation.models import FollowUp

    rows = []
    for index in range(count):
        due = first_due + timedelta(seconds=window * index / max(count - 1, 1))
        if index % SATISFACTION_EVERY == 0:
            case, kind = sat_cases[index % len(sat_cases)], FollowUp.Kind.SATISFACTION
        else:
            case, kind = dw_cases[index % len(dw_cases)], FollowUp.Kind.DEADLINE_WARNING
        rows.append(
            FollowUp(
                kind=kind, case=case, committee_id=case.committee_id, due_at=due, step=index + 1
            )
        )
    created = FollowUp.objects.bulk_create(rows, batch_size=2000)
    return [row.id for row in created]


class Kicker:
    """Sends scan_followups every SCAN_EVERY seconds when the queue is short (what beat
    does every minute). Errors (the broker is down) are counted, never raised."""

    def __init__(self):
        import redis

        from config.celery import app

        self.app = app
        self.redis = redis.Redis(host=HOST, port=REDIS_PORT, db=REDIS_DB, socket_timeout=1)
        self.stop_event = threading.Event()
        self.sent = 0
        self.failed = 0
        self.thread = threading.Thread(target=self.run, name="kicker", daemon=True)

    def run(self) -> None:
        while not self.stop_event.wait(SCAN_EVERY):
            try:
                if self.redis.llen("celery") < 2:
                    self.app.send_task("mediation.tasks.scan_followups")
                    self.sent += 1
            except Exception:  # the broker is down: beat would fail the same way
                self.failed += 1

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        self.thread.join(timeout=10)


def sent_counts(send_log: Path) -> Counter:
    if not send_log.exists():
        return Counter()
    return Counter(int(line) for line in send_log.read_text().split())


def check_followup_effects(scenario: str, ids: list[int], send_log: Path) -> None:
    """Each follow-up fired once: done, notices = expected recipients, each SMS row sent
    exactly once."""
    from django.db.models import Count

    from mediation.models import FollowUp, Notification, OutboundMessage

    rows = list(FollowUp.objects.filter(id__in=ids).select_related("case"))
    statuses = Counter(row.status for row in rows)
    missed = sum(1 for row in rows if row.fired_at is None or row.status != "done")
    check(
        scenario,
        "missed follow-ups (not fired or not done)",
        missed == 0,
        f"{missed} of {len(rows)} (statuses {dict(statuses)})",
        "0",
    )
    notices = dict(
        Notification.objects.filter(follow_up_id__in=ids)
        .values_list("follow_up_id")
        .annotate(n=Count("id"))
        .values_list("follow_up_id", "n")
    )
    expected_by_case: dict[int, int] = {}
    doubled = lacking = expected_total = 0
    for row in rows:
        if row.kind != FollowUp.Kind.DEADLINE_WARNING:
            continue
        if row.case_id not in expected_by_case:
            expected_by_case[row.case_id] = expected_recipients(row.case)
        expected = expected_by_case[row.case_id]
        expected_total += expected
        got = notices.get(row.id, 0)
        doubled += got > expected
        lacking += got < expected
    check(
        scenario,
        "in-app notices per follow-up = recipients",
        doubled == 0 and lacking == 0,
        f"{sum(notices.values())} notices, expected {expected_total}; "
        f"{doubled} follow-ups with too many, {lacking} with too few",
        "exactly once each",
    )
    sat_ids = [row.id for row in rows if row.kind == FollowUp.Kind.SATISFACTION]
    if sat_ids:
        prefixes = {f"fu{i}" for i in sat_ids}
        messages = OutboundMessage.objects.filter(key__regex=r"^fu[0-9]+:party[0-9]+$")
        mine = [
            m
            for m in messages.values_list("id", "key", "sent_at")
            if m[1].split(":")[0] in prefixes
        ]
        per_followup = Counter(m[1].split(":")[0] for m in mine)
        parties_with_phone = 3
        wrong_count = sum(1 for i in sat_ids if per_followup.get(f"fu{i}", 0) != parties_with_phone)
        unsent = sum(1 for m in mine if m[2] is None)
        sends = sent_counts(send_log)
        sent_twice = sum(1 for m in mine if sends.get(m[0], 0) > 1)
        never_sent = sum(1 for m in mine if sends.get(m[0], 0) == 0)
        check(
            scenario,
            "SMS rows per survey follow-up = parties with a phone",
            wrong_count == 0,
            f"{len(mine)} messages for {len(sat_ids)} surveys; {wrong_count} surveys off",
            f"{parties_with_phone} each",
        )
        check(
            scenario,
            "SMS sent exactly once (gateway log)",
            sent_twice == 0 and never_sent == 0 and unsent == 0,
            f"{sent_twice} sent twice, {never_sent} never sent, {unsent} not marked sent",
            "0 / 0 / 0",
        )


def wait_drained(ids: list[int], deadline: float) -> float | None:
    """Wait until every row of `ids` fired and no message is unsent; when, or None."""
    while time.monotonic() < deadline:
        if unfired(ids) == 0 and unsent_messages() == 0:
            return time.monotonic()
        time.sleep(1)
    return None


def lateness_stats(ids: list[int]) -> list[float]:
    """fired_at - due_at per row; a row still unfired counts as late until now."""
    from django.utils import timezone

    from mediation.models import FollowUp

    now = timezone.now()
    return [
        ((fired or now) - due).total_seconds()
        for fired, due in FollowUp.objects.filter(id__in=ids).values_list("fired_at", "due_at")
    ]


def unfired(ids: list[int]) -> int:
    from mediation.models import FollowUp

    return FollowUp.objects.filter(id__in=ids, fired_at__isnull=True).count()


def claimed_unfired(ids: list[int]) -> int:
    from mediation.models import FollowUp

    return FollowUp.objects.filter(
        id__in=ids, claimed_at__isnull=False, fired_at__isnull=True
    ).count()


def unsent_messages() -> int:
    from mediation.models import OutboundMessage

    return OutboundMessage.objects.filter(sent_at__isnull=True).count()


# --- scenario 1: kill -9 the worker while follow-ups fall due -------------------------------


def scenario_worker_kill(ctx: Context) -> None:
    from django.utils import timezone

    p = ctx.profile
    scenario = "worker-kill"
    rng = random.Random(1)
    procs = ctx.procs
    worker = procs.start("worker", worker_args("wk"))
    committees = ctx.take_committees(4)
    say(f"{scenario}: seeding {p.wk_cases} mediating + concluded cases")
    dw_cases = register_cases(committees, p.wk_cases, rng, accept=True)
    sat_cases = register_cases(
        committees, max(2, p.wk_cases // 10), rng, accept=True, conclude=True
    )
    first_due = timezone.now() + timedelta(seconds=2)
    ids = seed_followups(dw_cases, sat_cases, p.wk_followups, first_due, p.wk_window)
    last_due = time.monotonic() + 2 + p.wk_window
    say(
        f"{scenario}: {len(ids)} follow-ups due over {p.wk_window:.0f} s; "
        f"kill -9 every {p.wk_kill_every:.0f} s"
    )
    kills = caught = 0
    with Kicker() as kicker:
        next_kill = time.monotonic() + p.wk_kill_every
        while time.monotonic() < last_due + 0.5:
            time.sleep(0.2)
            if time.monotonic() >= next_kill:
                # Aim at a busy worker: wait (up to 2 s) until it holds claimed rows.
                busy_by = time.monotonic() + 2
                while not claimed_unfired(ids) and time.monotonic() < busy_by:
                    time.sleep(0.05)
                caught += claimed_unfired(ids)
                procs.kill(worker)
                kills += 1
                worker = procs.start("worker", worker_args(f"wk{kills}"))
                next_kill += p.wk_kill_every
        deadline = last_due + max(LATENESS_GOAL, 2 * SCAN_EVERY + CLAIM_TIMEOUT) + 30
        left = unfired(ids)
        while left and time.monotonic() < deadline:
            time.sleep(1)
            left = unfired(ids)
        drain_deadline = time.monotonic() + 30  # the outbox may lag the last firing a little
        while unsent_messages() and time.monotonic() < drain_deadline:
            time.sleep(1)
        say(f"{scenario}: {kills} kills, {kicker.sent} scans sent, {left} left unfired")
    procs.stop(worker)
    check(
        scenario,
        "worker killed (kill -9, process group)",
        None,
        f"{kills} times, holding {caught} claimed rows in all",
    )
    check_followup_effects(scenario, ids, ctx.send_log)
    late = lateness_stats(ids)
    check(
        scenario,
        "lateness (fired_at - due_at)",
        bool(late) and max(late) <= LATENESS_GOAL,
        f"max {max(late, default=0):.1f} s, p99 {percentile(late, 0.99):.1f} s, "
        f"p50 {percentile(late, 0.5):.1f} s",
        f"max <= {LATENESS_GOAL:.0f} s",
    )


# --- intake load (redis-stop, postgres-restart) -------------------------------------------


class IntakeLoad:
    """Threads that register cases over HTTP. A request that does not get 201 is retried
    with the same Idempotency-Key (as a client should), so each key is one case at most."""

    def __init__(self, port: int, identities: list[tuple[str, int]]):
        self.port = port
        self.identities = identities  # (token, committee id) per thread
        self.stop_event = threading.Event()
        self.records: list[Record] = []
        self.created: dict[str, int] = {}  # key -> case id from the 201
        self.unanswered: list[str] = []  # keys still without a 201 at the end
        self.threads = [
            threading.Thread(target=self.run, args=(i,), daemon=True)
            for i in range(len(identities))
        ]

    def run(self, index: int) -> None:
        token, committee_id = self.identities[index]
        rng = random.Random(1000 + index)
        key = body = None
        while not self.stop_event.is_set():
            if key is None:
                key = uuid.uuid4().hex
                body = intake_body(committee_id, key, rng)
            status, data, headers, t0, t1, error = request(
                self.port,
                "POST",
                f"{API}/cases/",
                token=token,
                body=body,
                headers={"Idempotency-Key": key},
            )
            replayed = headers.get("Idempotent-Replayed") == "true"
            self.records.append(Record(t0, t1, status, "intake", replayed, error))
            if status == 201:
                self.created[key] = data["id"]
                key = None
            else:
                time.sleep(0.2)
        if key is not None:
            self.unanswered.append(key)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def between(self, start: float, end: float) -> list[Record]:
        return [r for r in self.records if r.ended >= start and r.started <= end]


def intake_identities(port: int, committees) -> list[tuple[str, int]]:
    tokens = {c.id: login(port, f"mediator.{c.code}") for c in committees}
    return [(tokens[c.id], c.id) for c in committees]


def status_summary(records: list[Record]) -> str:
    counts = Counter(r.status if r.status != -1 else f"no-response:{r.error}" for r in records)
    return ", ".join(f"{k}: {v}" for k, v in sorted(counts.items(), key=str)) or "none"


def check_intake_keys(scenario: str, load: IntakeLoad) -> None:
    """No key made two cases; every 201 names a case that exists with that key."""
    from django.db.models import Count

    from mediation.models import Case

    titles = dict(
        Case.objects.filter(title__startswith="chaos ")
        .exclude(title__startswith="chaos seed")
        .values_list("title")
        .annotate(n=Count("id"))
        .values_list("title", "n")
    )
    duplicates = sum(1 for n in titles.values() if n > 1)
    existing = set(Case.objects.filter(id__in=load.created.values()).values_list("id", flat=True))
    lost = sum(1 for case_id in load.created.values() if case_id not in existing)
    committed_unanswered = sum(1 for key in load.unanswered if titles.get(f"chaos {key}"))
    replays = sum(1 for r in load.records if r.replayed)
    check(
        scenario,
        "intake: one case per Idempotency-Key, every 201 kept",
        duplicates == 0 and lost == 0,
        f"{len(load.created)} created, {duplicates} keys with 2+ cases, {lost} 201s without "
        f"a case, {replays} replays, {committed_unanswered} committed but unanswered at stop",
        "0 duplicates, 0 lost",
    )


# --- scenario 2: stop Redis during intake -------------------------------------------------


def scenario_redis_stop(ctx: Context) -> None:
    from django.utils import timezone

    p = ctx.profile
    scenario = "redis-stop"
    rng = random.Random(2)
    procs = ctx.procs
    port = free_port()
    web = procs.start("gunicorn", gunicorn_args(port))
    worker = procs.start("worker", worker_args("rs"))
    wait_http(port)
    committees = ctx.take_committees(p.rs_threads + 2)
    identities = intake_identities(port, committees[: p.rs_threads])
    backlog_committees = committees[p.rs_threads :]
    dw_cases = register_cases(backlog_committees, 10, rng, accept=True)
    sat_cases = register_cases(backlog_committees, 2, rng, accept=True, conclude=True)
    # The backlog: follow-ups falling due while Redis is down.
    outage_starts = time.monotonic() + p.rs_warmup
    first_due = timezone.now() + timedelta(seconds=p.rs_warmup + 1)
    ids = seed_followups(dw_cases, sat_cases, p.rs_backlog, first_due, max(p.rs_outage - 2, 1))
    say(f"{scenario}: intake with {p.rs_threads} threads; {len(ids)} follow-ups due in outage")
    director_name = f"director.{committees[0].code}"
    probes = {}
    with Kicker() as kicker, IntakeLoad(port, identities) as load:
        time.sleep(max(0.0, outage_starts - time.monotonic()))
        probes["sign-in before"] = request(
            port,
            "POST",
            f"{API}/auth/token/",
            body={"username": director_name, "password": DEMO_PASSWORD},
        )
        redis_stop()
        stopped_at = time.monotonic()
        say(f"{scenario}: Redis stopped for {p.rs_outage:.0f} s")
        time.sleep(p.rs_outage / 2)
        probes["sign-in during"] = request(
            port,
            "POST",
            f"{API}/auth/token/",
            body={"username": director_name, "password": DEMO_PASSWORD},
        )
        probes["health during"] = request(port, "GET", f"{API}/health/")
        time.sleep(max(0.0, stopped_at + p.rs_outage - time.monotonic()))
        redis_start()
        restarted_at = time.monotonic()
        backlog_due = unfired(ids)
        backlog_unsent = unsent_messages()
        say(f"{scenario}: Redis back; backlog {backlog_due} due, {backlog_unsent} unsent")
        time.sleep(p.rs_after)
        load.stop_event.set()
        drained_at = wait_drained(ids, restarted_at + DRAIN_GOAL + 30)
        kicked = kicker.sent
    procs.stop(worker)
    procs.stop(web)
    records = load.records
    during = load.between(stopped_at, restarted_at)
    non_201 = [r for r in records if r.status != 201]
    check(
        scenario,
        "intake answers 201 throughout",
        not non_201 and bool(during),
        f"{len(records)} requests ({len(during)} during the outage); "
        f"statuses {status_summary(records)}",
        "all 201",
    )
    check(
        scenario,
        "intake latency during the outage",
        None,
        f"p50 {percentile([r.seconds for r in during], 0.5) * 1000:.0f} ms, "
        f"max {max((r.seconds for r in during), default=0) * 1000:.0f} ms",
    )
    check_intake_keys(scenario, load)
    check(
        scenario,
        "backlog when Redis came back",
        None,
        f"{backlog_due} follow-ups due and unfired, {backlog_unsent} messages unsent; "
        f"{kicked} scans sent",
    )
    drain = (drained_at - restarted_at) if drained_at else None
    check(
        scenario,
        "backlog drained after Redis is back",
        drain is not None and drain <= DRAIN_GOAL,
        f"{drain:.1f} s" if drain is not None else f"not drained ({unfired(ids)} left)",
        f"<= {DRAIN_GOAL:.0f} s",
    )
    check_followup_effects(scenario, ids, ctx.send_log)
    for name, (status, data, *_rest) in probes.items():
        check(scenario, name, None, f"{status} {(data or {}).get('code', '')}".strip())


# --- scenario 3: transfer storm -----------------------------------------------------------


def scenario_transfer_storm(ctx: Context) -> None:
    p = ctx.profile
    scenario = "transfer-storm"
    rng = random.Random(3)
    procs = ctx.procs
    port = free_port()
    web = procs.start("gunicorn", gunicorn_args(port))
    wait_http(port)
    committees = ctx.take_committees(p.ts_committees)
    cases = register_cases(committees, p.ts_cases, rng, accept=False)
    case_ids = [c.id for c in cases]
    tokens = {c.id: login(port, f"director.{c.code}") for c in committees}
    district = login(port, "district")
    committee_ids = [c.id for c in committees]
    records: list[Record] = []
    stop_event = threading.Event()
    say(
        f"{scenario}: {p.ts_threads} threads on {len(case_ids)} cases across "
        f"{len(committees)} committees for {p.ts_duration:.0f} s"
    )

    def post(op: str, path: str, token: str, body: dict | None = None) -> None:
        status, _data, _h, t0, t1, error = request(port, "POST", path, token=token, body=body)
        records.append(Record(t0, t1, status, op, error=error))

    def storm(index: int) -> None:
        local = random.Random(100 + index)
        while not stop_event.is_set():
            case_id = local.choice(case_ids)
            status, data, _h, t0, t1, error = request(
                port, "GET", f"{API}/cases/{case_id}/", token=district
            )
            records.append(Record(t0, t1, status, "read", error=error))
            if status != 200:
                continue
            pending = [t for t in data["transfers"] if t["status"] == "pending"]
            if pending:
                transfer = pending[0]
                op = local.choice(("accept", "reject", "cancel"))
                if op == "accept":
                    post(
                        op,
                        f"{API}/transfers/{transfer['id']}/accept/",
                        tokens[transfer["to_committee"]],
                    )
                elif op == "reject":
                    post(
                        op,
                        f"{API}/transfers/{transfer['id']}/reject/",
                        tokens[transfer["to_committee"]],
                        {"reason": "不属本会管辖。"},
                    )
                else:
                    post(
                        op,
                        f"{API}/transfers/{transfer['id']}/cancel/",
                        tokens[transfer["from_committee"]],
                    )
            else:
                holder = data["committee"]
                target = local.choice([c for c in committee_ids if c != holder])
                post(
                    "request",
                    f"{API}/cases/{case_id}/transfer/",
                    tokens[holder],
                    {
                        "to_committee": target,
                        "kind": "reassign",
                        "reason": "当事人住所在对方辖区。",
                    },
                )

    threads = [threading.Thread(target=storm, args=(i,), daemon=True) for i in range(p.ts_threads)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(p.ts_duration)
    stop_event.set()
    for thread in threads:
        thread.join(timeout=60)
    elapsed = time.monotonic() - started
    procs.stop(web)

    by_op = defaultdict(Counter)
    for r in records:
        by_op[r.op][r.status if r.status != -1 else f"no-response:{r.error}"] += 1
    summary = "; ".join(
        f"{op} " + ", ".join(f"{k}: {v}" for k, v in sorted(c.items(), key=str))
        for op, c in sorted(by_op.items())
    )
    check(
        scenario,
        "requests",
        None,
        f"{len(records)} in {elapsed:.0f} s ({len(records) / elapsed:.0f}/s); {summary}",
    )
    writes = [r.seconds for r in records if r.op != "read"]
    check(
        scenario,
        "write latency",
        None,
        f"p50 {percentile(writes, 0.5) * 1000:.0f} ms, "
        f"p99 {percentile(writes, 0.99) * 1000:.0f} ms",
    )
    server_errors = sum(1 for r in records if r.status >= 500 or r.status == -1)
    check(scenario, "5xx or no response", server_errors == 0, server_errors, "0")
    stale_scope = sum(1 for r in records if r.op == "request" and r.status == 404)
    other = Counter(
        (r.op, r.status)
        for r in records
        if r.status not in (200, 201, 409) and not (r.op == "request" and r.status == 404)
    )
    check(
        scenario,
        "errors other than 409",
        not other,
        f"{sum(other.values())}{f' {dict(other)}' if other else ''}; besides, {stale_scope} x "
        "404 on a request by a director whose committee had just lost the case (out of scope)",
        "0",
    )
    conflicts = sum(1 for r in records if r.status == 409)
    check(scenario, "409 answers (lost races)", None, conflicts)
    check_transfer_chains(scenario, case_ids)


def check_transfer_chains(scenario: str, case_ids: list[int]) -> None:
    from django.db import connection

    from mediation.models import Case, CaseEvent, Transfer
    from mediation.services import case_number_format

    transfers = defaultdict(list)
    for t in Transfer.objects.filter(case_id__in=case_ids).order_by("id"):
        transfers[t.case_id].append(t)
    events = defaultdict(list)
    for e in CaseEvent.objects.filter(case_id__in=case_ids).order_by("id"):
        events[e.case_id].append(e)
    problems: list[str] = []
    totals = Counter()
    for case in Case.objects.filter(id__in=case_ids).select_related("committee"):
        chain = transfers[case.id]
        registered = [e for e in events[case.id] if e.kind == "registered"]
        if len(registered) != 1:
            problems.append(f"case {case.id}: {len(registered)} registered events")
            continue
        holder = registered[0].committee_id
        previous_decided_at = None
        pending = 0
        for index, t in enumerate(chain):
            totals[t.status] += 1
            if t.from_committee_id != holder:
                problems.append(f"case {case.id}: transfer {t.id} from a committee not holding it")
            if previous_decided_at is None and index > 0:
                problems.append(f"case {case.id}: transfer {t.id} requested while one pending")
            elif previous_decided_at and previous_decided_at > t.requested_at:
                problems.append(f"case {case.id}: transfer {t.id} overlaps the one before")
            if t.status == Transfer.Status.PENDING:
                pending += 1
                if index != len(chain) - 1:
                    problems.append(f"case {case.id}: pending transfer {t.id} is not the last")
            elif t.decided_at is None:
                problems.append(f"case {case.id}: decided transfer {t.id} without decided_at")
            if t.status == Transfer.Status.ACCEPTED:
                holder = t.to_committee_id
            previous_decided_at = t.decided_at
        if pending > 1:
            problems.append(f"case {case.id}: {pending} pending transfers")
        if case.committee_id != holder:
            problems.append(f"case {case.id}: held by {case.committee_id}, chain says {holder}")
        if case.transfer_pending != (pending == 1):
            problems.append(
                f"case {case.id}: transfer_pending={case.transfer_pending}, {pending} pending"
            )
        accepted = [t for t in chain if t.status == Transfer.Status.ACCEPTED]
        if len(case.previous_numbers) != len(accepted):
            problems.append(
                f"case {case.id}: {len(case.previous_numbers)} previous numbers, "
                f"{len(accepted)} accepted transfers"
            )
        moves = [e for e in events[case.id] if e.kind == "transfer_accepted"]
        numbers = [registered[0].data.get("number")] + [e.data.get("number") for e in moves]
        if [e.data.get("previous_number") for e in moves] != case.previous_numbers or (
            numbers[-1] != case.number
        ):
            problems.append(f"case {case.id}: numbers in the history do not match the case")
        expected_number = case_number_format(
            committee=case.committee, year=case.number_year, sequence=case.number_sequence
        )
        if case.number != expected_number:
            problems.append(f"case {case.id}: number {case.number} is not the holder's")
        kinds = Counter(e.kind for e in events[case.id])
        decided = len(chain) - pending
        decisions = sum(
            kinds[k]
            for k in (
                "transfer_accepted",
                "transfer_rejected",
                "transfer_cancelled",
                "transfer_expired",
            )
        )
        if kinds["transfer_requested"] != len(chain) or decisions != decided:
            problems.append(
                f"case {case.id}: {kinds['transfer_requested']} request events for "
                f"{len(chain)} transfers, {decisions} decision events for {decided} decided"
            )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT case_id FROM mediation_transfer "
            "WHERE status = 'pending' GROUP BY case_id HAVING count(*) > 1) AS many"
        )
        many_pending = cursor.fetchone()[0]
    check(
        scenario,
        "transfers",
        None,
        ", ".join(f"{k}: {v}" for k, v in sorted(totals.items())) or "none",
    )
    check(scenario, "cases with 2+ pending transfers", many_pending == 0, many_pending, "0")
    check(
        scenario,
        "each case in exactly one committee, every chain consistent",
        not problems,
        f"{len(problems)} problems in {len(case_ids)} cases"
        + (f"; first: {problems[:3]}" if problems else ""),
        "0",
    )


# --- scenario 4: restart PostgreSQL during intake ------------------------------------------


def scenario_postgres_restart(ctx: Context) -> None:
    from django.utils import timezone

    p = ctx.profile
    scenario = "postgres-restart"
    rng = random.Random(4)
    procs = ctx.procs
    port = free_port()
    web = procs.start("gunicorn", gunicorn_args(port))
    worker = procs.start("worker", worker_args("pg"))
    wait_http(port)
    committees = ctx.take_committees(p.pg_threads + 2)
    identities = intake_identities(port, committees[: p.pg_threads])
    dw_cases = register_cases(committees[p.pg_threads :], 4, rng, accept=True)
    sat_cases = register_cases(committees[p.pg_threads :], 2, rng, accept=True, conclude=True)
    # Follow-ups falling due around the restart: the worker must recover by itself too.
    first_due = timezone.now() + timedelta(seconds=p.pg_warmup - 1)
    ids = seed_followups(dw_cases, sat_cases, 50, first_due, 6)
    say(f"{scenario}: intake with {p.pg_threads} threads, then a PostgreSQL restart")
    with Kicker(), IntakeLoad(port, identities) as load:
        time.sleep(p.pg_warmup)
        restart_began = time.monotonic()
        try:
            if p.pg_down:
                pg_ctl("stop")
                time.sleep(p.pg_down)
                pg_ctl("start")
            else:
                pg_ctl("restart")
        finally:
            restart_ended = time.monotonic()
            db_reconnect()
        say(
            f"{scenario}: PostgreSQL restarted in {restart_ended - restart_began:.1f} s "
            f"(held down {p.pg_down:.0f} s)"
        )
        recovered_at = None
        while time.monotonic() < restart_ended + 60:
            later = [r for r in load.records if r.started >= restart_ended and r.status == 201]
            if later:
                recovered_at = min(r.ended for r in later)
                break
            time.sleep(0.2)
        time.sleep(p.pg_after)
        load.stop_event.set()
        drained_at = wait_drained(ids, restart_ended + DRAIN_GOAL + 30)
    procs.stop(worker)
    procs.stop(web)
    db_reconnect()
    records = load.records
    window_end = recovered_at or restart_ended + 60
    outage = [r for r in records if r.ended >= restart_began and r.started <= window_end]
    failed = [r for r in outage if r.status != 201]
    check(
        scenario,
        "answers while PostgreSQL restarts",
        None,
        f"{len(outage)} requests: {status_summary(outage)}",
    )
    if failed:
        check(
            scenario,
            "outage as clients saw it",
            None,
            f"first non-201 sent at {min(r.started for r in failed) - restart_began:+.1f} s, "
            f"last answered at {max(r.ended for r in failed) - restart_began:+.1f} s after the "
            f"restart began (pg_ctlcluster took {restart_ended - restart_began:.1f} s)",
        )
    slowest = max((r.seconds for r in outage), default=0.0)
    check(
        scenario,
        "slowest answer during the outage",
        bool(failed) and slowest <= OUTAGE_RESPONSE_GOAL,
        f"{slowest:.2f} s over {len(outage)} answers ({len(failed)} not 201)"
        + ("" if failed else "; the outage was not seen by any request"),
        f"<= {OUTAGE_RESPONSE_GOAL:.0f} s",
    )
    bad = [r for r in records if r.status not in (201, 503)]
    check(
        scenario,
        "only 201 or 503 (no 500, no dropped connection)",
        not bad,
        f"{len(bad)} others: {status_summary(bad)}" if bad else "0 others",
        "0",
    )
    recovery = (recovered_at - restart_ended) if recovered_at else None
    check(
        scenario,
        "201s again after the restart, same gunicorn",
        recovery is not None and recovery <= RECOVERY_GOAL,
        f"{recovery:.1f} s after pg_ctlcluster returned"
        if recovery is not None
        else "no 201 within 60 s",
        f"<= {RECOVERY_GOAL:.0f} s",
    )
    after = [r for r in records if recovered_at and r.started >= recovered_at]
    check(
        scenario,
        "answers after recovery",
        all(r.status == 201 for r in after) and bool(after),
        f"{len(after)} requests: {status_summary(after)}",
        "all 201",
    )
    check_intake_keys(scenario, load)
    drain = (drained_at - restart_ended) if drained_at else None
    check(
        scenario,
        "worker: follow-ups due around the restart fired afterwards",
        drain is not None and drain <= DRAIN_GOAL,
        f"all {len(ids)} within {drain:.1f} s of the restart"
        if drain is not None
        else f"{unfired(ids)} of {len(ids)} still unfired",
        f"<= {DRAIN_GOAL:.0f} s",
    )
    check_followup_effects(scenario, ids, ctx.send_log)


# --- whole-database invariants --------------------------------------------------------------

NUMBER_PATTERN = re.compile(r"^（(\d{4})）.+第(\d+)号$")


def check_cases_whole(scenario: str = "all") -> None:
    """No half-written case; numbers per committee-year gapless from 1, each issued once,
    and the counter at the highest number."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM mediation_case c WHERE "
            "(SELECT count(*) FROM mediation_party p WHERE p.case_id = c.id) < 2"
        )
        few_parties = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM mediation_case c WHERE NOT EXISTS (SELECT 1 FROM "
            "mediation_caseevent e WHERE e.case_id = c.id AND e.kind = 'registered')"
        )
        unregistered = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM mediation_case")
        total = cursor.fetchone()[0]
        cursor.execute(
            "SELECT committee_id, data->>'number' FROM mediation_caseevent "
            "WHERE kind IN ('registered', 'transfer_accepted')"
        )
        issued = cursor.fetchall()
        cursor.execute("SELECT committee_id, year, last FROM mediation_casenumbercounter")
        counters = {(c, y): last for c, y, last in cursor.fetchall()}
        cursor.execute("SELECT committee_id, number_year, number_sequence FROM mediation_case")
        current = cursor.fetchall()
    check(
        scenario,
        "no half-written case (>= 2 parties and a 'registered' event)",
        few_parties == 0 and unregistered == 0,
        f"{total} cases: {few_parties} with < 2 parties, {unregistered} without the event",
        "0 / 0",
    )
    sequences = defaultdict(list)
    unparsed = 0
    for committee_id, number in issued:
        match = NUMBER_PATTERN.match(number or "")
        if not match:
            unparsed += 1
            continue
        sequences[(committee_id, int(match.group(1)))].append(int(match.group(2)))
    problems = []
    for key, values in sequences.items():
        if sorted(values) != list(range(1, len(values) + 1)):
            problems.append(f"{key}: {len(values)} numbers, max {max(values)}, duplicates or gaps")
        if counters.get(key) != max(values):
            problems.append(f"{key}: counter {counters.get(key)}, highest issued {max(values)}")
    missing_current = sum(1 for c, y, s in current if s not in set(sequences.get((c, y), [])))
    check(
        scenario,
        "case numbers gapless per committee-year, each issued once",
        not problems and unparsed == 0 and missing_current == 0,
        f"{len(sequences)} committee-years, {sum(map(len, sequences.values()))} numbers; "
        f"{len(problems)} problems, {missing_current} current numbers not in the history"
        + (f"; first: {problems[:3]}" if problems else ""),
        "0",
    )


# --- main ------------------------------------------------------------------------------------


def setup(profile: Profile, db_name: str) -> tuple[dict, Path, Path]:
    from cryptography.fernet import Fernet

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
        "TIAOJIE_FOLLOWUP_CLAIM_TIMEOUT": str(CLAIM_TIMEOUT),
        "TIAOJIE_MESSAGE_SENDER": "bench.chaos.RecordingSender",
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
    sys.path.insert(0, str(ROOT))
    import django

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
    global SCAN_EVERY, CLAIM_TIMEOUT
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--short", action="store_true", help="the CI version (seconds)")
    parser.add_argument("--only", default=",".join(SCENARIOS), help="comma-separated scenarios")
    parser.add_argument("--db", default="tiaojie_chaos", help="database (dropped and recreated)")
    parser.add_argument(
        "--scan-every",
        type=float,
        default=SCAN_EVERY,
        help="seconds between scan_followups sends (beat ships with 60)",
    )
    parser.add_argument(
        "--claim-timeout",
        type=int,
        default=CLAIM_TIMEOUT,
        help="TIAOJIE_FOLLOWUP_CLAIM_TIMEOUT for the workers (the default setting is 60)",
    )
    args = parser.parse_args()
    SCAN_EVERY, CLAIM_TIMEOUT = args.scan_every, args.claim_timeout
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
    from committees.models import Committee

    ctx.committees = list(Committee.objects.filter(is_active=True).order_by("code"))
    say(
        f"setup done in {time.monotonic() - started:.0f} s ({profile.name} profile; scans "
        f"every {SCAN_EVERY:g} s, claim timeout {CLAIM_TIMEOUT} s)"
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
