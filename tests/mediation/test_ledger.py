"""The ledger in and out (mediation.ledger): template, import, export, the command."""

import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from mediation import choices, ledger, services, statistics
from mediation.models import (
    Case,
    CaseEvent,
    CaseNumberCounter,
    FollowUp,
    ImportedRow,
    MonthlyStat,
    StatDirty,
)
from tests.ledger_files import (
    APPLICANT_ID,
    csv_bytes,
    ledger_row,
    workbook_bytes,
    xlsx,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def run(committee, data, **options):
    return ledger.ledger_import(actor=None, committee=committee, data=data, **options)


def nothing_written():
    assert Case.objects.count() == 0
    assert ImportedRow.objects.count() == 0
    assert CaseNumberCounter.objects.count() == 0
    assert CaseEvent.objects.count() == 0
    assert StatDirty.objects.count() == 0


# --- the template ------------------------------------------------------------------------


def test_template_has_the_headers_the_codes_and_drop_downs():
    workbook = load_workbook(io.BytesIO(ledger.template_xlsx()))

    assert workbook.sheetnames == ["台账", "代码"]
    sheet = workbook["台账"]
    assert [c.value for c in sheet[1]] == ledger.HEADERS
    codes = workbook["代码"]
    assert [c.value for c in codes["A"]][:3] == ["纠纷类型", "婚姻家庭纠纷", "邻里纠纷"]
    validated = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    column_of = {h: chr(ord("A") + i) for i, h in enumerate(ledger.HEADERS) if i < 26}
    letter = column_of["纠纷类型"]
    assert validated[f"{letter}2:{letter}10001"] == "'代码'!$A$2:$A$21"
    assert len(validated) == len([c for c in ledger.COLUMNS if c.codes])
    assert all(ws.sheet_state == "visible" for ws in workbook.worksheets)


def test_the_empty_template_is_read_as_a_file_without_rows(committee_a):
    report = run(committee_a, ledger.template_xlsx())

    assert [e["code"] for e in report["errors"]] == ["empty_file"]


# --- a good import -----------------------------------------------------------------------


def test_a_historical_case_keeps_its_number_dates_status_outcome_and_agreement(committee_a):
    data = xlsx(
        [
            ledger_row(17),
            ledger_row(
                18,
                案件状态="调解不成",
                调解结果="调解不成",
                协议形式="",
                协议内容="",
                **{"协议金额（元）": ""},
                告知途径="引导诉讼",
            ),
            ledger_row(
                19,
                案件状态="withdrawn",
                调解结果="",
                协议形式="",
                协议内容="",
                **{"协议金额（元）": "", "结案/撤回/不予受理理由": "申请人撤回"},
            ),
        ]
    )

    report = run(committee_a, data, file_name="2019台账.xlsx")

    assert report["errors"] == []
    assert (report["rows"], report["created"], report["written"]) == (3, 3, True)
    succeeded = Case.objects.get(number="（2019）北街人调字第00017号")
    assert (succeeded.number_year, succeeded.number_sequence) == (2019, 17)
    assert succeeded.committee == committee_a
    assert succeeded.status == choices.Status.SUCCEEDED
    assert succeeded.closed_as == "succeeded"
    assert succeeded.outcome == choices.Outcome.SUCCESS
    assert timezone.localdate(succeeded.received_at) == date(2019, 3, 5)
    assert timezone.localdate(succeeded.accepted_at) == date(2019, 3, 6)
    assert timezone.localdate(succeeded.concluded_at) == date(2019, 3, 20)
    assert succeeded.dispute_type == "neighbourhood"
    assert succeeded.amount_involved == Decimal("8000.00")
    assert succeeded.agreement.form == "written"
    assert succeeded.agreement.amount == Decimal("5000.00")
    assert succeeded.agreement.effective_on == date(2019, 3, 20)
    assert succeeded.agreement.number == succeeded.number
    applicant = succeeded.parties.get(role="applicant")
    assert applicant.id_number == APPLICANT_ID
    # Personal data is stored encrypted, as for intake.
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM mediation_party WHERE id = %s", [applicant.pk])
        assert APPLICANT_ID not in cursor.fetchone()[0]
    failed = Case.objects.get(number_sequence=18)
    assert (failed.status, failed.outcome, failed.guidance) == ("failed", "failure", "litigation")
    withdrawn = Case.objects.get(number_sequence=19)
    assert (withdrawn.status, withdrawn.closing_reason) == ("withdrawn", "申请人撤回")

    event = succeeded.events.get()
    assert event.kind == "imported"
    assert event.data == {
        "number": succeeded.number,
        "file": "2019台账.xlsx",
        "sha256": report["sha256"],
        "row": 2,
    }
    # Closed years ago: no reminders, no rating SMS now.
    assert FollowUp.objects.count() == 0


def test_an_archived_case_keeps_how_it_ended(committee_a, director_a):
    report = run(committee_a, xlsx([ledger_row(1, 归档日期="2019-05-01")]))

    assert report["errors"] == []
    case = Case.objects.get()
    assert (case.status, case.closed_as, case.outcome) == ("archived", "succeeded", "success")
    assert timezone.localdate(case.archived_at) == date(2019, 5, 1)
    (row,) = _export(director_a, committee_a)
    assert row[ledger.HEADERS.index("案件状态")] == "调解成功"
    assert row[ledger.HEADERS.index("归档日期")] == "2019-05-01"


def test_an_archive_date_needs_a_closed_case_archived_after_it_ended(committee_a):
    rows = [
        ledger_row(1, 归档日期="2019-03-19"),
        ledger_row(
            2,
            案件状态="调解中",
            结案日期="",
            调解结果="",
            协议形式="",
            协议内容="",
            **{"协议金额（元）": ""},
            归档日期="2019-05-01",
        ),
        ledger_row(3, 案件状态="已归档"),
    ]

    report = run(committee_a, xlsx(rows))

    assert [(e["row"], e["column"], e["code"]) for e in report["errors"]] == [
        (2, "归档日期", "invalid_date"),
        (3, "归档日期", "invalid_date"),
        (4, "案件状态", "invalid_choice"),
    ]
    nothing_written()


def test_labels_codes_and_every_date_form_are_read(committee_a):
    rows = [
        ledger_row(1, 登记日期="2019-03-05"),
        ledger_row(2, 登记日期="2019.3.5", 纠纷类型="neighbourhood"),
        ledger_row(3, 登记日期="2019年3月5日", 纠纷类型="邻里"),
        ledger_row(4, 登记日期=43529),  # the Excel serial of 2019-03-05
        ledger_row(5, 登记日期=datetime(2019, 3, 5)),  # a date cell
    ]

    report = run(committee_a, xlsx(rows))

    assert report["errors"] == []
    days = {timezone.localdate(c.received_at) for c in Case.objects.all()}
    assert days == {date(2019, 3, 5)}
    assert set(Case.objects.values_list("dispute_type", flat=True)) == {"neighbourhood"}


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_in_utf8_or_gb18030(committee_a, encoding):
    report = run(committee_a, csv_bytes([ledger_row(1), ledger_row(2)], encoding))

    assert report["errors"] == []
    assert Case.objects.filter(title="楼上漏水纠纷1", dispute_type="neighbourhood").exists()
    assert Case.objects.count() == 2


def test_an_open_case_is_imported_with_its_deadline_and_follow_ups(committee_a, time_machine):
    time_machine.move_to(datetime(2026, 11, 20, 10, tzinfo=SHANGHAI), tick=False)
    row = ledger_row(
        3,
        year=2026,
        案件状态="调解中",
        登记日期="2026-11-10",
        受理日期="2026-11-11",
        结案日期="",
        调解结果="",
        协议形式="",
        协议内容="",
        **{"协议金额（元）": ""},
    )

    report = run(committee_a, xlsx([row]))

    assert report["errors"] == []
    case = Case.objects.get()
    assert case.due_on == date(2026, 12, 11)
    assert set(case.follow_ups.values_list("kind", flat=True)) == {"deadline_warning", "overdue"}


# --- numbering ---------------------------------------------------------------------------


def test_the_counter_continues_after_the_highest_imported_number(
    committee_a, mediator_a, time_machine
):
    time_machine.move_to(datetime(2026, 11, 20, 10, tzinfo=SHANGHAI), tick=False)
    rows = [
        ledger_row(40, 2026, 登记日期="2026-03-01", 受理日期="2026-03-02", 结案日期="2026-03-09"),
        ledger_row(7, 2026, 登记日期="2026-02-01", 受理日期="2026-02-02", 结案日期="2026-02-09"),
        ledger_row(12, year=2019),
    ]

    run(committee_a, xlsx(rows))

    counters = dict(
        CaseNumberCounter.objects.filter(committee=committee_a).values_list("year", "last")
    )
    assert counters == {2026: 40, 2019: 12}
    case = services.case_register(
        actor=mediator_a,
        committee=committee_a,
        source="party_application",
        parties=[{"role": "applicant", "name": "王某"}, {"role": "respondent", "name": "赵某"}],
        title="新案",
        dispute_type="neighbourhood",
    )
    assert (case.number_year, case.number_sequence) == (2026, 41)


def test_a_number_already_held_is_refused_and_the_counter_untouched(committee_a):
    run(committee_a, xlsx([ledger_row(5)]))

    report = run(committee_a, xlsx([ledger_row(5, 纠纷名称="另一件")]))

    assert report["errors"] == [
        {
            "row": 2,
            "column": "案号",
            "message": "案号（2019）北街人调字第00005号已存在。",
            "code": "duplicate_number",
        }
    ]
    assert Case.objects.count() == 1
    assert CaseNumberCounter.objects.get(committee=committee_a, year=2019).last == 5


# --- dry run, all or nothing, skip invalid, idempotent -------------------------------------


def test_a_dry_run_reports_and_writes_nothing(committee_a):
    data = xlsx([ledger_row(1), ledger_row(2, 纠纷类型="吵架纠纷")])

    report = run(committee_a, data, dry_run=True)

    assert (report["rows"], report["valid"], report["created"]) == (2, 1, 0)
    assert report["errors"] == [
        {
            "row": 3,
            "column": "纠纷类型",
            "message": "“吵架纠纷”不是有效的纠纷类型，请从代码表中选择。",
            "code": "invalid_choice",
        }
    ]
    nothing_written()


def test_a_clean_dry_run_writes_nothing_either(committee_a):
    report = run(committee_a, xlsx([ledger_row(1)]), dry_run=True)

    assert (report["valid"], report["errors"], report["written"]) == (1, [], False)
    nothing_written()


def test_one_bad_row_and_nothing_is_written(committee_a):
    report = run(committee_a, xlsx([ledger_row(1), ledger_row(2, 登记日期="2019-02-30")]))

    assert [(e["row"], e["column"], e["code"]) for e in report["errors"]] == [
        (3, "登记日期", "invalid_date")
    ]
    assert report["written"] is False
    nothing_written()


def test_skip_invalid_writes_the_valid_rows_and_reports_the_rest(committee_a):
    rows = [ledger_row(1), ledger_row(2, 申请人证件号码="640104198001011230"), ledger_row(3)]

    report = run(committee_a, xlsx(rows), skip_invalid=True)

    assert [(e["row"], e["column"], e["code"]) for e in report["errors"]] == [
        (3, "申请人证件号码", "invalid_id_number")
    ]
    assert (report["created"], report["written"]) == (2, True)
    assert sorted(Case.objects.values_list("number_sequence", flat=True)) == [1, 3]


def test_importing_the_same_file_again_creates_nothing(committee_a):
    data = xlsx([ledger_row(1), ledger_row(2)])
    first = run(committee_a, data)

    second = run(committee_a, data)

    assert (first["created"], second["created"], second["already_imported"]) == (2, 0, 2)
    assert second["errors"] == []
    assert Case.objects.count() == 2
    assert CaseEvent.objects.count() == 2


# --- bad files ---------------------------------------------------------------------------


def _merged():
    workbook = load_workbook(io.BytesIO(xlsx([ledger_row(1), ledger_row(2)])))
    workbook["台账"].merge_cells("B2:B3")
    return workbook_bytes(workbook)


def _formula():
    workbook = load_workbook(io.BytesIO(xlsx([ledger_row(1)])))
    workbook["台账"]["K2"] = "=1+1"
    return workbook_bytes(workbook)


def _hidden_sheet():
    workbook = load_workbook(io.BytesIO(xlsx([ledger_row(1)])))
    workbook.create_sheet("备注").sheet_state = "hidden"
    return workbook_bytes(workbook)


def _without(header):
    headers = [h for h in ledger.HEADERS if h != header]
    return xlsx([ledger_row(1)], headers)


def _wrong_header():
    headers = ["编号" if h == "案号" else h for h in ledger.HEADERS]
    return xlsx([ledger_row(1)], headers)


BAD_FILES = {
    "wrong header": (_wrong_header, "unknown_header"),
    "missing header": (lambda: _without("纠纷类型"), "missing_header"),
    "merged cells": (_merged, "merged_cells"),
    "formula": (_formula, "formula"),
    "hidden sheet": (_hidden_sheet, "hidden_sheet"),
    "empty row": (lambda: xlsx([ledger_row(1)], raw=[[], [*ledger_row(2).values()]]), "empty_row"),
    "unknown code": (lambda: xlsx([ledger_row(1, 案件来源="上级交办")]), "invalid_choice"),
    "impossible date": (lambda: xlsx([ledger_row(1, 结案日期="2019年2月30日")]), "invalid_date"),
    "future date": (lambda: xlsx([ledger_row(1, year=2999)]), "date_out_of_range"),
    "before 1949-10-01": (lambda: xlsx([ledger_row(1, year=1949)]), "date_out_of_range"),
    "concluded before received": (
        lambda: xlsx([ledger_row(1, 结案日期="2019-03-01")]),
        "invalid_date",
    ),
    "an amount over the cap": (
        lambda: xlsx([ledger_row(1, **{"涉及金额（元）": "99999999999.00"})]),
        "amount_too_large",
    ),
    "a negative agreement amount": (
        lambda: xlsx([ledger_row(1, **{"协议金额（元）": "-5"})]),
        "negative_amount",
    ),
    "a bad credit code": (
        lambda: xlsx(
            [ledger_row(1, 被申请人类别="法人或其他组织", 被申请人证件号码="91640100ABCDEFGHIJ")]
        ),
        "invalid_uscc",
    ),
    "a bad phone": (lambda: xlsx([ledger_row(1, 申请人电话="12345")]), "invalid_phone"),
    "duplicated numbers": (lambda: xlsx([ledger_row(1), ledger_row(1)]), "duplicate_number"),
    "10 MB": (lambda: b"PK\x03\x04" + b"0" * (10 * 1024 * 1024), "file_too_large"),
    "not a workbook": (lambda: b"PK\x03\x04 this is not a zip", "not_a_workbook"),
    "a picture": (lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not_a_workbook"),
    "utf-16 text": (lambda: "案号,纠纷名称".encode("utf-16"), "not_a_workbook"),
    "a pdf": (lambda: b"%PDF-1.4 not a ledger", "not_a_workbook"),
    "an old .xls": (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "not_a_workbook"),
    "bad csv encoding": (lambda: "案号,".encode() + b"\xff\xff\n", "invalid_encoding"),
    "no rows": (lambda: xlsx([]), "empty_file"),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_a_bad_file_gets_its_report_and_nothing_is_written(committee_a, name):
    make, code = BAD_FILES[name]

    report = run(committee_a, make())

    assert code in [e["code"] for e in report["errors"]], report["errors"]
    assert all(e["message"] for e in report["errors"])
    assert report["written"] is False
    nothing_written()


def test_file_level_problems_name_the_cell(committee_a):
    report = run(committee_a, _formula())

    assert report["errors"] == [
        {
            "row": 2,
            "column": "K",
            "message": "单元格 K2 含有公式，请改为数值后再导入。",
            "code": "formula",
        }
    ]


# --- statistics --------------------------------------------------------------------------


def test_the_rollup_covers_the_imported_months(committee_a):
    run(committee_a, xlsx([ledger_row(1), ledger_row(2, 结案日期="2019-04-02")]))

    statistics.rollup_refresh()

    cells = MonthlyStat.objects.filter(committee=committee_a)
    by_month = {
        (cell.month, field): getattr(cell, field)
        for cell in cells
        for field in ("received", "accepted", "succeeded")
    }
    assert by_month[(date(2019, 3, 1), "received")] == 2
    assert by_month[(date(2019, 3, 1), "accepted")] == 2
    assert by_month[(date(2019, 3, 1), "succeeded")] == 1
    assert by_month[(date(2019, 4, 1), "succeeded")] == 1


# --- the ledger out, and the round trip ------------------------------------------------------


def _export(user, committee) -> list[list[str]]:
    return list(ledger.export_rows(user, Case.objects.filter(committee=committee).order_by("id")))


def test_export_masks_personal_data_outside_the_holding_committee(
    committee_a, director_a, district
):
    run(committee_a, xlsx([ledger_row(1)]))
    column = ledger.HEADERS.index("申请人证件号码")
    phone = ledger.HEADERS.index("申请人电话")

    (mine,) = _export(director_a, committee_a)
    (theirs,) = _export(district, committee_a)

    assert (mine[column], mine[phone]) == (APPLICANT_ID, "13800000000")
    assert theirs[column] == APPLICANT_ID[:4] + "**********" + APPLICANT_ID[-4:]
    assert theirs[phone] == "138****0000"


def test_round_trip_export_import_export_gives_the_same_rows(committee_a, director_a):
    rows = [
        ledger_row(1),
        ledger_row(
            2,
            案件状态="调解不成",
            调解结果="调解不成",
            协议形式="",
            协议内容="",
            **{"协议金额（元）": ""},
            告知途径="引导仲裁",
        ),
        ledger_row(
            3,
            案件状态="不予受理",
            受理日期="",
            调解结果="",
            协议形式="",
            协议内容="",
            **{"协议金额（元）": "", "结案/撤回/不予受理理由": "不属于人民调解范围"},
            被申请人="某某有限公司",
            被申请人类别="法人或其他组织",
            被申请人证件号码="",
        ),
        ledger_row(
            4,
            案件状态="撤回",
            调解结果="",
            协议形式="",
            协议内容="",
            **{"协议金额（元）": ""},
            归档日期="2019-06-30",
        ),
    ]
    run(committee_a, xlsx(rows))
    first = _export(director_a, committee_a)
    exported = Workbook()
    exported.active.append(ledger.HEADERS)
    for line in first:
        exported.active.append(line)
    data = workbook_bytes(exported)

    # an empty database
    Case.objects.all().delete()
    CaseNumberCounter.objects.all().delete()
    report = run(committee_a, data)
    second = _export(director_a, committee_a)

    assert report["errors"] == []
    assert report["created"] == 4
    assert second == first
    assert first[3][ledger.HEADERS.index("归档日期")] == "2019-06-30"
    assert first[2][ledger.HEADERS.index("被申请人类别")] == "法人或其他组织"


# --- the command -------------------------------------------------------------------------


def test_the_command_imports_a_file(committee_a, tmp_path):
    path = tmp_path / "ledger.csv"
    path.write_bytes(csv_bytes([ledger_row(1)], "gb18030"))
    out = io.StringIO()

    call_command("import_ledger", str(path), committee=committee_a.code, stdout=out)

    assert Case.objects.filter(committee=committee_a).count() == 1
    assert "写入1件" in out.getvalue()


def test_the_command_dry_run_writes_nothing(committee_a, tmp_path):
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(xlsx([ledger_row(1)]))
    out = io.StringIO()

    call_command("import_ledger", str(path), "--dry-run", committee=committee_a.code, stdout=out)

    assert "仅检查" in out.getvalue()
    nothing_written()


def test_the_command_refuses_a_bad_file_with_its_report(committee_a, tmp_path):
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(xlsx([ledger_row(1), ledger_row(2, 纠纷类型="吵架")]))
    out = io.StringIO()

    with pytest.raises(CommandError, match="未写入"):
        call_command("import_ledger", str(path), committee=committee_a.code, stdout=out)

    assert "第3行 纠纷类型" in out.getvalue()
    nothing_written()


def test_the_command_skip_invalid(committee_a, tmp_path):
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(xlsx([ledger_row(1), ledger_row(2, 纠纷类型="吵架")]))

    call_command(
        "import_ledger", str(path), "--skip-invalid", committee=committee_a.code, stdout=None
    )

    assert list(Case.objects.values_list("number_sequence", flat=True)) == [1]


def test_the_intake_rules_point_at_their_columns(committee_a):
    rows = [
        ledger_row(1, 申请人电话="12345"),
        ledger_row(2, 纠纷名称="长" * 201),
        ledger_row(3, **{"涉及金额（元）": "99999999999.00"}),
        ledger_row(4, 纠纷发生日期="1949-09-30"),
    ]

    report = run(committee_a, xlsx(rows), dry_run=True)

    assert [(e["row"], e["column"], e["code"]) for e in report["errors"]] == [
        (2, "申请人电话", "invalid_phone"),
        (3, "纠纷名称", "max_length"),
        (4, "涉及金额（元）", "amount_too_large"),
        (5, "纠纷发生日期", "date_out_of_range"),
    ]
