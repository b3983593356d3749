"""The chaos run's frame: settings and profiles, results, the processes it starts, the
machine's PostgreSQL and Redis, and HTTP against gunicorn (bench/chaos.py)."""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # the only address this script ever talks to
PG_PORT = 5432
PG_ADMIN = f"postgres://postgres@{HOST}:{PG_PORT}"
REDIS_PORT = 6379
REDIS_DB = 11
DEMO_PASSWORD = "tiaojie-demo"
API = "/api/v1"


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


@dataclass
class Timing:
    """What beat does every 60 s, done every 2 s so lateness measures the engine, and a
    claim timeout of 10 s instead of 60 (--scan-every / --claim-timeout set the shipped
    values; main() sets them here before any scenario runs)."""

    scan_every: float = 2.0
    claim_timeout: int = 10


TIMING = Timing()


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
