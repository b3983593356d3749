"""The dashboard of the judicial offices and the district office: who opens it, that its
numbers are the API's for the same filters, the drill-down (masked, as many cases as the
number), the Ministry XLSX and the page's weight."""

import io
import json
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from mediation import statistics
from mediation.models import Case
from tests.builders import PLAIN_PARTIES, make_case, routing_conclude_success
from tests.web.web2_world import client_of, leaks

pytestmark = pytest.mark.django_db

DASHBOARD = "/dashboard/"
PAGE_BUDGET = 1_500_000  # bytes: the HTML and every asset it loads (issue 17)


@pytest.fixture
def cases(mediator_a, director_a, committee_a, outsider, committee_b):
    """Committee A: one registered, one mediating (overdue), one succeeded; committee B: one."""
    make_case(mediator_a, committee_a, title="甲案")
    overdue = make_case(
        mediator_a, committee_a, title="乙案", status="mediating", director=director_a
    )
    Case.objects.filter(pk=overdue.pk).update(due_on="2020-01-01")
    done = make_case(
        mediator_a,
        committee_a,
        title="丙案",
        dispute_type="contract",
        status="mediating",
        director=director_a,
    )
    routing_conclude_success(mediator_a, done)
    make_case(outsider, committee_b, title="丁案", parties=PLAIN_PARTIES)
    statistics.rollup_refresh()


def chart_data(response) -> dict:
    match = re.search(
        r'<script id="dashboard-data" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match, "no chart data in the page"
    return json.loads(match.group(1))


def filters(**extra) -> dict:
    today = timezone.localdate()
    return {"from": today.replace(month=1, day=1).isoformat(), "to": today.isoformat(), **extra}


@pytest.mark.parametrize("persona", ["mediator_a", "director_a", "outsider", "court_liaison"])
def test_only_offices_open_the_dashboard(request, persona):
    user = request.getfixturevalue(persona)

    for name in ("web:dashboard", "web:dashboard_cases", "web:dashboard_export"):
        assert client_of(user).get(reverse(name)).status_code == 404, name


def test_anonymous_is_sent_to_sign_in(ref):
    assert client_of(None).get(DASHBOARD).status_code == 302


def test_a_judicial_office_cannot_filter_outside_its_area(office_a, committee_b, committee_a):
    client = client_of(office_a)

    assert client.get(DASHBOARD, {"committee": committee_b.id}).status_code == 404
    assert client.get(DASHBOARD, {"committee": committee_a.id}).status_code == 200
    assert (
        client.get(reverse("web:dashboard_export"), {"committee": committee_b.id}).status_code
        == 404
    )


@pytest.mark.parametrize("persona", ["district", "office_a"])
@pytest.mark.parametrize("extra", [{}, {"committee": "A"}, {"area": "A"}])
def test_the_numbers_are_the_apis_for_the_same_filters(
    request, client_for, cases, persona, extra, committee_a
):
    user = request.getfixturevalue(persona)
    values = {"committee": committee_a.id, "area": committee_a.judicial_office.area_id}
    params = filters(**{name: values[name] for name in extra})

    page = client_of(user).get(DASHBOARD, params)
    api = client_for(user)
    summary = api.get("/api/v1/statistics/summary/", params).json()

    assert page.status_code == 200
    shown = page.context["summary"]
    for name in ("received", "concluded", "succeeded", "overdue", "success_rate", "one_visit_rate"):
        assert shown[name] == summary[name], name
    text = page.content.decode()
    assert f"<b>{summary['received']}</b>" in text and f"<b>{summary['overdue']}</b>" in text
    data = chart_data(page)

    def rows(*dims):
        query = urlencode([*params.items(), *[("by", d) for d in dims]])
        return api.get(f"/api/v1/statistics/breakdown/?{query}").json()["rows"]

    months = rows("month")
    assert data["months"]["labels"] == [r["month"] for r in months]
    for measure in ("received", "concluded", "succeeded"):
        assert data["months"][measure] == [r[measure] for r in months]
    assert {t["code"]: t["value"] for t in data["types"]} == {
        r["dispute_type"]: r["received"] for r in rows("dispute_type") if r["received"]
    }
    assert {a["id"]: a["value"] for a in data["areas"]} == {
        r["area"]: r["received"] for r in rows("area") if r["area"] is not None
    }
    by_committee = {r["committee"]: r for r in rows("committee")}
    for shown_row in data["committees"]:
        api_row = by_committee[shown_row["id"]]
        rate = api_row["success_rate"]
        assert shown_row["success_rate"] == (None if rate is None else round(rate * 100, 1))
        overdue = api.get(
            "/api/v1/statistics/summary/", {**params, "committee": shown_row["id"]}
        ).json()["overdue"]
        assert shown_row["overdue"] == overdue
    assert {(x["source"], x["outcome"]): x["value"] for x in data["flows"]["links"]} == {
        (r["source"], outcome): r[outcome]
        for r in rows("source")
        for outcome in ("succeeded", "failed", "withdrawn", "declined")
        if r[outcome]
    }
    mechanisms = api.get("/api/v1/statistics/mechanisms/", params).json()["results"]
    assert data["mechanisms"] == mechanisms
    assert data["satisfaction"] == summary["satisfaction"]


def test_the_dashboard_shows_as_of(district, cases):
    page = client_of(district).get(DASHBOARD, filters())

    as_of = timezone.localtime(page.context["summary"]["as_of"]).strftime("%Y-%m-%d %H:%M")
    assert "数据截至 <time" in page.content.decode() and as_of in page.content.decode()


@pytest.mark.parametrize(
    "measure, drill, expected",
    [
        ("received", {}, {"甲案", "乙案", "丙案"}),
        ("succeeded", {}, {"丙案"}),
        ("overdue", {}, {"乙案"}),
        ("received", {"dispute_type": "contract"}, {"丙案"}),
        ("received", {"outcome": "open"}, {"甲案", "乙案"}),
        ("succeeded", {"source": "party_application"}, {"丙案"}),
        ("failed", {"source": "party_application"}, set()),
    ],
)
def test_every_drill_down_lists_the_cases_counted_masked(
    office_a, cases, committee_a, measure, drill, expected
):
    params = filters(committee=committee_a.id, measure=measure, **drill)

    page = client_of(office_a).get(reverse("web:dashboard_cases"), params)

    assert page.status_code == 200
    listed = {row["case"].title for row in page.context["rows"]}
    assert listed == expected
    text = page.content.decode()
    assert leaks(office_a, text) == []
    if "甲案" in expected:
        assert "6401**********1235" in text and "138****0000" in text


def test_a_drill_down_by_month_committee_and_area_matches_the_chart(district, cases, committee_a):
    page = client_of(district).get(DASHBOARD, filters())
    data = chart_data(page)
    month = data["months"]["labels"][-1]
    client = client_of(district)

    def count(**drill):
        response = client.get(reverse("web:dashboard_cases"), filters(**drill))
        return response.context["page"].paginator.count

    assert count(measure="received", month=month) == data["months"]["received"][-1]
    assert count(measure="succeeded", month=month) == data["months"]["succeeded"][-1]
    [area] = [a for a in data["areas"] if a["id"] == committee_a.judicial_office.area_id]
    assert count(measure="received", by_area=area["id"]) == area["value"]
    [row] = [c for c in data["committees"] if c["id"] == committee_a.id]
    assert count(measure="overdue", by_committee=committee_a.id) == row["overdue"] == 1


def test_the_drill_down_of_a_member_is_unmasked_and_logged(
    office_a, mediator_a, committee_a, cases
):
    # A judicial office user who is also a member of committee A reads its parties whole.
    from committees.models import Mediator
    from mediation.models import PersonalDataAccess

    Mediator.objects.create(committee=committee_a, user=office_a, name="兼职调解员")
    page = client_of(office_a).get(reverse("web:dashboard_cases"), filters(measure="received"))

    assert "13800000000" in page.content.decode()
    assert PersonalDataAccess.objects.filter(user=office_a).count() == 3


def test_the_ministry_table_downloads_as_xlsx(district, cases, client_for):
    response = client_of(district).get(reverse("web:dashboard_export"), filters())

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="ministry-')
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.active
    assert sheet["A1"].value.startswith("人民调解工作统计月报表")
    api = client_for(district).get("/api/v1/statistics/export/", {**filters(), "format": "xlsx"})
    api_sheet = load_workbook(io.BytesIO(api.content)).active
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=3)] == [
        [c.value for c in row] for row in api_sheet.iter_rows(min_row=3)
    ]


def test_the_page_with_everything_it_loads_is_under_one_and_a_half_megabytes(district, cases):
    page = client_of(district).get(DASHBOARD)
    html = page.content.decode()
    assets = re.findall(r'(?:src|href)="/static/([^"]+)"', html)

    sizes = {name: Path(finders.find(name)).stat().st_size for name in assets}

    assert "web/vendor/echarts.min.js" in sizes and "web/dashboard.js" in sizes
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html), "an asset from another host"
    assert len(page.content) + sum(sizes.values()) <= PAGE_BUDGET


@pytest.mark.parametrize(
    "query",
    [
        {"from": "2026-13-45"},
        {"from": "2026-05-01", "to": "2026-01-01"},
        {"committee": "abc"},
        {"area": str(2**70)},
        {"from": "0001-01-01"},
    ],
)
def test_bad_filters_are_never_a_500(district, query):
    for name in ("web:dashboard", "web:dashboard_cases", "web:dashboard_export"):
        assert client_of(district).get(reverse(name), query).status_code == 200, name


@pytest.mark.parametrize(
    "query",
    [
        {"measure": "nonsense"},
        {"month": "2026-99"},
        {"month": "x"},
        {"by_area": "abc"},
        {"by_committee": str(2**70)},
        {"page": "-3"},
        {"outcome": "x" * 500},
    ],
)
def test_bad_drill_parameters_are_never_a_500(district, cases, query):
    assert client_of(district).get(reverse("web:dashboard_cases"), query).status_code == 200


def test_an_area_that_does_not_exist_is_404(district):
    assert client_of(district).get(DASHBOARD, {"area": "999999"}).status_code == 404
