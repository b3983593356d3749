"""The liaison's pages: the institution's referrals, one referral (parties masked) and the
feedback form of an outbound referral through routing.referral_feedback."""

import pytest
from django.urls import reverse

from mediation.choices import Status
from mediation.models import Referral
from tests.builders import fresh, make_case, refer_out, referral_in
from tests.web.web2_world import client_of, csrf_token, leaks

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def inbound(court_liaison, committee_a):
    return referral_in(court_liaison, "court", committee_a)


@pytest.fixture
def outbound(mediator_a, director_a, committee_a):
    case = make_case(
        mediator_a, committee_a, title="商品质量纠纷", status="mediating", director=director_a
    )
    return refer_out(director_a, case)


def test_the_liaison_lists_its_institutions_referrals_only(
    court_liaison, admin_liaison, inbound, outbound
):
    court = client_of(court_liaison).get(reverse("web:liaison_home")).content.decode()
    admin = client_of(admin_liaison).get(reverse("web:liaison_home")).content.decode()

    assert reverse("web:liaison_referral", args=[inbound.id]) in court
    assert reverse("web:liaison_referral", args=[outbound.id]) not in court
    assert reverse("web:liaison_referral", args=[outbound.id]) in admin
    assert reverse("web:liaison_referral", args=[inbound.id]) not in admin


@pytest.mark.parametrize("persona", ["mediator_a", "director_a", "office_a", "district"])
def test_nobody_but_a_liaison_opens_the_pages(request, persona, inbound):
    client = client_of(request.getfixturevalue(persona))

    assert client.get(reverse("web:liaison_home")).status_code == 404
    assert client.get(reverse("web:liaison_referral", args=[inbound.id])).status_code == 404


def test_another_institutions_referral_is_404(petition_liaison, court_liaison, inbound):
    assert (
        client_of(petition_liaison)
        .get(reverse("web:liaison_referral", args=[inbound.id]))
        .status_code
        == 404
    )
    assert (
        client_of(court_liaison).get(reverse("web:liaison_referral", args=[inbound.id])).status_code
        == 200
    )


def test_anonymous_is_sent_to_sign_in(inbound):
    assert client_of(None).get(reverse("web:liaison_home")).status_code == 302


def test_the_referral_shows_the_case_summary_masked(court_liaison, inbound):
    page = client_of(court_liaison).get(reverse("web:liaison_referral", args=[inbound.id]))

    text = page.content.decode()
    assert "买卖合同纠纷" in text and inbound.external_ref in text
    assert "6401**********1235" in text and "138****0000" in text
    assert leaks(court_liaison, text) == []
    assert reverse("web:liaison_feedback", args=[inbound.id]) not in text  # inbound: automatic


def test_feedback_records_the_result_through_the_service(admin_liaison, outbound):
    url = reverse("web:liaison_feedback", args=[outbound.id])
    client = client_of(admin_liaison)

    response = client.post(url, {"result": "returned", "note": "不属本部门职责"}, **HTMX)

    assert response.status_code == 200
    assert "处理结果已反馈" in response.content.decode()
    referral = Referral.objects.get(pk=outbound.pk)
    assert (referral.status, referral.result, referral.note) == (
        "closed",
        "returned",
        "不属本部门职责",
    )
    assert fresh(outbound.case).status == Status.MEDIATING


def test_a_second_feedback_shows_the_current_state_with_a_notice(admin_liaison, outbound):
    url = reverse("web:liaison_feedback", args=[outbound.id])
    client = client_of(admin_liaison)
    client.post(url, {"result": "resolved"}, **HTMX)

    again = client.post(url, {"result": "success"}, **HTMX).content.decode()

    assert "其他人已先处理了该事项" in again and "该移交已反馈" in again
    assert Referral.objects.get(pk=outbound.pk).result == "resolved"


def test_an_unknown_result_is_refused_in_place(admin_liaison, outbound):
    url = reverse("web:liaison_feedback", args=[outbound.id])

    response = client_of(admin_liaison).post(url, {"result": "won"}, **HTMX)

    assert "field-error" in response.content.decode()
    assert Referral.objects.get(pk=outbound.pk).status == "open"


def test_feedback_on_an_inbound_referral_is_refused_with_the_services_message(
    court_liaison, inbound
):
    url = reverse("web:liaison_feedback", args=[inbound.id])

    response = client_of(court_liaison).post(url, {"result": "success"}, **HTMX)

    assert "转入案件的结果在结案时自动反馈" in response.content.decode()
    assert Referral.objects.get(pk=inbound.pk).status == "open"


def test_another_institution_cannot_feed_back(court_liaison, outbound):
    url = reverse("web:liaison_feedback", args=[outbound.id])

    assert client_of(court_liaison).post(url, {"result": "success"}, **HTMX).status_code == 404
    assert Referral.objects.get(pk=outbound.pk).status == "open"


def test_csrf_is_enforced_on_feedback(admin_liaison, outbound):
    url = reverse("web:liaison_feedback", args=[outbound.id])
    client = client_of(admin_liaison, csrf=True)

    assert client.post(url, {"result": "resolved"}).status_code == 403
    assert Referral.objects.get(pk=outbound.pk).status == "open"

    token = csrf_token(client, reverse("web:liaison_referral", args=[outbound.id]))
    response = client.post(url, {"result": "resolved", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Referral.objects.get(pk=outbound.pk).status == "closed"
