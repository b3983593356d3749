"""Personas (as in healthchecks' alice/bob/charlie) over the real reference data.

Committee A is a community committee under the 满城北街 sub-district; its judicial office
is J640106001. Committee B (the outsider) is a community under 黄河东路.
"""

import atexit
import os
import re
import shutil
import tempfile
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.cache import caches
from django.core.files.storage import storages
from django.db.models import Q
from rest_framework.test import APIClient

from committees.models import Committee, Mediator, Role
from committees.reference_data import reference_data_load
from config.celery import app as celery_app
from tests.builders import member
from tests.celery_config import configure as configure_celery
from tests.factories import RoleFactory, UserFactory, institution

# Personal-data keys for the test run (also handed to worker subprocesses via the env).
TEST_FIELD_KEY = "zw5I7Hyjh7t2FZaKMcL1aJnJneGtNklN22CrO422uOE="
TEST_BLIND_INDEX_KEY = "test-blind-index-key-not-for-production"
os.environ["TIAOJIE_FIELD_KEYS"] = TEST_FIELD_KEY
os.environ["TIAOJIE_BLIND_INDEX_KEY"] = TEST_BLIND_INDEX_KEY
django_settings.TIAOJIE_FIELD_KEYS = [TEST_FIELD_KEY]
django_settings.TIAOJIE_BLIND_INDEX_KEY = TEST_BLIND_INDEX_KEY
# Attachments go to a folder of this run's own, removed at exit (never the checkout's).
ATTACHMENTS_DIR = tempfile.mkdtemp(prefix="tiaojie-attachments-")
atexit.register(shutil.rmtree, ATTACHMENTS_DIR, ignore_errors=True)
django_settings.STORAGES = {
    **django_settings.STORAGES,
    "attachments": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": ATTACHMENTS_DIR, "base_url": None},
    },
}
storages._storages = {}  # built from the settings above at first use
storages.__dict__.pop("backends", None)
# Statistics answers are read fresh in tests (tests/api/test_stats_cache.py turns it on).
django_settings.STATISTICS_CACHE_SECONDS = 0


def _redis_url_of_worker(url: str, worker: str) -> str:
    """REDIS_URL's database moved down by the xdist worker's number (gw0 keeps it)."""
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    number = int(worker.removeprefix("gw"))
    return urlunsplit(parts._replace(path=f"/{(base - number) % 16}"))


# Under pytest-xdist (`make test` runs `-n auto`) each worker process gets a Redis database
# of its own, for the broker and the cache alike: one worker's queued tasks and
# `cache.clear()` never reach another's. Subprocesses (a real Celery worker) inherit it
# through the environment. PostgreSQL needs nothing: pytest-django names each worker's
# test database test_<name>_gw<N>.
if os.environ.get("PYTEST_XDIST_WORKER") and django_settings.REDIS_URL:
    _url = _redis_url_of_worker(django_settings.REDIS_URL, os.environ["PYTEST_XDIST_WORKER"])
    os.environ["REDIS_URL"] = _url
    django_settings.REDIS_URL = django_settings.CELERY_BROKER_URL = _url
    django_settings.CACHES = {
        **django_settings.CACHES,
        "default": {**django_settings.CACHES["default"], "LOCATION": _url},
    }
    caches.__dict__.pop("settings", None)  # built from the settings above at first use
    configure_celery(celery_app, broker_url=_url)

COMMITTEE_A = "C640106001001"
TOWN_OF_A = "C640106001"
COMMITTEE_B = "C640106002001"
OFFICE_OF_A = "J640106001"
OFFICE_OF_B = "J640106002"
COURT = "CRT640106"
PETITION = "PET640106"
MEDICAL = "C640106H01"  # the medical-dispute committee (a professional committee)
ADMINISTRATIVE_PARTNER = "ADM-SCJ"  # an administrative department (行政调解对接)


# --- the clock: the whole run can be moved to any instant -------------------------------------


def pytest_addoption(parser):
    parser.addoption(
        "--now",
        default=os.environ.get("TIAOJIE_TEST_NOW") or None,
        metavar="'YYYY-MM-DD HH:MM[:SS]'",
        help="Start every test at this instant (Asia/Shanghai) with the clock running, "
        "e.g. --now '2026-12-31 23:59:30'. Default: $TIAOJIE_TEST_NOW, else the real time.",
    )


def forced_now(config) -> datetime | None:
    value = config.getoption("--now")
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("Asia/Shanghai"))


def pytest_report_header(config):
    moment = forced_now(config)
    return f"clock: every test starts at {moment.isoformat()}" if moment else "clock: real time"


def _travel(request, before=timedelta(0)):
    moment = forced_now(request.config)
    if moment is None:
        yield
        return
    with time_machine.travel(moment - before, tick=True):
        yield


@pytest.fixture(scope="module", autouse=True)
def _clock_for_the_module(request):
    """With --now (or TIAOJIE_TEST_NOW) a module's shared fixtures are built a minute before
    that instant (so a token they sign is not from the future when a test starts)."""
    yield from _travel(request, before=timedelta(minutes=1))


@pytest.fixture(autouse=True)
def _clock(request):
    """… and each test starts at it again, the clock running on from there; a test that
    needs a particular moment travels again inside it."""
    yield from _travel(request)


@pytest.fixture
def ref(db):
    """The reference data (84 committees …); loaded once, reloaded after a flushing test."""
    if not Committee.objects.exists():
        reference_data_load()


@pytest.fixture
def committee_a(ref):
    return Committee.objects.get(code=COMMITTEE_A)


@pytest.fixture
def committee_b(ref):
    return Committee.objects.get(code=COMMITTEE_B)


@pytest.fixture
def town_a(ref):
    return Committee.objects.get(code=TOWN_OF_A)


@pytest.fixture
def mediator_a(committee_a):
    return member(committee_a, "mediator_a", Mediator.Role.MEDIATOR)


@pytest.fixture
def mediator_a2(committee_a):
    return member(committee_a, "mediator_a2", Mediator.Role.MEDIATOR)


@pytest.fixture
def director_a(committee_a):
    return member(committee_a, "director_a", Mediator.Role.DIRECTOR)


@pytest.fixture
def director_town_a(town_a):
    return member(town_a, "director_town_a", Mediator.Role.DIRECTOR)


@pytest.fixture
def outsider(committee_b):
    """A director of committee B: a real user with a real role, outside A's scope."""
    return member(committee_b, "outsider_b", Mediator.Role.DIRECTOR)


@pytest.fixture
def medical(ref):
    return Committee.objects.get(code=MEDICAL)


@pytest.fixture
def director_medical(medical):
    return member(medical, "director_medical", Mediator.Role.DIRECTOR)


@pytest.fixture
def mediator_medical(medical):
    return member(medical, "mediator_medical", Mediator.Role.MEDIATOR)


@pytest.fixture
def admin_liaison(ref):
    return RoleFactory(
        user=UserFactory(username="admin_liaison"),
        kind=Role.Kind.LIAISON,
        institution=institution(ADMINISTRATIVE_PARTNER),
    ).user


@pytest.fixture
def office_a(ref):
    return RoleFactory(
        user=UserFactory(username="office_a"),
        kind=Role.Kind.JUDICIAL_OFFICE,
        institution=institution(OFFICE_OF_A),
    ).user


@pytest.fixture
def office_b(ref):
    return RoleFactory(
        user=UserFactory(username="office_b"),
        kind=Role.Kind.JUDICIAL_OFFICE,
        institution=institution(OFFICE_OF_B),
    ).user


@pytest.fixture
def district(ref):
    return RoleFactory(
        user=UserFactory(username="district_office"), kind=Role.Kind.DISTRICT_OFFICE
    ).user


@pytest.fixture
def court_liaison(ref):
    return RoleFactory(
        user=UserFactory(username="court_liaison"),
        kind=Role.Kind.LIAISON,
        institution=institution(COURT),
    ).user


@pytest.fixture
def petition_liaison(ref):
    return RoleFactory(
        user=UserFactory(username="petition_liaison"),
        kind=Role.Kind.LIAISON,
        institution=institution(PETITION),
    ).user


@pytest.fixture
def anon():
    return APIClient()


@pytest.fixture
def client_for():
    """client_for(user) → an APIClient authenticated as that user."""

    def make(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Personas get passwords; the production hasher would spend ~0.3 s on each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _tasks_run_in_process(settings):
    """Tests run Celery tasks in-process unless a test starts a real worker (which sets
    task_always_eager back to False for itself)."""
    from config.celery import app

    before = configure_celery(app, task_always_eager=True)
    yield
    configure_celery(app, **before)


# --- no personal data leaks, checked on every API response of the suite ----------------------

ID_NUMBER_PATTERN = re.compile(r"(?<![\dA-Za-z])\d{17}[\dX](?![\dA-Za-z])")
MOBILE_PATTERN = re.compile(r"(?<![\dA-Za-z])1[3-9]\d{9}(?![\dA-Za-z])")


def _leaks(response) -> list[str]:
    """Whole ID numbers or mobiles of parties in a response to someone who is not a member
    of the committee holding that party's case."""
    from committees.scope import scope_for
    from mediation.crypto import blind_index
    from mediation.models import Party

    context = getattr(response, "renderer_context", None) or {}
    # A file response (an export) is no DRF Response: its request is the client's.
    request = context.get("request") or getattr(response, "wsgi_request", None)
    if getattr(response, "streaming", False):
        # A streamed export is read whole here and handed back to the test unchanged.
        body = b"".join(response.streaming_content)
        response.streaming_content = [body]
    else:
        body = response.content
    text = body.decode("utf-8", errors="ignore") if body else ""
    found = set(ID_NUMBER_PATTERN.findall(text)) | set(MOBILE_PATTERN.findall(text))
    if not found:
        return []
    user = getattr(request, "user", None)
    scope = scope_for(user)
    leaks = []
    for value in found:
        digest = blind_index(value)
        committees = set(
            Party.objects.filter(Q(id_number_digest=digest) | Q(phone_digest=digest)).values_list(
                "case__committee_id", flat=True
            )
        )
        # The same person may be a party at several committees: a member of any of them
        # may see the value in that committee's case.
        if committees and not any(scope.is_member(c) for c in committees):
            leaks.append(value)
    return leaks


@pytest.fixture(autouse=True)
def _no_unmasked_personal_data_outside_the_holding_committee(request, monkeypatch):
    if "django_db_blocker" not in request.fixturenames and not any(
        m.name == "django_db" for m in request.node.iter_markers()
    ):
        yield
        return
    from django.db import connection

    original = APIClient.request

    def checked(self, **kwargs):
        response = original(self, **kwargs)
        # The scan's own queries are taken out of the log again, so that a test's query
        # budget (django_assert_num_queries) counts only the request's queries.
        log, before = connection.queries_log, len(connection.queries_log)
        leaks = _leaks(response)
        while len(log) > before:
            log.pop()
        assert not leaks, f"personal data leaked in {kwargs.get('PATH_INFO')}: {leaks}"
        return response

    monkeypatch.setattr(APIClient, "request", checked)
    yield
