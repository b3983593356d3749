"""The ledger over HTTP: template, imports (authorization, dry run, progress, report,
errors workbook) and the export of cases."""

import copy
import csv
import io
import time
import uuid

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from openpyxl import load_workbook

from mediation import crypto, ledger
from mediation.models import Case, ImportedRow, LedgerImport, PersonalDataAccess
from tests.celery_config import configure as configure_celery
from tests.ledger_files import APPLICANT_ID, csv_bytes, ledger_row, xlsx

pytestmark = pytest.mark.django_db

TEMPLATE = "/api/v1/imports/template.xlsx"
IMPORTS = "/api/v1/imports/"
EXPORT = "/api/v1/cases/export/"


CONFIGURED_CACHES = copy.deepcopy(django_settings.CACHES)


@pytest.fixture(autouse=True)
def _own_cache(settings):
    """The export shares the statistics export's throttle (10 a minute per user): the
    counters of earlier tests in the run must not refuse this one's requests (as in
    test_authorization_table.py, a key prefix of this test only, also on Redis)."""
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "KEY_PREFIX": f"ledger-{uuid.uuid4().hex}"}
    }


def upload(client, committee, data, name="ledger.xlsx", **fields):
    body = {"file": SimpleUploadedFile(name, data), "committee": committee.pk, **fields}
    return client.post(IMPORTS, body, format="multipart")


@pytest.fixture
def post_import(client_for, django_capture_on_commit_callbacks):
    """POST an upload and run what the view enqueued on commit (in-process, no broker)."""

    class Answer:
        """The POST's status code; the job as read back once its task has run."""

        def __init__(self, response, job):
            self.status_code, self._job, self._response = response.status_code, job, response

        def json(self):
            return self._job if self._job is not None else self._response.json()

    def post(user, committee, data, **fields):
        client = client_for(user)
        with django_capture_on_commit_callbacks(execute=True):
            response = upload(client, committee, data, **fields)
        if response.status_code != 202:
            return Answer(response, None)
        assert response.json()["status"] == "queued"
        return Answer(response, client.get(f"{IMPORTS}{response.json()['id']}/").json())

    return post


# --- the template ------------------------------------------------------------------------


def test_template_needs_sign_in(anon):
    response = anon.get(TEMPLATE)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_template_is_the_workbook(client_for, mediator_a):
    response = client_for(mediator_a).get(TEMPLATE)

    assert response.status_code == 200
    assert response["Content-Type"] == ledger_views_xlsx()
    workbook = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in workbook["台账"][1]] == ledger.HEADERS


def ledger_views_xlsx():
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- who may import ----------------------------------------------------------------------


def test_anonymous_upload_is_401_and_stores_nothing(anon, committee_a):
    response = upload(anon, committee_a, xlsx([ledger_row(1)]))

    assert response.status_code == 401
    assert LedgerImport.objects.count() == 0


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("outsider", 404), ("office_b", 404), ("mediator_a", 403), ("court_liaison", 404)],
)
def test_who_may_not_import(request, post_import, committee_a, persona, expected):
    user = request.getfixturevalue(persona)

    response = post_import(user, committee_a, xlsx([ledger_row(1)]), dry_run="false")

    assert response.status_code == expected
    assert response.json()["detail"]
    assert LedgerImport.objects.count() == 0
    assert Case.objects.count() == 0


@pytest.mark.parametrize("persona", ["director_a", "office_a", "district"])
def test_who_may_import(request, post_import, committee_a, persona):
    user = request.getfixturevalue(persona)

    response = post_import(user, committee_a, xlsx([ledger_row(1)]), dry_run="false")

    assert response.status_code == 202, response.json()
    assert response.json()["status"] == "imported"
    assert Case.objects.filter(committee=committee_a).count() == 1


# --- dry run, import, progress, idempotence ------------------------------------------------


def test_the_api_checks_by_default_and_writes_nothing(post_import, director_a, committee_a):
    data = xlsx([ledger_row(1), ledger_row(2, 纠纷类型="吵架纠纷")])

    response = post_import(director_a, committee_a, data)

    assert response.status_code == 202
    body = response.json()
    assert (body["status"], body["progress"], body["dry_run"]) == ("checked", 100, True)
    assert body["report"]["errors"] == [
        {
            "row": 3,
            "column": "纠纷类型",
            "message": "“吵架纠纷”不是有效的纠纷类型，请从代码表中选择。",
            "code": "invalid_choice",
        }
    ]
    assert Case.objects.count() == 0
    assert ImportedRow.objects.count() == 0


def test_a_file_with_errors_is_rejected_whole(post_import, director_a, committee_a):
    data = xlsx([ledger_row(1), ledger_row(2, 登记日期="2019-13-01")])

    body = post_import(director_a, committee_a, data, dry_run="false").json()

    assert body["status"] == "rejected"
    assert [(e["row"], e["code"]) for e in body["report"]["errors"]] == [(3, "invalid_date")]
    assert Case.objects.count() == 0


def test_skip_invalid_over_the_api(post_import, director_a, committee_a):
    data = xlsx([ledger_row(1), ledger_row(2, 登记日期="2019-13-01")])

    body = post_import(director_a, committee_a, data, dry_run="false", skip_invalid="true").json()

    assert (body["status"], body["report"]["created"]) == ("imported", 1)
    assert Case.objects.count() == 1


def test_the_same_file_twice_creates_nothing_the_second_time(
    post_import, director_a, committee_a, client_for
):
    data = xlsx([ledger_row(1), ledger_row(2)])
    first = post_import(director_a, committee_a, data, dry_run="false").json()

    second = post_import(director_a, committee_a, data, dry_run="false").json()

    assert first["report"]["created"] == 2
    assert (second["report"]["created"], second["report"]["already_imported"]) == (0, 2)
    assert Case.objects.count() == 2
    again = client_for(director_a).get(f"{IMPORTS}{first['id']}/").json()
    assert again["sha256"] == second["sha256"] == first["report"]["sha256"]


def test_a_job_is_read_by_who_may_import_only(
    post_import, client_for, director_a, outsider, mediator_a, district, committee_a
):
    job = post_import(director_a, committee_a, xlsx([ledger_row(1)])).json()

    assert client_for(district).get(f"{IMPORTS}{job['id']}/").status_code == 200
    assert client_for(outsider).get(f"{IMPORTS}{job['id']}/").status_code == 404
    assert client_for(mediator_a).get(f"{IMPORTS}{job['id']}/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_post_answers_the_finished_import(client_for, director_a, committee_a):
    # No outer transaction here: the job commits, the task runs in-process on commit.
    response = upload(client_for(director_a), committee_a, xlsx([ledger_row(1)]), dry_run=False)

    assert response.status_code == 202
    body = response.json()
    assert (body["status"], body["progress"], body["report"]["created"]) == ("imported", 100, 1)
    assert Case.objects.count() == 1


def test_a_queued_job_then_its_progress_while_running(client_for, director_a, committee_a):
    # given: an upload whose task has not run (no on-commit execution here)
    response = upload(client_for(director_a), committee_a, xlsx([ledger_row(1)]))
    job = LedgerImport.objects.get(pk=response.json()["id"])
    assert (response.json()["status"], response.json()["progress"]) == ("queued", 0)

    # when: a worker has claimed it and published its progress
    LedgerImport.objects.filter(pk=job.pk).update(status=LedgerImport.Status.RUNNING)
    cache.set(f"ledger-import-progress:{job.pk}", 40)
    running = client_for(director_a).get(f"{IMPORTS}{job.pk}/").json()

    # then
    assert (running["status"], running["progress"]) == ("running", 40)
    # and a redelivered task does not run a claimed job a second time
    assert ledger.ledger_import_job_run(job_id=job.pk) is False


def test_the_import_reports_its_progress_as_it_goes(committee_a):
    seen = []

    ledger.ledger_import(
        actor=None,
        committee=committee_a,
        data=xlsx([ledger_row(n) for n in range(1, 1002)]),
        dry_run=True,
        on_progress=lambda done, total: seen.append((done, total)),
    )

    assert seen == [(500, 1001), (1000, 1001), (1001, 1001)]


def test_bad_files_over_the_api(post_import, director_a, committee_a):
    body = post_import(director_a, committee_a, b"%PDF-1.4 not a ledger", dry_run="false").json()

    assert body["status"] == "rejected"
    assert [e["code"] for e in body["report"]["errors"]] == ["not_a_workbook"]
    assert Case.objects.count() == 0


def test_a_file_over_10_mb_is_413(post_import, director_a, committee_a):
    response = post_import(director_a, committee_a, b"0" * (10 * 1024 * 1024 + 1))

    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"
    assert LedgerImport.objects.count() == 0


def test_an_upload_without_a_file_is_400(client_for, director_a, committee_a):
    response = client_for(director_a).post(
        IMPORTS, {"committee": committee_a.pk}, format="multipart"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "required"


def test_the_errors_workbook_adds_a_column(post_import, client_for, director_a, committee_a):
    data = xlsx([ledger_row(1), ledger_row(2, 纠纷类型="吵架纠纷")])
    job = post_import(director_a, committee_a, data).json()

    response = client_for(director_a).get(f"{IMPORTS}{job['id']}/errors/")

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content))["台账"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][-1] == "错误"
    assert rows[1][-1] in (None, "")
    assert rows[2][-1] == "纠纷类型：“吵架纠纷”不是有效的纠纷类型，请从代码表中选择。"
    assert rows[1][0] == "（2019）北街人调字第00001号"


def _rows(response) -> list[tuple]:
    return list(load_workbook(io.BytesIO(response.content))["台账"].iter_rows(values_only=True))


def test_the_errors_workbook_is_masked_outside_the_committee(
    post_import, client_for, director_a, district, committee_a
):
    data = xlsx([ledger_row(1), ledger_row(2, 纠纷类型="吵架纠纷")])
    job = post_import(district, committee_a, data).json()

    theirs = client_for(district).get(f"{IMPORTS}{job['id']}/errors/")
    mine = client_for(director_a).get(f"{IMPORTS}{job['id']}/errors/")

    column = ledger.HEADERS.index("申请人证件号码")
    phone = ledger.HEADERS.index("申请人电话")
    their_row = _rows(theirs)[1]
    my_row = _rows(mine)[1]
    assert their_row[column] == APPLICANT_ID[:4] + "**********" + APPLICANT_ID[-4:]
    assert their_row[phone] == "138****0000"
    assert (my_row[column], my_row[phone]) == (APPLICANT_ID, "13800000000")


def test_the_uploaded_file_is_stored_encrypted(post_import, director_a, committee_a):
    data = csv_bytes([ledger_row(1)])
    job = post_import(director_a, committee_a, data).json()

    with connection.cursor() as cursor:
        cursor.execute("SELECT content FROM mediation_ledgerimport WHERE id = %s", [job["id"]])
        stored = bytes(cursor.fetchone()[0])
    assert APPLICANT_ID.encode() not in stored
    assert b"13800000000" not in stored
    assert crypto.decrypt_bytes(stored) == data


# --- the ledger out ----------------------------------------------------------------------


@pytest.fixture
def imported(committee_a):
    ledger.ledger_import(
        actor=None,
        committee=committee_a,
        data=xlsx(
            [
                ledger_row(1),
                ledger_row(
                    2,
                    案件状态="调解不成",
                    调解结果="调解不成",
                    协议形式="",
                    协议内容="",
                    **{"协议金额（元）": ""},
                    告知途径="引导诉讼",
                ),
            ]
        ),
    )


def _csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_export_csv_for_the_holding_committee(client_for, director_a, imported):
    response = client_for(director_a).get(EXPORT, {"format": "csv"})

    assert response.status_code == 200
    assert response.streaming
    rows = _csv_rows(response)
    assert rows[0] == ledger.HEADERS
    assert [r[0] for r in rows[1:]] == [
        "（2019）北街人调字第00001号",
        "（2019）北街人调字第00002号",
    ]
    assert rows[1][ledger.HEADERS.index("申请人证件号码")] == APPLICANT_ID
    assert PersonalDataAccess.objects.filter(user=director_a).count() == 2


def test_export_is_masked_for_the_district_office(client_for, district, imported):
    rows = _csv_rows(client_for(district).get(EXPORT, {"format": "csv"}))

    assert rows[1][ledger.HEADERS.index("申请人证件号码")] == (
        APPLICANT_ID[:4] + "**********" + APPLICANT_ID[-4:]
    )
    assert rows[1][ledger.HEADERS.index("申请人电话")] == "138****0000"
    assert PersonalDataAccess.objects.count() == 0


def test_export_applies_the_list_filters_and_the_scope(client_for, director_a, outsider, imported):
    failed = _csv_rows(client_for(director_a).get(EXPORT, {"format": "csv", "status": "failed"}))
    none = _csv_rows(client_for(outsider).get(EXPORT, {"format": "csv"}))

    assert [r[ledger.HEADERS.index("案件状态")] for r in failed[1:]] == ["调解不成"]
    assert none == [ledger.HEADERS]


def test_export_xlsx_is_the_template_columns(client_for, director_a, imported):
    response = client_for(director_a).get(EXPORT, {"format": "xlsx"})

    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    rows = list(load_workbook(io.BytesIO(data))["台账"].iter_rows(values_only=True))
    assert list(rows[0]) == ledger.HEADERS
    assert len(rows) == 3


def test_export_refuses_other_formats_and_outsiders(client_for, anon, director_a, court_liaison):
    bad = client_for(director_a).get(EXPORT, {"format": "pdf"})

    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_format")
    assert anon.get(EXPORT).status_code == 401
    assert client_for(court_liaison).get(EXPORT).status_code == 403


def test_round_trip_through_the_api(post_import, client_for, director_a, committee_a, imported):
    first = client_for(director_a).get(EXPORT, {"format": "xlsx"})
    data = b"".join(first.streaming_content)
    before = list(load_workbook(io.BytesIO(data))["台账"].iter_rows(values_only=True))
    Case.objects.all().delete()

    body = post_import(director_a, committee_a, data, dry_run="false").json()
    second = client_for(director_a).get(EXPORT, {"format": "xlsx"})
    after = list(
        load_workbook(io.BytesIO(b"".join(second.streaming_content)))["台账"].iter_rows(
            values_only=True
        )
    )

    assert (body["status"], body["report"]["created"]) == ("imported", 2)
    assert after == before


# --- a real worker -----------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_long_import_runs_on_a_worker_with_progress_visible(
    client_for, director_a, committee_a, tmp_path, settings
):
    """PostgreSQL, Redis and a real Celery worker process: the POST answers at once
    (queued), the job's progress moves while the worker's transaction is still open, and
    the cases appear only when it commits."""
    from tests.mediation.test_engine_real_services import (
        _kill,
        _redis_up,
        _redis_url,
        _start_worker,
    )

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("needs the real PostgreSQL (set DATABASE_URL)")
    if not _redis_up() or "redis" not in settings.CACHES["default"]["BACKEND"]:
        pytest.skip("needs the real Redis as broker and cache (set REDIS_URL)")
    # The worker publishes progress under the configured cache keys (no test prefix).
    settings.CACHES = CONFIGURED_CACHES
    from config.celery import app

    configure_celery(app, task_always_eager=False, broker_url=_redis_url())
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge("celery")
    data = xlsx([ledger_row(n) for n in range(1, 3001)])
    client = client_for(director_a)

    worker = _start_worker(tmp_path / "worker.log")
    try:
        response = upload(client, committee_a, data, dry_run="false")
        assert response.status_code == 202
        assert response.json()["status"] == "queued"
        job = response.json()["id"]
        seen = []
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            body = client.get(f"{IMPORTS}{job}/").json()
            seen.append((body["status"], body["progress"], Case.objects.count()))
            if body["status"] not in ("queued", "running"):
                break
            time.sleep(0.2)
    finally:
        _kill(worker)

    assert body["status"] == "imported", (body, (tmp_path / "worker.log").read_text()[-2000:])
    assert body["report"]["created"] == 3000
    running = [(progress, count) for status, progress, count in seen if status == "running"]
    assert any(0 < progress < 100 for progress, _ in running), sorted(set(seen))
    # Until the commit, nothing of the import is visible.
    assert all(count == 0 for _, count in running)
    assert Case.objects.filter(committee=committee_a).count() == 3000
