"""Scenario postgres-restart: restart PostgreSQL during intake (bench/chaos.py).

Django's modules are imported inside the functions: the run configures Django only after
creating its database (chaos.setup)."""

import random
import time
from datetime import timedelta

from bench.chaos_base import (
    DRAIN_GOAL,
    OUTAGE_RESPONSE_GOAL,
    RECOVERY_GOAL,
    check,
    free_port,
    gunicorn_args,
    pg_ctl,
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
    db_reconnect,
    intake_identities,
    register_cases,
    seed_followups,
    status_summary,
    unfired,
    wait_drained,
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
