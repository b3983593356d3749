"""DOCX → PDF through LibreOffice in headless mode, when it is installed.

Each call converts in its own temporary folder with its own LibreOffice profile
(`-env:UserInstallation`): two conversions sharing a profile block each other or fail, so
concurrent requests (several gunicorn workers) must not share one. A call that outlives
settings.TIAOJIE_SOFFICE_TIMEOUT is killed and answered as unavailable.
"""

import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings

from mediation.documents.errors import PdfUnavailable

logger = logging.getLogger(__name__)
# 宋体 and Times New Roman → the serif fonts a Linux server has (see the file).
FONTS_CONF = Path(__file__).resolve().parent / "fonts.conf"


def soffice() -> str | None:
    """The converter's path (settings.TIAOJIE_SOFFICE: a name on PATH or a path), or None."""
    return shutil.which(settings.TIAOJIE_SOFFICE) if settings.TIAOJIE_SOFFICE else None


def pdf_available() -> bool:
    return soffice() is not None


def docx_to_pdf_many(documents: list[bytes]) -> list[bytes]:
    """Each DOCX as PDF, converted in one LibreOffice run (it starts once for all)."""
    program = soffice()
    if program is None:
        raise PdfUnavailable()
    if not documents:
        return []
    with tempfile.TemporaryDirectory(prefix="tiaojie-pdf-") as folder:
        work = Path(folder)
        names = []
        for index, data in enumerate(documents):
            name = work / f"{index:03d}.docx"
            name.write_bytes(data)
            names.append(name)
        command = [
            program,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(work / "out"),
            *map(str, names),
        ]
        try:
            subprocess.run(
                command,
                check=True,
                capture_output=True,
                timeout=settings.TIAOJIE_SOFFICE_TIMEOUT,
                cwd=folder,
                env={**os.environ, "FONTCONFIG_FILE": str(FONTS_CONF), "HOME": folder},
            )
        except (OSError, subprocess.SubprocessError) as error:
            logger.warning("PDF conversion failed: %s", error)
            raise PdfUnavailable("PDF 转换失败，请稍后重试或下载 DOCX 格式。") from error
        results = []
        for name in names:
            pdf = work / "out" / f"{name.stem}.pdf"
            if not pdf.is_file():
                logger.warning("PDF conversion wrote no %s", pdf.name)
                raise PdfUnavailable("PDF 转换失败，请稍后重试或下载 DOCX 格式。")
            results.append(pdf.read_bytes())
        return results


def docx_to_pdf(data: bytes) -> bytes:
    return docx_to_pdf_many([data])[0]
