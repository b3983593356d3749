"""Working days on the mainland calendar, with make-up working days (调休).

Uses the maintained `chinese_calendar` package. For a date past the package's data it
falls back to "Monday to Friday" and logs a warning, so a rule never stops working
because the package is out of date (upgrade it each December when the State Council
publishes the next year's holidays).
"""

import logging
from datetime import date, timedelta

import chinese_calendar

logger = logging.getLogger(__name__)


def is_working_day(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        logger.warning(
            "chinese_calendar has no data for %s; counting Monday–Friday as working days. "
            "Upgrade the chinesecalendar package.",
            day.year,
        )
        return day.weekday() < 5


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (start itself not counted)."""
    day = start
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day
