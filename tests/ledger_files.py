"""Ledger files for the import tests: rows as {header: value}, written as XLSX or CSV."""

import csv
import io

from openpyxl import Workbook

from mediation.ledger import HEADERS
from mediation.validators import ID_CHECK_CHARS, ID_WEIGHTS


def resident_id(body: str) -> str:
    """A valid 18-digit resident ID from its first 17 digits."""
    total = sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True))
    return body + ID_CHECK_CHARS[total % 11]


APPLICANT_ID = resident_id("64010419800101123")
RESPONDENT_ID = resident_id("64010419850505432")


def ledger_row(sequence: int = 1, year: int = 2019, **overrides) -> dict:
    """A succeeded neighbourhood case of `year`, written as a clerk would (Chinese labels)."""
    row = {
        "案号": f"（{year}）北街人调字第{sequence:05d}号",
        "纠纷名称": f"楼上漏水纠纷{sequence}",
        "纠纷类型": "邻里纠纷",
        "案件来源": "当事人申请",
        "案件状态": "调解成功",
        "登记日期": f"{year}-03-05",
        "受理日期": f"{year}-03-06",
        "结案日期": f"{year}-03-20",
        "归档日期": "",
        "纠纷发生日期": f"{year}-03-01",
        "涉及金额（元）": "8000.00",
        "涉及人数": "2",
        "纠纷事实": "楼上漏水",
        "当事人请求": "赔偿损失",
        "申请人": "张某",
        "申请人类别": "自然人",
        "申请人证件号码": APPLICANT_ID,
        "申请人电话": "13800000000",
        "被申请人": "李某",
        "被申请人类别": "自然人",
        "被申请人证件号码": RESPONDENT_ID,
        "被申请人电话": "13900000000",
        "调解结果": "调解成功",
        "协议形式": "书面协议",
        "协议内容": "李某赔偿张某5000元",
        "协议金额（元）": "5000.00",
        "告知途径": "",
        "结案/撤回/不予受理理由": "",
    }
    row.update(overrides)
    return row


def xlsx(rows: list[dict], headers: list[str] | None = None, *, raw: list[list] | None = None):
    """The ledger as XLSX bytes; `raw` rows are appended as given (for blank rows …)."""
    headers = headers or HEADERS
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "台账"
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h, "") for h in headers])
    for line in raw or []:
        sheet.append(line)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def workbook_bytes(workbook) -> bytes:
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def csv_bytes(rows: list[dict], encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow([row.get(h, "") for h in HEADERS])
    return buffer.getvalue().encode(encoding)
