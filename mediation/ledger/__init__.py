"""The committee's ledger (人民调解案件登记台账) in and out: the template, the import of old
ledgers (XLSX or CSV) and the export of cases in the same columns.

An import reads the whole file first (file-level problems: size, not a workbook, hidden
sheets, merged cells, formulas, headers, empty rows), then passes every row through
services.cases_import_historical, the same checks as intake, and writes in bulk. The
whole import is one transaction: a dry run, or a file with errors (unless `skip_invalid`),
is rolled back, so what is checked is exactly what would be written and nothing is left
half-written. Rows already imported from the same file (by SHA-256 and row number) are
skipped, so importing a file twice creates nothing.

columns: the columns and the template; reading: a file and its rows; importing: the
import and its errors workbook; jobs: an upload as a job; export: the ledger out.
"""

from mediation.ledger.columns import (
    COLUMNS,
    DATA_SHEET,
    HEADERS,
    MAX_BYTES,
    Column,
    template_xlsx,
)
from mediation.ledger.export import export_reveals_record, export_rows
from mediation.ledger.importing import errors_workbook, ledger_import, may_import
from mediation.ledger.jobs import job_progress, ledger_import_job_create, ledger_import_job_run
from mediation.ledger.reading import FileProblem, FileTooLarge, parse_date, read_ledger

__all__ = [
    "COLUMNS",
    "DATA_SHEET",
    "HEADERS",
    "MAX_BYTES",
    "Column",
    "FileProblem",
    "FileTooLarge",
    "errors_workbook",
    "export_reveals_record",
    "export_rows",
    "job_progress",
    "ledger_import",
    "ledger_import_job_create",
    "ledger_import_job_run",
    "may_import",
    "parse_date",
    "read_ledger",
    "template_xlsx",
]
