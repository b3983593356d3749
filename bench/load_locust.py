"""Locust users for bench/load.py (issue 8). Run by load.py, not by hand:

    LOAD_CONFIG=config.json LOAD_OUT=out.json LOAD_WARMUP=3 LOAD_INTAKE_USERS=8 \\
        locust -f bench/load_locust.py --headless -u 8 -r 8 -t 20s \\
        --host http://127.0.0.1:8391 IntakeApiUser

Every user is a closed loop (no wait between requests): N users = N concurrent clients.
Each request's latency is kept in memory (after the warm-up) and written to LOAD_OUT as
JSON when locust stops, so load.py computes exact percentiles itself. No third-party
import besides locust: this file runs under gevent in its own process.
"""

import itertools
import json
import os
import random
import time

from load_bodies import case_body
from locust import FastHttpUser, constant, events, task

CONFIG = json.loads(open(os.environ["LOAD_CONFIG"], encoding="utf-8").read())
WARMUP = float(os.environ.get("LOAD_WARMUP", "3"))
STARTED = time.monotonic()
SAMPLES: dict[str, list[float]] = {}
FAILURES: dict[str, dict[str, int]] = {}
WINDOW = {"first": None, "last": None}


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception, **kwargs):
    now = time.monotonic()
    if now - STARTED < WARMUP:
        return
    if exception is not None:
        bucket = FAILURES.setdefault(name, {})
        key = str(exception)[:120]
        bucket[key] = bucket.get(key, 0) + 1
        return
    if WINDOW["first"] is None:
        WINDOW["first"] = now - response_time / 1000
    WINDOW["last"] = now
    SAMPLES.setdefault(name, []).append(response_time)


@events.quitting.add_listener
def _dump(environment, **kwargs):
    with open(os.environ["LOAD_OUT"], "w", encoding="utf-8") as out:
        json.dump(
            {
                "samples": SAMPLES,
                "failures": FAILURES,
                "window": (WINDOW["last"] or 0) - (WINDOW["first"] or 0),
            },
            out,
        )


_intake_slots = itertools.count()


class _Base(FastHttpUser):
    abstract = True
    wait_time = constant(0)
    # Sync gunicorn workers close the connection after each response anyway.
    connection_timeout = 10.0
    network_timeout = 60.0

    def headers(self, token: str) -> dict:
        return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def check(self, response, expected: int):
        if response.status_code != expected:
            response.failure(f"{response.status_code}: {response.text[:100]}")
        else:
            response.success()


class _Intake(_Base):
    abstract = True
    path = ""
    label = ""

    def on_start(self):
        slot = next(_intake_slots) % len(CONFIG["intake"])
        self.token = CONFIG["intake"][slot]["token"]
        self.committee = CONFIG["intake"][slot]["committee"]
        self.rng = random.Random(os.getpid() * 1000 + slot)

    @task
    def register(self):
        body = json.dumps(case_body(self.rng, self.committee), ensure_ascii=False)
        with self.client.post(
            self.path,
            data=body.encode(),
            headers=self.headers(self.token),
            name=self.label,
            catch_response=True,
        ) as response:
            self.check(response, 201)


class IntakeApiUser(_Intake):
    fixed_count = int(os.environ.get("LOAD_INTAKE_USERS", "8"))
    path = "/api/v1/cases/"
    label = "intake_api"


class IntakeFloorUser(_Intake):
    fixed_count = int(os.environ.get("LOAD_INTAKE_USERS", "8"))
    path = "/bench-floor/cases/"
    label = "intake_floor"


class _List(_Base):
    abstract = True
    path = ""
    label = ""

    @task
    def page(self):
        with self.client.get(
            f"{self.path}?committee={CONFIG['list']['committee']}&page_size=50",
            headers=self.headers(CONFIG["list"]["token"]),
            name=self.label,
            catch_response=True,
        ) as response:
            self.check(response, 200)


class ListApiUser(_List):
    path = "/api/v1/cases/"
    label = "list_api"


class ListFloorUser(_List):
    path = "/bench-floor/cases/list/"
    label = "list_floor"


_stats_slots = itertools.count()


class StatsUser(_Base):
    """Half the users ask for the summary, half for the month × dispute type breakdown, as
    the district office. LOAD_STATS_PERIOD=ytd (default): no period given, i.e. this year
    to date, the dashboard's default; =last_year: from/to the last calendar year (whole
    months: the API answers from the rollup). LOAD_STATS_HOST sends these requests to
    another server (locust's --host applies to every user class, so the URL is absolute).
    """

    fixed_count = int(os.environ.get("LOAD_STATS_USERS", "10"))

    def on_start(self):
        slot = next(_stats_slots)
        base = os.environ.get("LOAD_STATS_HOST", "")
        period = ""
        if os.environ.get("LOAD_STATS_PERIOD") == "last_year":
            year = time.localtime().tm_year - 1
            period = f"from={year}-01-01&to={year}-12-31"
        if slot % 2:
            self.url = f"{base}/api/v1/statistics/summary/?{period}"
            self.label = "stats_summary"
        else:
            self.url = f"{base}/api/v1/statistics/breakdown/?by=month&by=dispute_type&{period}"
            self.label = "stats_breakdown"

    @task
    def stats(self):
        with self.client.get(
            self.url,
            headers=self.headers(CONFIG["stats"]["token"]),
            name=self.label,
            catch_response=True,
        ) as response:
            self.check(response, 200)
