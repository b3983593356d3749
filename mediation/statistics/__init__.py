"""Statistics in the Ministry's categories, computed by the database.

Two paths give the same numbers:

- **raw** (the reference): GROUP BY / conditional aggregates over the case tables, for
  any period;
- **rollup**: sums over MonthlyStat (committee × month × dispute type × source) and
  DurationStat (committee × month × days to conclude), for the whole months inside the
  period when the dimensions are ones the rollup keeps; the days outside them (the head
  and tail of an odd period, mediation.statistics.fragments) are read from the case
  tables, one range on each date column's own index, and added; questions over every committee
  read their district-wide sums (DistrictMonthlyStat, DistrictDurationStat: a few
  hundred rows a year whatever the number of cases), and their head and tail days from
  the district day rollup (DistrictDailyStat, DistrictDailyDurationStat) when the
  dimensions are ones it keeps (dispute type, source, time), so an odd period's cost does not
  grow with the number of cases. The services mark the committee-months and
  committee-days a change touches (StatDirty, DayDirty) in the same transaction;
  `rollup_refresh` (run by the follow-up scan) recomputes them from the raw tables, then
  the district months and days they touched (DistrictStatDirty, DayDirty). `as_of` says
  up to when the rollup is exact.

Dates: the period filters cases by date **received**; acceptances (and the people of the
disputes mediated) by date accepted; conclusions (succeeded, failed,
withdrawn, declined, agreements, prevention figures, one-visit) count by date
**concluded**, acceptances by date accepted, judicial confirmations by date applied;
each in Asia/Shanghai days. `overdue` is the state now of cases received in the period.

Definitions (docs/statistics.md has every column of the Ministry table): concluded =
succeeded + failed + withdrawn; success_rate = succeeded ÷ accepted (disputes mediated, as
the Ministry's form and the published district figures divide); mediated_people (涉及当事人)
= people involved in the disputes accepted in the period; one_visit_rate = successes whose
parties came at most once (the visit to apply, when the case came by a party's
application, plus every session attended in person) ÷ successes;
median_days_to_conclude = the median, over cases concluded in the period (succeeded,
failed or withdrawn), of the calendar days from the date received to the date concluded
(Asia/Shanghai; 0 = the same day), as deadlines are counted; whole days make it exact
from a histogram, so the rollup and the raw tables give the same median. No statistic carries
personal data, and party fields are neither filters nor dimensions.
"""

from mediation.statistics.base import (
    ADDITIVE,
    DIMENSIONS,
    PREVENTION_KINDS,
    ROLLUP_DIMENSIONS,
    Filter,
    Period,
    first_of_month,
    next_month,
)
from mediation.statistics.ministry import MINISTRY_COLUMNS, ministry_table
from mediation.statistics.queries import (
    CONCLUDED_AS,
    area_totals,
    breakdown,
    days_to_conclude,
    mechanisms,
    median_days_to_conclude,
    median_of,
    overdue_now,
    rates,
    raw_breakdown,
    raw_counts,
    raw_durations,
    rollup_as_of,
    rollup_breakdown,
    rollup_counts,
    rollup_durations,
    satisfaction,
    summary,
    transfers,
)
from mediation.statistics.rollup import (
    mark_dirty,
    recompute,
    recompute_district_day,
    rollup_rebuild,
    rollup_refresh,
)

__all__ = [
    "ADDITIVE",
    "CONCLUDED_AS",
    "DIMENSIONS",
    "MINISTRY_COLUMNS",
    "PREVENTION_KINDS",
    "ROLLUP_DIMENSIONS",
    "Filter",
    "Period",
    "area_totals",
    "breakdown",
    "days_to_conclude",
    "first_of_month",
    "mark_dirty",
    "mechanisms",
    "median_days_to_conclude",
    "median_of",
    "ministry_table",
    "next_month",
    "overdue_now",
    "rates",
    "recompute",
    "recompute_district_day",
    "raw_breakdown",
    "raw_counts",
    "raw_durations",
    "rollup_as_of",
    "rollup_breakdown",
    "rollup_counts",
    "rollup_durations",
    "rollup_rebuild",
    "rollup_refresh",
    "satisfaction",
    "summary",
    "transfers",
]
