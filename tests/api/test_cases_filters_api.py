"""docs/api.md "Cases": the list filters and the pinned query counts of the list."""

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from mediation import services
from mediation.models import (
    Case,
)
from tests.api.conftest import (
    CASES,
    accept,
    fresh,
    ids,
    register,
    today,
)

pytestmark = pytest.mark.django_db


# --- 3. filters --------------------------------------------------------------------------


def _received(case: Case, day: date, at: time) -> None:
    """Test setup of time: the case came in at `at` on `day` (Asia/Shanghai)."""
    Case.objects.filter(pk=case.pk).update(
        received_at=timezone.make_aware(datetime.combine(day, at))
    )


@pytest.fixture
def filter_cases(world):
    """Four cases in A and one in B, received around the midnights of three days."""
    m, d = world.mediator_a, world.director_a
    neighbour = accept(register(m, world.committee_a, title="楼上漏水纠纷"), d, m)
    wages = register(
        m,
        world.committee_a,
        title="拖欠农民工工资",
        dispute_type="labour_wages",
        source="screening",
        parties=[
            {"role": "applicant", "name": "王某"},
            {"role": "respondent", "kind": "organisation", "name": "宏达建筑公司"},
        ],
    )
    labour = accept(
        register(
            m,
            world.committee_a,
            title="解除劳动合同补偿",
            dispute_type="labour",
            parties=[
                {"role": "applicant", "name": "赵某"},
                {"role": "respondent", "kind": "organisation", "name": "顺达物流公司"},
            ],
        ),
        d,
        m,
    )
    contract = services.case_decline(
        actor=d,
        case=register(
            m,
            world.committee_a,
            title="货款纠纷",
            dispute_type="contract",
            parties=[{"role": "applicant", "name": "钱某"}, {"role": "respondent", "name": "孙某"}],
        ),
        reason="法院已经受理",
    )
    other = register(
        world.outsider, world.committee_b, title="加班费纠纷", dispute_type="labour_other"
    )
    day1, day2, day3 = (today() - timedelta(days=n) for n in (10, 9, 8))
    _received(neighbour, day1, time(23, 59, 59))
    _received(wages, day2, time(0, 0))
    _received(labour, day2, time(23, 59, 59))
    _received(contract, day3, time(0, 0))
    _received(other, day2, time(12, 0))
    # neighbour is one day past its due date; labour is due today (not yet overdue)
    Case.objects.filter(pk=neighbour.pk).update(due_on=today() - timedelta(days=1))
    Case.objects.filter(pk=labour.pk).update(due_on=today())
    cases = {
        "neighbour": neighbour,
        "wages": wages,
        "labour": labour,
        "contract": contract,
        "other": other,
    }
    return {"days": (day1, day2, day3), **{k: Case.objects.get(pk=v.pk) for k, v in cases.items()}}


def _names(filter_cases, response) -> set[str]:
    by_id = {case.id: name for name, case in filter_cases.items() if isinstance(case, Case)}
    return {by_id[i] for i in ids(response)}


FILTERS = [
    ({"status": "mediating"}, {"neighbour", "labour"}),
    ({"status": "registered"}, {"wages", "other"}),
    ({"status": "declined"}, {"contract"}),
    ({"committee": "A"}, {"neighbour", "wages", "labour", "contract"}),
    ({"committee": "B"}, {"other"}),
    ({"dispute_type": "labour"}, {"wages", "labour", "other"}),
    ({"dispute_type": "labour_wages"}, {"wages"}),
    ({"dispute_type": "neighbourhood"}, {"neighbour"}),
    ({"committee": "A", "dispute_type": "labour"}, {"wages", "labour"}),
    ({"source": "screening"}, {"wages"}),
    ({"source": "party_application"}, {"neighbour", "labour", "contract", "other"}),
    ({"received_after": 1}, {"wages", "labour", "contract", "other"}),
    ({"received_before": 1}, {"neighbour", "wages", "labour", "other"}),
    ({"received_after": 1, "received_before": 1}, {"wages", "labour", "other"}),
    ({"received_after": 0, "received_before": 0}, {"neighbour"}),
    ({"received_after": 2}, {"contract"}),
    ({"overdue": "true"}, {"neighbour"}),
    ({"q": "漏水"}, {"neighbour"}),
    ({"q": "宏达"}, {"wages"}),
    ({"q": "赵某"}, {"labour"}),
    ({"q": "number:wages"}, {"wages"}),
]


@pytest.mark.parametrize("query, expected", FILTERS, ids=[str(q) for q, _ in FILTERS])
def test_case_list_filters(client_for, district, world, filter_cases, query, expected):
    # given the district office, which sees every committee
    params = {"page_size": 200}
    for key, value in query.items():
        if key == "committee":
            value = (world.committee_a if value == "A" else world.committee_b).id
        elif key.startswith("received_"):
            value = str(filter_cases["days"][value])
        elif key == "q" and value.startswith("number:"):
            value = filter_cases[value.removeprefix("number:")].number
        params[key] = value

    response = client_for(district).get(CASES, params)

    assert _names(filter_cases, response) == expected


def test_overdue_flag_in_the_list_matches_the_filter(client_for, district, filter_cases):
    rows = client_for(district).get(CASES, {"page_size": 200}).json()["results"]

    overdue = {row["id"] for row in rows if row["overdue"]}

    assert overdue == {filter_cases["neighbour"].id}


def test_filters_never_widen_the_scope(client_for, mediator_a, world, filter_cases):
    client = client_for(mediator_a)

    assert ids(client.get(CASES, {"committee": world.committee_b.id})) == set()
    assert ids(client.get(CASES, {"q": "加班费"})) == set()
    assert ids(client.get(CASES, {"dispute_type": "labour"})) == {
        filter_cases["wages"].id,
        filter_cases["labour"].id,
    }


@pytest.mark.parametrize(
    "query",
    [
        {"status": "finished"},
        {"dispute_type": "gossip"},
        {"source": "transfer_in"},
        {"received_after": "2026-13-01"},
        {"received_before": "yesterday"},
        {"committee": "A"},
    ],
)
def test_a_bad_filter_value_is_400_not_500(client_for, district, world, query):
    register(world.mediator_a, world.committee_a)

    response = client_for(district).get(CASES, query)

    assert response.status_code == 400, response.content
    assert response.json()["code"]
    assert response.json()["detail"]


# --- 4. pinned query count on the list ---------------------------------------------------

# scope (memberships, roles, supervised committees), cases, parties, and for members one
# insert recording the personal-data reveal (issue 7's audited reveal)
LIST_QUERY_BUDGET = 6


@pytest.mark.parametrize("persona", ["mediator_a", "office_a", "district"])
def test_list_query_count_is_the_same_at_page_size_1_50_200(
    request, client_for, world, django_assert_max_num_queries, django_assert_num_queries, persona
):
    # given 205 cases in committee A, one accepted (mediators) and one with a leader
    for n in range(205):
        register(world.mediator_a, world.committee_a, title=f"纠纷{n}")
    accept(Case.objects.order_by("-id").first(), world.director_a, world.mediator_a)
    user = request.getfixturevalue(persona)

    # when the list is read at page size 1, then 50, then 200 (each a fresh request)
    client = client_for(fresh(user))
    with django_assert_max_num_queries(LIST_QUERY_BUDGET) as first:
        response = client.get(CASES, {"page_size": 1})
    assert len(response.json()["results"]) == 1
    pinned = len(first.captured_queries)

    for size in (50, 200):
        client = client_for(fresh(user))
        with django_assert_num_queries(pinned):
            response = client.get(CASES, {"page_size": size})
        # then every page costs the same number of queries, and the rows are complete
        rows = response.json()["results"]
        assert len(rows) == size
        assert all(len(row["parties"]) == 2 for row in rows)
        assert response.json()["next"] is not None
