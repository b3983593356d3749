"""Reported months are frozen (issue 15 item 16).

The district office submits a month's Ministry table (for the whole district, or for one
area): `submission_create` stores the figures and the exported files as they are at that
moment (StatisticsSubmission). From then on an export of that month is the stored file,
byte for byte, whatever changes later; a later change to the month's figures (a case
concluded late, a conclusion corrected, a confirmation recorded) shows as a correction
against the submitted figures (`corrections`), never as a silent change of a filed report.
"""

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from committees.models import Area
from committees.scope import committees_in_area, scope_for
from mediation.exceptions import Conflict, InvalidInput, NotAllowed, NotFound
from mediation.models import StatisticsSubmission
from mediation.statistics.base import Filter, Period, next_month
from mediation.statistics.ministry import ministry_table
from mediation.statistics.rollup import rollup_refresh

# What the renderer returns for a table: {"csv": bytes, "xlsx": bytes}.
Renderer = Callable[[dict, str], dict[str, bytes]]


def month_period(period: str) -> Period:
    """`2026-11` → the whole month; InvalidInput for anything else."""
    try:
        year, month = (int(part) for part in period.split("-"))
        start = date(year, month, 1)
    except (ValueError, AttributeError):
        raise InvalidInput(
            "报告期格式应为 YYYY-MM，如 2026-11。", code="invalid_period", field="period"
        ) from None
    if len(period) != 7:
        raise InvalidInput(
            "报告期格式应为 YYYY-MM，如 2026-11。", code="invalid_period", field="period"
        )
    return Period(start, next_month(start) - timedelta(days=1))


def submission_scope(area_id: int | None) -> Filter:
    """The committees a submission covers: the area's, or every committee."""
    if area_id is None:
        return Filter(None)
    return Filter(frozenset(committees_in_area(area_id)))


def jsonable_table(table: dict) -> dict:
    """The Ministry table as JSON: amounts as decimal strings, times in ISO 8601."""

    def plain(value):
        if isinstance(value, Decimal):
            return str(value.quantize(Decimal("0.01")))
        if hasattr(value, "isoformat"):
            return value.isoformat()
        return value

    return {
        "columns": [list(column) for column in table["columns"]],
        "rows": [{k: plain(v) for k, v in row.items()} for row in table["rows"]],
        "footer": {k: plain(v) for k, v in table["footer"].items()},
    }


def submission_create(
    *, actor, period: str, area_id: int | None, unit: str, filer: str, render: Renderer
) -> StatisticsSubmission:
    """Freeze a month's Ministry table (the district office only; 403 otherwise).

    The month must have ended (400 `period_not_ended`); a month and area submitted once
    cannot be submitted again (409 `already_submitted`: a later change is a correction).
    The rollup is brought up to date first, so the frozen figures are exact at
    `submitted_at`; `render(table, title)` gives the files (the API's CSV and XLSX), stored
    as they are. Atomic: the row with its files, or nothing."""
    if not scope_for(actor).is_district_office:
        raise NotAllowed("只有区司法局可以报送统计报表。")
    month = month_period(period)
    if month.end >= timezone.localdate():
        raise InvalidInput("该月尚未结束，不能报送。", code="period_not_ended", field="period")
    check_area(area_id)
    if _existing(period, area_id).exists():
        raise Conflict("该月报表已报送；之后的变动作为更正显示。", code="already_submitted")
    rollup_refresh()
    table = ministry_table(submission_scope(area_id), month)
    title = f"人民调解工作统计月报表（{month.start}至{month.end}）"
    files = render(table, title)
    try:
        with transaction.atomic():
            return StatisticsSubmission.objects.create(
                period=period,
                area_id=area_id,
                unit=unit,
                filer=filer,
                table=jsonable_table(table),
                csv=files["csv"],
                xlsx=files["xlsx"],
                submitted_by=actor,
            )
    except IntegrityError:  # another request submitted the same month first
        raise Conflict(
            "该月报表已报送；之后的变动作为更正显示。", code="already_submitted"
        ) from None


def check_area(area_id: int | None) -> None:
    """An area to submit for exists (404 `not_found`); None is the whole district."""
    if area_id is not None and not Area.objects.filter(pk=area_id).exists():
        raise NotFound("区划不存在。")


def _existing(period: str, area_id: int | None):
    return StatisticsSubmission.objects.filter(period=period, area_id=area_id)


def submissions_visible_to(user):
    """Submissions are the district office's reports: it reads them all, nobody else."""
    if not scope_for(user).is_district_office:
        return StatisticsSubmission.objects.none()
    return StatisticsSubmission.objects.all()


def frozen_export(scope: Filter, period: Period, *, area_id, committee_id):
    """The submission whose stored files an export request gets, or None: a request for
    exactly one whole month, for an area submitted (or, without area, for the district's
    table), whose committees are exactly the submission's (a caller who sees only part of
    the area gets its live figures, never more than its scope)."""
    one_month = period.start.day == 1 and next_month(period.start) - timedelta(days=1) == period.end
    if committee_id is not None or not one_month:
        return None
    if scope.committee_ids != submission_scope(area_id).committee_ids:
        return None
    return (
        StatisticsSubmission.objects.filter(period=period.start.strftime("%Y-%m"), area_id=area_id)
        .only("id", "period", "submitted_at", "csv", "xlsx")
        .first()
    )


# Footer figures that describe the moment of the export, not the month (the roster, the
# committees, when the figures were exact): a later difference is no correction.
POINT_IN_TIME = {
    "as_of",
    "committees",
    "mediators",
    "full_time_mediators",
    "female_mediators",
    "male_mediators",
    "gender_unknown_mediators",
}


def corrections(submission: StatisticsSubmission) -> list[dict]:
    """Where the month's figures now differ from the submitted ones: one entry per changed
    cell (`row` is the dispute type's code or `total`, `column` the measure) and per
    changed footer figure (`row: "footer"`), with the submitted and the current value."""
    current = jsonable_table(
        ministry_table(submission_scope(submission.area_id), month_period(submission.period))
    )
    frozen = submission.table
    headings = dict(map(tuple, frozen["columns"]))
    now_rows = {row["code"]: row for row in current["rows"]}
    changes = []
    for row in frozen["rows"]:
        now = now_rows.get(row["code"], {})
        for column, heading in headings.items():
            if row.get(column) != now.get(column):
                changes.append(
                    {
                        "row": row["code"],
                        "label": row["label"].strip(),
                        "column": column,
                        "heading": heading,
                        "submitted": row.get(column),
                        "current": now.get(column),
                    }
                )
    for name, value in frozen["footer"].items():
        if name in POINT_IN_TIME or current["footer"].get(name) == value:
            continue
        changes.append(
            {
                "row": "footer",
                "label": "",
                "column": name,
                "heading": name,
                "submitted": value,
                "current": current["footer"].get(name),
            }
        )
    return changes
