import time

from django.core.management.base import BaseCommand

from mediation.engine import followups_scan


class Command(BaseCommand):
    help = "Fire due follow-ups once, or every --every seconds (the embedded scheduler)."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=0, help="repeat every N seconds")

    def handle(self, *args, every, **options):
        while True:
            fired = followups_scan()
            self.stdout.write(f"fired {fired} follow-up(s)")
            if not every:
                return
            time.sleep(every)
