"""The Ministry-format monthly table as XLSX (Chinese headings) and CSV."""

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

FOOTER_LABELS = [
    ("screening_rounds", "排查次数"),
    ("screening_disputes_found", "排查发现纠纷（件）"),
    ("disputes_prevented", "预防纠纷（件）"),
    ("committees", "人民调解委员会（个）"),
    ("mediators", "人民调解员（人）"),
    ("full_time_mediators", "其中：专职人民调解员（人）"),
    ("as_of", "数据截至"),
]


def _cell(value):
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat(timespec="seconds")
    return value


def _table_rows(table: dict, title: str) -> list[list]:
    headings = ["纠纷类型", *[label for _, label in table["columns"]]]
    lines = [[title], headings]
    for row in table["rows"]:
        lines.append([row["label"], *[_cell(row[name]) for name, _ in table["columns"]]])
    lines.append([])
    for name, label in FOOTER_LABELS:
        lines.append([label, _cell(table["footer"][name])])
    return lines


def ministry_csv(table: dict, title: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in _table_rows(table, title):
        writer.writerow([str(v) for v in line])
    # UTF-8 with BOM so that spreadsheet programs open the Chinese text correctly.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def ministry_xlsx(table: dict, title: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "人民调解工作统计月报表"
    for line in _table_rows(table, title):
        sheet.append([float(v) if hasattr(v, "as_tuple") else v for v in line])
    sheet["A1"].font = Font(bold=True, size=14)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    sheet.column_dimensions["A"].width = 24
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
