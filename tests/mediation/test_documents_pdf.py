"""DOCX → PDF through LibreOffice (mediation/documents/pdf.py): concurrent conversions each in
their own profile, and a converter that is missing or fails answers `pdf_unavailable`."""

import shutil
import threading

import pytest

from mediation import documents
from tests.builders import make_case
from tests.mediation.document_helpers import pdf_pages, pdf_text

pytestmark = pytest.mark.django_db

needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed"
)


def registration(case, user) -> bytes:
    loaded = documents.documents_case(user).get(pk=case.pk)
    return documents.document_render(loaded, "registration", unmasked=True)


@needs_soffice
def test_two_conversions_at_once_both_succeed(mediator_a, committee_a):
    # given two documents
    first = make_case(mediator_a, committee_a, title="楼上漏水纠纷")
    second = make_case(mediator_a, committee_a, title="噪音纠纷")
    data = {
        first.number: registration(first, mediator_a),
        second.number: registration(second, mediator_a),
    }
    results, errors = {}, []

    def convert(number):
        try:
            results[number] = documents.docx_to_pdf(data[number])
        except Exception as error:  # noqa: BLE001 - the assertion below reports it
            errors.append(error)

    # when both are converted at the same moment (two LibreOffice processes)
    threads = [threading.Thread(target=convert, args=(number,)) for number in data]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    # then each has its own PDF
    assert errors == []
    for number, pdf in results.items():
        assert pdf_pages(pdf) == 1
        assert number in pdf_text(pdf)
    assert len(results) == 2


def test_a_missing_converter_is_unavailable(settings, mediator_a, committee_a):
    settings.TIAOJIE_SOFFICE = "/nonexistent/soffice"
    case = make_case(mediator_a, committee_a)

    assert documents.pdf_available() is False
    with pytest.raises(documents.PdfUnavailable) as refused:
        documents.docx_to_pdf(registration(case, mediator_a))
    assert refused.value.status == 503 and refused.value.code == "pdf_unavailable"


def test_a_converter_that_fails_is_unavailable_not_a_500(
    settings, tmp_path, mediator_a, committee_a
):
    broken = tmp_path / "soffice"
    broken.write_text("#!/bin/sh\necho 'conversion crashed' >&2\nexit 1\n")
    broken.chmod(0o755)
    settings.TIAOJIE_SOFFICE = str(broken)
    case = make_case(mediator_a, committee_a)

    with pytest.raises(documents.PdfUnavailable) as refused:
        documents.docx_to_pdf(registration(case, mediator_a))
    assert "PDF 转换失败" in refused.value.detail


def test_a_converter_that_hangs_is_stopped(settings, tmp_path, mediator_a, committee_a):
    slow = tmp_path / "soffice"
    slow.write_text("#!/bin/sh\nexec sleep 30\n")
    slow.chmod(0o755)
    settings.TIAOJIE_SOFFICE = str(slow)
    settings.TIAOJIE_SOFFICE_TIMEOUT = 1
    case = make_case(mediator_a, committee_a)

    with pytest.raises(documents.PdfUnavailable):
        documents.docx_to_pdf(registration(case, mediator_a))
