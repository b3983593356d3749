from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from committees.demo import DEMO_PASSWORD, demo_accounts_create


class Command(BaseCommand):
    help = "Create the demo logins (district, office.*, director.*, mediator.*, liaison.*)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="create them even with DEBUG off (a training server; never production)",
        )

    def handle(self, *args, allow_without_debug, **options):
        if not settings.DEBUG and not allow_without_debug:
            raise CommandError(
                "Demo accounts share a known password; refusing with DEBUG off. "
                "演示账号密码公开，生产环境禁止创建。"
            )
        count = demo_accounts_create()
        self.stdout.write(f"{count} demo logins ready, password {DEMO_PASSWORD!r}")
