"""The Ministry-format monthly table as XLSX (Chinese headings) and CSV: who filed it and
when, the table, the footer with the time its figures were exact (Asia/Shanghai), and for
the XLSX a page set up to print (A4 landscape, fitted to width, headings on every page)."""

import csv
import io
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

FOOTER_LABELS = [
    ("screening_rounds", "排查次数"),
    ("screening_disputes_found", "排查发现纠纷（件）"),
    ("disputes_prevented", "预防纠纷（件）"),
    ("committees", "人民调解委员会（个）"),
    ("mediators", "人民调解员（人）"),
    ("full_time_mediators", "其中：专职人民调解员（人）"),
    ("female_mediators", "其中：女性（人）"),
    ("male_mediators", "其中：男性（人）"),
    ("gender_unknown_mediators", "其中：性别未登记（人）"),
    ("as_of", "数据截至"),
]
HEADER_ROWS = 3  # title, filer line, headings: repeated on every printed page
# Widths in characters: a count column takes five Chinese characters of its heading a
# line (the longest wraps onto four) and ten digits; an amount in yuan takes more.
COUNT_WIDTH = 10
AMOUNT_WIDTH = 14


@dataclass(frozen=True)
class Filing:
    """Who files the table: 填报单位 (the scope's name), 填表人 and 填报日期."""

    unit: str
    filer: str
    filed_on: date


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return value


def _table_rows(table: dict, title: str, filing: Filing) -> list[list]:
    headings = ["纠纷类型", *[label for _, label in table["columns"]]]
    padding = [None] * (len(headings) - 2)
    lines = [
        [title],
        [f"填报单位：{filing.unit}", *padding, f"填报日期：{filing.filed_on.isoformat()}"],
        headings,
    ]
    for row in table["rows"]:
        lines.append([row["label"], *[_cell(row[name]) for name, _ in table["columns"]]])
    lines.append([])
    for name, label in FOOTER_LABELS:
        lines.append([label, _cell(table["footer"][name])])
    lines.append([])
    lines.append([f"填表人：{filing.filer}"])
    return lines


def ministry_csv(table: dict, title: str, filing: Filing) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in _table_rows(table, title, filing):
        writer.writerow(["" if v is None else str(v) for v in line])
    # UTF-8 with BOM so that spreadsheet programs open the Chinese text correctly.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: two for a wide (Chinese) character."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def ministry_xlsx(table: dict, title: str, filing: Filing) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "人民调解工作统计月报表"
    lines = _table_rows(table, title, filing)
    for line in lines:
        sheet.append([float(v) if hasattr(v, "as_tuple") else v for v in line])
    last_column = len(lines[HEADER_ROWS - 1])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last_column)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.cell(row=2, column=last_column).alignment = Alignment(horizontal="right")
    for cell in sheet[HEADER_ROWS]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
    sheet.row_dimensions[HEADER_ROWS].height = 64

    # Column A holds the type names and the footer's labels; the figures are narrower.
    labels = [line[0] for line in lines[HEADER_ROWS:-1] if line and isinstance(line[0], str)]
    sheet.column_dimensions["A"].width = max(_display_width(label) for label in labels) + 4
    for cell in sheet[HEADER_ROWS][1:]:
        width = AMOUNT_WIDTH if "（元）" in cell.value else COUNT_WIDTH
        sheet.column_dimensions[cell.column_letter].width = width

    sheet.freeze_panes = sheet.cell(row=HEADER_ROWS + 1, column=2)
    sheet.print_title_rows = f"1:{HEADER_ROWS}"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as the rows need
    sheet.print_options.horizontalCentered = True
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
