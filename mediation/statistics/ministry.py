"""The Ministry's monthly table (人民调解工作统计月报表): its columns in the Ministry's order,
one row per dispute type, and the footer block."""

from django.db.models import Count, Sum
from django.db.models.functions import Coalesce

from committees.models import Committee, DisputeType, Mediator
from committees.roster import mediator_counts
from mediation import choices
from mediation.models import ScreeningReport
from mediation.statistics.base import ADDITIVE, Filter, Period
from mediation.statistics.queries import breakdown, summary

# --- the Ministry's monthly table ------------------------------------------------------------

MINISTRY_COLUMNS = [
    ("accepted", "调解纠纷数（件）"),
    ("accepted_party_application", "其中：当事人申请（件）"),
    ("accepted_screening", "其中：主动调解（件）"),
    ("accepted_referred", "其中：委托移送（件）"),
    ("succeeded", "调解成功数（件）"),
    ("success_rate_percent", "调解成功率（%）"),
    ("written_agreements", "书面协议（件）"),
    ("oral_agreements", "口头协议（件）"),
    ("judicial_confirmations", "司法确认（件）"),
    ("mediated_people", "涉及当事人（人）"),
    ("agreement_amount", "协议涉及金额（元）"),
    ("prevented_suicide_cases", "防止民间纠纷引起自杀（件）"),
    ("prevented_suicide", "防止民间纠纷引起自杀（人）"),
    ("prevented_civil_to_criminal_cases", "防止民间纠纷转化为刑事案件（件）"),
    ("prevented_civil_to_criminal", "防止民间纠纷转化为刑事案件（人）"),
    ("prevented_group_fight_cases", "制止群体性械斗（件）"),
    ("prevented_group_fight", "制止群体性械斗（人）"),
    ("prevented_group_petition_cases", "制止群体性上访（件）"),
    ("prevented_group_petition", "制止群体性上访（人）"),
]


def _ministry_values(counts: dict) -> dict:
    values = {name: counts.get(name, 0) for name, _ in MINISTRY_COLUMNS}
    values["accepted_referred"] = (
        counts["accepted"] - counts["accepted_party_application"] - counts["accepted_screening"]
    )
    # 调解成功率 = 调解成功数 ÷ 调解纠纷数 (issue 15 item 7), to one decimal as published
    # (6,217 ÷ 6,368 = 97.6 %).
    values["success_rate_percent"] = (
        round(100 * counts["succeeded"] / counts["accepted"], 1) if counts["accepted"] else None
    )
    return values


def ministry_table(scope: Filter, period: Period) -> dict:
    """The monthly table: one row per dispute type in the Ministry's order (sub-rows under
    their parent, whose row includes them), then 合计; and the footer block."""
    by_type = {
        row["dispute_type"]: row for row in breakdown(scope, period, ["dispute_type"])["rows"]
    }
    zero = {name: 0 for name in ADDITIVE}
    rows, total = [], dict(zero)
    for dispute_type in DisputeType.objects.select_related("parent").order_by("ministry_row", "id"):
        codes = [dispute_type.code, *choices.SUB_TYPES.get(dispute_type.code, [])]
        counts = dict(zero)
        for code in codes:
            for name in ADDITIVE:
                counts[name] += by_type.get(code, zero)[name]
        if dispute_type.parent_id is None:
            for name in ADDITIVE:
                total[name] += counts[name]
        rows.append(
            {
                "code": dispute_type.code,
                "label": ("    " if dispute_type.parent_id else "") + dispute_type.name,
                **_ministry_values(counts),
            }
        )
    rows.append({"code": "total", "label": "合计", **_ministry_values(total)})

    committee_qs = _active_committees(scope)
    mediators = scope.on(Mediator.objects.filter(is_active=True))
    reports = scope.on(
        ScreeningReport.objects.filter(
            period__gte=period.start.strftime("%Y-%m"), period__lte=period.end.strftime("%Y-%m")
        )
    )
    report_sums = reports.aggregate(
        rounds=Count("id"),
        found=Coalesce(Sum("disputes_found"), 0),
        prevented=Coalesce(Sum("prevented"), 0),
    )
    footer = {
        "screening_rounds": report_sums["rounds"],
        "screening_disputes_found": report_sums["found"],
        "disputes_prevented": report_sums["prevented"],
        "committees": committee_qs.count(),
        # 人民调解员: total, full-time and by gender (issue 15 item 15), one query.
        **mediator_counts(mediators),
        "as_of": summary(scope, period)["as_of"],
    }
    return {"columns": MINISTRY_COLUMNS, "rows": rows, "footer": footer}


def _active_committees(scope: Filter):
    return scope.on(Committee.objects.filter(is_active=True), "id")
