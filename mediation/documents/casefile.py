"""The whole 卷宗 of a case as one PDF (cover, contents list, the documents in the order of
the contents list, the note) or, without a PDF converter or when asked, as a ZIP of the
DOCX files with the contents list (卷内目录.docx and 目录.txt)."""

import io
import zipfile
from dataclasses import dataclass

from pypdf import PdfReader, PdfWriter

from mediation.documents import pdf, registry
from mediation.documents.context_file import file_documents
from mediation.documents.errors import PdfUnavailable
from mediation.documents.rendering import render_docx


@dataclass
class Filed:
    title: str
    docx: bytes
    name: str  # the file name inside the ZIP


def _filed_documents(case, *, unmasked: bool) -> list[Filed]:
    filed = []
    for index, kind in enumerate(file_documents(case), start=1):
        title = registry.KINDS[kind].title
        context = registry.document_context(case, kind, unmasked=unmasked)
        filed.append(Filed(title, render_docx(kind, context), f"{index:02d}-{title}.docx"))
    return filed


def _own_papers(case, *, unmasked: bool, rows: list[dict]) -> dict[str, bytes]:
    return {
        kind: render_docx(
            kind, registry.document_context(case, kind, unmasked=unmasked, contents=rows)
        )
        for kind in ("file_cover", "file_contents", "file_note")
    }


def _page_count(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


def case_file_zip(case, *, unmasked: bool) -> bytes:
    filed = _filed_documents(case, unmasked=unmasked)
    rows = [{"title": item.title, "note": item.name} for item in filed]
    papers = _own_papers(case, unmasked=unmasked, rows=rows)
    listing = [f"{case.number}　{case.title}　卷内目录", ""]
    listing += [f"{index}. {row['title']}（{row['note']}）" for index, row in enumerate(rows, 1)]
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("目录.txt", "\n".join(listing) + "\n")
        archive.writestr("00-卷宗封面.docx", papers["file_cover"])
        archive.writestr("00-卷内目录.docx", papers["file_contents"])
        for item in filed:
            archive.writestr(item.name, item.docx)
        archive.writestr("99-备考表.docx", papers["file_note"])
    return output.getvalue()


def case_file_pdf(case, *, unmasked: bool) -> bytes:
    """One PDF. The documents are converted first, so the contents list can give each
    its pages (numbered from the first document; cover and list are not numbered)."""
    if not pdf.pdf_available():
        raise PdfUnavailable()
    filed = _filed_documents(case, unmasked=unmasked)
    pdfs = pdf.docx_to_pdf_many([item.docx for item in filed])
    rows, page = [], 1
    for item, data in zip(filed, pdfs, strict=True):
        count = _page_count(data)
        last = page + count - 1
        rows.append({"title": item.title, "pages": f"{page}" if count == 1 else f"{page}-{last}"})
        page = last + 1
    papers = _own_papers(case, unmasked=unmasked, rows=rows)
    cover, contents, note = pdf.docx_to_pdf_many(
        [papers["file_cover"], papers["file_contents"], papers["file_note"]]
    )
    writer = PdfWriter()
    for data in (cover, contents, *pdfs, note):
        writer.append(io.BytesIO(data))
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()
