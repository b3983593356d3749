"""The Celery app, wired the standard way: settings from Django under the CELERY_ prefix.

The broker only carries "go look now"; the schedule itself lives in the database
(docs/design.md principle 2). JSON only, acks late, prefetch 1 (see config/settings.py).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("tiaojie")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
