import logging
import os
import threading
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection

from mediation.followups import followups_scan

logger = logging.getLogger(__name__)


def _embedded_scheduler(every: float) -> None:
    """Without a broker, fire due follow-ups from a thread of the server process."""
    while True:
        try:
            fired = followups_scan(budget_seconds=every)
            if fired:
                logger.info("embedded scheduler fired %d follow-up(s)", fired)
        except Exception:  # keep the scheduler alive; the next round retries
            logger.exception("embedded follow-up scan failed")
        finally:
            connection.close()
        time.sleep(every)


class Command(BaseCommand):
    help = (
        "Serve the API on 127.0.0.1:PORT for a laptop (development server). Without "
        "REDIS_URL, follow-ups are fired by an in-process scheduler thread."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args, port, host, **options):
        if not settings.REDIS_URL:
            every = settings.TIAOJIE_EMBEDDED_SCAN_SECONDS
            threading.Thread(
                target=_embedded_scheduler, args=(every,), name="followups", daemon=True
            ).start()
            self.stdout.write(f"follow-ups: in-process scheduler, every {every} s")
        else:
            self.stdout.write("follow-ups: run `celery -A config worker -B` beside this server")
        self.stdout.write(f"tiaojie on http://{host}:{port}/api/docs/ (demo password tiaojie-demo)")
        call_command("runserver", f"{host}:{port}", use_reloader=False)
