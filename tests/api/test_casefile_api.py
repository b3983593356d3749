"""The 卷宗 over HTTP: archive's 409 `file_incomplete` with `missing`, the archived case's
`file_number` and `retain_until`, and POST /cases/{id}/rights-notified/ (规定 art 30)."""

import pytest
from django.utils import timezone

from mediation import services
from mediation.models import CaseEvent
from tests.api.conftest import snapshot
from tests.builders import complete_file, fresh, make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def withdrawn(mediator_a, director_a, committee_a):
    case = make_case(mediator_a, committee_a, status="mediating", director=director_a)
    return services.case_withdraw(actor=mediator_a, case=fresh(case), reason="撤回")


def test_archive_answers_file_incomplete_with_the_missing_kinds(client_for, mediator_a, withdrawn):
    before = snapshot(withdrawn.id)

    response = client_for(mediator_a).post(f"/api/v1/cases/{withdrawn.id}/archive/")

    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "file_incomplete"
    assert body["detail"]
    assert body["missing"] == ["rights_notice", "id_copy"]
    assert body["parties_without_id_copy"] == sorted(withdrawn.parties.values_list("id", flat=True))
    assert snapshot(withdrawn.id) == before


def test_an_archived_case_shows_its_file_number_and_retention(client_for, mediator_a, withdrawn):
    complete_file(mediator_a, withdrawn)

    response = client_for(mediator_a).post(f"/api/v1/cases/{withdrawn.id}/archive/")

    assert response.status_code == 200, response.content
    body = response.json()
    year = timezone.localdate().year
    assert body["status"] == "archived"
    assert body["file_number"] == f"{year}-0001"
    assert body["retain_until"] == str(fresh(withdrawn).retain_until)
    assert body["retain_until"].startswith(str(year + 5))


def test_rights_notified_records_regulations_art_30_over_http(
    client_for, mediator_a, committee_a, office_a
):
    """人民调解工作若干规定 art 30: the parties are told their rights and duties before
    mediation; POST /cases/{id}/rights-notified/ records when and how."""
    case = make_case(mediator_a, committee_a)
    url = f"/api/v1/cases/{case.id}/rights-notified/"
    at = timezone.now().replace(microsecond=0)

    refused = client_for(office_a).post(url, {"at": at.isoformat(), "how": "oral"}, format="json")
    bad = client_for(mediator_a).post(url, {"at": at.isoformat(), "how": "x"}, format="json")
    response = client_for(mediator_a).post(
        url, {"at": at.isoformat(), "how": "written"}, format="json"
    )

    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_choice")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == case.id
    assert body["rights_notified_how"] == "written"
    assert timezone.datetime.fromisoformat(body["rights_notified_at"]) == at
    assert "rights_notified" in body["allowed_actions"]
    assert CaseEvent.objects.filter(case=case, kind="rights_notified").count() == 1
