"""The web pages' fixtures: Django test clients signed in as the personas of
tests/conftest.py, with the same personal-data check as every API response (no whole ID
number or mobile on a page shown to someone outside the holding committee)."""

import pytest
from django.db import connection
from django.test import Client

from tests.builders import make_case
from tests.conftest import _leaks


@pytest.fixture(autouse=True)
def _no_unmasked_personal_data_on_pages(request, monkeypatch):
    if "django_db_blocker" not in request.fixturenames and not any(
        m.name == "django_db" for m in request.node.iter_markers()
    ):
        yield
        return
    original = Client.request

    def checked(self, **kwargs):
        response = original(self, **kwargs)
        log, before = connection.queries_log, len(connection.queries_log)
        leaks = _leaks(response)
        while len(log) > before:
            log.pop()
        assert not leaks, f"personal data leaked in {kwargs.get('PATH_INFO')}: {leaks}"
        return response

    monkeypatch.setattr(Client, "request", checked)
    yield


@pytest.fixture
def web_client():
    """web_client(user) → a Django test client with a session for `user` (None: anonymous),
    CSRF checks enforced as in a browser."""

    def make(user=None):
        client = Client(enforce_csrf_checks=True)
        if user is not None:
            client.force_login(user)
        return client

    return make


def csrf_post(client, url, data=None, **extra):
    """POST as a browser does: the token from the cookie set by a GET of the page."""
    for page in ("/", "/home/"):  # the sign-in form, or any page of a signed-in user
        if "csrftoken" not in client.cookies:
            client.get(page)
    token = client.cookies["csrftoken"].value
    return client.post(url, {**(data or {}), "csrfmiddlewaretoken": token}, **extra)


@pytest.fixture
def case_a(mediator_a, committee_a):
    """A registered case at committee A (the applicant has an ID number and a mobile)."""
    return make_case(mediator_a, committee_a)


@pytest.fixture
def mediating_a(mediator_a, director_a, committee_a):
    """A case at committee A being mediated by mediator_a."""
    return make_case(mediator_a, committee_a, status="mediating", director=director_a)
