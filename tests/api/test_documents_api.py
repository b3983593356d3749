"""GET /cases/{id}/documents/, /documents/{kind}/ and /file/ (issue 16 items 1 and 4): what a
case has, one document as DOCX or PDF (LibreOffice), the whole 卷宗 as PDF or ZIP; masked
outside the holding committee, recorded inside it, 404 outside the case's scope."""

import io
import shutil
import zipfile
from urllib.parse import quote

import pytest

from mediation.models import PersonalDataAccess
from tests.builders import fresh, make_case
from tests.mediation.document_helpers import (
    ID_NUMBER,
    docx_text,
    pdf_pages,
    pdf_text,
    succeeded_case,
)

pytestmark = pytest.mark.django_db

needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed"
)


def url(case, tail=""):
    return f"/api/v1/cases/{case.pk}/{tail}"


@pytest.fixture
def case(mediator_a, director_a, committee_a):
    return succeeded_case(mediator_a, director_a, committee_a)


def test_the_list_says_what_is_ready_and_what_is_missing(client_for, mediator_a, committee_a):
    open_case = make_case(mediator_a, committee_a)

    response = client_for(mediator_a).get(url(open_case, "documents/"))

    assert response.status_code == 200
    rows = {row["kind"]: row for row in response.json()}
    assert len(rows) == 13
    assert rows["registration"] == {
        "kind": "registration",
        "title": "人民调解受理登记表",
        "ready": True,
        "missing": [],
    }
    assert rows["agreement"]["ready"] is False and rows["agreement"]["missing"] == ["agreement"]
    assert rows["session_record"]["sessions"] == []


def test_a_member_downloads_the_agreement_whole_and_the_read_is_recorded(
    client_for, mediator_a, case
):
    before = PersonalDataAccess.objects.filter(user=mediator_a, case=case).count()

    response = client_for(mediator_a).get(url(case, "documents/agreement/"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    name = f"{case.number}人民调解协议书.docx"
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote(name)}"
    text = docx_text(response.content)
    assert case.number in text and "张建国" in text and "李秀兰" in text
    assert "1. 李秀兰赔偿张建国房屋维修费2000元。" in text and ID_NUMBER in text
    after = PersonalDataAccess.objects.filter(user=mediator_a, case=case, kind="reveal")
    assert after.count() == before + 1
    assert after.last().via == url(case, "documents/agreement/")


def test_the_district_office_gets_it_masked_and_nothing_is_recorded(client_for, district, case):
    response = client_for(district).get(url(case, "documents/agreement/"))

    assert response.status_code == 200
    text = docx_text(response.content)
    assert case.number in text and "张＊＊" in text and "李＊＊" in text
    assert "张建国" not in text and ID_NUMBER not in text
    assert not PersonalDataAccess.objects.filter(user=district).exists()


@pytest.mark.parametrize("tail", ["documents/", "documents/registration/", "file/?format=zip"])
def test_outside_the_case_scope_it_is_404(client_for, outsider, court_liaison, case, tail):
    for user in (outsider, court_liaison):
        response = client_for(user).get(url(case, tail))
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_refusals_have_their_codes(client_for, mediator_a, committee_a, case):
    client = client_for(mediator_a)
    open_case = make_case(mediator_a, committee_a)
    before = PersonalDataAccess.objects.count()

    unknown = client.get(url(case, "documents/contract/"))
    not_ready = client.get(url(open_case, "documents/agreement/"))
    bad_format = client.get(url(case, "documents/agreement/"), {"format": "xls"})
    bad_session = client.get(url(case, "documents/session_record/"), {"session": "x"})
    bad_file_format = client.get(url(case, "file/"), {"format": "docx"})

    assert (unknown.status_code, unknown.json()["code"]) == (404, "unknown_document")
    assert (not_ready.status_code, not_ready.json()["code"]) == (409, "document_not_ready")
    assert not_ready.json()["missing"] == ["agreement"]
    assert (bad_format.status_code, bad_format.json()["code"]) == (400, "invalid_format")
    assert (bad_session.status_code, bad_session.json()["code"]) == (400, "invalid_session")
    assert bad_file_format.json()["code"] == "invalid_format"
    assert PersonalDataAccess.objects.count() == before


def test_one_session_of_the_record(client_for, mediator_a, case):
    session = fresh(case).sessions.get()

    response = client_for(mediator_a).get(
        url(case, "documents/session_record/"), {"session": session.pk}
    )

    assert response.status_code == 200
    assert "双方陈述意见，同意赔偿。" in docx_text(response.content)


def test_without_a_converter_pdf_is_503_and_the_file_is_a_zip(
    settings, client_for, mediator_a, case
):
    settings.TIAOJIE_SOFFICE = "/nonexistent/soffice"
    client = client_for(mediator_a)

    document = client.get(url(case, "documents/agreement/"), {"format": "pdf"})
    whole = client.get(url(case, "file/"), {"format": "pdf"})
    default = client.get(url(case, "file/"))

    for refused in (document, whole):
        assert refused.status_code == 503
        assert refused.json()["code"] == "pdf_unavailable"
        assert "LibreOffice" in refused.json()["detail"]
    assert default.status_code == 200 and default["Content-Type"] == "application/zip"


def test_the_file_zip_lists_its_contents(client_for, mediator_a, case):
    response = client_for(mediator_a).get(url(case, "file/"), {"format": "zip"})

    assert response.status_code == 200
    assert quote(f"{case.number}卷宗.zip") in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.namelist() == [
        "目录.txt",
        "00-卷宗封面.docx",
        "00-卷内目录.docx",
        "01-人民调解申请书.docx",
        "02-人民调解受理登记表.docx",
        "03-人民调解当事人权利义务告知书.docx",
        "04-人民调解记录.docx",
        "05-人民调解协议书.docx",
        "99-备考表.docx",
    ]
    listing = archive.read("目录.txt").decode("utf-8")
    assert case.number in listing and "5. 人民调解协议书（05-人民调解协议书.docx）" in listing
    contents = docx_text(archive.read("00-卷内目录.docx"))
    assert contents.index("人民调解申请书") < contents.index("人民调解协议书")
    assert "张建国" in docx_text(archive.read("00-卷宗封面.docx"))


@needs_soffice
def test_the_agreement_as_pdf_has_one_page_per_copy(client_for, mediator_a, case):
    response = client_for(mediator_a).get(url(case, "documents/agreement/"), {"format": "pdf"})

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert pdf_pages(response.content) == 3  # applicant's, respondent's, the committee's
    text = pdf_text(response.content)
    assert text.count(case.number) >= 3
    assert "张建国" in text and "人民调解协议书" in text


@needs_soffice
def test_the_registration_as_pdf_for_the_district_office(client_for, district, case):
    response = client_for(district).get(url(case, "documents/registration/"), {"format": "pdf"})

    assert response.status_code == 200
    assert pdf_pages(response.content) == 1
    text = pdf_text(response.content)
    assert case.number in text and "张＊＊" in text and "张建国" not in text


@needs_soffice
def test_the_whole_file_as_one_pdf(client_for, mediator_a, case):
    response = client_for(mediator_a).get(url(case, "file/"))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    # cover, contents list, application, registration, rights notice, session record,
    # the agreement's three copies, the note
    assert pdf_pages(response.content) == 10
    assert text.index("人民调解卷宗") < text.index("卷内目录") < text.index("人民调解申请书")
    assert text.count(case.number) >= 9
    assert "备考表" in text
    # the contents list gives each document its pages, the cover and the list unnumbered
    contents = text[text.index("卷内目录") : text.index("卷内目录") + 200]
    assert "1人民调解申请书1" in contents
    assert "5人民调解协议书5-7" in contents
