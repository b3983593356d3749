"""import_ledger: bring a committee's old ledger (人民调解案件登记台账) in.

    python manage.py import_ledger FILE --committee CODE [--dry-run] [--skip-invalid] [--json]

XLSX or CSV (UTF-8 or GB18030) in the columns of GET /api/v1/imports/template.xlsx. All or
nothing unless --skip-invalid; --dry-run checks every row and writes nothing; importing
the same file again creates nothing. Runs as the system (no user); prints the row-level
report and exits non-zero when the file was refused.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from committees.models import Committee
from mediation import ledger


class Command(BaseCommand):
    help = "Import an old ledger (XLSX or CSV) into one committee."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--committee", required=True, help="the committee's code")
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="write the valid rows, report the rest"
        )
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, file, committee, dry_run, skip_invalid, json: bool, **options):
        try:
            target = Committee.objects.get(code=committee)
        except Committee.DoesNotExist:
            raise CommandError(f"没有代码为 {committee} 的调委会。") from None
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"无法读取文件：{error}") from None

        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=None,
            transient=False,
            disable=json or not self.stderr.isatty(),
        ) as progress:
            task = progress.add_task("导入" if not dry_run else "检查", total=None)

            def advance(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            report = ledger.ledger_import(
                actor=None,
                committee=target,
                data=data,
                file_name=file.name,
                dry_run=dry_run,
                skip_invalid=skip_invalid,
                on_progress=advance,
            )

        if json:
            self.stdout.write(_json(report))
        else:
            self._print(report)
        refused = report["errors"] and not skip_invalid
        if refused or (report["errors"] and not report["rows"]):
            raise CommandError("台账有错误，未写入任何案件。")

    def _print(self, report: dict) -> None:
        for error in report["errors"]:
            where = f"第{error['row']}行 " if error.get("row") else ""
            column = f"{error['column']} " if error.get("column") else ""
            self.stdout.write(f"{where}{column}{error['message']}（{error['code']}）")
        self.stdout.write(
            f"共{report['rows']}行：有效{report['valid']}行，写入{report['created']}件，"
            f"此前已导入{report['already_imported']}行，错误{len(report['errors'])}处"
            + ("（仅检查，未写入）" if report["dry_run"] else "")
            + f"。文件 SHA-256 {report['sha256']}"
        )


def _json(report: dict) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2)
