"""The case page's attachments and planned sessions (issue 17 item 3), through the same
services as the API: upload a photo from the phone (the form offers the camera), the
service's 415/413 messages in place, the list with download links (the API's download takes
the session), 403 for a reader who is no member, 404 outside scope, CSRF enforced; a session
set for a later time is planned, listed, and recorded as held from its own form."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from mediation import services
from mediation.models import Attachment, MediationSession
from tests.builders import PNG_BYTES, fresh
from tests.web.conftest import csrf_post

pytestmark = pytest.mark.django_db


def png(name="现场.png", content=PNG_BYTES):
    return SimpleUploadedFile(name, content, content_type="image/png")


def upload_body(**overrides) -> dict:
    body = {"kind": "photo", "file": png(), "note": "漏水处"}
    body.update(overrides)
    return body


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


# --- attachments --------------------------------------------------------------------------


def test_the_upload_form_offers_the_phones_camera(web_client, mediator_a, mediating_a):
    page = web_client(mediator_a).get(f"/cases/{mediating_a.pk}/").content.decode()
    assert 'enctype="multipart/form-data"' in page
    field = page[page.index('name="file"') - 200 : page.index('name="file"') + 200]
    assert 'accept="image/*,application/pdf"' in field and 'capture="environment"' in field
    assert 'name="kind"' in page and 'name="note"' in page
    assert "暂无附件" in page


def test_a_member_uploads_a_photo_and_downloads_it_with_the_session(
    web_client, mediator_a, mediating_a
):
    client = web_client(mediator_a)
    response = csrf_post(client, f"/cases/{mediating_a.pk}/attachments/", upload_body())
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{mediating_a.pk}/#attachments"
    attachment = Attachment.objects.get(case=mediating_a)
    assert (attachment.kind, attachment.name, attachment.note) == ("photo", "现场.png", "漏水处")
    assert attachment.uploaded_by == mediator_a
    page = client.get(f"/cases/{mediating_a.pk}/").content.decode()
    link = f"/api/v1/attachments/{attachment.pk}/download/"
    assert "已上传附件：现场.png" in page and f'href="{link}"' in page and "照片" in page
    download = client.get(link)
    assert download.status_code == 200 and download.content == PNG_BYTES


def test_content_that_is_no_allowed_type_is_the_415_message_in_place(
    web_client, mediator_a, mediating_a
):
    response = csrf_post(
        web_client(mediator_a),
        f"/cases/{mediating_a.pk}/attachments/",
        upload_body(file=png("photo.png", b"MZ\x90\x00 not an image at all")),
    )
    assert response.status_code == 415
    text = response.content.decode()
    form = text[text.index('id="attach"') :]
    assert form.index("不支持的文件类型") < form.index("</form>")
    assert 'id="attach" open' in text  # the form stays open with its message
    assert not Attachment.objects.exists()


def test_a_file_over_the_limit_is_the_413_message_in_place(
    web_client, mediator_a, mediating_a, settings
):
    settings.TIAOJIE_ATTACHMENT_MAX_MB = 0  # every file is over the limit
    response = csrf_post(
        web_client(mediator_a), f"/cases/{mediating_a.pk}/attachments/", upload_body()
    )
    assert response.status_code == 413
    text = response.content.decode()
    assert "附件超过 0 MB" in text[text.index('id="attach"') :]
    assert not Attachment.objects.exists()


def test_no_file_is_a_message_beside_the_field(web_client, mediator_a, mediating_a):
    body = upload_body()
    del body["file"]
    response = csrf_post(web_client(mediator_a), f"/cases/{mediating_a.pk}/attachments/", body)
    assert response.status_code == 400
    text = response.content.decode()
    field = text[text.index('id="field-file"') :]
    assert field.index("请选择要上传的文件") < field.index("</div>")


def test_a_reader_who_is_no_member_is_refused_and_an_outsider_finds_nothing(
    web_client, mediating_a, office_a, outsider
):
    url = f"/cases/{mediating_a.pk}/attachments/"
    assert csrf_post(web_client(office_a), url, upload_body()).status_code == 403
    assert csrf_post(web_client(outsider), url, upload_body()).status_code == 404
    assert not Attachment.objects.exists()


def test_csrf_is_enforced(web_client, mediator_a, mediating_a):
    response = web_client(mediator_a).post(f"/cases/{mediating_a.pk}/attachments/", upload_body())
    assert response.status_code == 403
    assert not Attachment.objects.exists()


def test_an_identity_document_is_listed_without_a_link_for_a_non_member(
    web_client, mediator_a, mediating_a, office_a
):
    party = mediating_a.parties.first()
    body = upload_body(kind="id_copy", party=str(party.pk), file=png("身份证.png"))
    assert (
        csrf_post(web_client(mediator_a), f"/cases/{mediating_a.pk}/attachments/", body).status_code
        == 302
    )
    attachment = Attachment.objects.get(case=mediating_a)
    assert attachment.party == party
    page = web_client(office_a).get(f"/cases/{mediating_a.pk}/").content.decode()
    assert "身份证.png" in page and f"/attachments/{attachment.pk}/download/" not in page
    assert "上传附件" not in page


# --- planned sessions ---------------------------------------------------------------------


def session_body(held_at, **overrides) -> dict:
    body = {
        "held_at": local(held_at),
        "place": "社区调解室",
        "participants": "张某、李某",
        "summary": "",
        "party_present": "on",
        "seen_status": "mediating",
        "seen_transfer_pending": "0",
    }
    body.update(overrides)
    return body


def plan(mediator, case, days=2) -> MediationSession:
    return services.case_record_session(
        actor=mediator, case=case, held_at=timezone.now() + timedelta(days=days), place="村委会"
    )


def held_body(session, **overrides) -> dict:
    prefix = f"held-{session.pk}"
    body = {
        f"{prefix}-summary": "双方到场，李某同意修复。",
        f"{prefix}-held_at": "",
        f"{prefix}-party_present": "on",
        "seen_status": "mediating",
        "seen_transfer_pending": "0",
    }
    body.update({f"{prefix}-{k}": v for k, v in overrides.items()})
    return body


def test_a_later_time_plans_a_session_listed_with_its_held_form(
    web_client, mediator_a, mediating_a
):
    client = web_client(mediator_a)
    later = timezone.now() + timedelta(days=3)
    response = csrf_post(client, f"/cases/{mediating_a.pk}/session/", session_body(later))
    assert response.status_code == 302
    session = MediationSession.objects.get(case=mediating_a)
    assert session.status == "planned" and session.summary == ""
    assert fresh(mediating_a).party_visits == 0
    page = client.get(f"/cases/{mediating_a.pk}/").content.decode()
    assert f"已安排调解：{local(later).replace('T', ' ')}" in page
    planned = page[page.index('id="planned-h"') :]
    assert "社区调解室" in planned and "待举行" in planned
    assert f'action="/cases/{mediating_a.pk}/sessions/{session.pk}/held/"' in planned
    assert "记录为已举行" in planned


def test_the_planned_session_is_recorded_as_held(web_client, mediator_a, mediating_a):
    session = plan(mediator_a, mediating_a)
    client = web_client(mediator_a)
    earlier = timezone.now() - timedelta(hours=1)
    response = csrf_post(
        client,
        f"/cases/{mediating_a.pk}/sessions/{session.pk}/held/",
        held_body(session, held_at=local(earlier)),
    )
    assert response.status_code == 302 and response["Location"] == f"/cases/{mediating_a.pk}/"
    session.refresh_from_db()
    assert session.status == "held" and session.summary == "双方到场，李某同意修复。"
    assert local(session.held_at) == local(earlier)
    assert fresh(mediating_a).party_visits == 1
    page = client.get(f"/cases/{mediating_a.pk}/").content.decode()
    assert 'id="planned-h"' not in page and "双方到场，李某同意修复。" in page
    assert "已记录调解" in page


def test_held_without_a_summary_is_the_message_in_that_sessions_form(
    web_client, mediator_a, mediating_a
):
    session = plan(mediator_a, mediating_a)
    response = csrf_post(
        web_client(mediator_a),
        f"/cases/{mediating_a.pk}/sessions/{session.pk}/held/",
        held_body(session, summary=""),
    )
    assert response.status_code == 400
    text = response.content.decode()
    field = text[text.index(f'id="field-held-{session.pk}-summary"') :]
    assert field.index("该字段是必填项") < field.index("</div>")
    session.refresh_from_db()
    assert session.status == "planned"


def test_held_in_the_future_is_the_services_message_beside_the_time(
    web_client, mediator_a, mediating_a
):
    session = plan(mediator_a, mediating_a)
    response = csrf_post(
        web_client(mediator_a),
        f"/cases/{mediating_a.pk}/sessions/{session.pk}/held/",
        held_body(session),  # the planned time, two days ahead
    )
    assert response.status_code == 400
    text = response.content.decode()
    field = text[text.index(f'id="field-held-{session.pk}-held_at"') :]
    assert field.index("调解时间不能晚于当前时间") < field.index("</div>")
    assert MediationSession.objects.get().status == "planned"


def test_held_twice_reloads_the_page_with_a_notice(web_client, mediator_a, mediating_a):
    session = plan(mediator_a, mediating_a)
    url = f"/cases/{mediating_a.pk}/sessions/{session.pk}/held/"
    client = web_client(mediator_a)
    body = held_body(session, held_at=local(timezone.now() - timedelta(minutes=30)))
    assert csrf_post(client, url, body).status_code == 302
    again = csrf_post(client, url, body)
    assert again.status_code == 302
    assert "该次调解已记录" in client.get(again["Location"]).content.decode()
    assert fresh(mediating_a).party_visits == 1


def test_held_is_refused_outside_scope_for_a_reader_and_for_another_cases_session(
    web_client, mediator_a, mediating_a, office_a, outsider, committee_a, director_a
):
    from tests.builders import make_case

    session = plan(mediator_a, mediating_a)
    url = f"/cases/{mediating_a.pk}/sessions/{session.pk}/held/"
    body = held_body(session, held_at=local(timezone.now() - timedelta(minutes=30)))
    assert csrf_post(web_client(outsider), url, body).status_code == 404
    assert csrf_post(web_client(office_a), url, body).status_code == 403
    other = make_case(
        mediator_a, committee_a, title="另一纠纷", status="mediating", director=director_a
    )
    wrong = f"/cases/{other.pk}/sessions/{session.pk}/held/"
    assert csrf_post(web_client(mediator_a), wrong, body).status_code == 404
    assert web_client(mediator_a).post(url, body).status_code == 403  # no CSRF token
    session.refresh_from_db()
    assert session.status == "planned"
