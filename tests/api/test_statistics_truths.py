"""What a reader of the statistics needs beside the numbers: names and labels beside the
codes of a breakdown, and an XLSX table that says who filed it, when, as of when (in
Asia/Shanghai), and prints on A4 landscape."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from mediation import statistics
from tests.builders import PLAIN_PARTIES, make_case

pytestmark = pytest.mark.django_db

BREAKDOWN = "/api/v1/statistics/breakdown/"
EXPORT = "/api/v1/statistics/export/"


def register(mediator, committee, dispute_type="labour_wages"):
    make_case(mediator, committee, parties=PLAIN_PARTIES, title="纠纷", dispute_type=dispute_type)
    statistics.rollup_refresh()


@pytest.mark.parametrize(
    "extra, computed_from",
    [("", "rollup"), ("&by=status", "raw")],
)
def test_breakdown_rows_carry_names_and_labels_beside_codes(
    client_for, district, mediator_a, committee_a, extra, computed_from
):
    # given a case of committee A (whose judicial office is in its sub-district)
    register(mediator_a, committee_a)

    # when the district office breaks the year down by committee, area and dispute type
    body = (
        client_for(district).get(f"{BREAKDOWN}?by=committee&by=area&by=dispute_type{extra}").json()
    )

    # then the row names what its codes mean
    assert body["computed_from"] == computed_from
    [row] = body["rows"]
    assert row["committee"] == committee_a.id
    assert row["committee_name"] == "满城北街第一社区人民调解委员会"
    assert row["area"] == committee_a.judicial_office.area_id
    assert row["area_name"] == "满城北街街道"
    assert row["dispute_type"] == "labour_wages"
    assert row["dispute_type_label"] == "拖欠农民工工资纠纷"


def test_breakdown_rows_name_only_the_dimensions_asked_for(client_for, district, mediator_a):
    register(mediator_a, mediator_a.mediator_memberships.get().committee)

    [row] = client_for(district).get(f"{BREAKDOWN}?by=month").json()["rows"]

    assert "committee_name" not in row and "dispute_type_label" not in row
    assert row["area_name"] is None  # as `area`: a nullable field absent reads null


def export_sheet(client, query=""):
    response = client.get(f"{EXPORT}?format=xlsx{query}")
    assert response.status_code == 200, response.content
    return load_workbook(io.BytesIO(response.content)).active


def labelled(sheet) -> dict:
    """Every `label：value` cell, and every label in A with its value in B (the footer)."""
    found = {}
    for row in sheet.iter_rows(values_only=True):
        for cell in row:
            if isinstance(cell, str) and "：" in cell:
                label, _, value = cell.partition("：")
                found.setdefault(label, value)
        if isinstance(row[0], str) and len(row) > 1 and row[1] is not None:
            found.setdefault(row[0], row[1])
    return found


def test_export_is_dated_in_shanghai_and_says_who_filed_it(
    time_machine, client_for, district, mediator_a, committee_a
):
    # given 20:30 UTC on 20 November, already 04:30 on the 21st in Yinchuan
    time_machine.move_to(datetime(2026, 11, 20, 20, 30, tzinfo=ZoneInfo("UTC")), tick=False)
    register(mediator_a, committee_a)
    district.first_name = "王丽"  # the display name, as the demo accounts keep it
    district.save()

    # when the district office exports a period that is not whole months (figures as of now)
    sheet = export_sheet(client_for(district), "&from=2026-11-01&to=2026-11-21")

    # then
    values = labelled(sheet)
    assert values["数据截至"] == "2026-11-21 04:30"
    assert values["填报日期"] == "2026-11-21"
    assert values["填报单位"] == "金凤区司法局"
    assert values["填表人"] == "王丽"


@pytest.mark.parametrize(
    "persona, query, unit",
    [
        ("director_a", "", "满城北街第一社区人民调解委员会"),
        ("office_a", "", "金凤区司法局满城北街司法所"),
        ("district", "&committee={committee_a}", "满城北街第一社区人民调解委员会"),
        ("district", "&area={area_of_a}", "满城北街街道"),
    ],
)
def test_the_reporting_unit_is_the_scope_asked_for(
    request, client_for, committee_a, persona, query, unit
):
    user = request.getfixturevalue(persona)
    query = query.format(committee_a=committee_a.id, area_of_a=committee_a.area.parent_id)

    values = labelled(export_sheet(client_for(user), query))

    assert values["填报单位"] == unit
    assert values["填表人"] == user.username  # no full name: the login


def test_export_prints_on_a4_landscape_fitted_to_width_with_the_headings_repeated(
    client_for, district
):
    sheet = export_sheet(client_for(district))
    headings = next(
        index
        for index, row in enumerate(sheet.iter_rows(values_only=True), 1)
        if row[0] == "纠纷类型"
    )

    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert sheet.page_setup.fitToWidth == 1
    assert sheet.page_setup.fitToHeight == 0  # as many pages down as it takes
    assert sheet.print_title_rows == f"$1:${headings}"
    assert sheet.freeze_panes == f"B{headings + 1}"


def test_export_columns_are_wide_enough_to_read(client_for, district):
    sheet = export_sheet(client_for(district))

    rows = list(sheet.iter_rows(values_only=True))
    first = next(index for index, row in enumerate(rows) if row[0] == "纠纷类型") + 1
    last = next(index for index, row in enumerate(rows) if row[0] == "合计")
    # the type names (with their indented sub-rows) fit on one line: a Chinese character
    # takes two width units
    widest = max(len(row[0].strip()) * 2 + 4 for row in rows[first : last + 1])
    assert sheet.column_dimensions["A"].width >= widest
    # every figure column is set, wide enough for ten digits (an amount for more), its
    # heading wrapped
    headings_row = next(row for row in sheet.iter_rows() if row[0].value == "纠纷类型")
    for cell in headings_row[1:]:
        wanted = 14 if "（元）" in cell.value else 10
        assert sheet.column_dimensions[cell.column_letter].width >= wanted, cell.value
        assert cell.alignment.wrap_text, cell.value
