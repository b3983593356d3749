"""Rewrites the shipped DOCX templates (mediation/documents/templates/) from
mediation/documents/build_templates.py; commit the files it writes."""

from django.core.management.base import BaseCommand

from mediation.documents import build_templates


class Command(BaseCommand):
    help = "Rewrite the shipped document templates (mediation/documents/templates/*.docx)."

    def handle(self, *args, **options):
        for kind in build_templates.BUILDERS:
            self.stdout.write(str(build_templates.build(kind)))
