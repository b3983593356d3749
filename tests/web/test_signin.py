"""Sign-in at / (sessions, CSRF, the API's lock-out), landing pages, password change,
sign-out, and the demo accounts of `make run`."""

import uuid

import pytest
from django.core.management import call_command
from django.test import Client

from committees.demo import DEMO_PASSWORD
from tests.web.conftest import csrf_post

PASSWORD = "secret-pass-123"  # tests.factories.UserFactory's password


@pytest.fixture(autouse=True)
def _isolated_login_counters(settings):
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    }
    settings.AUTH_LOGIN_FAILURE_LIMIT = 3
    settings.AUTH_LOGIN_IP_FAILURE_LIMIT = 50
    settings.AUTH_LOGIN_LOCKOUT_SECONDS = 900


def sign_in(client, username, password=PASSWORD, **extra):
    return csrf_post(client, "/", {"username": username, "password": password}, **extra)


@pytest.mark.django_db
def test_the_sign_in_page_is_at_the_root(web_client):
    response = web_client().get("/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "登录" in text and 'name="csrfmiddlewaretoken"' in text


@pytest.mark.django_db
def test_a_mediator_lands_on_the_cases(web_client, mediator_a):
    response = sign_in(web_client(), "mediator_a")
    assert response.status_code == 302
    assert response["Location"] == "/cases/"


@pytest.mark.django_db
def test_a_director_lands_on_the_inbox_or_else_the_cases(web_client, director_a):
    from django.urls import NoReverseMatch, reverse

    try:
        expected = reverse("web:director_inbox")
    except NoReverseMatch:  # web2's inbox not merged: a director is a member too
        expected = "/cases/"
    assert sign_in(web_client(), "director_a")["Location"] == expected


@pytest.mark.django_db
def test_the_district_office_lands_on_the_dashboard_or_else_home(web_client, district):
    from django.urls import NoReverseMatch, reverse

    try:
        expected = reverse("web:dashboard")
    except NoReverseMatch:
        expected = "/home/"
    assert sign_in(web_client(), "district_office")["Location"] == expected


@pytest.mark.django_db
def test_a_safe_next_is_followed_and_another_host_is_not(web_client, mediator_a):
    response = csrf_post(
        web_client(), "/", {"username": "mediator_a", "password": PASSWORD, "next": "/todo/"}
    )
    assert response["Location"] == "/todo/"
    response = csrf_post(
        web_client(),
        "/",
        {"username": "mediator_a", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/cases/"


@pytest.mark.django_db
def test_a_wrong_password_says_so_in_chinese_beside_the_form(web_client, mediator_a):
    response = sign_in(web_client(), "mediator_a", password="wrong")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    assert "_auth_user_id" not in response.wsgi_request.session


@pytest.mark.django_db
def test_sign_in_without_the_csrf_token_is_refused(mediator_a):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/", {"username": "mediator_a", "password": PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_failures_lock_the_pair_as_the_api_does_even_for_the_right_password(
    web_client, mediator_a, mediator_a2
):
    client = web_client()
    for _ in range(3):
        assert sign_in(client, "mediator_a", password="wrong").status_code == 200
    response = sign_in(client, "mediator_a")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # the same address still serves another user; the API refuses the locked pair too
    assert sign_in(web_client(), "mediator_a2")["Location"] == "/cases/"
    api = Client().post(
        "/api/v1/auth/token/",
        {"username": "mediator_a", "password": PASSWORD},
        content_type="application/json",
    )
    assert api.status_code == 429


@pytest.mark.django_db
def test_the_api_failures_count_for_the_web_sign_in(web_client, mediator_a):
    for _ in range(3):
        Client().post(
            "/api/v1/auth/token/",
            {"username": "mediator_a", "password": "wrong"},
            content_type="application/json",
        )
    assert sign_in(web_client(), "mediator_a").status_code == 429


@pytest.mark.django_db
def test_a_signed_in_user_opening_the_root_goes_home(web_client, mediator_a):
    assert web_client(mediator_a).get("/")["Location"] == "/cases/"


@pytest.mark.django_db
def test_pages_send_an_anonymous_visitor_to_sign_in(web_client, ref):
    for url in ("/cases/", "/home/", "/todo/", "/notifications/", "/password/"):
        response = web_client().get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/?next="), url


@pytest.mark.django_db
def test_password_change_then_the_new_password_signs_in(web_client, mediator_a):
    client = web_client(mediator_a)
    response = csrf_post(
        client,
        "/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Xin-mima-2026!",
            "new_password2": "Xin-mima-2026!",
        },
    )
    assert response.status_code == 302
    assert sign_in(web_client(), "mediator_a", password="Xin-mima-2026!").status_code == 302
    assert sign_in(web_client(), "mediator_a").status_code == 200  # the old one is refused


@pytest.mark.django_db
def test_password_change_errors_show_beside_the_fields(web_client, mediator_a):
    response = csrf_post(
        web_client(mediator_a),
        "/password/",
        {"old_password": "wrong", "new_password1": "a", "new_password2": "b"},
    )
    assert response.status_code == 200
    assert "field-error" in response.content.decode()


@pytest.mark.django_db
def test_logout_ends_the_session(web_client, mediator_a):
    client = web_client(mediator_a)
    assert csrf_post(client, "/logout/")["Location"] == "/"
    assert client.get("/cases/").status_code == 302


@pytest.mark.django_db
def test_the_demo_accounts_sign_in(web_client, ref, settings):
    settings.DEBUG = True
    call_command("create_demo_accounts", verbosity=0)
    assert sign_in(web_client(), "mediator.C640106001001", DEMO_PASSWORD)["Location"] == "/cases/"
    assert sign_in(web_client(), "district", DEMO_PASSWORD).status_code == 302
    assert sign_in(web_client(), "liaison.CRT640106", DEMO_PASSWORD).status_code == 302
