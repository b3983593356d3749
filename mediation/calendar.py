"""Working days on the mainland calendar, with make-up working days (调休).

The State Council publishes each year's holidays and their 调休 arrangement in November or
December. `chinese_calendar` (the maintained package of those notices) is the source while it
has the year. Past its data the statutory holidays come from the rule-based China calendar of
the `holidays` package (Spring Festival, Qingming, Labour Day … computed from the lunar
calendar, with their usual observed days), which knows no make-up Saturdays or Sundays for a
year not yet published: those count as rest days until the package is upgraded. The fallback
is logged once per year per process. Upgrade `chinesecalendar` when the year's arrangement is
published (see the README).
"""

import logging
from datetime import date, timedelta
from functools import cache

import chinese_calendar
import holidays

logger = logging.getLogger(__name__)


@cache
def _rule_based_calendar(year: int) -> holidays.HolidayBase:
    logger.warning(
        "chinese_calendar has no data for %s; taking the statutory holidays from the "
        "rule-based China calendar (no 调休 make-up days). Upgrade the chinesecalendar "
        "package once the State Council publishes %s's arrangement.",
        year,
        year,
    )
    return holidays.China(years=year)


def is_working_day(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return _rule_based_calendar(day.year).is_working_day(day)


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (start itself not counted)."""
    day = start
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def period_end(start: date, days: int) -> date:
    """The last day of a period of `days` days counted from the day after `start`; when
    that day is not a working day (a weekend or a holiday), the period ends on the next
    working day (民事诉讼法 art 85: a period whose last day falls on a holiday ends on the
    first day after the holiday)."""
    day = start + timedelta(days=days)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day
