"""Loading the district's reference data (committees/data/*.csv) into the database.

`reference_data_load` reads and checks every file before writing anything, then writes
everything in one transaction: a malformed row stops the load with the file, line and
reason, and nothing is loaded. Rows are matched by `code` and only changed fields are
written, so loading twice changes nothing (the report counts created / updated / unchanged).
Rows missing from the files are left alone (a committee that closes is deactivated in the
file or the admin, never deleted, because cases point at it).
"""

import csv
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from committees.models import Area, Committee, DisputeType, Institution, Mechanism

DATA_DIR = Path(__file__).resolve().parent / "data"

FILES = {
    "areas": "areas.csv",
    "institutions": "institutions.csv",
    "committees": "committees.csv",
    "mechanisms": "mechanisms.csv",
    "dispute_types": "dispute_types.csv",
}

REQUIRED_COLUMNS = {
    "areas": ["code", "name", "level", "parent_code"],
    "institutions": ["code", "name", "kind", "area_code"],
    "committees": [
        "code",
        "name",
        "short_name",
        "kind",
        "network",
        "area_code",
        "parent_code",
        "judicial_office_code",
    ],
    "mechanisms": ["code", "name", "partner_kinds", "feedback_days", "description"],
    "dispute_types": ["code", "name", "parent_code", "ministry_row"],
}


class ReferenceDataError(Exception):
    """A file or row that cannot be loaded; says where and why."""

    def __init__(self, file_name: str, line: int | None, reason: str):
        self.file_name, self.line, self.reason = file_name, line, reason
        where = f"{file_name}:{line}" if line else file_name
        super().__init__(f"{where}: {reason}")


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values())

    def __str__(self) -> str:
        parts = [
            f"{name}: {self.created.get(name, 0)} created, {self.updated.get(name, 0)} updated, "
            f"{self.unchanged.get(name, 0)} unchanged"
            for name in FILES
        ]
        return "; ".join(parts)


@dataclass
class _Row:
    file_name: str
    line: int
    values: dict[str, str]

    def fail(self, reason: str) -> ReferenceDataError:
        return ReferenceDataError(self.file_name, self.line, reason)


def _read(directory: Path, name: str) -> list[_Row]:
    file_name = FILES[name]
    path = directory / file_name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ReferenceDataError(file_name, None, "file is missing") from None
    except UnicodeDecodeError as error:
        raise ReferenceDataError(file_name, None, f"not UTF-8 ({error.reason})") from None
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in REQUIRED_COLUMNS[name] if c not in (reader.fieldnames or [])]
    if missing:
        raise ReferenceDataError(file_name, 1, f"missing column(s): {', '.join(missing)}")
    rows, seen = [], set()
    for values in reader:
        row = _Row(file_name, reader.line_num, values)
        if None in values or any(values.get(c) is None for c in REQUIRED_COLUMNS[name]):
            raise row.fail("wrong number of fields")
        values = {k: (v or "").strip() for k, v in values.items()}
        row.values = values
        for column in ("code", "name"):
            if not values[column]:
                raise row.fail(f"{column} is empty")
        if values["code"] in seen:
            raise row.fail(f"duplicate code {values['code']!r}")
        seen.add(values["code"])
        rows.append(row)
    return rows


def _choice(row: _Row, column: str, choices) -> str:
    value = row.values[column]
    if value not in choices.values:
        raise row.fail(f"{column} {value!r} is not one of {', '.join(choices.values)}")
    return value


def _reference(row: _Row, column: str, known: set[str], what: str, required: bool) -> str | None:
    value = row.values[column]
    if not value:
        if required:
            raise row.fail(f"{column} is empty")
        return None
    if value not in known:
        raise row.fail(f"{column} {value!r} is not a known {what}")
    return value


def _positive_int(row: _Row, column: str) -> int:
    try:
        number = int(row.values[column])
    except ValueError:
        raise row.fail(f"{column} {row.values[column]!r} is not a whole number") from None
    if number <= 0:
        raise row.fail(f"{column} must be positive")
    return number


def _parse(directory: Path) -> dict[str, list[dict]]:
    """Read and check all files; return plain records keyed by file, parents before children."""
    raw = {name: _read(directory, name) for name in FILES}

    area_codes = {r.values["code"] for r in raw["areas"]}
    areas = []
    for row in raw["areas"]:
        parent = _reference(row, "parent_code", area_codes, "area", required=False)
        if parent == row.values["code"]:
            raise row.fail("an area cannot be its own parent")
        areas.append(
            {
                "code": row.values["code"],
                "name": row.values["name"],
                "level": _choice(row, "level", Area.Level),
                "parent": parent,
            }
        )

    institutions = []
    for row in raw["institutions"]:
        institutions.append(
            {
                "code": row.values["code"],
                "name": row.values["name"],
                "kind": _choice(row, "kind", Institution.Kind),
                "area": _reference(row, "area_code", area_codes, "area", required=False),
            }
        )
    institution_kinds = {i["code"]: i["kind"] for i in institutions}
    office_kinds = {Institution.Kind.JUDICIAL_OFFICE, Institution.Kind.JUSTICE_BUREAU}

    committee_codes = {r.values["code"] for r in raw["committees"]}
    committees = []
    for row in raw["committees"]:
        office = _reference(
            row, "judicial_office_code", set(institution_kinds), "institution", required=False
        )
        if office and institution_kinds[office] not in office_kinds:
            raise row.fail(f"judicial_office_code {office!r} is not a judicial office")
        parent = _reference(row, "parent_code", committee_codes, "committee", required=False)
        if parent == row.values["code"]:
            raise row.fail("a committee cannot be its own parent")
        short_name = row.values["short_name"]
        if not short_name:
            raise row.fail("short_name is empty")
        committees.append(
            {
                "code": row.values["code"],
                "name": row.values["name"],
                "short_name": short_name,
                "kind": _choice(row, "kind", Committee.Kind),
                "network": _choice(row, "network", Committee.Network),
                "area": _reference(row, "area_code", area_codes, "area", required=True),
                "parent": parent,
                "judicial_office": office,
            }
        )

    mechanisms = []
    for row in raw["mechanisms"]:
        kinds = [k.strip() for k in row.values["partner_kinds"].split(";") if k.strip()]
        if not kinds:
            raise row.fail("partner_kinds is empty")
        for kind in kinds:
            if kind not in Institution.Kind.values:
                raise row.fail(f"partner_kinds: {kind!r} is not an institution kind")
        mechanisms.append(
            {
                "code": row.values["code"],
                "name": row.values["name"],
                "partner_kinds": kinds,
                "feedback_days": _positive_int(row, "feedback_days"),
                "description": row.values["description"],
            }
        )

    type_codes = {r.values["code"] for r in raw["dispute_types"]}
    dispute_types = []
    for row in raw["dispute_types"]:
        parent = _reference(row, "parent_code", type_codes, "dispute type", required=False)
        if parent == row.values["code"]:
            raise row.fail("a dispute type cannot be its own parent")
        dispute_types.append(
            {
                "code": row.values["code"],
                "name": row.values["name"],
                "parent": parent,
                "ministry_row": _positive_int(row, "ministry_row"),
            }
        )

    return {
        "areas": _parents_first(areas, "areas"),
        "institutions": institutions,
        "committees": _parents_first(committees, "committees"),
        "mechanisms": mechanisms,
        "dispute_types": _parents_first(dispute_types, "dispute_types"),
    }


def _parents_first(records: list[dict], name: str) -> list[dict]:
    """Order records so that every parent comes before its children; refuse cycles."""
    by_code = {r["code"]: r for r in records}
    ordered, placed = [], set()

    def place(record, trail):
        if record["code"] in placed:
            return
        if record["code"] in trail:
            raise ReferenceDataError(FILES[name], None, f"parent cycle through {record['code']!r}")
        if record["parent"]:
            place(by_code[record["parent"]], trail | {record["code"]})
        placed.add(record["code"])
        ordered.append(record)

    for record in records:
        place(record, frozenset())
    return ordered


def _upsert(model, record: dict, report: LoadReport, name: str):
    code = record["code"]
    values = {k: v for k, v in record.items() if k != "code"}
    instance = model.objects.filter(code=code).first()
    if instance is None:
        report.created[name] = report.created.get(name, 0) + 1
        return model.objects.create(code=code, **values)
    changed = [k for k, v in values.items() if getattr(instance, k) != v]
    if changed:
        for k in changed:
            setattr(instance, k, values[k])
        instance.save(update_fields=changed)
        report.updated[name] = report.updated.get(name, 0) + 1
    else:
        report.unchanged[name] = report.unchanged.get(name, 0) + 1
    return instance


def reference_data_load(*, directory: Path = DATA_DIR) -> LoadReport:
    """Load all reference files. Atomic and idempotent; raises ReferenceDataError."""
    records = _parse(Path(directory))
    report = LoadReport()
    with transaction.atomic():
        areas: dict[str, Area] = {}
        for record in records["areas"]:
            record = {**record, "parent": areas.get(record["parent"])}
            areas[record["code"]] = _upsert(Area, record, report, "areas")

        institutions: dict[str, Institution] = {}
        for record in records["institutions"]:
            record = {**record, "area": areas.get(record["area"])}
            institutions[record["code"]] = _upsert(Institution, record, report, "institutions")

        committees: dict[str, Committee] = {}
        for record in records["committees"]:
            record = {
                **record,
                "area": areas[record["area"]],
                "parent": committees.get(record["parent"]),
                "judicial_office": institutions.get(record["judicial_office"]),
            }
            committees[record["code"]] = _upsert(Committee, record, report, "committees")

        for record in records["mechanisms"]:
            _upsert(Mechanism, record, report, "mechanisms")

        dispute_types: dict[str, DisputeType] = {}
        for record in records["dispute_types"]:
            record = {**record, "parent": dispute_types.get(record["parent"])}
            dispute_types[record["code"]] = _upsert(DisputeType, record, report, "dispute_types")
    return report
