"""The import of an old ledger: every row checked as at intake, written in bulk in one
transaction; and the errors workbook."""

import hashlib
import io
from collections.abc import Callable
from datetime import datetime

from django.db import transaction
from openpyxl import Workbook

from committees.models import Committee
from committees.scope import scope_for
from mediation import services
from mediation.exceptions import NotAllowed
from mediation.ledger.columns import CHUNK_ROWS, DATA_SHEET, ERRORS_HEADER, FIELD_COLUMN
from mediation.ledger.reading import (
    CellProblem,
    FileProblem,
    _case_arguments,
    _cell_values,
    _is_blank,
    _problem,
    _text,
    read_ledger,
)
from mediation.models import ImportedRow
from mediation.validators import mask_id_number, mask_phone

# --- the import --------------------------------------------------------------------------


def may_import(user, committee: Committee) -> bool:
    """The district office, the judicial office over the committee, or its director."""
    scope = scope_for(user)
    return (
        scope.sees_everything or committee.id in scope.supervised or scope.is_director(committee.id)
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
            text = (
                f"{error['column']}：{error['message']}"
                if error.get("column")
                else error["message"]
            )
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
        masks = [None if unmasked else PERSONAL_COLUMNS.get(header) for header in ledger.headers]
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
