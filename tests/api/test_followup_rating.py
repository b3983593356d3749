"""POST /follow-ups/{id}/complete/ {"rating": 1-5}: a performance visit (履行回访) records the
rating the party gave on its result; a kind that takes no rating refuses it with a 400."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mediation import services
from mediation.choices import Status
from mediation.exceptions import InvalidInput
from mediation.followups import followup_complete, followups_scan, rating_submit
from mediation.models import CaseEvent, FollowUp, RatingLink
from tests.builders import make_case, sign_all

Kind = FollowUp.Kind

PARTIES = [
    {"role": "applicant", "name": "张某", "phone": "13800000000"},
    {"role": "respondent", "name": "李某", "phone": "13900000000"},
]


def concluded(director, mediator, committee, outcome="success"):
    case = make_case(
        mediator,
        committee,
        parties=PARTIES,
        title="漏水纠纷",
        status=Status.MEDIATING,
        director=director,
    )
    extra = (
        {"agreement": {"form": "written", "terms": "赔偿5000元", "amount": "5000.00"}}
        if outcome == "success"
        else {"guidance": "litigation"}
    )
    services.case_conclude(actor=mediator, case=case, outcome=outcome, **extra)
    if outcome == "success":
        sign_all(mediator, case)  # in force: its performance check is scheduled (art 29)
    return case


def performance_check(case):
    return FollowUp.objects.get(case=case, kind=Kind.PERFORMANCE_CHECK)


def bad_rating_review(case):
    FollowUp.objects.filter(case=case, kind=Kind.SATISFACTION).update(
        due_at=timezone.now() - timedelta(minutes=1)
    )
    followups_scan()
    link = RatingLink.objects.filter(case=case).order_by("id").first()
    rating_submit(token=link.token, stars=1, comment="态度不好")
    return FollowUp.objects.get(case=case, kind=Kind.BAD_RATING_REVIEW)


def complete(client, row, body):
    return client.post(f"/api/v1/follow-ups/{row.id}/complete/", body, format="json")


@pytest.mark.django_db
def test_a_performance_visit_records_the_rating_the_party_gave(
    client_for, director_a, mediator_a, committee_a
):
    case = concluded(director_a, mediator_a, committee_a)
    row = performance_check(case)

    response = complete(client_for(mediator_a), row, {"performed": "full", "rating": 4})

    assert response.status_code == 200, response.json()
    assert response.json()["result"]["rating"] == 4
    row.refresh_from_db()
    assert row.status == FollowUp.Status.DONE
    assert row.result == {"performed": "full", "result": "", "note": "", "rating": 4}
    event = CaseEvent.objects.get(case=case, kind="performance_check_done")
    assert event.data["rating"] == 4


@pytest.mark.django_db
def test_without_a_rating_the_result_is_as_before(client_for, director_a, mediator_a, committee_a):
    row = performance_check(concluded(director_a, mediator_a, committee_a))

    response = complete(client_for(mediator_a), row, {"performed": "full"})

    assert response.status_code == 200
    assert response.json()["result"] == {"performed": "full", "result": "", "note": ""}


@pytest.mark.django_db
@pytest.mark.parametrize("rating", [0, 6, "五星"])
def test_a_rating_outside_1_to_5_is_a_400_and_the_visit_stays_open(
    client_for, director_a, mediator_a, committee_a, rating
):
    row = performance_check(concluded(director_a, mediator_a, committee_a))

    response = complete(client_for(mediator_a), row, {"performed": "full", "rating": rating})

    assert response.status_code == 400
    assert "rating" in response.json()
    row.refresh_from_db()
    assert row.status == FollowUp.Status.SCHEDULED and row.result == {}


@pytest.mark.django_db
def test_a_bad_rating_review_takes_no_rating_400_rating_not_accepted(
    client_for, director_a, mediator_a, committee_a
):
    row = bad_rating_review(concluded(director_a, mediator_a, committee_a, outcome="failure"))

    response = complete(client_for(director_a), row, {"result": "已回访当事人", "rating": 5})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "rating_not_accepted"
    assert body["field"] == "rating"
    assert "评分" in body["detail"]
    row.refresh_from_db()
    assert row.status == FollowUp.Status.SCHEDULED
    assert not CaseEvent.objects.filter(case=row.case, kind="bad_rating_review_done").exists()


@pytest.mark.django_db
def test_the_service_checks_the_rating_itself(director_a, mediator_a, committee_a):
    row = performance_check(concluded(director_a, mediator_a, committee_a))

    for rating in (0, 6, True, "4"):
        with pytest.raises(InvalidInput) as refused:
            followup_complete(actor=mediator_a, followup=row, performed="full", rating=rating)
        assert refused.value.code == "invalid_rating"
    row.refresh_from_db()
    assert row.status == FollowUp.Status.SCHEDULED
