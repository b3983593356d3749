"""The cases behind a number: which cases a statistic counted, so a chart can drill down
to them, and the per-committee overdue count a dashboard plots beside the success rate.

Each measure here uses the same date basis and the same condition as the raw measures in
`queries` (cases received by date received, conclusions by date concluded, acceptances by
date accepted; `overdue` is the state now of the cases received in the period), so the
list behind a bar has as many cases as the bar says (for a rollup answer: once the rollup
is as of now). Nothing here writes; the caller narrows the cases to what its user may
read (`Case.objects.visible_to`) and masks them.
"""

from datetime import date, timedelta

from django.db.models import Count

from mediation.models import RatingLink
from mediation.statistics.base import Filter, Period, next_month

# measure → its Chinese name; the condition each adds is in `counted_cases`.
MEASURES = {
    "received": "受理纠纷",
    "accepted": "受理调解",
    "concluded": "调结",
    "succeeded": "调解成功",
    "failed": "调解不成",
    "withdrawn": "撤回",
    "declined": "不予受理",
    "overdue": "超期未结",
    "rated": "当事人评价",
    "rated_bad": "差评",
}
CONCLUDED_AS = ("succeeded", "failed", "withdrawn")
OPEN_OUTCOME = "open"  # the outcome of a case not concluded yet (closed_as blank)


def month_period(period: Period, month: str) -> Period | None:
    """The part of `period` within `month` ("YYYY-MM"); None when they do not meet or the
    month is malformed."""
    try:
        year, number = (int(part) for part in month.split("-"))
        first = date(year, number, 1)
    except (TypeError, ValueError):
        return None
    last = next_month(first) - timedelta(days=1)
    start, end = max(first, period.start), min(last, period.end)
    return Period(start=start, end=end) if start <= end else None


def counted_cases(
    scope: Filter,
    period: Period,
    *,
    measure: str,
    dispute_type: str | None = None,
    source: str | None = None,
    committee: int | None = None,
    area: int | None = None,
    outcome: str | None = None,
    base=None,
):
    """The cases `measure` counted for the committees of `scope` in `period`, within the
    dimensions given (a breakdown row's `dispute_type`, `source`, `committee`, `area` —
    the judicial office's area, as the breakdown groups — and `outcome`, the case's
    `closed_as` or `open`). `base`: the cases to pick from (a caller's scoped queryset;
    default every case). An unknown measure is no case."""
    cases = scope.cases() if base is None else scope.on(base)
    if measure == "received":
        cases = cases.filter(period.within("received_at"))
    elif measure == "accepted":
        cases = cases.filter(period.within("accepted_at"))
    elif measure == "concluded":
        cases = cases.filter(period.within("concluded_at"), closed_as__in=CONCLUDED_AS)
    elif measure in (*CONCLUDED_AS, "declined"):
        cases = cases.filter(period.within("concluded_at"), closed_as=measure)
    elif measure == "overdue":
        cases = cases.filter(period.within("received_at")).overdue()
    elif measure in ("rated", "rated_bad"):
        ratings = RatingLink.objects.filter(period.within("used_at"))
        if measure == "rated_bad":
            ratings = ratings.filter(stars__lte=2)
        cases = cases.filter(pk__in=ratings.values("case_id"))
    else:
        return cases.none()
    if dispute_type:
        cases = cases.filter(dispute_type=dispute_type)
    if source:
        cases = cases.filter(source=source)
    if committee is not None:
        cases = cases.filter(committee_id=committee)
    if area is not None:
        cases = cases.filter(committee__judicial_office__area_id=area)
    if outcome:
        cases = cases.filter(closed_as="" if outcome == OPEN_OUTCOME else outcome)
    return cases


def overdue_by_committee(scope: Filter, period: Period) -> dict[int, int]:
    """`overdue` of the summary per committee (committees with none are left out): one
    GROUP BY, the same condition as `queries.overdue_now`."""
    rows = (
        scope.cases()
        .filter(period.within("received_at"))
        .overdue()
        .values("committee_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["committee_id"]: row["n"] for row in rows}


__all__ = ["MEASURES", "OPEN_OUTCOME", "counted_cases", "month_period", "overdue_by_committee"]
