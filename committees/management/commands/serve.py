import os

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the API on 127.0.0.1:PORT for a laptop (development server)."

    def add_arguments(self, parser):
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args, port, host, **options):
        self.stdout.write(f"tiaojie on http://{host}:{port}/api/docs/ (demo password tiaojie-demo)")
        call_command("runserver", f"{host}:{port}", use_reloader=False)
