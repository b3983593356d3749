"""render_document_samples: the pictures of docs/documents/ (a demo case's 协议书 and 受理登记表
as a mediator prints them), regenerated from the shipped templates.

    python manage.py render_document_samples [--out docs/documents]

Builds a demo case through the services inside a transaction that is rolled back (the
database is left as it was; an empty database gets the reference data first, also rolled
back), renders the documents to DOCX, converts them with LibreOffice to PDF and each PDF
page with poppler's `pdftoppm -png -r 80` to <kind>.png: the first page (the 协议书's other
pages are the other parties' and the committee's copies). Needs soffice and pdftoppm on PATH.
"""

import shutil
import subprocess
import tempfile
from datetime import timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from committees.models import Committee, Mediator
from committees.reference_data import reference_data_load
from mediation import documents, services

SAMPLES = ("agreement", "registration")
DEMO_COMMITTEE = "C640106001001"


class _Rollback(Exception):
    pass


def _member(committee, username, name, role):
    user = get_user_model().objects.create_user(username=username, first_name=name)
    Mediator.objects.create(committee=committee, user=user, role=role, name=name)
    return user


def demo_case(committee):
    """A neighbours' leak dispute, accepted, one session, a written agreement."""
    mediator = _member(committee, "sample_mediator", "王丽", Mediator.Role.MEDIATOR)
    director = _member(committee, "sample_director", "赵刚", Mediator.Role.DIRECTOR)
    case = services.case_register(
        actor=mediator,
        committee=committee,
        source="party_application",
        dispute_type="neighbourhood",
        title="楼上漏水损害赔偿纠纷",
        facts="2026年11月，被申请人家中卫生间防水层破损漏水，致申请人家中厨房天花板及墙面受损。",
        claims="1. 赔偿房屋维修费2000元\n2. 修复卫生间防水层",
        amount_involved="2000.00",
        parties=[
            {
                "role": "applicant",
                "name": "张建国",
                "id_number": "640104198001011235",
                "phone": "13800000000",
                "address": "金凤区满城北街1号3单元201室",
            },
            {
                "role": "respondent",
                "name": "李秀兰",
                "id_number": "11010519491231002X",
                "phone": "13900001111",
                "address": "金凤区满城北街1号3单元301室",
            },
        ],
    )
    mediator_row = Mediator.objects.get(user=mediator)
    case = services.case_accept(actor=director, case=case, mediator_ids=[mediator_row.id])
    services.case_record_session(
        actor=mediator,
        case=case,
        held_at=timezone.now() - timedelta(hours=3),
        place="满城北街第一社区调解室",
        summary="双方陈述意见。经调解员释法说理，被申请人同意赔偿并修复防水层。",
    )
    services.case_conclude(
        actor=mediator,
        case=case,
        outcome="success",
        agreement={
            "form": "written",
            "terms": "李秀兰赔偿张建国房屋维修费2000元，于本协议签订之日当场付清。\n"
            "李秀兰于2026年12月15日前自费修复卫生间防水层。\n"
            "双方就本纠纷再无其他争议。",
            "amount": "2000.00",
            "performance_deadline": timezone.localdate() + timedelta(days=14),
        },
    )
    return documents.documents_case(mediator).get(pk=case.pk)


class Command(BaseCommand):
    help = "Render the demo 协议书 and 受理登记表 to PNG (docs/documents/)."

    def add_arguments(self, parser):
        parser.add_argument("--out", default="docs/documents", help="folder (docs/documents)")
        parser.add_argument(
            "--kinds",
            default=",".join(SAMPLES),
            help=f"comma-separated document kinds ({','.join(SAMPLES)})",
        )

    def handle(self, *args, out, kinds, **options):
        wanted = [kind.strip() for kind in kinds.split(",") if kind.strip()]
        unknown = [kind for kind in wanted if kind not in documents.KINDS]
        if unknown:
            raise CommandError(f"没有这种文书：{', '.join(unknown)}")
        if not documents.pdf_available() or shutil.which("pdftoppm") is None:
            raise CommandError("需要 LibreOffice (soffice) 和 poppler-utils (pdftoppm)。")
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        try:
            with transaction.atomic():
                if not Committee.objects.exists():
                    reference_data_load()
                case = demo_case(Committee.objects.get(code=DEMO_COMMITTEE))
                rendered = {
                    kind: documents.document_render(case, kind, unmasked=True)
                    for kind in wanted
                    if not documents.missing(case, kind)
                }
                raise _Rollback
        except _Rollback:
            pass
        pdfs = documents.docx_to_pdf_many(list(rendered.values()))
        for kind, data in zip(rendered, pdfs, strict=True):
            self._pictures(kind, data, folder)

    def _pictures(self, kind, data, folder):
        with tempfile.TemporaryDirectory() as work:
            source = Path(work) / f"{kind}.pdf"
            source.write_bytes(data)
            subprocess.run(
                ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile"]
                + [str(source), str(Path(work) / kind)],
                check=True,
                timeout=120,
            )
            target = folder / f"{kind}.png"
            shutil.copyfile(Path(work) / f"{kind}.png", target)
            self.stdout.write(str(target))
