"""The documents' errors (codes are part of the API: docs/api.md "Documents")."""

from mediation.exceptions import DomainError


class UnknownDocument(DomainError):
    status = 404
    code = "unknown_document"
    default_detail = "没有这种文书。"


class DocumentNotReady(DomainError):
    """The case lacks what the document records (409, with `missing`)."""

    status = 409
    code = "document_not_ready"
    default_detail = "该案件尚不具备制作此文书的条件。"


class PdfUnavailable(DomainError):
    """No converter on this server (LibreOffice's soffice), or it failed (503)."""

    status = 503
    code = "pdf_unavailable"
    default_detail = (
        "服务器未安装 PDF 转换程序（LibreOffice），暂不能生成 PDF；请下载 DOCX 格式，"
        "或请管理员安装 LibreOffice。"
    )
