"""Bad input is a clear JSON 4xx, never a 500 (issue 12, item 2).

Each test is one reproducer found by trying the running server from outside, answered
with the project's error shape {"detail": <Chinese>, "code": <stable code>}, and checks
that nothing was written. The race on the screening reports needs the real PostgreSQL.
"""

import json
import logging
import re
import threading
import time
from base64 import b64encode
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import IdempotencyKey
from mediation.models import Case, ScreeningReport
from tests.builders import PARTIES, case_body, make_case

pytestmark = pytest.mark.django_db

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

CJK = re.compile(r"[\u4e00-\u9fff]")


def chinese(text: str) -> bool:
    """Chinese text: it has Chinese characters and no English sentence."""
    return bool(CJK.search(text)) and not re.search(r"[A-Za-z]{3,} [A-Za-z]{2,}", text)


def assert_error(response, status: int, code: str):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert body["code"] == code, body
    assert chinese(body["detail"]), body
    return body


# --- crafted cursors ------------------------------------------------------------------------


def cursor(querystring: str) -> str:
    return b64encode(querystring.encode("ascii")).decode("ascii")


CRAFTED_CURSORS = [
    "cD1hYmM=",  # p=abc
    cursor("p=1e5"),
    cursor("p=2024-01-01"),
    cursor("p=99999999999999999999999999"),  # beyond 64 bits
    cursor("p=5&r=x"),
    "not base64 at all!",
    "5Lit5paH",  # base64 of UTF-8 text, not ASCII
]

CURSOR_LISTS = [
    "/api/v1/cases/",
    "/api/v1/cases/{case}/events/",
    "/api/v1/notifications/",
    "/api/v1/personal-data-access/",
    "/api/v1/areas/",
    "/api/v1/committees/",
    "/api/v1/mediators/",
    "/api/v1/institutions/",
    "/api/v1/mechanisms/",
    "/api/v1/transfers/",
    "/api/v1/referrals/",
    "/api/v1/follow-ups/",
    "/api/v1/screening-reports/",
]


@pytest.mark.parametrize("value", CRAFTED_CURSORS)
@pytest.mark.parametrize("path", CURSOR_LISTS)
def test_a_crafted_cursor_is_400_invalid_cursor(
    client_for, district, mediator_a, committee_a, path, value
):
    case = make_case(mediator_a, committee_a)

    response = client_for(district).get(path.format(case=case.id), {"cursor": value})

    assert_error(response, 400, "invalid_cursor")


def test_a_cursor_the_api_gave_still_pages(client_for, mediator_a, committee_a):
    # given three cases and pages of two
    for _ in range(3):
        make_case(mediator_a, committee_a)
    client = client_for(mediator_a)

    # when the client follows the `next` link
    first = client.get("/api/v1/cases/", {"page_size": 2}).json()
    second = client.get(first["next"]).json()

    # then the second page holds the oldest case
    assert len(first["results"]) == 2
    assert len(second["results"]) == 1
    assert second["next"] is None


# --- deeply nested JSON ---------------------------------------------------------------------


@pytest.mark.parametrize("body", ["[" * 100000, '{"a":' * 100000, "[" * 2000 + "]" * 2000])
def test_deeply_nested_json_to_sign_in_is_400_without_a_login(body):
    response = APIClient().post("/api/v1/auth/token/", body, content_type="application/json")

    body = assert_error(response, 400, "nesting_too_deep")
    assert str(settings.TIAOJIE_JSON_MAX_DEPTH) in body["detail"]


def test_deeply_nested_json_to_a_create_is_400_and_creates_nothing(
    client_for, mediator_a, committee_a
):
    body = json.dumps(case_body(committee_a))[:-1] + ', "extra": ' + "[" * 5000 + "}"

    response = client_for(mediator_a).post(
        "/api/v1/cases/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1"
    )

    assert_error(response, 400, "nesting_too_deep")
    assert not Case.objects.exists()
    assert not IdempotencyKey.objects.exists()


def test_json_nested_up_to_the_limit_is_parsed(client_for, mediator_a, committee_a):
    # a value nested exactly TIAOJIE_JSON_MAX_DEPTH deep (the body's object is level 1)
    depth = settings.TIAOJIE_JSON_MAX_DEPTH - 1
    body = json.dumps(case_body(committee_a))[:-1] + ', "extra": ' + "[" * depth + "]" * depth + "}"

    response = client_for(mediator_a).post("/api/v1/cases/", body, content_type="application/json")

    assert response.status_code == 201, response.content


def test_brackets_inside_strings_do_not_count_as_nesting(client_for, mediator_a, committee_a):
    body = json.dumps(case_body(committee_a, title="[" * 100 + '"{' * 40))

    response = client_for(mediator_a).post("/api/v1/cases/", body, content_type="application/json")

    assert response.status_code == 201, response.content


def test_an_unterminated_string_full_of_escaped_quotes_is_refused_at_once():
    body = '{"username": "' + '\\"' * 30000

    started = time.monotonic()
    response = APIClient().post("/api/v1/auth/token/", body, content_type="application/json")

    assert_error(response, 400, "parse_error")
    assert time.monotonic() - started < 5


# --- a lone surrogate -----------------------------------------------------------------------


@pytest.mark.parametrize("idempotency_key", ["k-surrogate", None])
def test_a_lone_surrogate_is_400_and_creates_nothing(
    client_for, mediator_a, committee_a, idempotency_key
):
    body = json.dumps(case_body(committee_a, title="TITLE")).replace("TITLE", "\\ud800")
    assert "\\ud800" in body
    headers = {"HTTP_IDEMPOTENCY_KEY": idempotency_key} if idempotency_key else {}

    response = client_for(mediator_a).post(
        "/api/v1/cases/", body, content_type="application/json", **headers
    )

    assert_error(response, 400, "invalid_unicode")
    assert not Case.objects.exists()
    assert not IdempotencyKey.objects.exists()


def test_a_surrogate_pair_escape_is_ordinary_text(client_for, mediator_a, committee_a):
    body = json.dumps(case_body(committee_a, title="TITLE")).replace("TITLE", "\\ud83d\\ude00 x")

    response = client_for(mediator_a).post(
        "/api/v1/cases/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-2"
    )

    assert response.status_code == 201, response.content
    assert response.json()["title"] == "\U0001f600 x"


# --- a body too large -----------------------------------------------------------------------


TEN_MB = 10 * 1024 * 1024


def test_a_10_mb_json_body_is_413_json(client_for, mediator_a, committee_a):
    body = json.dumps(case_body(committee_a, title="x" * TEN_MB))

    response = client_for(mediator_a).post("/api/v1/cases/", body, content_type="application/json")

    assert_error(response, 413, "request_too_large")
    assert not Case.objects.exists()


def test_a_10_mb_body_to_sign_in_is_413_json():
    body = json.dumps({"username": "x" * TEN_MB, "password": "x"})

    response = APIClient().post("/api/v1/auth/token/", body, content_type="application/json")

    assert_error(response, 413, "request_too_large")


def test_a_10_mb_form_body_is_413_json(client_for, mediator_a, committee_a):
    response = client_for(mediator_a).post(
        "/api/v1/cases/", {"title": "x" * TEN_MB}, format="multipart"
    )

    assert_error(response, 413, "request_too_large")


# --- unknown URLs and unhandled errors ------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/api/v1/no-such-thing/", "/api/nothing", "/api/v1/cases/abc/", "/api/v2/cases/"]
)
def test_an_unknown_api_url_is_404_json(client_for, district, path):
    response = client_for(district).get(path)

    assert_error(response, 404, "not_found")


def test_an_unknown_url_outside_the_api_stays_a_page(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


def test_an_unhandled_error_under_the_api_is_500_json_and_logged_in_full(monkeypatch, caplog):
    def broken():
        raise RuntimeError("the health report broke")

    monkeypatch.setattr("mediation.health.health_report", broken)
    client = APIClient(raise_request_exception=False)

    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/api/v1/health/")

    body = assert_error(response, 500, "server_error")
    assert "broke" not in json.dumps(body)
    logged = [r for r in caplog.records if r.name == "django.request" and r.exc_info]
    assert logged, caplog.records
    assert logged[0].exc_info[0] is RuntimeError


# --- sign-in, token and parse errors in Chinese ---------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans", None])
def test_a_wrong_password_is_401_in_chinese(mediator_a, language):
    mediator_a.set_password("right-password-1")
    mediator_a.save()
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}

    response = APIClient().post(
        "/api/v1/auth/token/",
        {"username": "mediator_a", "password": "wrong"},
        format="json",
        **headers,
    )

    assert_error(response, 401, "no_active_account")


@pytest.mark.parametrize("language", ["en", None])
def test_a_bad_access_token_is_401_in_chinese(language):
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}

    response = APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION="Bearer abc.def.ghi", **headers)

    body = assert_error(response, 401, "token_not_valid")
    assert set(body) == {"detail", "code"}


def test_a_bad_refresh_token_is_401_in_chinese():
    response = APIClient(HTTP_ACCEPT_LANGUAGE="en").post(
        "/api/v1/auth/refresh/", {"refresh": "abc.def.ghi"}, format="json"
    )

    assert_error(response, 401, "token_not_valid")


def test_a_missing_field_is_400_in_chinese_whatever_the_language():
    response = APIClient(HTTP_ACCEPT_LANGUAGE="en").post(
        "/api/v1/auth/token/", {"username": "x"}, format="json"
    )

    assert_error(response, 400, "required")


def test_a_session_post_without_a_csrf_token_is_403_in_chinese(mediator_a, committee_a):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(mediator_a)

    response = client.post("/api/v1/cases/", case_body(committee_a), format="json")

    assert_error(response, 403, "permission_denied")
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    "body",
    ["{", '{"username": }', "[1, 2,", "\ufeff{}x", '{"a": NaN}', '{"a": ' + "1" * 5000 + "}"],
)
def test_malformed_json_is_400_parse_error_in_chinese(body):
    response = APIClient(HTTP_ACCEPT_LANGUAGE="en").post(
        "/api/v1/auth/token/", body, content_type="application/json"
    )

    body = assert_error(response, 400, "parse_error")
    assert "JSON parse error" not in body["detail"]


def test_a_multipart_body_without_a_boundary_is_400_in_chinese(client_for, mediator_a):
    response = client_for(mediator_a).post(
        "/api/v1/cases/", b"title=x", content_type="multipart/form-data"
    )

    assert_error(response, 400, "parse_error")


# --- dates that do not exist and unknown choices --------------------------------------------


def test_a_date_that_does_not_exist_says_so(client_for, district):
    response = client_for(district).get("/api/v1/statistics/summary/", {"from": "2026-02-30"})

    body = assert_error(response, 400, "invalid")
    assert "2026-02-30" in body["detail"] and "不存在" in body["detail"]
    assert "格式" not in body["detail"]


def test_a_date_in_the_wrong_format_still_says_format(client_for, district):
    response = client_for(district).get("/api/v1/statistics/summary/", {"from": "30.02.2026"})

    body = assert_error(response, 400, "invalid")
    assert "格式" in body["detail"]


def test_a_date_that_does_not_exist_in_a_body_says_so(client_for, mediator_a, committee_a):
    response = client_for(mediator_a).post(
        "/api/v1/cases/", case_body(committee_a, occurred_on="2025-02-29"), format="json"
    )

    body = assert_error(response, 400, "invalid")
    assert "2025-02-29" in body["detail"] and "不存在" in body["detail"]
    assert not Case.objects.exists()


def test_a_datetime_on_a_day_that_does_not_exist_says_so(client_for, mediator_a, committee_a):
    case = make_case(mediator_a, committee_a)

    response = client_for(mediator_a).post(
        f"/api/v1/cases/{case.id}/sessions/",
        {"held_at": "2026-04-31T10:00:00+08:00", "place": "调解室", "summary": "第一次调解"},
        format="json",
    )

    body = assert_error(response, 400, "invalid")
    assert "2026-04-31" in body["detail"] and "不存在" in body["detail"]


def test_an_unknown_choice_lists_the_valid_codes(client_for, mediator_a, committee_a):
    response = client_for(mediator_a).post(
        "/api/v1/cases/", case_body(committee_a, dispute_type="dragons"), format="json"
    )

    body = assert_error(response, 400, "invalid_choice")
    assert "dragons" in body["detail"]
    for code in ("neighbourhood", "marriage_family", "labour"):
        assert code in body["detail"], body["detail"]
    assert not Case.objects.exists()


def test_an_unknown_choice_in_a_list_lists_the_valid_codes(client_for, mediator_a, committee_a):
    response = client_for(mediator_a).post(
        "/api/v1/cases/",
        case_body(committee_a, parties=[{**PARTIES[0], "role": "judge"}, PARTIES[1]]),
        format="json",
    )

    body = assert_error(response, 400, "invalid_choice")
    assert "applicant" in body["detail"] and "respondent" in body["detail"], body["detail"]


@pytest.mark.parametrize(
    "path, params, allowed",
    [
        ("/api/v1/cases/", {"status": "lost"}, ["registered", "mediating", "archived"]),
        ("/api/v1/cases/", {"dispute_type": "dragons"}, ["neighbourhood", "labour_wages"]),
        ("/api/v1/follow-ups/", {"kind": "party"}, ["performance_check", "screening_report"]),
        ("/api/v1/transfers/", {"direction": "up"}, ["incoming", "outgoing"]),
    ],
)
def test_an_unknown_choice_in_a_list_filter_lists_the_valid_codes(
    client_for, district, path, params, allowed
):
    response = client_for(district).get(path, params)

    body = assert_error(response, 400, "invalid_choice")
    assert next(iter(params.values())) in body["detail"]
    for code in allowed:
        assert code in body["detail"], body["detail"]


def test_a_date_filter_that_does_not_exist_says_so(client_for, district):
    response = client_for(district).get("/api/v1/cases/", {"received_after": "2026-02-30"})

    body = assert_error(response, 400, "invalid")
    assert "2026-02-30" in body["detail"] and "不存在" in body["detail"]


# --- eight simultaneous screening reports (PostgreSQL) --------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not ON_POSTGRES,
    reason="the race needs the real PostgreSQL (set DATABASE_URL=postgres://...)",
)
def test_eight_simultaneous_screening_reports_one_201_the_rest_409(
    monkeypatch, client_for, mediator_a, committee_a
):
    # given every request has checked that no report exists before any of them inserts
    # (the insert is held back a moment, so the check-then-insert window is always open)
    original_create = ScreeningReport.objects.create

    def slow_create(**kwargs):
        time.sleep(0.3)
        return original_create(**kwargs)

    monkeypatch.setattr(ScreeningReport.objects, "create", slow_create)
    period = timezone.localdate().strftime("%Y-%m")
    body = {"committee": committee_a.id, "period": period, "disputes_found": 3}
    barrier = threading.Barrier(8)

    def post():
        try:
            barrier.wait(timeout=30)
            return client_for(mediator_a).post("/api/v1/screening-reports/", body, format="json")
        finally:
            connection.close()

    # when eight members' clients post the same month at once
    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(lambda _: post(), range(8)))

    # then exactly one is filed and the others are told someone got there first
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 7, [r.content for r in responses]
    for response in responses:
        if response.status_code == 409:
            assert_error(response, 409, "conflict")
    assert ScreeningReport.objects.filter(committee=committee_a, period=period).count() == 1
