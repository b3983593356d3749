"""An upload as a job (API, Celery): created, run once, its progress in the cache."""

import hashlib

from django.core.cache import cache
from django.utils import timezone

from committees.models import Committee
from mediation import crypto
from mediation.exceptions import NotAllowed
from mediation.ledger.columns import MAX_BYTES
from mediation.ledger.importing import ledger_import, may_import
from mediation.ledger.reading import FileTooLarge
from mediation.models import LedgerImport

# --- an upload as a job (API, Celery) ----------------------------------------------------


def _progress_key(job_id: int) -> str:
    return f"ledger-import-progress:{job_id}"


def job_progress(job) -> int:
    """0–100. While the import's transaction is open its writes are invisible to other
    connections, so a running job's progress is read from the cache."""
    if job.status == job.Status.RUNNING:
        return cache.get(_progress_key(job.pk), job.progress)
    return job.progress


def ledger_import_job_create(
    *, actor, committee: Committee, data: bytes, file_name: str, dry_run: bool, skip_invalid: bool
):
    """Record an upload to check or import (the caller enqueues ledger_import_job_run on
    commit). Refuses a caller who may not import into the committee, or a file over the
    size limit, before anything is stored."""
    if not may_import(actor, committee):
        raise NotAllowed("只有区司法局、所属司法所或本调委会主任可以导入台账。")
    if len(data) > MAX_BYTES:
        raise FileTooLarge()
    return LedgerImport.objects.create(
        committee=committee,
        file_name=file_name[:200],
        file_sha256=hashlib.sha256(data).hexdigest(),
        # The ledger holds ID numbers and phones: stored encrypted, like the fields.
        content=crypto.encrypt_bytes(data),
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        created_by=actor,
    )


def ledger_import_job_run(*, job_id: int) -> bool:
    """Run a queued job once: claimed with a conditional UPDATE (a redelivered task finds
    it taken and does nothing), progress published to the cache, the report saved."""
    claimed = LedgerImport.objects.filter(pk=job_id, status=LedgerImport.Status.QUEUED).update(
        status=LedgerImport.Status.RUNNING
    )
    if not claimed:
        return False
    job = LedgerImport.objects.select_related("committee", "created_by").get(pk=job_id)

    def progress(done: int, total: int) -> None:
        cache.set(_progress_key(job_id), done * 100 // total, 3600)

    try:
        report = ledger_import(
            actor=job.created_by,
            committee=job.committee,
            data=crypto.decrypt_bytes(bytes(job.content)),
            file_name=job.file_name,
            dry_run=job.dry_run,
            skip_invalid=job.skip_invalid,
            on_progress=progress,
        )
    except Exception:
        # Nothing was written (one transaction): give the job back for the retry.
        LedgerImport.objects.filter(pk=job_id).update(status=LedgerImport.Status.QUEUED)
        raise
    if job.dry_run:
        status = LedgerImport.Status.CHECKED
    elif report["errors"] and not report["written"]:
        status = LedgerImport.Status.REJECTED
    else:
        status = LedgerImport.Status.IMPORTED
    LedgerImport.objects.filter(pk=job_id).update(
        status=status, progress=100, report=report, finished_at=timezone.now()
    )
    cache.delete(_progress_key(job_id))
    return True
