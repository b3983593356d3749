"""Any period as whole months and fragments (issue 18): the whole months inside a period
are read from the monthly rollup, only the days before the first and after the last of
them (the head and the tail) from the case tables, and the parts are added up. Every
measure is additive over days (each counts a case once, by its own date), and the median
comes from a histogram of whole days, so the sum of the parts is the raw answer."""

from datetime import timedelta

from mediation.statistics.base import ADDITIVE, Period, first_of_month, next_month


def split(period: Period) -> tuple[Period | None, list[Period]]:
    """(the whole months inside `period` or None, the fragments outside them). A period
    without a whole month is one fragment: a range on each date column serves it as
    well as two."""
    first = period.start if period.start.day == 1 else next_month(period.start)
    after = period.end + timedelta(days=1)
    last = period.end if after.day == 1 else first_of_month(period.end) - timedelta(days=1)
    if first > last:
        return None, [period]
    fragments = []
    if period.start < first:
        fragments.append(Period(period.start, first - timedelta(days=1)))
    if last < period.end:
        fragments.append(Period(last + timedelta(days=1), period.end))
    return Period(first, last), fragments


def add_counts(total: dict, part: dict) -> dict:
    return {name: total[name] + (part[name] or 0) for name in ADDITIVE}


def merge_rows(parts: list[list[dict]], dims: list[str]) -> list[dict]:
    """Breakdown rows of several parts of one period, the rows of one key added up (a
    month is never in two parts; a quarter, a year or a dispute type often is)."""
    merged: dict[tuple, dict] = {}
    for rows in parts:
        for row in rows:
            key = tuple(row[d] for d in dims)
            target = merged.get(key)
            if target is None:
                merged[key] = {**{d: row[d] for d in dims}, **{n: row[n] for n in ADDITIVE}}
            else:
                for name in ADDITIVE:
                    target[name] += row[name]
    return list(merged.values())
