"""What every part of the load benchmark (bench/load.py) shares: paths, the benchmark-only
secrets, the number of clients, logging and running a command."""

import base64
import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

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


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {message}", flush=True)


def loadavg() -> float:
    return os.getloadavg()[0]


def run(command: list, env: dict) -> None:
    subprocess.run([str(c) for c in command], cwd=ROOT, env=env, check=True)
