"""The follow-up engine against the real PostgreSQL, Redis and a real Celery worker process.

1,000 follow-ups fall due; the worker is killed with SIGKILL mid-batch and restarted →
every follow-up fires exactly once (counted in the effect rows). Two scans at once → no
row fired twice. Redis restarted between scans → nothing lost.
"""

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from mediation.choices import Status
from mediation.followups import followups_scan
from mediation.models import FollowUp, Notification
from tests.builders import PLAIN_PARTIES, make_case
from tests.celery_config import configure as configure_celery

ROOT = Path(__file__).resolve().parents[2]
IS_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not IS_POSTGRES, reason="needs the real PostgreSQL (set DATABASE_URL)"),
    pytest.mark.django_db(transaction=True),
]


def _due_followups(director, mediator, committee, count: int) -> list[int]:
    """`count` due deadline warnings over a few real, accepted cases."""
    cases = [
        make_case(
            mediator,
            committee,
            parties=PLAIN_PARTIES,
            title=f"纠纷{index}",
            status=Status.MEDIATING,
            director=director,
        )
        for index in range(5)
    ]
    FollowUp.objects.all().delete()
    past = timezone.now() - timedelta(minutes=5)
    rows = FollowUp.objects.bulk_create(
        FollowUp(
            kind=FollowUp.Kind.DEADLINE_WARNING,
            case=cases[i % 5],
            committee=committee,
            due_at=past,
            step=i,
        )
        for i in range(count)
    )
    return [row.id for row in rows]


def _redis_url() -> str:
    return os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"


def _redis_up() -> bool:
    import redis

    try:
        return redis.Redis.from_url(_redis_url(), socket_timeout=1).ping()
    except Exception:
        return False


def _start_worker(log_path: Path) -> subprocess.Popen:
    database = connection.settings_dict
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        ),
        "REDIS_URL": _redis_url(),
        "TIAOJIE_FOLLOWUP_CLAIM_TIMEOUT": "3",
    }
    log = open(log_path, "ab")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _kill(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _send_scan():
    from config.celery import app

    app.send_task("mediation.tasks.scan_followups")


@pytest.fixture
def broker():
    if not _redis_up():
        pytest.skip("needs the real Redis (set REDIS_URL)")
    from config.celery import app

    configure_celery(app, task_always_eager=False, broker_url=_redis_url())
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge("celery")
    yield app


def _effects() -> int:
    return Notification.objects.filter(kind=FollowUp.Kind.DEADLINE_WARNING).count()


def test_worker_killed_mid_batch_loses_and_doubles_nothing(
    broker, director_a, mediator_a, committee_a, tmp_path
):
    # given 1,000 due follow-ups, each notifying the mediator and the director
    ids = _due_followups(director_a, mediator_a, committee_a, 1000)
    expected_effects = 2 * len(ids)
    log = tmp_path / "worker.log"

    # when a worker starts draining them and is killed with SIGKILL part-way
    worker = _start_worker(log)
    try:
        _send_scan()
        deadline = time.monotonic() + 90
        while _effects() < expected_effects // 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        fired_before_kill = _effects()
        _kill(worker)
        assert 0 < fired_before_kill < expected_effects, log.read_text()[-2000:]

        # and a new worker takes over (beat would send a scan every minute)
        worker = _start_worker(log)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            _send_scan()
            time.sleep(2)
            if FollowUp.objects.filter(id__in=ids, fired_at__isnull=True).count() == 0:
                break
    finally:
        _kill(worker)

    # then every follow-up fired exactly once
    assert FollowUp.objects.filter(id__in=ids, status=FollowUp.Status.DONE).count() == 1000, (
        log.read_text()[-3000:]
    )
    assert _effects() == expected_effects
    per_row = Notification.objects.filter(follow_up_id__in=ids).values_list("follow_up_id")
    assert len(set(per_row)) == 1000


def test_two_scans_at_once_fire_each_row_once(director_a, mediator_a, committee_a):
    ids = _due_followups(director_a, mediator_a, committee_a, 600)
    fired = []
    barrier = threading.Barrier(2)

    def scan():
        try:
            barrier.wait()
            fired.append(followups_scan(batch=50))
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(fired) == 600
    assert all(count > 0 for count in fired), fired  # both scanners did work, on different rows
    assert FollowUp.objects.filter(id__in=ids, fired_at__isnull=True).count() == 0
    assert _effects() == 1200


# It restarts the machine's Redis: `make test` runs it after the parallel part (-m serial).
@pytest.mark.serial
@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server to restart")
def test_redis_restarted_between_scans_loses_nothing(
    broker, director_a, mediator_a, committee_a, tmp_path
):
    ids = _due_followups(director_a, mediator_a, committee_a, 200)
    worker = _start_worker(tmp_path / "worker.log")
    try:
        # the broker goes away (its messages with it) before anything is consumed
        _send_scan()
        subprocess.run(
            ["redis-cli", "-p", "6379", "shutdown", "nosave"],
            check=False,
            capture_output=True,
            timeout=10,
        )
        subprocess.run(
            [
                "redis-server",
                "--daemonize",
                "yes",
                "--bind",
                "127.0.0.1",
                "--port",
                "6379",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            check=True,
            capture_output=True,
            timeout=10,
        )
        deadline = time.monotonic() + 20
        while not _redis_up() and time.monotonic() < deadline:
            time.sleep(0.2)
        # the next beat tick finds every row still due in the database
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                _send_scan()
            except Exception:
                pass
            time.sleep(2)
            if FollowUp.objects.filter(id__in=ids, fired_at__isnull=True).count() == 0:
                break
    finally:
        _kill(worker)

    assert FollowUp.objects.filter(id__in=ids, status=FollowUp.Status.DONE).count() == 200
    assert _effects() == 400
