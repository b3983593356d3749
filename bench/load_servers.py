"""gunicorn and locust for the load benchmark (bench/load.py)."""

import json
import math
import os
import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from load_common import BIN, INTAKE_USERS, ROOT, STATS_USERS, loadavg, log

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
