import pytest

from committees.demo import DEMO_PASSWORD, demo_accounts_create
from committees.models import Committee, Institution

REFERENCE_URLS = [
    "/api/v1/areas/",
    "/api/v1/committees/",
    "/api/v1/mediators/",
    "/api/v1/institutions/",
    "/api/v1/mechanisms/",
    "/api/v1/me/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", REFERENCE_URLS)
def test_anonymous_gets_401_with_a_code(anon, ref, url):
    response = anon.get(url)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.json()["detail"]


@pytest.mark.django_db
def test_committees_list_is_cursor_paginated_up_to_200(client_for, mediator_a):
    client = client_for(mediator_a)

    first = client.get("/api/v1/committees/", {"page_size": 50}).json()
    second = client.get(first["next"]).json()

    assert set(first) == {"results", "next", "previous"}
    assert len(first["results"]) == 50
    assert len(second["results"]) == 34
    assert second["next"] is None
    assert client.get("/api/v1/committees/", {"page_size": 500}).json()["next"] is None
    assert len(client.get("/api/v1/committees/", {"page_size": 500}).json()["results"]) == 84


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query, expected",
    [
        ({"kind": "town"}, {"C640106100", "C640106101"}),
        ({"code": "C640106H01"}, {"C640106H01"}),
        ({"parent_code": None}, None),
    ],
)
def test_committee_filters(client_for, district, query, expected):
    if expected is None:
        town = Committee.objects.get(code="C640106101")
        query = {"parent": town.id}
        expected = set(Committee.objects.filter(parent=town).values_list("code", flat=True))
        assert len(expected) > 3
    response = client_for(district).get("/api/v1/committees/", {**query, "page_size": 200})
    assert response.status_code == 200
    assert {row["code"] for row in response.json()["results"]} == expected


@pytest.mark.django_db
def test_committee_fields(client_for, district):
    row = (
        client_for(district)
        .get("/api/v1/committees/", {"code": "C640106001001"})
        .json()["results"][0]
    )
    committee = Committee.objects.get(code="C640106001001")
    assert row == {
        "id": committee.id,
        "code": "C640106001001",
        "name": "满城北街第一社区人民调解委员会",
        "short_name": "满城北街第一",
        "kind": "community",
        "network": "urban",
        "area": committee.area_id,
        "parent": committee.parent_id,
        "judicial_office": committee.judicial_office_id,
        "active": True,
    }


@pytest.mark.django_db
def test_other_reference_lists_and_filters(client_for, mediator_a, committee_a):
    client = client_for(mediator_a)

    areas = client.get("/api/v1/areas/", {"level": "town"}).json()["results"]
    assert {a["code"] for a in areas} == {"640106100", "640106101"}

    courts = client.get("/api/v1/institutions/", {"kind": "court"}).json()["results"]
    assert [(i["code"], i["name"]) for i in courts] == [("CRT640106", "金凤区人民法院")]

    mechanism = client.get("/api/v1/mechanisms/", {"code": "petition"}).json()["results"]
    assert mechanism[0]["partner_kinds"] == ["petition_bureau"]
    assert mechanism[0]["feedback_days"] == 30

    roster = client.get("/api/v1/mediators/", {"committee": committee_a.id}).json()["results"]
    assert [(m["name"], m["role"], m["full_time"], m["active"]) for m in roster] == [
        ("mediator_a", "mediator", False, True)
    ]


@pytest.mark.django_db
def test_me_shows_roles(client_for, director_a, committee_a, office_a, court_liaison, district):
    def roles(user):
        body = client_for(user).get("/api/v1/me/").json()
        return body["username"], body["roles"]

    assert roles(director_a) == ("director_a", [{"role": "director", "committee": committee_a.id}])
    office = Institution.objects.get(code="J640106001")
    assert roles(office_a) == (
        "office_a",
        [{"role": "judicial_office", "institution": office.id, "area": office.area_id}],
    )
    court = Institution.objects.get(code="CRT640106")
    assert roles(court_liaison)[1] == [{"role": "liaison", "institution": court.id}]
    assert roles(district)[1] == [{"role": "district_office"}]


@pytest.mark.django_db
def test_demo_district_token_lists_84_committees(anon, ref):
    demo_accounts_create()

    bad = anon.post("/api/v1/auth/token/", {"username": "district", "password": "nope"})
    token = anon.post(
        "/api/v1/auth/token/", {"username": "district", "password": DEMO_PASSWORD}, format="json"
    )
    assert bad.status_code == 401
    assert token.status_code == 200
    anon.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['access']}")
    listed = anon.get("/api/v1/committees/", {"page_size": 200}).json()["results"]
    assert len(listed) == 84

    refreshed = anon.post("/api/v1/auth/refresh/", {"refresh": token.json()["refresh"]})
    assert refreshed.status_code == 200 and refreshed.json()["access"]


@pytest.mark.django_db
def test_demo_accounts_follow_the_pattern_and_are_idempotent(ref):
    first = demo_accounts_create()
    second = demo_accounts_create()
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    assert first == second == users.count()
    assert users.filter(username="director.C640106001001").exists()
    assert users.filter(username="mediator.C640106H01").exists()
    assert users.filter(username="office.J640106001").exists()
    assert users.filter(username="office.DJB640106").exists()
    assert users.filter(username="liaison.CRT640106").exists()
    assert users.get(username="district").check_password(DEMO_PASSWORD)


@pytest.mark.django_db
def test_schema_and_docs_are_served(anon):
    schema = anon.get("/api/schema/")
    docs = anon.get("/api/docs/")
    assert schema.status_code == 200
    assert b"/api/v1/committees/" in schema.content
    assert docs.status_code == 200
