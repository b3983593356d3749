"""Monthly screening reports (矛盾纠纷排查)."""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from committees.models import Committee
from mediation import schedule
from mediation.exceptions import Conflict, InvalidInput
from mediation.models import ScreeningReport
from mediation.services.checks import check_text
from mediation.services.kernel import require_member
from mediation.validators import SHORT_TEXT_MAX

# --- screening reports (矛盾纠纷排查) -------------------------------------------------------


def screening_report_file(
    *,
    actor,
    committee: Committee,
    period: str,
    disputes_found: int,
    high_risk: int = 0,
    prevented: int = 0,
    notes: str = "",
):
    """File a committee's monthly screening report (a member files it); one per committee
    per month. Cancels the reminders for that month."""
    require_member(actor, committee.id)
    try:
        year, month = (int(part) for part in period.split("-"))
        first_day = date(year, month, 1)
        if year < 2000:
            raise ValueError(year)
    except (TypeError, ValueError):
        raise InvalidInput(
            "报告期格式应为 YYYY-MM。", code="invalid_period", field="period"
        ) from None
    if first_day > timezone.localdate():
        raise InvalidInput("不能填报未来月份的排查报告。", code="invalid_period", field="period")
    check_text((notes or "").strip(), SHORT_TEXT_MAX, field="notes", label="说明")
    if high_risk > disputes_found:
        raise InvalidInput(
            "高风险纠纷数不能大于排查发现纠纷数。", code="invalid_counts", field="high_risk"
        )
    period = f"{first_day.year:04d}-{first_day.month:02d}"
    already_filed = Conflict("该调委会本月的排查报告已经填报。", period=period)
    with transaction.atomic():
        if ScreeningReport.objects.filter(committee=committee, period=period).exists():
            raise already_filed
        try:
            # Two members filing the same month at once both pass the check above; the
            # unique constraint lets one insert through and the other gets 409, not a 500.
            with transaction.atomic():
                report = ScreeningReport.objects.create(
                    committee=committee,
                    period=period,
                    disputes_found=disputes_found,
                    high_risk=high_risk,
                    prevented=prevented,
                    notes=(notes or "").strip(),
                    filed_by=actor,
                )
        except IntegrityError:
            raise already_filed from None
        schedule.screening_reminders_cancel(committee.id, period)
    return report
