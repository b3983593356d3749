"""Templates → DOCX: the district's folder first, the shipped templates otherwise."""

import io
from pathlib import Path

from django.conf import settings
from docxtpl import DocxTemplate

SHIPPED = Path(__file__).resolve().parent / "templates"


def template_path(kind: str) -> Path:
    """`<kind>.docx` from settings.TIAOJIE_DOCUMENT_TEMPLATE_DIR when that folder has one
    (the district's own wording), else the template shipped with the package."""
    folder = settings.TIAOJIE_DOCUMENT_TEMPLATE_DIR
    if folder:
        override = Path(folder) / f"{kind}.docx"
        if override.is_file():
            return override
    return SHIPPED / f"{kind}.docx"


def render_docx(kind: str, context: dict) -> bytes:
    """The filled-in document. Autoescaped: a party's text never becomes Word markup."""
    template = DocxTemplate(template_path(kind))
    template.render(context, autoescape=True)
    output = io.BytesIO()
    template.save(output)
    return output.getvalue()
