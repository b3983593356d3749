from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from committees.reference_data import DATA_DIR, ReferenceDataError, reference_data_load


class Command(BaseCommand):
    help = "Load areas, committees, institutions, mechanisms and dispute types (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--directory",
            type=Path,
            default=DATA_DIR,
            help="folder holding the CSV files (default: the copy shipped with the project)",
        )

    def handle(self, *args, directory, **options):
        try:
            report = reference_data_load(directory=directory)
        except ReferenceDataError as error:
            raise CommandError(f"nothing loaded — {error}") from None
        self.stdout.write(str(report))
