"""The committee's ledger (人民调解案件登记台账) in and out: the template, the import of old
ledgers (XLSX or CSV) and the export of cases in the same columns.

An import reads the whole file first (file-level problems: size, not a workbook, hidden
sheets, merged cells, formulas, headers, empty rows), then passes every row through
services.cases_import_historical, the same checks as intake, and writes in bulk. The
whole import is one transaction: a dry run, or a file with errors (unless `skip_invalid`),
is rolled back, so what is checked is exactly what would be written and nothing is left
half-written. Rows already imported from the same file (by SHA-256 and row number) are
skipped, so importing a file twice creates nothing.
"""

import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.datavalidation import DataValidation

from committees.models import Committee
from committees.scope import scope_for
from mediation import choices, crypto, services
from mediation.exceptions import DomainError, NotAllowed
from mediation.models import Case, ImportedRow
from mediation.validators import mask_id_number, mask_phone

DATA_SHEET = "台账"
CODES_SHEET = "代码"
MAX_BYTES = 10 * 1024 * 1024
TEMPLATE_ROWS = 10_000
# Rows checked and written per bulk statement set (and per progress report).
CHUNK_ROWS = 500


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    required: bool = False
    codes: type[choices.models.TextChoices] | None = None
    kind: str = "text"  # text | date | amount | count


COLUMNS = [
    Column("案号", "number", required=True),
    Column("纠纷名称", "title", required=True),
    Column("纠纷类型", "dispute_type", required=True, codes=choices.DisputeType),
    Column("案件来源", "source", required=True, codes=choices.Source),
    Column("案件状态", "status", required=True, codes=choices.Status),
    Column("登记日期", "received_on", required=True, kind="date"),
    Column("受理日期", "accepted_on", kind="date"),
    Column("结案日期", "concluded_on", kind="date"),
    # Filled for an archived case: 案件状态 then says how it ended (调解成功, 撤回 …).
    Column("归档日期", "archived_on", kind="date"),
    Column("纠纷发生日期", "occurred_on", kind="date"),
    Column("涉及金额（元）", "amount_involved", kind="amount"),
    Column("涉及人数", "people_involved", kind="count"),
    Column("纠纷事实", "facts"),
    Column("当事人请求", "claims"),
    Column("申请人", "applicant_name", required=True),
    Column("申请人类别", "applicant_kind", codes=choices.PartyKind),
    Column("申请人证件号码", "applicant_id_number"),
    Column("申请人电话", "applicant_phone"),
    Column("被申请人", "respondent_name", required=True),
    Column("被申请人类别", "respondent_kind", codes=choices.PartyKind),
    Column("被申请人证件号码", "respondent_id_number"),
    Column("被申请人电话", "respondent_phone"),
    Column("调解结果", "outcome", codes=choices.Outcome),
    Column("协议形式", "agreement_form", codes=choices.AgreementForm),
    Column("协议内容", "agreement_terms"),
    Column("协议金额（元）", "agreement_amount", kind="amount"),
    Column("告知途径", "guidance", codes=choices.Guidance),
    Column("结案/撤回/不予受理理由", "closing_reason"),
]
HEADERS = [column.header for column in COLUMNS]
BY_KEY = {column.key: column for column in COLUMNS}
ERRORS_HEADER = "错误"

# Where a service's field name points in the ledger's columns.
FIELD_COLUMN = {
    "number": "案号",
    "title": "纠纷名称",
    "dispute_type": "纠纷类型",
    "source": "案件来源",
    "status": "案件状态",
    "received_on": "登记日期",
    "accepted_on": "受理日期",
    "concluded_on": "结案日期",
    "archived_on": "归档日期",
    "occurred_on": "纠纷发生日期",
    "amount_involved": "涉及金额（元）",
    "people_involved": "涉及人数",
    "parties": "申请人",
    "parties.0.id_number": "申请人证件号码",
    "parties.1.id_number": "被申请人证件号码",
    "parties.0.phone": "申请人电话",
    "parties.1.phone": "被申请人电话",
    "parties.0.name": "申请人",
    "parties.1.name": "被申请人",
    "facts": "纠纷事实",
    "claims": "当事人请求",
    "closing_reason": "结案/撤回/不予受理理由",
    "outcome": "调解结果",
    "agreement": "协议形式",
    "agreement.form": "协议形式",
    "agreement.terms": "协议内容",
    "agreement.amount": "协议金额（元）",
    "guidance": "告知途径",
}

NUMBER_PATTERN = re.compile(r"^[（(]\s*(\d{4})\s*[）)](.*?)第\s*0*(\d{1,9})\s*号$")
DATE_PATTERN = re.compile(
    r"^(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"
)
EXCEL_SERIAL = re.compile(r"^\d{4,5}(\.0+)?$")


# --- the template ------------------------------------------------------------------------


def _code_lists() -> list[tuple[Column, list[str]]]:
    return [(column, list(column.codes.labels)) for column in COLUMNS if column.codes]


def template_xlsx() -> bytes:
    """The empty ledger: Chinese headers on 台账, the codes on 代码, and drop-downs from
    the codes on every coded column."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = DATA_SHEET
    sheet.append(HEADERS)
    sheet.freeze_panes = "A2"
    codes = workbook.create_sheet(CODES_SHEET)
    for index, (column, labels) in enumerate(_code_lists(), start=1):
        letter = get_column_letter(index)
        codes.cell(row=1, column=index, value=column.header)
        for row, label in enumerate(labels, start=2):
            codes.cell(row=row, column=index, value=label)
        validation = DataValidation(
            type="list",
            formula1=f"'{CODES_SHEET}'!${letter}$2:${letter}${len(labels) + 1}",
            allow_blank=not column.required,
            showErrorMessage=True,
            errorTitle="代码无效",
            error=f"请从下拉列表中选择{column.header}。",
        )
        target = get_column_letter(HEADERS.index(column.header) + 1)
        validation.add(f"{target}2:{target}{TEMPLATE_ROWS + 1}")
        sheet.add_data_validation(validation)
    for index, header in enumerate(HEADERS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, len(header) * 2 + 2)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


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
        raise FileProblem(
            [_problem(NOT_A_LEDGER, "not_a_workbook")]
        ) from None
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
        raise FileProblem(
            [_problem("CSV 文件的编码应为 UTF-8 或 GB18030。", "invalid_encoding")]
        )
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
            problems.append(
                _problem(f"缺少必填列“{column.header}”。", "missing_header", row=1)
            )
    if problems:
        raise FileProblem(problems)
    sheet = Sheet(headers=headers, kind=kind)
    for number, line in enumerate(values[1:], start=2):
        if all(_is_blank(v) for v in line):
            problems.append(
                _problem("空行：台账中间不能有空行。", "empty_row", row=number)
            )
            continue
        extra = [v for v in line[len(headers) :] if not _is_blank(v)]
        if extra:
            problems.append(
                _problem("该行在表头以外的列中有内容。", "unknown_header", row=number)
            )
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


# --- the import --------------------------------------------------------------------------


def may_import(user, committee: Committee) -> bool:
    """The district office, the judicial office over the committee, or its director."""
    scope = scope_for(user)
    return (
        scope.sees_everything
        or committee.id in scope.supervised
        or scope.is_director(committee.id)
    )


def ledger_import(
    *,
    actor,
    committee: Committee,
    data: bytes,
    file_name: str = "",
    dry_run: bool = False,
    skip_invalid: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Check or import a ledger file into `committee`; returns the report.

    `actor` None is the system (the management command); otherwise the caller must be
    allowed to import into the committee (may_import). All or nothing unless
    `skip_invalid`; a dry run writes nothing. Idempotent by file SHA-256 and row."""
    if actor is not None and not may_import(actor, committee):
        raise NotAllowed("只有区司法局、所属司法所或本调委会主任可以导入台账。")
    sha256 = hashlib.sha256(data).hexdigest()
    report = {
        "file_name": file_name,
        "sha256": sha256,
        "committee": committee.code,
        "dry_run": dry_run,
        "skip_invalid": skip_invalid,
        "rows": 0,
        "valid": 0,
        "created": 0,
        "already_imported": 0,
        "written": False,
        "errors": [],
    }
    try:
        sheet = read_ledger(data)
    except FileProblem as problem:
        report["errors"] = problem.problems
        return report
    report["rows"] = len(sheet.rows)
    done = set(ImportedRow.objects.filter(file_sha256=sha256).values_list("row", flat=True))
    seen_numbers: dict[tuple[int, int], int] = {}
    errors = report["errors"]

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            total = len(sheet.rows)
            for first in range(0, total, CHUNK_ROWS):
                chunk = sheet.rows[first : first + CHUNK_ROWS]
                records, rows = [], []
                for row, line in chunk:
                    if row in done:
                        report["already_imported"] += 1
                        continue
                    arguments, problems = _row_arguments(sheet.headers, line, row, seen_numbers)
                    if problems:
                        errors.extend(problems)
                        continue
                    provenance = {"file": file_name, "sha256": sha256, "row": row}
                    records.append({**arguments, "provenance": provenance})
                    rows.append(row)
                made, refused = services.cases_import_historical(
                    actor=actor, committee=committee, records=records
                )
                for index, error in refused.items():
                    column = _column_of(error)
                    errors.append(
                        _problem(error.detail, error.code, row=rows[index], column=column)
                    )
                ImportedRow.objects.bulk_create(
                    ImportedRow(file_sha256=sha256, row=rows[index], case=case)
                    for index, case in made.items()
                )
                report["valid"] += len(made)
                if on_progress:
                    on_progress(first + len(chunk), total)
            errors.sort(key=lambda e: e["row"] or 0)
            if dry_run or (errors and not skip_invalid):
                raise Rollback
    except Rollback:
        pass
    else:
        report["created"] = report["valid"]
        report["written"] = report["created"] > 0
    return report


def _column_of(error) -> str | None:
    """The ledger column a service's refusal points at."""
    return FIELD_COLUMN.get(str(error.extra.get("field", "")))


def _row_arguments(headers, line, row, seen_numbers) -> tuple[dict | None, list[dict]]:
    """The service's arguments for one row, or the row's problems (cells, number, a
    number already used by an earlier row of the file)."""
    values, cell_problems = _cell_values(headers, line)
    if cell_problems:
        return None, [_problem(p.message, p.code, row=row, column=h) for h, p in cell_problems]
    try:
        arguments = _case_arguments(values)
    except CellProblem as problem:
        return None, [_problem(problem.message, problem.code, row=row, column="案号")]
    key = (arguments["number_year"], arguments["number_sequence"])
    if key in seen_numbers:
        message = f"案号与第{seen_numbers[key]}行重复。"
        return None, [_problem(message, "duplicate_number", row=row, column="案号")]
    seen_numbers[key] = row
    return arguments, []


PERSONAL_COLUMNS = {
    "申请人证件号码": mask_id_number,
    "被申请人证件号码": mask_id_number,
    "申请人电话": mask_phone,
    "被申请人电话": mask_phone,
}


def errors_workbook(data: bytes, report: dict, *, unmasked: bool) -> bytes:
    """The uploaded ledger with an 错误 column (all of a row's messages), as XLSX; ID
    numbers and phones masked unless `unmasked` (a member of the committee reads it). A
    file that could not be read at all gets one sheet listing the problems."""
    by_row: dict[int, list[str]] = {}
    for error in report.get("errors", []):
        if error.get("row"):
            text = f"{error['column']}：{error['message']}" if error.get("column") else error[
                "message"
            ]
            by_row.setdefault(error["row"], []).append(text)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = DATA_SHEET
    try:
        ledger = read_ledger(data)
    except FileProblem:
        sheet.append(["行", "列", "错误", "代码"])
        for error in report.get("errors", []):
            sheet.append([error.get("row"), error.get("column"), error["message"], error["code"]])
    else:
        sheet.append([*ledger.headers, ERRORS_HEADER])
        masks = [
            None if unmasked else PERSONAL_COLUMNS.get(header) for header in ledger.headers
        ]
        for row, line in ledger.rows:
            cells = [_plain(v) for v in line] + [""] * (len(ledger.headers) - len(line))
            cells = [
                mask(_text(cell)) if mask and not _is_blank(cell) else cell
                for mask, cell in zip(masks, cells, strict=True)
            ]
            sheet.append([*cells, "；".join(by_row.get(row, []))])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _plain(value):
    return value.date() if isinstance(value, datetime) else value


# --- the ledger out ----------------------------------------------------------------------


def _day(moment) -> str:
    return timezone.localdate(moment).isoformat() if moment else ""


def _label(codes, value) -> str:
    return str(codes(value).label) if value else ""


def export_rows(user, cases: Iterable[Case], chunk: int = 2000) -> Iterator[list[str]]:
    """One row per case in the template's columns; personal data masked unless `user` is
    a member of the holding committee. `cases` is iterated in chunks (parties and the
    agreement fetched per chunk), so a long export never holds every case at once."""
    scope = scope_for(user)
    queryset = cases.select_related("agreement").prefetch_related("parties")
    for case in queryset.iterator(chunk_size=chunk):
        clear = scope.is_member(case.committee_id)
        parties = {}
        for party in case.parties.all():
            parties.setdefault(party.role, party)
        agreement = getattr(case, "agreement", None)
        row = {
            "number": case.number,
            "title": case.title,
            "dispute_type": _label(choices.DisputeType, case.dispute_type),
            "source": _label(choices.Source, case.source),
            # An archived case shows how it ended; 归档日期 says it is archived.
            "status": _label(
                choices.Status,
                case.closed_as if case.status == choices.Status.ARCHIVED else case.status,
            ),
            "received_on": _day(case.received_at),
            "accepted_on": _day(case.accepted_at),
            "concluded_on": _day(case.concluded_at),
            "archived_on": _day(case.archived_at),
            "occurred_on": case.occurred_on.isoformat() if case.occurred_on else "",
            "amount_involved": "" if case.amount_involved is None else str(case.amount_involved),
            "people_involved": str(case.people_involved),
            "facts": case.facts,
            "claims": case.claims,
            "outcome": _label(choices.Outcome, case.outcome),
            "agreement_form": _label(choices.AgreementForm, agreement.form) if agreement else "",
            "agreement_terms": agreement.terms if agreement else "",
            "agreement_amount": (
                str(agreement.amount) if agreement and agreement.amount is not None else ""
            ),
            "guidance": _label(choices.Guidance, case.guidance),
            "closing_reason": case.closing_reason,
        }
        for prefix, role in (
            ("applicant", choices.PartyRole.APPLICANT),
            ("respondent", choices.PartyRole.RESPONDENT),
        ):
            party = parties.get(role)
            id_number = party.id_number if party else ""
            phone = party.phone if party else ""
            row[f"{prefix}_name"] = party.name if party else ""
            row[f"{prefix}_kind"] = _label(choices.PartyKind, party.kind) if party else ""
            row[f"{prefix}_id_number"] = id_number if clear else mask_id_number(id_number)
            row[f"{prefix}_phone"] = phone if clear else mask_phone(phone)
        yield [row[column.key] for column in COLUMNS]



# --- an upload as a job (API, Celery) ----------------------------------------------------


def _progress_key(job_id: int) -> str:
    return f"ledger-import-progress:{job_id}"


def job_progress(job) -> int:
    """0–100. While the import's transaction is open its writes are invisible to other
    connections, so a running job's progress is read from the cache."""
    from django.core.cache import cache

    if job.status == job.Status.RUNNING:
        return cache.get(_progress_key(job.pk), job.progress)
    return job.progress


def ledger_import_job_create(
    *, actor, committee: Committee, data: bytes, file_name: str, dry_run: bool, skip_invalid: bool
):
    """Record an upload to check or import (the caller enqueues ledger_import_job_run on
    commit). Refuses a caller who may not import into the committee, or a file over the
    size limit, before anything is stored."""
    from mediation.models import LedgerImport

    if not may_import(actor, committee):
        raise NotAllowed("只有区司法局、所属司法所或本调委会主任可以导入台账。")
    if len(data) > MAX_BYTES:
        raise FileTooLarge()
    return LedgerImport.objects.create(
        committee=committee,
        file_name=file_name[:200],
        file_sha256=hashlib.sha256(data).hexdigest(),
        # The ledger holds ID numbers and phones: stored encrypted, like the fields.
        content=crypto.encrypt_bytes(data),
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        created_by=actor,
    )


def ledger_import_job_run(*, job_id: int) -> bool:
    """Run a queued job once: claimed with a conditional UPDATE (a redelivered task finds
    it taken and does nothing), progress published to the cache, the report saved."""
    from django.core.cache import cache

    from mediation.models import LedgerImport

    claimed = LedgerImport.objects.filter(pk=job_id, status=LedgerImport.Status.QUEUED).update(
        status=LedgerImport.Status.RUNNING
    )
    if not claimed:
        return False
    job = LedgerImport.objects.select_related("committee", "created_by").get(pk=job_id)

    def progress(done: int, total: int) -> None:
        cache.set(_progress_key(job_id), done * 100 // total, 3600)

    try:
        report = ledger_import(
            actor=job.created_by,
            committee=job.committee,
            data=crypto.decrypt_bytes(bytes(job.content)),
            file_name=job.file_name,
            dry_run=job.dry_run,
            skip_invalid=job.skip_invalid,
            on_progress=progress,
        )
    except Exception:
        # Nothing was written (one transaction): give the job back for the retry.
        LedgerImport.objects.filter(pk=job_id).update(status=LedgerImport.Status.QUEUED)
        raise
    if job.dry_run:
        status = LedgerImport.Status.CHECKED
    elif report["errors"] and not report["written"]:
        status = LedgerImport.Status.REJECTED
    else:
        status = LedgerImport.Status.IMPORTED
    LedgerImport.objects.filter(pk=job_id).update(
        status=status, progress=100, report=report, finished_at=timezone.now()
    )
    cache.delete(_progress_key(job_id))
    return True


def export_reveals_record(*, user, cases, via: str) -> None:
    """Record a personal-data reveal for every exported case whose parties `user` sees
    unmasked (a member of the holding committee): one INSERT … SELECT, however many."""
    from django.db import connection

    from mediation.models import PersonalDataAccess

    scope = scope_for(user)
    if not scope.member_of:
        return
    ids = cases.filter(committee_id__in=scope.member_of).order_by().values("id")
    sql, params = ids.query.sql_with_params()
    table = PersonalDataAccess._meta.db_table
    # As audit.personal_data_reveals_record writes a reveal, but over a subquery: an
    # export may hold 100,000 cases, too many for a list of ids.
    nothing_shown = PersonalDataAccess._meta.get_field("shown").get_db_prep_value(
        {}, connection
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (user_id, username, case_id, at, via, kind, shown) "
            f"SELECT %s, %s, id, %s, %s, %s, %s FROM {Case._meta.db_table} WHERE id IN ({sql})",
            [
                user.pk,
                user.get_username(),
                timezone.now(),
                via[:200],
                PersonalDataAccess.Kind.REVEAL,
                nothing_shown,
                *params,
            ],
        )
