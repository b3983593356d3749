"""The case page's actions (record a session, conclude) through the same services as the
API: the service's message beside its field, 403 for a non-member, 404 outside scope, a
stale page (someone acted first) reloaded with a notice, CSRF enforced."""

import pytest
from django.test import Client
from django.utils import timezone

from mediation import services
from mediation.models import Agreement, MediationSession
from tests.builders import fresh
from tests.web.conftest import csrf_post


def now_local() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


def session_body(**overrides) -> dict:
    body = {
        "held_at": now_local(),
        "place": "社区调解室",
        "participants": "张某、李某",
        "summary": "双方同意协商解决",
        "party_present": "on",
        "seen_status": "mediating",
        "seen_transfer_pending": "0",
    }
    body.update(overrides)
    return body


def success_body(**overrides) -> dict:
    body = {
        "outcome": "success",
        "agreement_form": "written",
        "terms": "李某于十日内修复漏水并赔偿张某800元。",
        "amount": "800.00",
        "seen_status": "mediating",
        "seen_transfer_pending": "0",
    }
    body.update(overrides)
    return body


@pytest.mark.django_db
def test_the_member_records_a_session(web_client, mediator_a, mediating_a):
    client = web_client(mediator_a)
    page = client.get(f"/cases/{mediating_a.pk}/").content.decode()
    assert "保存调解记录" in page and "确认结案" in page
    response = csrf_post(client, f"/cases/{mediating_a.pk}/session/", session_body())
    assert response.status_code == 302 and response["Location"] == f"/cases/{mediating_a.pk}/"
    session = MediationSession.objects.get(case=mediating_a)
    assert session.summary == "双方同意协商解决" and session.recorded_by == mediator_a
    assert fresh(mediating_a).party_visits == 1
    assert "已记录调解" in client.get(f"/cases/{mediating_a.pk}/").content.decode()


@pytest.mark.django_db
def test_a_session_too_far_ahead_is_the_services_message_beside_the_time(
    web_client, mediator_a, mediating_a
):
    # a later time plans a session (tests/web/test_case_files.py), but not beyond the
    # mediation period and its extension
    later = (timezone.localtime() + timezone.timedelta(days=400)).strftime("%Y-%m-%dT%H:%M")
    response = csrf_post(
        web_client(mediator_a), f"/cases/{mediating_a.pk}/session/", session_body(held_at=later)
    )
    assert response.status_code == 400
    text = response.content.decode()
    field = text[text.index('id="field-held_at"') :]
    assert field.index("调解只能安排在") < field.index("</div>")
    assert not MediationSession.objects.exists()


@pytest.mark.django_db
def test_an_empty_summary_is_refused(web_client, mediator_a, mediating_a):
    response = csrf_post(
        web_client(mediator_a), f"/cases/{mediating_a.pk}/session/", session_body(summary="")
    )
    assert response.status_code == 400
    text = response.content.decode()
    field = text[text.index('id="field-summary"') :]
    assert field.index("请填写调解情况") < field.index("</div>")
    assert not MediationSession.objects.exists()


@pytest.mark.django_db
def test_the_member_concludes_with_a_written_agreement(web_client, mediator_a, mediating_a):
    client = web_client(mediator_a)
    response = csrf_post(client, f"/cases/{mediating_a.pk}/conclude/", success_body())
    assert response.status_code == 302
    case = fresh(mediating_a)
    assert case.status == "succeeded" and case.outcome == "success"
    agreement = Agreement.objects.get(case=case)
    assert agreement.form == "written" and str(agreement.amount) == "800.00"
    assert agreement.number == case.number
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "调解协议" in page and "李某于十日内修复漏水" in page and "确认结案" not in page


@pytest.mark.django_db
def test_success_without_terms_is_refused_beside_the_terms(web_client, mediator_a, mediating_a):
    response = csrf_post(
        web_client(mediator_a), f"/cases/{mediating_a.pk}/conclude/", success_body(terms="")
    )
    assert response.status_code == 400
    text = response.content.decode()
    field = text[text.index('id="field-terms"') :]
    assert field.index("请填写协议内容") < field.index("</div>")
    assert fresh(mediating_a).status == "mediating"


@pytest.mark.django_db
def test_failure_needs_the_guidance(web_client, mediator_a, mediating_a):
    client = web_client(mediator_a)
    body = {"outcome": "failure", "seen_status": "mediating", "seen_transfer_pending": "0"}
    response = csrf_post(client, f"/cases/{mediating_a.pk}/conclude/", body)
    assert response.status_code == 400
    assert "调解不成须告知当事人" in response.content.decode()  # art 26, the service's words
    response = csrf_post(
        client, f"/cases/{mediating_a.pk}/conclude/", {**body, "guidance": "litigation"}
    )
    assert response.status_code == 302
    assert fresh(mediating_a).status == "failed"


@pytest.mark.django_db
def test_someone_acting_first_reloads_the_current_state_with_a_notice(
    web_client, mediator_a, mediator_a2, mediating_a
):
    # given the page drawn while mediating, then a colleague concludes first
    client = web_client(mediator_a)
    client.get(f"/cases/{mediating_a.pk}/")
    services.case_conclude(
        actor=mediator_a2, case=fresh(mediating_a), outcome="failure", guidance="litigation"
    )
    # when the first mediator sends the form they saw
    response = csrf_post(client, f"/cases/{mediating_a.pk}/conclude/", success_body())
    # then the page reloads with the current state and a notice; nothing else changed
    assert response.status_code == 302 and response["Location"] == f"/cases/{mediating_a.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "案件已被他人更新" in page and "调解不成" in page
    assert fresh(mediating_a).status == "failed"
    assert not Agreement.objects.exists()


@pytest.mark.django_db
def test_a_session_on_a_concluded_case_is_a_notice_not_an_error_page(
    web_client, mediator_a, mediating_a
):
    services.case_conclude(
        actor=mediator_a, case=fresh(mediating_a), outcome="failure", guidance="litigation"
    )
    client = web_client(mediator_a)
    response = csrf_post(
        client, f"/cases/{mediating_a.pk}/session/", session_body(seen_status="failed")
    )
    assert response.status_code == 302
    assert "不能记录调解" in client.get(response["Location"]).content.decode()
    assert not MediationSession.objects.exists()


@pytest.mark.django_db
def test_the_judicial_office_may_read_but_not_act(web_client, office_a, mediating_a):
    client = web_client(office_a)
    assert csrf_post(client, f"/cases/{mediating_a.pk}/session/", session_body()).status_code == 403
    assert (
        csrf_post(client, f"/cases/{mediating_a.pk}/conclude/", success_body()).status_code == 403
    )
    assert fresh(mediating_a).status == "mediating"
    assert not MediationSession.objects.exists()


@pytest.mark.django_db
def test_outside_scope_actions_are_404(web_client, outsider, court_liaison, mediating_a):
    for user in (outsider, court_liaison):
        client = web_client(user)
        url = f"/cases/{mediating_a.pk}/conclude/"
        assert csrf_post(client, url, success_body()).status_code == 404
    assert fresh(mediating_a).status == "mediating"


@pytest.mark.django_db
def test_actions_without_csrf_are_refused(mediator_a, mediating_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(mediator_a)
    assert client.post(f"/cases/{mediating_a.pk}/conclude/", success_body()).status_code == 403
    assert client.post(f"/cases/{mediating_a.pk}/session/", session_body()).status_code == 403
    assert fresh(mediating_a).status == "mediating"


@pytest.mark.django_db
def test_actions_answer_only_post(web_client, mediator_a, mediating_a):
    client = web_client(mediator_a)
    assert client.get(f"/cases/{mediating_a.pk}/conclude/").status_code == 405
    assert client.get(f"/cases/{mediating_a.pk}/session/").status_code == 405
