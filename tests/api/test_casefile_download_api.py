"""GET /cases/{id}/file/ with the attachments (issue 16 item 4): each in its slot of the
contents list; the originals in the ZIP, PDFs appended and pictures placed on pages in the
PDF; the identity documents and the signed agreement only for the holding committee, each
one it gets a recorded download."""

import io
import shutil
import zipfile

import pytest

from mediation import services
from mediation.models import Party, PersonalDataAccess
from tests.builders import attach, fresh
from tests.mediation.document_helpers import (
    pdf_pages,
    pdf_text,
    real_pdf,
    real_png,
    succeeded_case,
)

pytestmark = pytest.mark.django_db

needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed"
)


@pytest.fixture
def filed_case(mediator_a, director_a, committee_a):
    """A succeeded case with the rights notice recorded, the applicant's identity document
    (a picture), a piece of evidence (a 2-page PDF) and the signed agreement (a PDF)."""
    case = succeeded_case(mediator_a, director_a, committee_a)
    services.case_rights_notified(
        actor=mediator_a, case=fresh(case), at=fresh(case).accepted_at, how="written"
    )
    applicant = Party.objects.get(case=case, role="applicant")
    attach(mediator_a, case, "id_copy", party=applicant, content=real_png(), name="身份证.png")
    attach(mediator_a, case, "evidence", content=real_pdf(2), name="维修报价单.pdf")
    attach(mediator_a, case, "signed_agreement", content=real_pdf(1), name="协议书签字.pdf")
    return fresh(case)


def get_file(client, case, **query):
    response = client.get(f"/api/v1/cases/{case.pk}/file/", query)
    assert response.status_code == 200, response.content[:300]
    return response


def test_the_zip_holds_the_attachments_in_their_places(client_for, mediator_a, filed_case):
    before = PersonalDataAccess.objects.filter(kind="download").count()

    archive = zipfile.ZipFile(
        io.BytesIO(get_file(client_for(mediator_a), filed_case, format="zip").content)
    )

    assert archive.namelist() == [
        "目录.txt",
        "00-卷宗封面.docx",
        "00-卷内目录.docx",
        "01-人民调解申请书.docx",
        "02-人民调解受理登记表.docx",
        "03-人民调解当事人权利义务告知书.docx",
        "04-身份证明复印件（身份证.png）.png",
        "05-证据材料（维修报价单.pdf）.pdf",
        "06-人民调解记录.docx",
        "07-人民调解协议书.docx",
        "08-签字调解协议书（协议书签字.pdf）.pdf",
        "99-备考表.docx",
    ]
    # the originals, decrypted (an identity document is stored encrypted)
    assert archive.read("04-身份证明复印件（身份证.png）.png") == real_png()
    assert archive.read("05-证据材料（维修报价单.pdf）.pdf") == real_pdf(2)
    # the member got two personal-data files: two recorded downloads
    downloads = PersonalDataAccess.objects.filter(kind="download", user=mediator_a)
    assert downloads.count() == before + 2
    assert {row.shown["kind"] for row in downloads} == {"id_copy", "signed_agreement"}


def test_outside_the_committee_personal_files_are_listed_but_left_out(
    client_for, district, filed_case
):
    archive = zipfile.ZipFile(
        io.BytesIO(get_file(client_for(district), filed_case, format="zip").content)
    )

    names = archive.namelist()
    assert "05-证据材料（维修报价单.pdf）.pdf" in names
    assert not any("身份证" in name or "签字" in name for name in names)
    listing = archive.read("目录.txt").decode("utf-8")
    assert "4. 身份证明复印件（身份证.png）（含个人信息，仅限本调委会查阅）" in listing
    assert "8. 签字调解协议书（协议书签字.pdf）（含个人信息，仅限本调委会查阅）" in listing
    assert not PersonalDataAccess.objects.filter(user=district).exists()


@needs_soffice
def test_the_pdf_appends_pdfs_and_places_pictures(client_for, mediator_a, filed_case):
    response = get_file(client_for(mediator_a), filed_case, format="pdf")

    # cover, contents; numbered 1-11: application, registration, rights notice, the
    # identity document's page, the 2-page evidence, session record, the agreement's 3
    # copies, the signed scan; the note
    assert pdf_pages(response.content) == 14
    text = pdf_text(response.content)
    contents = text[text.index("卷内目录") : text.index("卷内目录") + 400]
    assert "4身份证明复印件（身份证.png）4" in contents
    assert "5证据材料（维修报价单.pdf）5-6" in contents
    assert "7人民调解协议书8-10" in contents
    assert "8签字调解协议书（协议书签字.pdf）11" in contents
