from django.core.management.base import BaseCommand

from api.auth import login_unlock


class Command(BaseCommand):
    help = (
        "End a sign-in lock-out before its time: the pair (--username, ADDRESS), or the "
        "address-wide lock of ADDRESS. Logged."
    )

    def add_arguments(self, parser):
        parser.add_argument("address", help="the client address, as in the lock's log line")
        parser.add_argument("--username", default="", help="unlock only this user's pair")

    def handle(self, *args, **options):
        unlocked = login_unlock(options["address"], options["username"])
        for label in unlocked:
            self.stdout.write(f"unlocked: {label}")
        if not unlocked:
            self.stdout.write("nothing locked")
