"""Scenario worker-kill: kill -9 the worker while follow-ups fall due (bench/chaos.py).

Django's modules are imported inside the functions: the run configures Django only after
creating its database (chaos.setup)."""

import random
import time
from datetime import timedelta

from bench.chaos_base import (
    LATENESS_GOAL,
    TIMING,
    check,
    percentile,
    say,
    worker_args,
)
from bench.chaos_common import (
    Context,
    Kicker,
    check_followup_effects,
    claimed_unfired,
    lateness_stats,
    register_cases,
    seed_followups,
    unfired,
    unsent_messages,
)

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
        deadline = last_due + max(LATENESS_GOAL, 2 * TIMING.scan_every + TIMING.claim_timeout) + 30
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
