from django.core.management.base import BaseCommand

from mediation.health import counts_by_kind_and_status, followup_lag


class Command(BaseCommand):
    help = "Follow-up counts by kind and status, the oldest due-but-unfired row, and the lag."

    def handle(self, *args, **options):
        for row in counts_by_kind_and_status():
            self.stdout.write(f"{row['kind']:<20} {row['status']:<10} {row['count']:>8}")
        lag = followup_lag()
        self.stdout.write(
            f"due and not fired: {lag['scheduled_due']}; oldest due at: {lag['oldest_due_at']}; "
            f"lag: {lag['lag_seconds']} s; stale claims: {lag['claimed_stale']}; "
            f"unsent messages: {lag['unsent_messages']}"
        )
