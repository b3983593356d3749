"""Attachments over HTTP (API.md "Attachments"; issue 16 item 2): recognised by content,
bounded in size, kept privately (identity documents and signed agreements encrypted),
served only to the case's scope, personal-data downloads recorded, removals in the history,
nothing removed from an archived file, nothing left behind by a failed upload."""

import hashlib
import io
import os
import shutil
import zipfile

import pytest
from cryptography.fernet import Fernet
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from docx import Document

from mediation import crypto
from mediation.models import Attachment, CaseEvent, PersonalDataAccess
from tests.builders import (
    PDF_BYTES,
    PNG_BYTES,
    attach,
    complete_file,
    fresh,
    make_case,
)
from tests.conftest import ATTACHMENTS_DIR

pytestmark = pytest.mark.django_db

MP3_BYTES = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\x00" * 256
WAV_BYTES = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 256
AMR_BYTES = b"#!AMR\n" + b"\x00" * 256
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 256


def docx_bytes() -> bytes:
    document = Document()
    document.add_paragraph("人民调解协议书")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a document")
    return buffer.getvalue()


def url(case) -> str:
    return f"/api/v1/cases/{case.pk}/attachments/"


def post(client, case, content: bytes, *, name="scan.pdf", kind="evidence", **fields):
    body = {"kind": kind, "file": SimpleUploadedFile(name, content), **fields}
    return client.post(url(case), body, format="multipart")


def stored_files(case) -> list[str]:
    folder = os.path.join(ATTACHMENTS_DIR, "cases", str(case.pk))
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


@pytest.fixture(autouse=True)
def _empty_store():
    """Case ids repeat from test to test (each rolls back): start from an empty store."""
    shutil.rmtree(os.path.join(ATTACHMENTS_DIR, "cases"), ignore_errors=True)


@pytest.fixture
def case(mediator_a, committee_a):
    return make_case(mediator_a, committee_a)


@pytest.fixture
def as_member(client_for, mediator_a):
    return client_for(mediator_a)


# --- upload -------------------------------------------------------------------------------


def test_an_upload_answers_201_with_the_file_facts(as_member, case, mediator_a):
    response = post(as_member, case, PDF_BYTES, name="现场照片.pdf", note="楼下天花板")

    assert response.status_code == 201, response.content
    body = response.json()
    assert {"id", "kind", "name", "size", "sha256", "uploaded_at", "uploaded_by"} <= set(body)
    assert body["kind"] == "evidence"
    assert body["name"] == "现场照片.pdf"
    assert body["size"] == len(PDF_BYTES)
    assert body["sha256"] == hashlib.sha256(PDF_BYTES).hexdigest()
    assert body["content_type"] == "application/pdf"
    assert body["uploaded_by"] == mediator_a.get_username()
    event = CaseEvent.objects.filter(case=case).latest("id")
    assert event.kind == "attachment_added"
    assert event.data["attachment"] == body["id"] and "name" not in event.data
    listed = as_member.get(url(case)).json()["results"]
    assert [row["id"] for row in listed] == [body["id"]]


@pytest.mark.parametrize(
    "content, name, mime",
    [
        (PDF_BYTES, "a.bin", "application/pdf"),
        (PNG_BYTES, "photo", "image/png"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 64, "IMG_0001.JPG", "image/jpeg"),
        (MP3_BYTES, "录音.mp3", "audio/mpeg"),
        (WAV_BYTES, "录音.wav", "audio/x-wav"),
        (AMR_BYTES, "录音.amr", "audio/amr"),
        (
            docx_bytes(),
            "笔录.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
)
def test_allowed_types_are_recognised_by_content(as_member, case, content, name, mime):
    response = post(as_member, case, content, name=name)

    assert response.status_code == 201, response.content
    assert response.json()["content_type"] == mime


@pytest.mark.parametrize(
    "content, name",
    [
        (b"just some text, renamed", "agreement.pdf"),
        (EXE_BYTES, "scan.pdf"),
        (EXE_BYTES, "setup.exe"),
        (zip_bytes(), "笔录.docx"),  # a ZIP is not a Word document
        (b"<html><script>alert(1)</script></html>", "photo.png"),
    ],
)
def test_wrong_content_is_415_and_nothing_is_kept(as_member, case, content, name):
    events = CaseEvent.objects.filter(case=case).count()

    response = post(as_member, case, content, name=name, kind="id_copy")

    assert response.status_code == 415, response.content
    assert response.json()["code"] == "unsupported_file_type"
    assert response.json()["detail"]
    assert not Attachment.objects.filter(case=case).exists()
    assert stored_files(case) == []
    assert CaseEvent.objects.filter(case=case).count() == events


def test_21_mb_is_413_and_nothing_is_kept(as_member, case):
    big = PDF_BYTES + b"\x00" * (21 * 1024 * 1024)

    response = post(as_member, case, big)

    assert response.status_code == 413, response.content
    assert response.json()["code"] == "file_too_large"
    assert not Attachment.objects.filter(case=case).exists()
    assert stored_files(case) == []


def test_the_size_limit_is_a_setting(as_member, case, settings):
    # given a limit of 1 MB and a file of 1.5 MB (a body small enough to be parsed)
    settings.TIAOJIE_ATTACHMENT_MAX_MB = 1
    content = PDF_BYTES + b"\x00" * (1024 * 1024 + 512 * 1024)

    response = post(as_member, case, content)

    assert response.status_code == 413, response.content
    assert response.json()["code"] == "file_too_large"
    assert stored_files(case) == []
    # and a file under it passes
    assert post(as_member, case, PDF_BYTES).status_code == 201


def test_a_failure_after_the_file_was_stored_leaves_no_file_and_no_row(
    as_member, case, monkeypatch
):
    # given the history cannot be written (the last step of the upload's transaction)
    from mediation.services import attachments

    def broken(**kwargs):
        raise RuntimeError("history unavailable")

    monkeypatch.setattr(attachments, "case_event_record", broken)

    # when
    with pytest.raises(RuntimeError):
        post(as_member, case, PNG_BYTES, kind="id_copy")

    # then
    assert not Attachment.objects.filter(case=case).exists()
    assert stored_files(case) == []


def test_an_empty_file_or_unknown_kind_is_400(as_member, case):
    empty = post(as_member, case, b"")
    unknown = post(as_member, case, PDF_BYTES, kind="passport")

    assert empty.status_code == 400 and unknown.status_code == 400
    assert unknown.json()["code"] == "invalid_choice"
    assert not Attachment.objects.filter(case=case).exists()


def test_an_id_copy_names_a_party_of_this_case_only(as_member, case, mediator_a, committee_a):
    other = make_case(mediator_a, committee_a, title="另一起纠纷")
    stranger = other.parties.first()

    response = post(as_member, case, PNG_BYTES, kind="id_copy", party=stranger.pk)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_party"
    assert stored_files(case) == []


def test_a_signed_agreement_needs_a_written_agreement(as_member, case):
    response = post(as_member, case, PDF_BYTES, kind="signed_agreement")

    assert response.status_code == 400
    assert response.json()["code"] == "written_agreement_required"


# --- encryption at rest and download --------------------------------------------------------


def test_an_id_copy_is_encrypted_at_rest_and_downloads_as_uploaded(as_member, case):
    party = case.parties.first()
    response = post(
        as_member, case, PNG_BYTES, name="张某身份证.png", kind="id_copy", party=party.pk
    )
    assert response.status_code == 201, response.content
    attachment = Attachment.objects.get(pk=response.json()["id"])

    # the store holds other bytes than the upload's (and not the file's name)
    [stored_name] = stored_files(case)
    with open(os.path.join(ATTACHMENTS_DIR, "cases", str(case.pk), stored_name), "rb") as f:
        stored = f.read()
    assert stored != PNG_BYTES
    assert PNG_BYTES not in stored and b"PNG" not in stored
    assert "张某" not in stored_name
    assert attachment.encrypted and attachment.party == party

    # the download gives the original back, as an attachment
    download = as_member.get(f"/api/v1/attachments/{attachment.pk}/download/")
    assert download.status_code == 200
    assert download.content == PNG_BYTES
    assert download["Content-Type"] == "image/png"
    assert download["Content-Disposition"].startswith("attachment;")
    assert hashlib.sha256(download.content).hexdigest() == attachment.sha256


def test_evidence_is_kept_as_uploaded(as_member, case):
    response = post(as_member, case, PDF_BYTES)

    [stored_name] = stored_files(case)
    with open(os.path.join(ATTACHMENTS_DIR, "cases", str(case.pk), stored_name), "rb") as f:
        assert f.read() == PDF_BYTES
    assert not Attachment.objects.get(pk=response.json()["id"]).encrypted


def test_each_download_of_personal_data_is_recorded(as_member, case, mediator_a):
    id_copy = attach(mediator_a, case, "id_copy", content=PNG_BYTES)
    evidence = attach(mediator_a, case, "evidence")

    for _ in range(2):
        assert as_member.get(f"/api/v1/attachments/{id_copy.pk}/download/").status_code == 200
    assert as_member.get(f"/api/v1/attachments/{evidence.pk}/download/").status_code == 200

    rows = PersonalDataAccess.objects.filter(kind="download")
    assert rows.count() == 2
    row = rows.first()
    assert (row.user, row.case_id) == (mediator_a, case.pk)
    assert row.via == f"/api/v1/attachments/{id_copy.pk}/download/"
    assert row.shown == {"attachment": id_copy.pk, "kind": "id_copy", "sha256": id_copy.sha256}


# --- who ---------------------------------------------------------------------------------


def test_outsiders_get_404_and_change_nothing(
    request, client_for, case, mediator_a, outsider, court_liaison, office_b
):
    evidence = attach(mediator_a, case, "evidence")
    for persona in (outsider, office_b, court_liaison):
        client = client_for(persona)
        responses = [
            client.get(url(case)),
            post(client, case, PDF_BYTES),
            client.get(f"/api/v1/attachments/{evidence.pk}/download/"),
            client.delete(f"/api/v1/attachments/{evidence.pk}/"),
        ]
        assert [r.status_code for r in responses] == [404] * 4, persona
        assert all(r.json()["code"] == "not_found" for r in responses)
    assert list(Attachment.objects.filter(case=case)) == [evidence]
    assert len(stored_files(case)) == 1
    assert not PersonalDataAccess.objects.filter(kind="download").exists()


def test_the_judicial_office_reads_but_neither_writes_nor_opens_identity_documents(
    client_for, case, mediator_a, office_a
):
    id_copy = attach(mediator_a, case, "id_copy", content=PNG_BYTES)
    evidence = attach(mediator_a, case, "evidence")
    client = client_for(office_a)

    assert client.get(url(case)).status_code == 200
    assert client.get(f"/api/v1/attachments/{evidence.pk}/download/").status_code == 200
    refused = [
        client.get(f"/api/v1/attachments/{id_copy.pk}/download/"),
        post(client, case, PDF_BYTES),
        client.delete(f"/api/v1/attachments/{evidence.pk}/"),
    ]
    assert [r.status_code for r in refused] == [403, 403, 403]
    assert Attachment.objects.filter(case=case).count() == 2
    assert len(stored_files(case)) == 2
    assert not PersonalDataAccess.objects.filter(kind="download").exists()


# --- removal --------------------------------------------------------------------------------


def test_removing_before_archiving_leaves_a_history_event(
    as_member, case, mediator_a, django_capture_on_commit_callbacks
):
    evidence = attach(mediator_a, case, "evidence")

    with django_capture_on_commit_callbacks(execute=True):
        response = as_member.delete(f"/api/v1/attachments/{evidence.pk}/")

    assert response.status_code == 204
    assert not Attachment.objects.filter(pk=evidence.pk).exists()
    assert stored_files(case) == []
    event = CaseEvent.objects.filter(case=case).latest("id")
    assert event.kind == "attachment_removed"
    assert event.data["attachment"] == evidence.pk
    assert event.data["sha256"] == evidence.sha256


def test_nothing_is_removed_from_an_archived_file(as_member, mediator_a, world_for_archive):
    case = world_for_archive
    evidence = attach(mediator_a, case, "evidence")
    archived = as_member.post(f"/api/v1/cases/{case.pk}/archive/", {}, format="json")
    assert archived.status_code == 200, archived.content
    events = CaseEvent.objects.filter(case=case).count()
    files = stored_files(case)

    response = as_member.delete(f"/api/v1/attachments/{evidence.pk}/")

    assert response.status_code == 409
    assert response.json()["code"] == "case_archived"
    assert Attachment.objects.filter(pk=evidence.pk).exists()
    assert stored_files(case) == files
    assert CaseEvent.objects.filter(case=case).count() == events


@pytest.fixture
def world_for_archive(mediator_a, director_a, committee_a):
    """A withdrawn case of committee A with a complete file (nothing to follow up)."""
    from mediation import services

    case = make_case(mediator_a, committee_a, status="mediating", director=director_a)
    case = services.case_withdraw(actor=mediator_a, case=fresh(case), reason="撤回")
    return complete_file(mediator_a, case)


def test_key_rotation_reencrypts_attachments_and_the_old_key_can_go(
    as_member, case, mediator_a, settings, django_capture_on_commit_callbacks
):
    # given an identity document encrypted with today's key
    id_copy = attach(mediator_a, case, "id_copy", content=PNG_BYTES)
    [before] = stored_files(case)
    old_keys = list(settings.TIAOJIE_FIELD_KEYS)
    try:
        # when a new key is put first and the keys are rotated
        settings.TIAOJIE_FIELD_KEYS = [Fernet.generate_key().decode(), *old_keys]
        crypto.reset_keys()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("rotate_field_keys", stdout=io.StringIO())
        # then with the old key gone the original still comes back
        settings.TIAOJIE_FIELD_KEYS = settings.TIAOJIE_FIELD_KEYS[:1]
        crypto.reset_keys()
        download = as_member.get(f"/api/v1/attachments/{id_copy.pk}/download/")
        assert download.status_code == 200
        assert download.content == PNG_BYTES
        [after] = stored_files(case)
        assert after != before  # a new copy, the old one deleted
    finally:
        settings.TIAOJIE_FIELD_KEYS = old_keys
        crypto.reset_keys()
