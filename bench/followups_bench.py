"""Follow-up drain benchmark (issue 5): N due follow-ups, ONE Celery worker, time to drain.

    DEBUG=1 .venv/bin/python bench/followups_bench.py --count 10000

Needs the local PostgreSQL and Redis. Uses its own database (tiaojie_fubench, recreated),
127.0.0.1 only. Each follow-up is a real deadline warning on a real accepted case that
notifies two people (the mediator and the director), so 10,000 follow-ups write 20,000
notifications. Prints the drain time, the rate, and checks every row fired exactly once.
"""

import argparse
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB = "tiaojie_fubench"
PG = "postgres://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379/13"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--concurrency", type=int, default=1, help="worker processes")
    args = parser.parse_args()

    subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-qc",
            f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)",
        ],
        check=True,
    )
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {DB}"], check=True
    )
    env = {
        **os.environ,
        "DATABASE_URL": f"{PG}/{DB}",
        "REDIS_URL": REDIS,
        "DEBUG": os.environ.get("DEBUG", "1"),
    }
    os.environ.update(env)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [sys.executable, "manage.py", "load_reference_data"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from committees.models import Committee, Mediator
    from config.celery import app
    from mediation import services
    from mediation.models import FollowUp, Notification

    committee = Committee.objects.get(code="C640106001001")
    users = get_user_model().objects
    director = users.create_user("bench_director")
    mediator = users.create_user("bench_mediator")
    Mediator.objects.create(committee=committee, user=director, name="主任", role="director")
    membership = Mediator.objects.create(committee=committee, user=mediator, name="调解员")
    parties = [{"role": "applicant", "name": "甲"}, {"role": "respondent", "name": "乙"}]
    cases = []
    for index in range(20):
        case = services.case_register(
            actor=mediator,
            committee=committee,
            source="party_application",
            parties=parties,
            dispute_type="neighbourhood",
            title=f"纠纷{index}",
        )
        cases.append(services.case_accept(actor=director, case=case, mediator_ids=[membership.id]))
    FollowUp.objects.all().delete()
    due = timezone.now() - timedelta(minutes=1)
    FollowUp.objects.bulk_create(
        (
            FollowUp(
                kind="deadline_warning", case=cases[i % 20], committee=committee, due_at=due, step=i
            )
            for i in range(args.count)
        ),
        batch_size=5000,
    )

    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--concurrency",
            str(args.concurrency),
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        time.sleep(3)  # worker start-up, not counted
        started = time.monotonic()
        last_kick = 0.0
        while True:
            left = FollowUp.objects.filter(fired_at__isnull=True).count()
            if left == 0:
                break
            if time.monotonic() - last_kick > 5:  # what beat does every minute, faster
                for _ in range(args.concurrency):
                    app.send_task("mediation.tasks.scan_followups")
                last_kick = time.monotonic()
            if time.monotonic() - started > 600:
                print(f"gave up after 600 s with {left} left")
                return 1
            time.sleep(0.2)
        elapsed = time.monotonic() - started
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)

    fired = FollowUp.objects.filter(status="done").count()
    notifications = Notification.objects.count()
    print(f"follow-ups: {args.count}, worker processes: {args.concurrency}")
    print(f"drained in {elapsed:.1f} s = {args.count / elapsed:.0f} follow-ups/s")
    print(
        f"done: {fired} (expected {args.count}); notifications: {notifications} "
        f"(expected {2 * args.count})"
    )
    ok = fired == args.count and notifications == 2 * args.count
    print("PASS" if ok and elapsed <= 60 else "FAIL (goal: 10,000 in ≤ 60 s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
