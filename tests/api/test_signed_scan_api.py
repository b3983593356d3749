"""Uploading the signed 协议书 with its signers (issue 16 item 3; 人民调解法 art 29): the scan
and every signature on it are recorded together, the agreement takes effect from them, and a
refused signature leaves neither the scan's row nor its stored file."""

import json
import os
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from mediation.models import AgreementSignature, Attachment, Case
from tests.api.conftest import CASES, accept, mediator_row, register
from tests.builders import PDF_BYTES
from tests.conftest import ATTACHMENTS_DIR

pytestmark = pytest.mark.django_db


def written_case(client, world):
    case = accept(register(world.mediator_a, world.committee_a), world.director_a, world.mediator_a)
    answer = client.post(
        f"{CASES}{case.id}/conclude/",
        {"outcome": "success", "agreement": {"form": "written", "terms": "赔偿八千元"}},
        format="json",
    )
    assert answer.status_code == 200, answer.content
    return case


def everyone(case, world, when) -> list[dict]:
    at = when.isoformat()
    signers = [
        {"signer_party": party.id, "method": "fingerprint", "at": at}
        for party in Case.objects.get(pk=case.id).parties.all()
    ]
    signers.append(
        {"signer_mediator": mediator_row(world.mediator_a).id, "method": "handwritten", "at": at}
    )
    signers.append({"signer_committee": True, "method": "seal", "at": at})
    return signers


def upload(client, case, signers, kind="signed_agreement"):
    body = {
        "kind": kind,
        "file": SimpleUploadedFile("协议书.pdf", PDF_BYTES),
        "signers": json.dumps(signers),
    }
    return client.post(f"{CASES}{case.id}/attachments/", body, format="multipart")


def stored_files() -> set[str]:
    return {
        os.path.join(root, name) for root, _, names in os.walk(ATTACHMENTS_DIR) for name in names
    }


def test_art29_the_signed_scan_with_its_signers_makes_the_agreement_effective(client_for, world):
    client = client_for(world.mediator_a)
    case = written_case(client, world)
    when = timezone.now()  # after the acceptance, to the microsecond (never truncated before it)

    answer = upload(client, case, everyone(case, world, when))

    assert answer.status_code == 201, answer.content
    scan = Attachment.objects.get(pk=answer.json()["id"])
    assert scan.kind == "signed_agreement"
    signatures = AgreementSignature.objects.filter(agreement__case_id=case.id)
    assert signatures.count() == Case.objects.get(pk=case.id).parties.count() + 2
    assert set(signatures.values_list("attachment_id", flat=True)) == {scan.id}
    detail = client.get(f"{CASES}{case.id}/").json()
    assert detail["agreement"]["effective_on"] == str(timezone.localdate(when))


def test_a_refused_signer_leaves_no_scan_row_nor_stored_file(client_for, world):
    client = client_for(world.mediator_a)
    case = written_case(client, world)
    signers = everyone(case, world, timezone.now())
    signers[-1]["at"] = (timezone.now() + timedelta(days=3)).isoformat()  # future
    files_before = stored_files()

    answer = upload(client, case, signers)

    assert answer.status_code == 400, answer.content
    assert answer.json()["code"] == "signed_in_future"
    assert not Attachment.objects.filter(case_id=case.id).exists()
    assert not AgreementSignature.objects.filter(agreement__case_id=case.id).exists()
    assert stored_files() == files_before


def test_signers_belong_only_to_a_signed_agreement(client_for, world):
    client = client_for(world.mediator_a)
    case = written_case(client, world)

    answer = upload(client, case, everyone(case, world, timezone.now()), kind="evidence")

    assert answer.status_code == 400, answer.content
    assert "signers" in json.dumps(answer.json(), ensure_ascii=False)
    assert not Attachment.objects.filter(case_id=case.id).exists()
