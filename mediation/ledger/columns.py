"""The ledger's columns (the template's headers, codes and checks) and the empty template."""

import io
import re
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from mediation import choices

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
