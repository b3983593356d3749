"""The repeat-dispute look-up reads other committees' personal data (by ID number): it
names a committee only for an open case, and each look-up that matched is recorded in the
personal-data access log for the district office."""

import pytest

from mediation import services
from mediation.models import PersonalDataAccess
from tests.builders import make_case, person

ID_NUMBER = "11010519491231002X"
OTHER_ID_NUMBER = "110101199003074119"


def register(user, committee, id_number=ID_NUMBER):
    return make_case(
        user,
        committee,
        title="纠纷",
        parties=[person("applicant", "张某", id_number=id_number), person("respondent", "李某")],
    )


def case_body(committee, id_number=ID_NUMBER):
    return {
        "committee": committee.id,
        "dispute_type": "neighbourhood",
        "source": "party_application",
        "title": "楼上漏水纠纷",
        "parties": [
            {"role": "applicant", "kind": "person", "name": "张某", "id_number": id_number},
            {"role": "respondent", "kind": "person", "name": "李某"},
        ],
    }


def lookups(**filters):
    return PersonalDataAccess.objects.filter(kind="repeat_dispute", **filters)


@pytest.mark.django_db
def test_a_closed_match_is_counted_but_its_committee_is_not_named(
    mediator_a, committee_a, outsider, committee_b, director_town_a, town_a
):
    closed_at_b = register(outsider, committee_b)
    services.case_decline(actor=outsider, case=closed_at_b, reason="不属于调解范围")

    at_a = register(mediator_a, committee_a)
    at_town = register(director_town_a, town_a)

    assert at_a.repeat_dispute == {"count": 1, "committees": []}
    assert at_town.repeat_dispute == {"count": 2, "committees": [committee_a.name]}


@pytest.mark.django_db
def test_a_committee_with_an_open_match_is_named_even_beside_its_closed_one(
    mediator_a, committee_a, outsider, committee_b
):
    closed_at_b = register(outsider, committee_b)
    services.case_decline(actor=outsider, case=closed_at_b, reason="不属于调解范围")
    register(outsider, committee_b)

    case = register(mediator_a, committee_a)

    assert case.repeat_dispute == {"count": 2, "committees": [committee_b.name]}


@pytest.mark.django_db
def test_each_matching_lookup_is_recorded_per_matched_case_and_listed_to_the_district(
    client_for, mediator_a, committee_a, outsider, committee_b, office_a, district
):
    open_at_b = register(outsider, committee_b)
    closed_at_b = register(outsider, committee_b)
    services.case_decline(actor=outsider, case=closed_at_b, reason="不属于调解范围")

    response = client_for(mediator_a).post("/api/v1/cases/", case_body(committee_a), format="json")

    assert response.status_code == 201, response.content
    new_id = response.json()["id"]
    shown = {"count": 2, "committees": [committee_b.name]}
    assert response.json()["repeat_dispute"] == shown
    recorded = {
        (r.user_id, r.username, r.case_id, r.via, r.for_case_id)
        for r in lookups(for_case_id=new_id)
    }
    assert recorded == {
        (mediator_a.id, "mediator_a", open_at_b.id, "/api/v1/cases/", new_id),
        (mediator_a.id, "mediator_a", closed_at_b.id, "/api/v1/cases/", new_id),
    }
    assert all(r.shown == shown for r in lookups(for_case_id=new_id))

    listed = client_for(district).get("/api/v1/personal-data-access/", {"case": open_at_b.id})
    assert listed.status_code == 200
    [row] = [r for r in listed.json()["results"] if r["username"] == "mediator_a"]
    assert row["kind"] == "repeat_dispute"
    assert row["case"] == open_at_b.id
    assert row["for_case"] == new_id
    assert row["shown"] == shown
    assert row["via"] == "/api/v1/cases/"
    by_kind = client_for(district).get(
        "/api/v1/personal-data-access/", {"kind": "repeat_dispute", "user": mediator_a.id}
    )
    assert {r["case"] for r in by_kind.json()["results"]} == {open_at_b.id, closed_at_b.id}
    assert client_for(office_a).get("/api/v1/personal-data-access/").status_code == 403


@pytest.mark.django_db
def test_a_lookup_without_a_match_records_nothing(mediator_a, committee_a, outsider, committee_b):
    register(outsider, committee_b)

    unrelated = register(mediator_a, committee_a, id_number=OTHER_ID_NUMBER)

    assert unrelated.repeat_dispute == {}
    assert not lookups(for_case=unrelated).exists()
    assert not lookups(user=mediator_a).exists()


@pytest.mark.django_db
def test_the_reveals_of_a_case_stay_kind_reveal(client_for, mediator_a, committee_a):
    case = register(mediator_a, committee_a)

    client_for(mediator_a).get(f"/api/v1/cases/{case.id}/")

    [read] = PersonalDataAccess.objects.filter(case=case)
    assert (read.kind, read.for_case, read.shown) == ("reveal", None, {})


@pytest.mark.django_db
def test_a_referral_that_matched_is_recorded_against_the_liaison(
    client_for, court_liaison, committee_a, outsider, committee_b
):
    open_at_b = register(outsider, committee_b)
    case = case_body(committee_a)
    del case["committee"], case["source"]
    body = {"mechanism": "court", "committee": committee_a.id, "case": case}

    response = client_for(court_liaison).post("/api/v1/referrals/", body, format="json")

    assert response.status_code == 201, response.content
    assert "repeat_dispute" not in response.json()["case"]  # the liaison is not shown it
    [row] = lookups(user=court_liaison)
    assert (row.case_id, row.for_case_id, row.via) == (
        open_at_b.id,
        response.json()["case"]["id"],
        "/api/v1/referrals/",
    )
    assert row.shown == {"count": 1, "committees": [committee_b.name]}


@pytest.mark.django_db
def test_outside_the_holding_committee_the_signal_names_no_committee(
    client_for, mediator_a, committee_a, outsider, committee_b, office_a, district
):
    register(outsider, committee_b)
    case = register(mediator_a, committee_a)

    for reader in (office_a, district):
        detail = client_for(reader).get(f"/api/v1/cases/{case.id}/")
        assert detail.status_code == 200
        assert detail.json()["repeat_dispute"] == {"count": 1, "committees": []}
    mine = client_for(mediator_a).get(f"/api/v1/cases/{case.id}/").json()
    assert mine["repeat_dispute"] == {"count": 1, "committees": [committee_b.name]}
