"""Old-ledger imports (mediation.ledger): the uploaded jobs and the rows that became cases."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from committees.models import Committee
from committees.scope import scoped
from mediation.models.cases import Case


class LedgerImportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Jobs of the committees the user may import into (`Scope.importable`)."""
        return scoped(self, user, "committee_id", committees=lambda scope: scope.importable)


class LedgerImport(models.Model):
    """One upload of an old 人民调解案件登记台账 (mediation.ledger). The file itself is kept
    (at most LEDGER_MAX_BYTES) so the task can run on any worker and the error workbook
    can be built afterwards; `report` holds the row-level answer."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "处理中"
        CHECKED = "checked", "检查完成（未写入）"
        IMPORTED = "imported", "已导入"
        REJECTED = "rejected", "有错误，未写入"

    committee = models.ForeignKey(
        Committee, verbose_name="调委会", on_delete=models.PROTECT, related_name="+"
    )
    file_name = models.CharField("文件名", max_length=200)
    file_sha256 = models.CharField("文件SHA-256", max_length=64)
    content = models.BinaryField("文件内容")
    dry_run = models.BooleanField("仅检查", default=True)
    skip_invalid = models.BooleanField("跳过错误行", default=False)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    report = models.JSONField("报告", default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("上传时间", default=timezone.now)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    objects = LedgerImportQuerySet.as_manager()

    class Meta:
        verbose_name = "台账导入"
        verbose_name_plural = "台账导入"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"


class ImportedRow(models.Model):
    """A ledger row that became a case: (file SHA-256, row number) once, so importing the
    same file again creates nothing."""

    file_sha256 = models.CharField(max_length=64)
    row = models.PositiveIntegerField()
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="imported_from")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["file_sha256", "row"], name="imported_row_once")
        ]

    def __str__(self) -> str:
        return f"{self.file_sha256[:12]}#{self.row}"
