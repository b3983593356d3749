"""gunicorn settings for production: `gunicorn -c config/gunicorn.py config.wsgi`.

Command-line options override these. Environment: WEB_CONCURRENCY (worker processes,
default 2 × cores + 1), GUNICORN_TIMEOUT (seconds, default 30), PORT / BIND.
"""

import gc
import multiprocessing
import os

bind = os.environ.get("BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 10
max_requests = 2000
max_requests_jitter = 200
# Load Django once in the master: workers start faster and share its memory pages.
preload_app = True


def pre_fork(server, worker):
    # Move everything loaded so far (Django, the URLconf, the serializers) out of the
    # garbage collector's reach: the workers' collections then scan only what requests
    # allocate, and copy-on-write pages stay shared (bench/load.py measures the effect).
    gc.freeze()
