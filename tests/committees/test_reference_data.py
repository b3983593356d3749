import csv
import shutil

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from committees.models import Area, Committee, DisputeType, Institution, Mechanism
from committees.reference_data import DATA_DIR, ReferenceDataError, reference_data_load


def rows(name):
    with open(DATA_DIR / name, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def snapshot():
    return {
        "areas": sorted(Area.objects.values_list("code", "name", "level", "parent__code")),
        "committees": sorted(
            Committee.objects.values_list(
                "code",
                "name",
                "short_name",
                "kind",
                "network",
                "area__code",
                "parent__code",
                "judicial_office__code",
            )
        ),
        "institutions": sorted(
            Institution.objects.values_list("code", "name", "kind", "area__code")
        ),
        "mechanisms": sorted(Mechanism.objects.values_list("code", "feedback_days")),
        "dispute_types": sorted(DisputeType.objects.values_list("code", "parent__code")),
    }


@pytest.mark.django_db
def test_load_gives_exactly_the_rows_in_the_files():
    reference_data_load()

    def none_if_empty(value):
        return value or None

    assert snapshot()["committees"] == sorted(
        (
            r["code"],
            r["name"],
            r["short_name"],
            r["kind"],
            r["network"],
            r["area_code"],
            none_if_empty(r["parent_code"]),
            none_if_empty(r["judicial_office_code"]),
        )
        for r in rows("committees.csv")
    )
    assert Committee.objects.count() == 84
    assert snapshot()["areas"] == sorted(
        (r["code"], r["name"], r["level"], none_if_empty(r["parent_code"]))
        for r in rows("areas.csv")
    )
    assert snapshot()["institutions"] == sorted(
        (r["code"], r["name"], r["kind"], none_if_empty(r["area_code"]))
        for r in rows("institutions.csv")
    )
    court = Mechanism.objects.get(code="court")
    assert court.partner_kinds == ["court", "tribunal"]
    assert court.feedback_days == 30
    assert DisputeType.objects.get(code="labour_wages").parent.code == "labour"


@pytest.mark.django_db
def test_loading_twice_changes_nothing():
    first = reference_data_load()
    before = snapshot()
    ids = sorted(Committee.objects.values_list("id", flat=True))

    second = reference_data_load()

    assert first.changed == 84 + 80 + 29 + 9 + 20
    assert second.changed == 0
    assert snapshot() == before
    assert sorted(Committee.objects.values_list("id", flat=True)) == ids


@pytest.mark.django_db
def test_a_changed_row_is_updated_in_place(tmp_path):
    reference_data_load()
    shutil.copytree(DATA_DIR, tmp_path, dirs_exist_ok=True)
    path = tmp_path / "committees.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace("满城北街第一社区人民调解委员会", "改名调委会"),
        encoding="utf-8",
    )

    report = reference_data_load(directory=tmp_path)

    assert report.updated == {"committees": 1}
    assert Committee.objects.get(code="C640106001001").name == "改名调委会"


@pytest.mark.parametrize(
    "file_name, old, new, reason",
    [
        (
            "committees.csv",
            ",community,urban,640106001002,",
            ",hamlet,urban,640106001002,",
            "kind 'hamlet'",
        ),
        (
            "committees.csv",
            ",640106001002,C640106001,",
            ",999999,C640106001,",
            "area_code '999999'",
        ),
        ("mechanisms.csv", "court;tribunal,30", "court;tribunal,thirty", "feedback_days"),
        (
            "institutions.csv",
            "CRT640106,金凤区人民法院,court",
            "CRT640106,金凤区人民法院,castle",
            "kind 'castle'",
        ),
    ],
)
@pytest.mark.django_db
def test_a_malformed_row_is_refused_whole_with_file_line_and_reason(
    tmp_path, file_name, old, new, reason
):
    shutil.copytree(DATA_DIR, tmp_path, dirs_exist_ok=True)
    path = tmp_path / file_name
    text = path.read_text(encoding="utf-8")
    assert old in text
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")

    with pytest.raises(ReferenceDataError) as caught:
        reference_data_load(directory=tmp_path)

    assert caught.value.file_name == file_name
    assert caught.value.line == line
    assert reason in caught.value.reason
    assert Area.objects.count() == 0
    assert Committee.objects.count() == 0
    assert Institution.objects.count() == 0


@pytest.mark.django_db
def test_command_reports_the_error_and_loads_nothing(tmp_path):
    shutil.copytree(DATA_DIR, tmp_path, dirs_exist_ok=True)
    (tmp_path / "areas.csv").write_text("code,name\n1,x\n", encoding="utf-8")

    with pytest.raises(CommandError, match=r"nothing loaded — areas.csv:1: missing column"):
        call_command("load_reference_data", directory=tmp_path)

    assert Area.objects.count() == 0


@pytest.mark.django_db
def test_duplicate_code_is_refused(tmp_path):
    shutil.copytree(DATA_DIR, tmp_path, dirs_exist_ok=True)
    path = tmp_path / "areas.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines, lines[2]]) + "\n", encoding="utf-8")

    with pytest.raises(ReferenceDataError, match="duplicate code"):
        reference_data_load(directory=tmp_path)
    assert Area.objects.count() == 0
