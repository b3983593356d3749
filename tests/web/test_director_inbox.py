"""The director's inbox: who may open it, what it lists, and its actions through the
services (accept, decline, assign, transfers, the screening report)."""

import pytest
from django.urls import reverse

from committees.models import Mediator
from mediation import services
from mediation.choices import Status
from mediation.models import Case, CaseEvent, ScreeningReport, Transfer
from tests.builders import fresh, make_case, membership, request_transfer
from tests.web.web2_world import client_of, csrf_token

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def inbox_url(committee):
    return reverse("web:director_committee", kwargs={"committee_id": committee.id})


def test_the_director_sees_registered_cases_and_the_committee(director_a, mediator_a, committee_a):
    case = make_case(mediator_a, committee_a, title="院墙倒塌纠纷")

    page = client_of(director_a).get(reverse("web:director_inbox"))

    assert page.status_code == 200
    text = page.content.decode()
    assert committee_a.name in text
    assert "院墙倒塌纠纷" in text
    assert reverse("web:director_accept", args=[committee_a.id, case.id]) in text


@pytest.mark.parametrize("persona", ["mediator_a", "office_a", "district", "court_liaison"])
def test_nobody_but_a_director_opens_the_inbox(request, persona, committee_a):
    user = request.getfixturevalue(persona)

    assert client_of(user).get(reverse("web:director_inbox")).status_code == 404
    assert client_of(user).get(inbox_url(committee_a)).status_code == 404


def test_another_committees_director_gets_their_own_inbox_and_404_for_this_one(
    outsider, committee_a, committee_b
):
    own = client_of(outsider).get(reverse("web:director_inbox"))

    assert own.status_code == 200 and committee_b.name in own.content.decode()
    assert client_of(outsider).get(inbox_url(committee_a)).status_code == 404


def test_anonymous_is_sent_to_sign_in(committee_a):
    response = client_of(None).get(reverse("web:director_inbox"))

    assert response.status_code == 302


def test_another_committees_director_cannot_act_here(outsider, mediator_a, director_a, committee_a):
    case = make_case(mediator_a, committee_a)
    url = reverse("web:director_accept", args=[committee_a.id, case.id])

    response = client_of(outsider).post(url, {"mediators": [membership(mediator_a).id]}, **HTMX)

    assert response.status_code == 404
    assert fresh(case).status == Status.REGISTERED


def test_a_case_of_another_committee_is_404_under_ones_own(director_a, outsider, committee_b):
    other = make_case(outsider, committee_b)
    url = reverse(
        "web:director_accept", args=[director_a.mediator_memberships.get().committee_id, other.id]
    )

    assert client_of(director_a).post(url, {}, **HTMX).status_code == 404
    assert fresh(other).status == Status.REGISTERED


def test_accept_assigns_the_mediators_through_the_service(director_a, mediator_a, committee_a):
    case = make_case(mediator_a, committee_a)
    url = reverse("web:director_accept", args=[committee_a.id, case.id])

    response = client_of(director_a).post(
        url,
        {"mediators": [membership(mediator_a).id], "status": "registered", "transfer_pending": "0"},
        **HTMX,
    )

    assert response.status_code == 200
    case = fresh(case)
    assert case.status == Status.MEDIATING
    assert list(case.mediators.values_list("user", flat=True)) == [mediator_a.id]
    assert "已受理" in response.content.decode()
    assert CaseEvent.objects.filter(case=case, kind="accepted").count() == 1


def test_accept_without_a_mediator_shows_the_services_message_in_place(
    director_a, mediator_a, committee_a
):
    case = make_case(mediator_a, committee_a)
    url = reverse("web:director_accept", args=[committee_a.id, case.id])

    response = client_of(director_a).post(url, {"status": "registered"}, **HTMX)

    assert response.status_code == 200
    text = response.content.decode()
    assert "至少指派一名调解员。" in text
    assert 'data-code="mediators_required"' in text
    assert fresh(case).status == Status.REGISTERED


def test_a_recused_mediator_is_refused_by_the_service(
    director_a, mediator_a, mediator_a2, committee_a
):
    case = make_case(mediator_a, committee_a, status="mediating", director=director_a)
    services.case_assign_mediators(
        actor=director_a,
        case=fresh(case),
        mediator_ids=[membership(mediator_a2).id],
        reason="当事人申请回避",
        party_objection=True,
    )
    url = reverse("web:director_assign", args=[committee_a.id, case.id])

    response = client_of(director_a).post(
        url, {"mediators": [membership(mediator_a).id], "status": "mediating"}, **HTMX
    )

    assert "当事人已申请该调解员回避" in response.content.decode()
    assert list(fresh(case).mediators.values_list("user", flat=True)) == [mediator_a2.id]


def test_decline_needs_a_reason_and_records_the_code(director_a, mediator_a, committee_a):
    case = make_case(mediator_a, committee_a)
    url = reverse("web:director_decline", args=[committee_a.id, case.id])
    client = client_of(director_a)

    refused = client.post(url, {"reason_code": "not_mediable", "reason": ""}, **HTMX)
    assert "请填写不予受理的理由。" in refused.content.decode()
    assert fresh(case).status == Status.REGISTERED

    client.post(url, {"reason_code": "not_mediable", "reason": "属于行政争议"}, **HTMX)
    case = fresh(case)
    assert case.status == Status.DECLINED
    assert case.decline_reason_code == "not_mediable"


def test_someone_else_acting_first_reloads_the_current_state_with_a_notice(
    director_a, mediator_a, committee_a
):
    case = make_case(mediator_a, committee_a)
    # given the page showed the case registered, and another director accepted it since
    services.case_accept(
        actor=director_a, case=fresh(case), mediator_ids=[membership(mediator_a).id]
    )
    url = reverse("web:director_decline", args=[committee_a.id, case.id])

    response = client_of(director_a).post(
        url, {"reason_code": "other", "reason": "重复登记", "status": "registered"}, **HTMX
    )

    text = response.content.decode()
    assert "其他人已先处理了该事项" in text
    assert "调解中" in text  # the current state, with the assign form instead of accept
    assert reverse("web:director_assign", args=[committee_a.id, case.id]) in text
    assert fresh(case).status == Status.MEDIATING


def test_without_htmx_the_action_redirects_back_with_the_message(
    director_a, mediator_a, committee_a
):
    case = make_case(mediator_a, committee_a)
    url = reverse("web:director_accept", args=[committee_a.id, case.id])
    client = client_of(director_a)

    response = client.post(url, {"mediators": [membership(mediator_a).id]}, follow=True)

    assert response.redirect_chain[-1][0] == inbox_url(committee_a)
    assert "已受理" in response.content.decode()


def test_csrf_is_enforced_on_the_actions(director_a, mediator_a, committee_a):
    case = make_case(mediator_a, committee_a)
    url = reverse("web:director_accept", args=[committee_a.id, case.id])
    client = client_of(director_a, csrf=True)
    body = {"mediators": [membership(mediator_a).id]}

    assert client.post(url, body, **HTMX).status_code == 403
    assert fresh(case).status == Status.REGISTERED

    token = csrf_token(client, inbox_url(committee_a))
    assert client.post(url, body, HTTP_X_CSRFTOKEN=token, **HTMX).status_code == 200
    assert fresh(case).status == Status.MEDIATING


def test_incoming_transfers_are_accepted_or_rejected(
    director_a, mediator_a, committee_a, medical, director_medical
):
    first = make_case(mediator_a, committee_a, title="医疗纠纷甲")
    second = make_case(mediator_a, committee_a, title="医疗纠纷乙")
    one, two = (
        request_transfer(director_a, first, medical),
        request_transfer(director_a, second, medical),
    )
    client = client_of(director_medical)

    page = client.get(inbox_url(medical)).content.decode()
    assert "医疗纠纷甲" in page and "医疗纠纷乙" in page

    rejected = client.post(
        reverse("web:director_transfer_reject", args=[medical.id, two.id]), {"reason": ""}, **HTMX
    )
    assert "请填写拒收理由。" in rejected.content.decode()
    client.post(
        reverse("web:director_transfer_reject", args=[medical.id, two.id]),
        {"reason": "不属医疗纠纷"},
        **HTMX,
    )
    client.post(reverse("web:director_transfer_accept", args=[medical.id, one.id]), **HTMX)

    assert Transfer.objects.get(pk=two.pk).status == Transfer.Status.REJECTED
    assert fresh(first).committee_id == medical.id
    again = client.post(reverse("web:director_transfer_accept", args=[medical.id, one.id]), **HTMX)
    assert "该移送已处理" in again.content.decode()
    # the sender's director does not answer for the receiver
    assert (
        client_of(director_a)
        .post(reverse("web:director_transfer_accept", args=[medical.id, two.id]), **HTMX)
        .status_code
        == 404
    )


def test_the_screening_report_is_filed_once_a_month(director_a, committee_a):
    url = reverse("web:director_screening", args=[committee_a.id])
    client = client_of(director_a)
    body = {"period": "2025-10", "disputes_found": "3", "high_risk": "5", "prevented": "1"}

    refused = client.post(url, body, **HTMX)
    assert "高风险纠纷数不能大于排查发现纠纷数。" in refused.content.decode()

    client.post(url, {**body, "high_risk": "1"}, **HTMX)
    again = client.post(url, {**body, "high_risk": "1"}, **HTMX)

    assert ScreeningReport.objects.filter(committee=committee_a, period="2025-10").count() == 1
    assert "本月的排查报告已经填报" in again.content.decode()


def test_overdue_cases_are_counted_and_marked(director_a, mediator_a, committee_a):
    case = make_case(mediator_a, committee_a, status="mediating", director=director_a)
    Case.objects.filter(pk=case.pk).update(due_on="2020-01-01")

    text = client_of(director_a).get(inbox_url(committee_a)).content.decode()

    assert "<b>1</b>超期" in text
    assert 'id="overdue"' in text and "1 件" in text
    assert 'class="badge overdue">超期<' in text


def test_a_director_of_two_committees_switches_between_them(director_a, committee_a, medical):
    Mediator.objects.create(
        committee=medical, user=director_a, name="主任", role=Mediator.Role.DIRECTOR
    )

    text = client_of(director_a).get(reverse("web:director_inbox")).content.decode()

    assert inbox_url(medical) in text and inbox_url(committee_a) in text
    assert client_of(director_a).get(inbox_url(medical)).status_code == 200
