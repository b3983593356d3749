"""Ledger import benchmark (issue 19): N rows imported through `manage.py import_ledger`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tj_ledger DEBUG=0 \\
        .venv/bin/python bench/ledger_bench.py --rows 10000 [--runs 3] [--csv]

Builds a ledger of N plausible rows (the template's columns, Chinese labels, mixed date
forms, valid ID numbers and phones for two parties each, ~80 % succeeded with an
agreement, the rest failed, withdrawn or declined; spread over 2019–2021), writes it as
XLSX (or CSV) to a temporary file and times the real command, all-or-nothing import with
its commit, in a subprocess (so the time includes reading the file). Migrations and the
reference data are applied first. After each run the imported cases are deleted again
(and the committee-year counters reset), so every run imports into the same state.
Prints the seconds per run, rows per second and the figure to compare with the issue's
budget (≤ 60 s for 10 000 rows).
"""

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def resident_id(rng: random.Random) -> str:
    from mediation.validators import ID_CHECK_CHARS, ID_WEIGHTS

    body = f"640104{rng.randint(1950, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body += f"{rng.randint(0, 999):03d}"
    total = sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True))
    return body + ID_CHECK_CHARS[total % 11]


def build_rows(count: int, seed: int = 19) -> list[list]:
    from datetime import date, timedelta

    from mediation import choices
    from mediation.ledger import HEADERS

    rng = random.Random(seed)
    types = [label for _, label in choices.DisputeType.choices]
    per_year: dict[int, int] = {}
    rows = []
    for index in range(count):
        received = date(2019, 1, 1) + timedelta(days=rng.randint(0, 3 * 365 - 40))
        year = received.year
        per_year[year] = per_year.get(year, 0) + 1
        accepted = received + timedelta(days=rng.randint(0, 3))
        concluded = accepted + timedelta(days=rng.randint(1, 30))
        roll = rng.random()
        status, outcome, form, terms, amount, guidance, reason = (
            "调解成功",
            "调解成功",
            "书面协议",
            "双方达成和解，按约履行",
            "3000.00",
            "",
            "",
        )
        if roll > 0.8:
            status, outcome, form, terms, amount = "调解不成", "调解不成", "", "", ""
            guidance = "引导诉讼"
        if roll > 0.9:
            status, outcome, guidance, reason = "撤回", "", "", "申请人撤回申请"
        if roll > 0.95:
            status, reason = "不予受理", "不属于人民调解范围"
        date_forms = (
            received.isoformat(),
            f"{received.year}.{received.month}.{received.day}",
            f"{received.year}年{received.month}月{received.day}日",
        )
        values = {
            "案号": f"（{year}）北街人调字第{per_year[year]:05d}号",
            "纠纷名称": f"纠纷{index + 1}",
            "纠纷类型": rng.choice(types),
            "案件来源": rng.choice(["当事人申请", "排查发现/主动调解"]),
            "案件状态": status,
            "登记日期": date_forms[index % 3],
            "受理日期": "" if status == "不予受理" else accepted.isoformat(),
            "结案日期": concluded.isoformat(),
            "归档日期": "",
            "纠纷发生日期": (received - timedelta(days=rng.randint(0, 30))).isoformat(),
            "涉及金额（元）": f"{rng.randint(0, 50000)}.00",
            "涉及人数": str(rng.randint(2, 6)),
            "纠纷事实": "邻里之间因琐事发生争执。",
            "当事人请求": "请求调解。",
            "申请人": f"张{index}",
            "申请人类别": "自然人",
            "申请人证件号码": resident_id(rng),
            "申请人电话": f"138{rng.randint(0, 99_999_999):08d}",
            "被申请人": f"李{index}",
            "被申请人类别": "自然人",
            "被申请人证件号码": resident_id(rng),
            "被申请人电话": f"139{rng.randint(0, 99_999_999):08d}",
            "调解结果": outcome,
            "协议形式": form,
            "协议内容": terms,
            "协议金额（元）": amount,
            "告知途径": guidance,
            "结案/撤回/不予受理理由": reason,
        }
        rows.append([values[h] for h in HEADERS])
    return rows


def write_file(rows: list[list], kind: str) -> Path:
    import csv

    from openpyxl import Workbook

    from mediation.ledger import HEADERS

    path = Path(tempfile.mkdtemp()) / f"ledger.{kind}"
    if kind == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADERS)
            writer.writerows(rows)
    else:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("台账")
        sheet.append(HEADERS)
        for row in rows:
            sheet.append(row)
        workbook.save(path)
    return path


def clean(committee_code: str) -> None:
    from django.db import transaction

    from mediation.models import Case, CaseNumberCounter, LedgerImport, StatDirty

    with transaction.atomic():
        Case.objects.filter(committee__code=committee_code).delete()
        CaseNumberCounter.objects.filter(committee__code=committee_code).delete()
        StatDirty.objects.filter(committee__code=committee_code).delete()
        LedgerImport.objects.filter(committee__code=committee_code).delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--csv", action="store_true")
    parser.add_argument("--committee", default="C640106001001")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from committees.models import Committee
    from committees.reference_data import reference_data_load

    call_command("migrate", verbosity=0)
    if not Committee.objects.exists():
        reference_data_load()
    clean(args.committee)
    kind = "csv" if args.csv else "xlsx"
    path = write_file(build_rows(args.rows), kind)
    print(
        f"{connection.vendor}, {args.rows} rows, {kind} {path.stat().st_size / 1e6:.1f} MB, "
        f"{os.cpu_count()} CPUs"
    )
    command = [
        sys.executable,
        str(ROOT / "manage.py"),
        "import_ledger",
        str(path),
        "--committee",
        args.committee,
    ]
    times = []
    for run in range(1, args.runs + 1):
        started = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
        elapsed = time.perf_counter() - started
        if result.returncode:
            sys.exit(f"import failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
        times.append(elapsed)
        print(
            f"run {run}: {elapsed:.1f} s, {args.rows / elapsed:.0f} rows/s — "
            f"{result.stdout.strip().splitlines()[-1]}"
        )
        clean(args.committee)
    print(f"best {min(times):.1f} s, worst {max(times):.1f} s (budget 60 s for 10 000 rows)")


if __name__ == "__main__":
    main()
