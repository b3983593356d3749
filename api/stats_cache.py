"""A short-lived cache of statistics answers, shared by every caller with the same scope.

A dashboard opened by many users, or refreshed in a loop, asks the same question again
and again; each answer is kept for settings.STATISTICS_CACHE_SECONDS (10 s by default, 0
turns it off) under a key made of the question and the exact set of committees counted,
never the user: two callers share an answer only when they may see the same numbers.

An answer carries its own `as_of` (when its figures were exact), so a cached answer is
as honest as a fresh one, only older. If the cache is unreachable the answer is computed,
never refused.
"""

import hashlib
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache

from mediation.statistics import Filter, Period

logger = logging.getLogger(__name__)


def _key(kind: str, scope: Filter, period: Period, extra: tuple) -> str:
    committees = None if scope.committee_ids is None else sorted(scope.committee_ids)
    question = repr((kind, committees, period.start.isoformat(), period.end.isoformat(), extra))
    return "statistics:" + hashlib.sha256(question.encode()).hexdigest()


def cached_answer(
    kind: str, scope: Filter, period: Period, compute: Callable[[], dict], extra: tuple = ()
) -> dict:
    seconds = settings.STATISTICS_CACHE_SECONDS
    if seconds <= 0:
        return compute()
    key = _key(kind, scope, period, extra)
    try:
        answer = cache.get(key)
    except Exception as error:  # any cache client error: compute instead
        logger.warning("statistics cache unavailable: %s", type(error).__name__)
        return compute()
    if answer is None:
        answer = compute()
        try:
            cache.set(key, answer, timeout=seconds)
        except Exception as error:
            logger.warning("statistics cache unavailable: %s", type(error).__name__)
    return answer
