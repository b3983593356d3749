"""The dashboard's drill-down: the cases a chart's number counted (mediation.statistics
.drilldown), read through the case selector (visible_to) and masked as the API masks them
— ID numbers and phones whole only for members of the holding committee, whose reads are
recorded in the personal-data access log."""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.shortcuts import render

from committees.models import Area, Committee
from committees.scope import scope_for
from mediation import audit, selectors
from mediation.choices import DisputeType, Source, Status
from mediation.statistics import drilldown
from mediation.validators import mask_id_number, mask_phone

PAGE_SIZE = 50
OUTCOME_LABELS = {
    **dict(Status.choices),
    drilldown.OPEN_OUTCOME: "未结（在办）",
}
DIMENSIONS = ("month", "dispute_type", "source", "outcome", "by_area", "by_committee")


def _int(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= 2**63 - 1 else None


def drill_parameters(request) -> dict:
    """The chart's item: the measure and the dimensions it was clicked on (unknown values
    are dropped: they narrow nothing and reveal nothing)."""
    get = request.GET
    params = {
        "measure": get.get("measure") if get.get("measure") in drilldown.MEASURES else "received"
    }
    for name in ("month", "dispute_type", "source", "outcome"):
        if get.get(name):
            params[name] = get[name][:40]
    for name in ("by_area", "by_committee"):
        if _int(get.get(name)):
            params[name] = _int(get.get(name))
    return params


def _description(params: dict) -> list[str]:
    parts = [drilldown.MEASURES[params["measure"]]]
    if "month" in params:
        parts.append(params["month"])
    if "dispute_type" in params:
        parts.append(dict(DisputeType.choices).get(params["dispute_type"], params["dispute_type"]))
    if "source" in params:
        parts.append(dict(Source.choices).get(params["source"], params["source"]))
    if "outcome" in params:
        parts.append(OUTCOME_LABELS.get(params["outcome"], params["outcome"]))
    if "by_area" in params:
        parts.append(
            Area.objects.filter(pk=params["by_area"]).values_list("name", flat=True).first() or ""
        )
    if "by_committee" in params:
        parts.append(
            Committee.objects.filter(pk=params["by_committee"])
            .values_list("name", flat=True)
            .first()
            or ""
        )
    return [p for p in parts if p]


def _masked_parties(case, unmasked: bool) -> list[dict]:
    return [
        {
            "name": party.name,
            "role": party.get_role_display(),
            "id_number": party.id_number if unmasked else mask_id_number(party.id_number),
            "phone": party.phone if unmasked else mask_phone(party.phone),
        }
        for party in case.parties.all()
    ]


def render_cases(request, scope_filter, period, query: dict):
    params = drill_parameters(request)
    narrowed = period
    if "month" in params:
        narrowed = drilldown.month_period(period, params["month"])
    if narrowed is None:
        cases = selectors.case_list(request.user).none()
    else:
        cases = drilldown.counted_cases(
            scope_filter,
            narrowed,
            measure=params["measure"],
            dispute_type=params.get("dispute_type"),
            source=params.get("source"),
            outcome=params.get("outcome"),
            area=params.get("by_area"),
            committee=params.get("by_committee"),
            base=selectors.case_list(request.user),
        ).order_by("-received_at", "-id")
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    scope = scope_for(request.user)
    rows = [
        {"case": case, "parties": _masked_parties(case, scope.is_member(case.committee_id))}
        for case in page.object_list
    ]
    audit.personal_data_reveals_record(user=request.user, cases=page.object_list, via=request.path)
    here = urlencode({**query, **params})
    return render(
        request,
        "web/district/cases.html",
        {
            "rows": rows,
            "page": page,
            "period": period,
            "description": _description(params),
            "here": here,
            "back": urlencode(query),
        },
    )
