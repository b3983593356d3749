import pytest
from django.utils import timezone

from mediation import services
from mediation.models import Case, FollowUp
from tests.builders import complete_file, make_case

PARTIES = [
    {"role": "applicant", "name": "张某", "id_number": "11010519491231002X"},
    {"role": "respondent", "name": "李某"},
]


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.org", "pw-123456!")
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_cases_are_listed_searchable_and_read_only_in_the_admin(
    admin_client, mediator_a, committee_a
):
    case = make_case(mediator_a, committee_a, parties=PARTIES)

    listing = admin_client.get("/admin/mediation/case/", {"q": "张某"})
    page = admin_client.get(f"/admin/mediation/case/{case.id}/change/")
    post = admin_client.post(f"/admin/mediation/case/{case.id}/change/", {"status": "archived"})

    assert listing.status_code == 200 and "楼上漏水纠纷" in listing.content.decode()
    assert page.status_code == 200
    assert "11010519491231002X" not in page.content.decode()
    assert post.status_code in (302, 403, 200)
    assert Case.objects.get(pk=case.pk).status == "registered"
    assert admin_client.get("/admin/mediation/case/add/").status_code == 403


@pytest.mark.django_db
def test_the_archive_action_goes_through_the_service(
    admin_client, director_a, mediator_a, committee_a
):
    case = make_case(
        mediator_a,
        committee_a,
        parties=PARTIES,
        title="纠纷",
        status="mediating",
        director=director_a,
    )
    case = services.case_withdraw(actor=mediator_a, case=case, reason="撤回")
    case = complete_file(mediator_a, case)
    blocked = make_case(mediator_a, committee_a, parties=PARTIES, title="未结案")

    admin_client.post(
        "/admin/mediation/case/",
        {"action": "archive_cases", "_selected_action": [case.id, blocked.id]},
    )

    case.refresh_from_db()
    blocked.refresh_from_db()
    assert case.status == "archived" and case.archived_at <= timezone.now()
    assert case.events.filter(kind="archived").count() == 1
    assert blocked.status == "registered"  # refused by the workflow, reported as a message
    assert not FollowUp.objects.filter(case=case, status="scheduled").exists()
