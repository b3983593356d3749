"""Reading a ledger file (XLSX or CSV) and one row of it into a case's arguments."""

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel

from mediation import choices
from mediation.exceptions import DomainError
from mediation.ledger.columns import (
    COLUMNS,
    DATA_SHEET,
    DATE_PATTERN,
    EXCEL_SERIAL,
    HEADERS,
    MAX_BYTES,
    NUMBER_PATTERN,
    Column,
)

# --- reading a file ----------------------------------------------------------------------


class FileTooLarge(DomainError):
    status = 413
    code = "file_too_large"
    default_detail = f"文件超过{MAX_BYTES // 1024 // 1024}MB，请分批导入。"


class FileProblem(Exception):
    """The file as a whole cannot be imported (nothing is written)."""

    def __init__(self, problems: list[dict]):
        self.problems = problems
        super().__init__(problems[0]["message"])


def _problem(message: str, code: str, *, row=None, column=None) -> dict:
    return {"row": row, "column": column, "message": message, "code": code}


@dataclass
class Sheet:
    """The ledger rows as read: spreadsheet row number and the values under each header."""

    headers: list[str]
    rows: list[tuple[int, list]] = field(default_factory=list)
    kind: str = "xlsx"


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _read_xlsx(data: bytes) -> Sheet:
    try:
        workbook = load_workbook(io.BytesIO(data), data_only=False)
    except Exception:  # openpyxl raises many kinds for a broken or foreign file
        raise FileProblem([_problem(NOT_A_LEDGER, "not_a_workbook")]) from None
    hidden = [ws.title for ws in workbook.worksheets if ws.sheet_state != "visible"]
    if hidden:
        raise FileProblem(
            [
                _problem(
                    f"工作簿含有隐藏的工作表：{'、'.join(hidden)}。请取消隐藏或删除后再导入。",
                    "hidden_sheet",
                )
            ]
        )
    sheet = workbook[DATA_SHEET] if DATA_SHEET in workbook.sheetnames else workbook.worksheets[0]
    problems = []
    for merged in sheet.merged_cells.ranges:
        problems.append(
            _problem(
                f"台账中有合并单元格 {merged.coord}，请取消合并后再导入。",
                "merged_cells",
                row=merged.min_row,
                column=get_column_letter(merged.min_col),
            )
        )
    values = []
    for row in sheet.iter_rows():
        line = []
        for cell in row:
            if cell.data_type == "f":
                problems.append(
                    _problem(
                        f"单元格 {cell.coordinate} 含有公式，请改为数值后再导入。",
                        "formula",
                        row=cell.row,
                        column=cell.column_letter,
                    )
                )
            line.append(cell.value)
        values.append(line)
    if problems:
        raise FileProblem(problems)
    return _sheet_from(values, "xlsx")


NOT_A_LEDGER = "文件不是 Excel 工作簿（.xlsx）或 CSV 表格。"
OLD_EXCEL = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (and other OLE2 files)
BINARY_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


def _read_csv(data: bytes) -> Sheet:
    if data.startswith(OLD_EXCEL):
        raise FileProblem(
            [_problem("旧版 Excel（.xls）文件，请另存为 .xlsx 后再导入。", "not_a_workbook")]
        )
    if BINARY_BYTES.search(data[:4096]):
        raise FileProblem([_problem(NOT_A_LEDGER, "not_a_workbook")])
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileProblem([_problem("CSV 文件的编码应为 UTF-8 或 GB18030。", "invalid_encoding")])
    try:
        values = [list(line) for line in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error:
        raise FileProblem([_problem("CSV 文件格式无效。", "not_a_workbook")]) from None
    first = next((line for line in values if any(cell.strip() for cell in line)), [])
    if not {cell.strip() for cell in first} & set(HEADERS):
        # Not one known header: some other text file, not a ledger with a few bad columns.
        raise FileProblem([_problem(NOT_A_LEDGER, "not_a_workbook")])
    return _sheet_from(values, "csv")


def _sheet_from(values: list[list], kind: str) -> Sheet:
    # Trailing blank rows (formatting left below the data) are not rows.
    while values and all(_is_blank(v) for v in values[-1]):
        values.pop()
    if not values:
        raise FileProblem([_problem("文件中没有表头和数据。", "missing_header", row=1)])
    headers = [("" if v is None else str(v)).strip() for v in values[0]]
    while headers and not headers[-1]:
        headers.pop()
    problems = []
    seen = set()
    for index, header in enumerate(headers, start=1):
        letter = get_column_letter(index)
        if header not in HEADERS:
            problems.append(
                _problem(
                    f"第{letter}列的表头“{header}”不是台账模板的列。"
                    if header
                    else f"第{letter}列缺少表头。",
                    "unknown_header",
                    row=1,
                    column=letter,
                )
            )
        elif header in seen:
            problems.append(
                _problem(f"表头“{header}”重复。", "duplicate_header", row=1, column=letter)
            )
        seen.add(header)
    for column in COLUMNS:
        if column.required and column.header not in seen:
            problems.append(_problem(f"缺少必填列“{column.header}”。", "missing_header", row=1))
    if problems:
        raise FileProblem(problems)
    sheet = Sheet(headers=headers, kind=kind)
    for number, line in enumerate(values[1:], start=2):
        if all(_is_blank(v) for v in line):
            problems.append(_problem("空行：台账中间不能有空行。", "empty_row", row=number))
            continue
        extra = [v for v in line[len(headers) :] if not _is_blank(v)]
        if extra:
            problems.append(_problem("该行在表头以外的列中有内容。", "unknown_header", row=number))
        sheet.rows.append((number, list(line[: len(headers)])))
    if problems:
        raise FileProblem(problems)
    if not sheet.rows:
        raise FileProblem([_problem("台账中没有数据行。", "empty_file")])
    return sheet


def read_ledger(data: bytes) -> Sheet:
    """The rows of an XLSX or CSV ledger, or FileProblem."""
    if len(data) > MAX_BYTES:
        raise FileProblem(
            [_problem(f"文件超过{MAX_BYTES // 1024 // 1024}MB，请分批导入。", "file_too_large")]
        )
    if not data.strip():
        raise FileProblem([_problem("文件是空的。", "empty_file")])
    if data[:4] == b"PK\x03\x04" or zipfile.is_zipfile(io.BytesIO(data)):
        return _read_xlsx(data)
    return _read_csv(data)


# --- reading one row ---------------------------------------------------------------------


class CellProblem(Exception):
    def __init__(self, message: str, code: str):
        self.message, self.code = message, code
        super().__init__(message)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _code(column: Column, value) -> str:
    text = _text(value)
    if not text:
        return ""
    codes = column.codes
    for code, label in codes.choices:
        if text in (code, label) or (label.endswith("纠纷") and text == label[: -len("纠纷")]):
            return code
    raise CellProblem(f"“{text}”不是有效的{column.header}，请从代码表中选择。", "invalid_choice")


def parse_date(value) -> date | None:
    """2019-03-05, 2019.3.5, 2019/3/5, 2019年3月5日, an Excel date cell or serial."""
    if _is_blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_serial(value)
    text = str(value).strip()
    if EXCEL_SERIAL.match(text):
        return _from_serial(float(text))
    match = DATE_PATTERN.match(text)
    if not match:
        raise CellProblem(
            f"日期“{text}”无法识别，应为 2019-03-05、2019.3.5 或 2019年3月5日。", "invalid_date"
        )
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        raise CellProblem(f"日期“{text}”不存在。", "invalid_date") from None


def _from_serial(value: float) -> date:
    if not 1 <= value < 2_958_466:  # 1900-01-01 … 9999-12-31
        raise CellProblem(f"日期序号“{value}”无效。", "invalid_date")
    moment = from_excel(value)
    return moment.date() if isinstance(moment, datetime) else moment


def _amount(value) -> Decimal | None:
    if _is_blank(value):
        return None
    text = _text(value).replace(",", "").replace("，", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise CellProblem(f"金额“{text}”不是数字。", "invalid_amount") from None
    if not amount.is_finite() or amount.as_tuple().exponent < -2:
        raise CellProblem("金额应为最多两位小数的数字。", "invalid_amount")
    # Negative amounts and the cap (TIAOJIE_AMOUNT_CAP) are the services' rules.
    return amount


def _count(value) -> int:
    if _is_blank(value):
        return 0
    text = _text(value)
    if not text.isdigit() or int(text) > 1_000_000:
        raise CellProblem(f"人数“{text}”应为非负整数。", "invalid_count")
    return int(text)


def _cell_values(headers: list[str], line: list) -> tuple[dict, list[tuple[str, CellProblem]]]:
    raw = dict(zip(headers, line, strict=False))
    values, problems = {}, []
    for column in COLUMNS:
        value = raw.get(column.header)
        try:
            if column.codes:
                parsed = _code(column, value)
            elif column.kind == "date":
                parsed = parse_date(value)
            elif column.kind == "amount":
                parsed = _amount(value)
            elif column.kind == "count":
                parsed = _count(value)
            else:
                parsed = _text(value)
            if column.required and parsed in ("", None):
                raise CellProblem(f"“{column.header}”为必填项。", "required")
        except CellProblem as problem:
            problems.append((column.header, problem))
            continue
        values[column.key] = parsed
    return values, problems


def _case_arguments(values: dict) -> dict:
    match = NUMBER_PATTERN.match(values["number"].replace(" ", ""))
    if not match:
        raise CellProblem(
            f"案号“{values['number']}”格式应为（2019）某某人调字第00017号。", "invalid_number"
        )
    year, sequence = int(match.group(1)), int(match.group(3))
    if sequence == 0:
        raise CellProblem("案号序号不能为0。", "invalid_number")

    def party(prefix: str, role: str) -> dict:
        return {
            "role": role,
            "kind": values.get(f"{prefix}_kind") or choices.PartyKind.PERSON,
            "name": values[f"{prefix}_name"],
            "id_number": values.get(f"{prefix}_id_number", ""),
            "phone": values.get(f"{prefix}_phone", ""),
        }

    agreement = None
    if values.get("agreement_form") or values.get("agreement_terms"):
        agreement = {
            "form": values.get("agreement_form"),
            "terms": values.get("agreement_terms", ""),
            "amount": values.get("agreement_amount"),
        }
    return {
        "number": values["number"].replace(" ", ""),
        "number_year": year,
        "number_sequence": sequence,
        "title": values["title"],
        "dispute_type": values["dispute_type"],
        "source": values["source"],
        "status": values["status"],
        "received_on": values["received_on"],
        "accepted_on": values.get("accepted_on"),
        "concluded_on": values.get("concluded_on"),
        "archived_on": values.get("archived_on"),
        "occurred_on": values.get("occurred_on"),
        "amount_involved": values.get("amount_involved"),
        "people_involved": values.get("people_involved") or 0,
        "facts": values.get("facts", ""),
        "claims": values.get("claims", ""),
        "parties": [
            party("applicant", choices.PartyRole.APPLICANT),
            party("respondent", choices.PartyRole.RESPONDENT),
        ],
        "outcome": values.get("outcome", ""),
        "guidance": values.get("guidance", ""),
        "closing_reason": values.get("closing_reason", ""),
        "agreement": agreement,
    }
