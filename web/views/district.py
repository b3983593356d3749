"""The dashboard of the judicial offices (their area) and the district office (everything):
ECharts charts over the same statistics functions as /api/v1/statistics/, a drill-down from
every chart to a masked case list, and the Ministry table's XLSX.

Only users who supervise committees (a judicial office) or see everything (the district
office) open these pages; anyone else gets 404. Filters outside the scope are 404, as in the
API (`selectors.statistics_filter`). The charts' data goes into the page with `json_script`
and web/static/web/dashboard.js draws them.
"""

from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone

from committees.models import Area, Committee
from committees.scope import scope_for, visible_committee_ids
from mediation import selectors, statistics
from mediation.choices import Source
from mediation.exceptions import NotFound
from mediation.statistics import drilldown, exports
from web.views import _dashboard_cases

FLOW_OUTCOMES = ("succeeded", "failed", "withdrawn", "declined")
COMMITTEES_SHOWN = 30  # bars in the by-committee chart; the drill-down lists every case


def require_dashboard(user):
    """A judicial office or the district office; anyone else reads the pages as absent."""
    scope = scope_for(user)
    if not (scope.sees_everything or scope.supervised):
        raise Http404("未找到。")
    return scope


class FilterForm(forms.Form):
    """The dashboard's filters, as GET /api/v1/statistics/ takes them."""

    from_ = forms.DateField(required=False, label="起始日期")
    to = forms.DateField(required=False, label="截止日期")
    area = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, label="镇街")
    committee = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, label="调委会")

    def __init__(self, data, *args, **kwargs):
        data = data.copy()
        if "from" in data:
            data["from_"] = data["from"]
        super().__init__(data, *args, **kwargs)

    def clean(self):
        data = super().clean()
        for name in ("from_", "to"):
            day = data.get(name)
            if day and not 1900 <= day.year <= 2999:
                self.add_error(name, "日期应在1900年至2999年之间。")
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            self.add_error("to", "结束日期不能早于开始日期。")
        return data


def parse_filters(request):
    """(form, statistics.Filter, statistics.Period, the query string of the filters) — a
    committee or area outside the scope is 404 (selectors.statistics_filter says so)."""
    form = FilterForm(request.GET)
    values = form.cleaned_data if form.is_valid() else {}
    try:
        scope, period = selectors.statistics_filter(
            request.user,
            committee=values.get("committee"),
            area=values.get("area"),
            start=values.get("from_"),
            end=values.get("to"),
        )
    except NotFound as error:
        raise Http404(error.detail) from None
    query = {"from": period.start.isoformat(), "to": period.end.isoformat()}
    for name in ("area", "committee"):
        if values.get(name):
            query[name] = values[name]
    return form, values, scope, period, query


def _choices(user) -> dict:
    """The committees and towns/streets the filters offer (the user's scope)."""
    allowed = visible_committee_ids(user)
    committees = Committee.objects.filter(is_active=True).order_by("code")
    if allowed is not None:
        committees = committees.filter(id__in=allowed)
    office_areas = committees.exclude(judicial_office__area=None).values("judicial_office__area_id")
    return {
        "committees": list(committees.values("id", "name")),
        "areas": list(
            Area.objects.filter(id__in=office_areas).order_by("code").values("id", "name")
        ),
    }


def _rate(value):
    return None if value is None else round(value * 100, 1)


SOURCE_LABELS = dict(Source.choices)
OUTCOME_LABELS = _dashboard_cases.OUTCOME_LABELS


def chart_data(scope, period) -> dict:
    """Every chart's series, from the statistics functions the API answers with."""
    months = statistics.breakdown(scope, period, ["month"])
    types = statistics.breakdown(scope, period, ["dispute_type"])
    committees = statistics.breakdown(scope, period, ["committee"])
    areas = statistics.area_totals(committees["rows"])
    # Source → outcome of the cases that ended in the period (by date concluded, as the
    # summary counts them): per source from the rollup, so the Sankey costs no case scan.
    flows = statistics.breakdown(scope, period, ["source"])
    overdue = drilldown.overdue_by_committee(scope, period)
    # The committees with the most overdue cases first, then the most concluded.
    by_committee = sorted(
        committees["rows"],
        key=lambda r: (-overdue.get(r["committee"], 0), -r["concluded"], r["committee_name"] or ""),
    )[:COMMITTEES_SHOWN]
    links = [
        {"source": row["source"], "outcome": outcome, "value": row[outcome]}
        for row in flows["rows"]
        for outcome in FLOW_OUTCOMES
        if row[outcome]
    ]
    return {
        "months": {
            "labels": [r["month"] for r in months["rows"]],
            "received": [r["received"] for r in months["rows"]],
            "concluded": [r["concluded"] for r in months["rows"]],
            "succeeded": [r["succeeded"] for r in months["rows"]],
        },
        "types": [
            {"code": r["dispute_type"], "name": r["dispute_type_label"], "value": r["received"]}
            for r in sorted(types["rows"], key=lambda r: -r["received"])
            if r["received"]
        ],
        "areas": [
            {
                "id": r["area"],
                "name": r["area_name"] or "未归属",
                "value": r["received"],
                "concluded": r["concluded"],
                "succeeded": r["succeeded"],
            }
            for r in sorted(areas, key=lambda r: (-r["received"], str(r["area"])))
        ],
        "committees": [
            {
                "id": r["committee"],
                "name": r["committee_name"],
                "success_rate": _rate(r["success_rate"]),
                "concluded": r["concluded"],
                "overdue": overdue.get(r["committee"], 0),
            }
            for r in by_committee
            if r["concluded"] or overdue.get(r["committee"])
        ],
        "flows": {
            "links": links,
            "sources": {
                code: SOURCE_LABELS.get(code, code) for code in {x["source"] for x in links}
            },
            "outcomes": {
                code: OUTCOME_LABELS.get(code, code) for code in {x["outcome"] for x in links}
            },
        },
        "mechanisms": statistics.mechanisms(scope, period),
    }


@login_required
def dashboard(request):
    """统计看板: the summary's figures, the charts, the filters and the export."""
    require_dashboard(request.user)
    form, values, scope, period, query = parse_filters(request)
    summary = statistics.summary(scope, period)
    data = chart_data(scope, period)
    data["satisfaction"] = summary["satisfaction"]
    data["drill"] = reverse("web:dashboard_cases") + "?" + urlencode(query)
    context = {
        "form": form,
        "values": values,
        "period": period,
        "summary": summary,
        "success_rate": _rate(summary["success_rate"]),
        "one_visit_rate": _rate(summary["one_visit_rate"]),
        "charts": data,
        "query": urlencode(query),
        "drill": data["drill"],
        **_choices(request.user),
    }
    return render(request, "web/district/dashboard.html", context)


@login_required
def dashboard_export(request):
    """The Ministry-format monthly table (人民调解工作统计月报表) as XLSX for the filters,
    the same file as GET /api/v1/statistics/export/?format=xlsx."""
    require_dashboard(request.user)
    _, values, scope, period, _ = parse_filters(request)
    table = statistics.ministry_table(scope, period)
    filing = exports.Filing(
        unit=selectors.reporting_unit(
            request.user, committee=values.get("committee"), area=values.get("area")
        ),
        filer=request.user.get_full_name() or request.user.username,
        filed_on=timezone.localdate(),
    )
    body = exports.ministry_xlsx(
        table, f"人民调解工作统计月报表（{period.start}至{period.end}）", filing
    )
    response = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f"ministry-{period.start}-{period.end}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def dashboard_cases(request):
    """The cases behind a number on the dashboard, masked (the drill-down)."""
    require_dashboard(request.user)
    _, values, scope, period, query = parse_filters(request)
    return _dashboard_cases.render_cases(request, scope, period, query)


urlpatterns = [
    path("dashboard/", dashboard, name="dashboard"),
    path("dashboard/cases/", dashboard_cases, name="dashboard_cases"),
    path("dashboard/export.xlsx", dashboard_export, name="dashboard_export"),
]
