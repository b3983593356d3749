"""Helpers of the director, dashboard and liaison page tests (tests/web/test_director_*,
test_district_*, test_liaison_*): a signed-in Django test client per persona and a small
world of cases built through the services."""

import re

from django.test import Client

from committees.scope import scope_for
from mediation.crypto import blind_index
from mediation.models import Party

ID_NUMBER_PATTERN = re.compile(r"(?<![\dA-Za-z])\d{17}[\dX](?![\dA-Za-z])")
MOBILE_PATTERN = re.compile(r"(?<![\dA-Za-z])1[3-9]\d{9}(?![\dA-Za-z])")


def client_of(user, *, csrf: bool = False) -> Client:
    """A Django test client signed in as `user` (a session, as the sign-in page makes);
    `csrf=True` enforces CSRF checks as a browser meets them."""
    client = Client(enforce_csrf_checks=csrf)
    if user is not None:
        client.force_login(user)
    return client


def leaks(user, text: str) -> list[str]:
    """Whole ID numbers or mobiles in `text` of parties whose case's committee `user` is
    not a member of (the same rule as the API's leak check in tests/conftest.py)."""
    scope = scope_for(user)
    found = set(ID_NUMBER_PATTERN.findall(text)) | set(MOBILE_PATTERN.findall(text))
    result = []
    for value in found:
        digest = blind_index(value)
        committees = set(
            Party.objects.filter(id_number_digest=digest).values_list(
                "case__committee_id", flat=True
            )
        ) | set(
            Party.objects.filter(phone_digest=digest).values_list("case__committee_id", flat=True)
        )
        if committees and not any(scope.is_member(c) for c in committees):
            result.append(value)
    return result


def csrf_token(client, url: str) -> str:
    """The CSRF token of the page at `url` (as a browser would take it from the form)."""
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert match, "no CSRF token in the page"
    return match.group(1)
