"""Shared by the documents tests (tests/mediation/test_documents*.py and
tests/api/test_documents_api.py): a case with a written agreement built through the
services, and reading a DOCX or a PDF back as text."""

import io
import struct
import subprocess
import tempfile
import zlib
from datetime import timedelta
from pathlib import Path

import docx
from django.utils import timezone
from docx.oxml.ns import qn
from pypdf import PdfReader, PdfWriter

from mediation import services
from tests.builders import fresh, make_case, membership, sign_all

ID_NUMBER = "640104198001011235"
PHONE = "13800000000"
PARTIES = [
    {
        "role": "applicant",
        "name": "张建国",
        "id_number": ID_NUMBER,
        "phone": PHONE,
        "address": "金凤区满城北街1号",
    },
    {"role": "respondent", "name": "李秀兰", "address": "金凤区满城北街1号楼上"},
]
TERMS = "李秀兰赔偿张建国房屋维修费2000元。\n李秀兰于12月15日前修复卫生间防水层。"


def succeeded_case(mediator, director, committee, *, form="written", terms=TERMS):
    """Registered on a party's application, accepted, one session, concluded with an
    agreement (written by default)."""
    case = make_case(
        mediator,
        committee,
        parties=PARTIES,
        facts="楼上卫生间漏水，楼下天花板受损。",
        claims="1. 赔偿维修费2000元\n2. 修复防水层",
        amount_involved="2000.00",
    )
    case = services.case_accept(
        actor=director, case=fresh(case), mediator_ids=[membership(mediator, committee).id]
    )
    services.case_record_session(
        actor=mediator,
        case=fresh(case),
        held_at=timezone.now() - timedelta(hours=2),
        place="社区调解室",
        summary="双方陈述意见，同意赔偿。",
    )
    agreement = {"form": form, "terms": terms, "amount": "2000.00"}
    if form == "written":
        agreement["performance_deadline"] = timezone.localdate() + timedelta(days=14)
    else:  # an oral agreement with money records the parties' waiver (人民调解法 art 28)
        agreement["document_waived"] = {
            "by": "张建国、李秀兰",
            "at": timezone.now(),
            "statement": "双方认为无需制作书面协议",
        }
    case = services.case_conclude(
        actor=mediator, case=fresh(case), outcome="success", agreement=agreement
    )
    # A written agreement takes effect once signed by all (art 29): its follow-ups start then.
    return sign_all(mediator, case) if form == "written" else case


def docx_text(data: bytes) -> str:
    """Every text run of the document body (paragraphs and tables) in order."""
    document = docx.Document(io.BytesIO(data))
    return "".join(node.text or "" for node in document.element.body.iter(qn("w:t")))


def docx_fonts(data: bytes) -> set[str]:
    """The East Asian fonts named on the document's runs (and its Normal style)."""
    document = docx.Document(io.BytesIO(data))
    found = set()
    for fonts in document.element.body.iter(qn("w:rFonts")):
        found.add(fonts.get(qn("w:eastAsia")))
    return found


def pdf_pages(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


def pdf_text(data: bytes) -> str:
    """The text pdftotext (poppler) reads from the PDF, without white space: LibreOffice
    sets a little space between Chinese and Latin characters (第 00001 号), which pdftotext
    reads as a blank."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "document.pdf"
        path.write_bytes(data)
        result = subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, timeout=60
        )
    return "".join(result.stdout.decode("utf-8").split())


def real_pdf(pages: int = 2) -> bytes:
    """A PDF that readers open (A4 blank pages), unlike tests.builders.PDF_BYTES."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def real_png(width: int = 40, height: int = 60) -> bytes:
    """A grey PNG that image readers open (tests.builders.PNG_BYTES only looks like one)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
