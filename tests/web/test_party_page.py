"""The party's rating page /r/<token>: no login, five stars, one submit; used, expired and
unknown links say so in Chinese; no script, well under 100 KB."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from mediation.models import FollowUp, RatingLink
from tests.web.helpers import concluded, rating_links


@pytest.fixture
def link(director_a, mediator_a, committee_a):
    return rating_links(concluded(director_a, mediator_a, committee_a))[0]


def rate(client, token, data):
    client.get(f"/r/{token}")
    data = {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value}
    return client.post(f"/r/{token}", data)


@pytest.mark.django_db
def test_the_sms_carries_the_page_link(link):
    from mediation.models import OutboundMessage

    bodies = list(OutboundMessage.objects.values_list("body", flat=True))
    assert any(f"/r/{link.token}" in body for body in bodies)


@pytest.mark.django_db
def test_the_page_shows_five_stars_and_nothing_personal(link):
    response = Client(enforce_csrf_checks=True).get(f"/r/{link.token}")
    text = response.content.decode()
    assert response.status_code == 200
    assert text.count('type="radio" name="stars"') == 5
    assert "满城北街第一社区" in text and "漏水纠纷" in text
    assert "张某" not in text and "李某" not in text
    assert "<script" not in text


@pytest.mark.django_db
def test_a_rating_is_saved_once(link, settings):
    client = Client(enforce_csrf_checks=True)
    response = rate(client, link.token, {"stars": "5", "comment": "很满意"})
    assert response.status_code == 200 and "感谢您的评价" in response.content.decode()
    link.refresh_from_db()
    assert (link.stars, link.comment) == (5, "很满意") and link.used_at is not None
    again = Client(enforce_csrf_checks=True).get(f"/r/{link.token}")
    assert "该评价链接已使用" in again.content.decode()
    response = rate(Client(enforce_csrf_checks=True), link.token, {"stars": "1"})
    assert "该评价链接已使用" in response.content.decode()
    link.refresh_from_db()
    assert link.stars == 5


@pytest.mark.django_db
def test_a_bad_rating_opens_the_directors_review(link):
    rate(Client(enforce_csrf_checks=True), link.token, {"stars": "1", "comment": "不满意"})
    assert FollowUp.objects.filter(case=link.case, kind=FollowUp.Kind.BAD_RATING_REVIEW).exists()


@pytest.mark.django_db
def test_no_star_is_said_beside_the_stars(link):
    response = rate(Client(enforce_csrf_checks=True), link.token, {"comment": "x"})
    assert response.status_code == 400
    assert "请选择星级" in response.content.decode()
    link.refresh_from_db()
    assert link.used_at is None


@pytest.mark.django_db
def test_an_expired_or_unknown_link_says_so(link):
    RatingLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    for token in (link.token, "no-such-token"):
        response = Client().get(f"/r/{token}")
        assert response.status_code == 404
        assert "该评价链接无效或已过期" in response.content.decode()
    link.refresh_from_db()
    assert link.used_at is None


@pytest.mark.django_db
def test_rating_without_csrf_is_refused(link):
    response = Client(enforce_csrf_checks=True).post(f"/r/{link.token}", {"stars": "5"})
    assert response.status_code == 403
    link.refresh_from_db()
    assert link.used_at is None
