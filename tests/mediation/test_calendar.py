"""The working-day calendar: the published 调休 arrangement while chinese_calendar has the
year, the rule-based statutory holidays (the `holidays` package) past it."""

import logging
from datetime import date

import chinese_calendar
import pytest

from mediation import calendar
from mediation.calendar import add_working_days, is_working_day

# The first year chinese_calendar has no data for (its data ends with the published year).
PAST_THE_DATA = max(chinese_calendar.holidays).year + 1


@pytest.fixture(autouse=True)
def _fresh_fallback_cache():
    calendar._rule_based_calendar.cache_clear()
    yield
    calendar._rule_based_calendar.cache_clear()


def test_published_year_counts_the_make_up_saturday_and_the_holiday():
    # 2026: National Day holiday 1–7 October, Saturday 10 October worked (调休).
    assert not is_working_day(date(2026, 10, 5))
    assert is_working_day(date(2026, 10, 10))
    assert add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)


def test_past_the_data_the_spring_festival_is_not_a_working_day():
    """2027 is past chinesecalendar 1.11's data: 8 February 2027 (a Monday in the Spring
    Festival) must not count, nor Labour Day; an ordinary Monday does."""
    assert PAST_THE_DATA <= 2027, "chinesecalendar now has 2027: move these dates on a year"
    assert not is_working_day(date(2027, 2, 8))
    assert not is_working_day(date(2027, 5, 3))
    assert not is_working_day(date(2027, 10, 4))
    assert is_working_day(date(2027, 3, 1))
    assert not is_working_day(date(2027, 3, 6))  # a Saturday
    # Three working days after the Friday before the festival: 11, 12 … 15 February.
    assert add_working_days(date(2027, 2, 5), 3) == date(2027, 2, 15)


def test_the_fallback_is_logged_once_per_year(caplog):
    caplog.set_level(logging.WARNING, logger="mediation.calendar")
    year = PAST_THE_DATA + 1
    for day in range(1, 28):
        is_working_day(date(year, 2, day))
    add_working_days(date(year, 3, 1), 20)
    warnings = [r for r in caplog.records if r.name == "mediation.calendar"]
    assert len(warnings) == 1
    assert str(year) in warnings[0].getMessage()
    is_working_day(date(year + 1, 1, 4))
    assert len([r for r in caplog.records if r.name == "mediation.calendar"]) == 2
