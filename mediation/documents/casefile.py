"""The whole 卷宗 of a case: the cover, the contents list (卷内目录), the documents and the
attachments in the contents list's order (context_file.FILE_ORDER), and the note (备考表).

As one PDF: documents, DOCX attachments and image attachments (each on a page of its own)
go through LibreOffice in one run, PDF attachments are appended as they are, a recording
is listed only. As a ZIP (no converter, or asked): the DOCX documents and the attachments'
original files, with `目录.txt` and `00-卷内目录.docx`.

Outside the holding committee the documents are masked and the attachments that hold
personal data (identity documents, the signed agreement) are listed but left out.
"""

import io
import logging
import re
import zipfile
from dataclasses import dataclass

from docx.image.image import Image as DocxImage
from docx.shared import Mm
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError

from mediation import services
from mediation.documents import docx_blocks, pdf, registry
from mediation.documents.context_case import party_replacements, redact
from mediation.documents.context_file import FILE_ORDER, file_documents
from mediation.documents.errors import PdfUnavailable
from mediation.documents.rendering import render_docx

logger = logging.getLogger(__name__)

PDF = "application/pdf"
IMAGES = {"image/jpeg", "image/png"}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
WITHHELD = "含个人信息，仅限本调委会查阅"
NOT_IN_PDF = "音频等材料不能装入 PDF，见 ZIP 卷宗"
UNREADABLE = "文件无法合并，见 ZIP 卷宗"
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


@dataclass
class Filed:
    """One item of the contents list."""

    title: str
    data: bytes | None = None  # what goes in the ZIP: a document's DOCX, an attachment
    extension: str = ".docx"
    to_convert: bytes | None = None  # a DOCX that LibreOffice turns into the PDF's pages
    pdf: bytes | None = None  # already a PDF
    note: str = ""
    zip_name: str = ""


def _image_page(title: str, data: bytes) -> bytes:
    """A DOCX page with the attachment's title and the picture, scaled into the page."""
    document = docx_blocks.new_document()
    docx_blocks.para(document, title, bold=True)
    image = DocxImage.from_blob(data)
    width, height = Mm(150), Mm(215)
    if image.px_height * width > image.px_width * height:  # tall: fit the height
        document.add_picture(io.BytesIO(data), height=height)
    else:
        document.add_picture(io.BytesIO(data), width=width)
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


def _attachment_item(attachment, *, unmasked: bool, replacements: dict) -> Filed:
    title = f"{attachment.get_kind_display()}（{attachment.name}）"
    if not unmasked:
        title = redact(title, replacements)
    if attachment.is_personal and not unmasked:
        return Filed(title, note=WITHHELD)
    content = services.attachment_content(attachment)
    extension = "." + attachment.name.rsplit(".", 1)[-1] if "." in attachment.name else ""
    item = Filed(title, data=content, extension=extension[:10])
    if attachment.content_type == PDF:
        item.pdf = content
    elif attachment.content_type in IMAGES:
        try:
            item.to_convert = _image_page(title, content)
        except Exception:  # noqa: BLE001 - a picture python-docx cannot read stays in the ZIP
            logger.warning("attachment %s: image not placed in the PDF", attachment.pk)
            item.note = UNREADABLE
    elif attachment.content_type == DOCX:
        item.to_convert = content
    else:
        item.note = NOT_IN_PDF
    return item


def file_items(case, *, unmasked: bool) -> list[Filed]:
    """The contents list's items in order, each named for the ZIP (01-…, 02-…)."""
    documents = set(file_documents(case))
    attachments = {}
    for attachment in case.attachments.all():
        attachments.setdefault(attachment.kind, []).append(attachment)
    replacements = party_replacements(case)
    items = []
    for slot in FILE_ORDER:
        if slot.startswith("attachment:"):
            for attachment in attachments.get(slot.removeprefix("attachment:"), []):
                items.append(
                    _attachment_item(attachment, unmasked=unmasked, replacements=replacements)
                )
        elif slot in documents:
            data = render_docx(slot, registry.document_context(case, slot, unmasked=unmasked))
            items.append(Filed(registry.KINDS[slot].title, data=data, to_convert=data))
    for index, item in enumerate(items, start=1):
        if item.data is not None:
            item.zip_name = f"{index:02d}-{_UNSAFE.sub('_', item.title)[:80]}{item.extension}"
    return items


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
    items = file_items(case, unmasked=unmasked)
    rows = [{"title": item.title, "note": item.zip_name or item.note} for item in items]
    papers = _own_papers(case, unmasked=unmasked, rows=rows)
    listing = [f"{case.number}　{case.title}　卷内目录", ""]
    listing += [f"{index}. {row['title']}（{row['note']}）" for index, row in enumerate(rows, 1)]
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("目录.txt", "\n".join(listing) + "\n")
        archive.writestr("00-卷宗封面.docx", papers["file_cover"])
        archive.writestr("00-卷内目录.docx", papers["file_contents"])
        for item in items:
            if item.data is not None:
                archive.writestr(item.zip_name, item.data)
        archive.writestr("99-备考表.docx", papers["file_note"])
    return output.getvalue()


def case_file_pdf(case, *, unmasked: bool) -> bytes:
    """One PDF. The items are converted first, so the contents list can give each its
    pages (numbered from the first item; the cover and the list are not numbered)."""
    if not pdf.pdf_available():
        raise PdfUnavailable()
    items = file_items(case, unmasked=unmasked)
    converting = [item for item in items if item.to_convert is not None]
    for item, data in zip(
        converting, pdf.docx_to_pdf_many([item.to_convert for item in converting]), strict=True
    ):
        item.pdf = data
    rows, parts, page = [], [], 1
    for item in items:
        row = {"title": item.title, "pages": "", "note": item.note}
        if item.pdf is not None:
            try:
                count = _page_count(item.pdf)
            except (PyPdfError, KeyError, ValueError, TypeError):  # not a PDF pypdf can read
                row["note"] = UNREADABLE
            else:
                last = page + count - 1
                row["pages"] = f"{page}" if count == 1 else f"{page}-{last}"
                page = last + 1
                parts.append(item.pdf)
        rows.append(row)
    papers = _own_papers(case, unmasked=unmasked, rows=rows)
    cover, contents, note = pdf.docx_to_pdf_many(
        [papers["file_cover"], papers["file_contents"], papers["file_note"]]
    )
    writer = PdfWriter()
    for data in (cover, contents, *parts, note):
        writer.append(io.BytesIO(data))
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()
