"""Scenario redis-stop: stop Redis during intake (bench/chaos.py).

Django's modules are imported inside the functions: the run configures Django only after
creating its database (chaos.setup)."""

import random
import time
from datetime import timedelta

from bench.chaos_base import (
    API,
    DEMO_PASSWORD,
    DRAIN_GOAL,
    check,
    free_port,
    gunicorn_args,
    percentile,
    redis_start,
    redis_stop,
    request,
    say,
    wait_http,
    worker_args,
)
from bench.chaos_common import (
    Context,
    IntakeLoad,
    Kicker,
    check_followup_effects,
    check_intake_keys,
    intake_identities,
    register_cases,
    seed_followups,
    status_summary,
    unfired,
    unsent_messages,
    wait_drained,
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
