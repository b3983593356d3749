"""Every web URL × every persona, from one table (tests/web/rows/, format documented in its
__init__.py): the walk of the URL resolver finds every `web:` URL name, and a name without a
row fails `test_every_web_url_has_rows`. Each row runs for every persona in a savepoint that
is rolled back, so all start from the same world; a refusal must leave the database as it
was, and an allowed write must change it. POSTs carry the CSRF token as a browser does
(CSRF itself is tested per view)."""

import importlib
import pkgutil

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

import tests.web.rows as rows_package
from tests.web.rows._table import PERSONAS, Row
from tests.web.rows._world import build_world, fingerprint


def row_modules():
    for info in pkgutil.iter_modules(rows_package.__path__):
        if not info.name.startswith("_"):
            yield importlib.import_module(f"{rows_package.__name__}.{info.name}")


ROWS: list[Row] = [row for module in row_modules() for row in module.ROWS]


def web_url_names() -> set[str]:
    """The name of every URL pattern in the `web` namespace."""
    names = set()

    def walk(resolver, namespace):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                walk(entry, entry.namespace or namespace)
            elif isinstance(entry, URLPattern) and namespace == "web":
                assert entry.name, f"a web URL without a name: {entry.pattern}"
                names.add(entry.name)

    walk(get_resolver(), None)
    return names


def covered_elsewhere() -> set[str]:
    """URL names whose rows are still in the web2 branch's own table (tests/web/rows_web2.py,
    run by tests/web/test_director_authorization_rows.py over its own world) until they are
    folded into tests/web/rows/ as one module each: covered, not missing."""
    try:
        module = importlib.import_module("tests.web.rows_web2")
    except ModuleNotFoundError:
        return set()
    return {name.removeprefix("web:") for name in module.ROWS}


def test_every_web_url_has_rows():
    named = {row.name for row in ROWS}
    missing = web_url_names() - named - covered_elsewhere()
    assert missing == set(), "web URLs without rows in tests/web/rows/"
    assert named - web_url_names() == set(), "rows for URL names that do not exist"


def test_every_row_names_every_persona():
    for row in ROWS:
        assert set(row.expect) == set(PERSONAS), row


@pytest.fixture
def world(ref):
    w = build_world()
    for module in row_modules():
        if hasattr(module, "extend_world"):
            module.extend_world(w)
    return w


def client_for(w, persona: str) -> Client:
    client = Client(enforce_csrf_checks=True)
    if persona != "anon":
        client.force_login(w.users[persona])
    return client


def send(client: Client, row: Row, w):
    path = row.path(w)
    if row.method == "GET":
        return client.get(path)
    client.get("/")  # the CSRF cookie, as the page with the form would set it
    if "csrftoken" not in client.cookies:
        client.get("/home/")
    token = client.cookies["csrftoken"].value
    return client.post(path, {**row.data(w), "csrfmiddlewaretoken": token})


@pytest.mark.django_db
@pytest.mark.parametrize("row", ROWS, ids=lambda row: f"{row.method} {row.name}")
def test_the_table(row, world):
    failures = []
    for persona in PERSONAS:
        with transaction.atomic():
            before = fingerprint()
            response = send(client_for(world, persona), row, world)
            expected = row.expect[persona]
            if response.status_code != expected:
                failures.append(f"{persona}: {response.status_code} (expected {expected})")
            elif row.method == "POST" and row.writes:
                changed = fingerprint() != before
                refused = expected >= 400 or (persona == "anon" and expected == 302)
                if refused and changed:
                    failures.append(f"{persona}: refused but the database changed")
                if not refused and not changed:
                    failures.append(f"{persona}: allowed but nothing changed")
            transaction.set_rollback(True)
    assert not failures, f"{row.method} {row.name}: " + "; ".join(failures)
