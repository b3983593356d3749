"""The case file (卷宗): the attachments of a case and the archive-number counter."""

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.utils import timezone

from committees.models import Committee
from committees.scope import scoped
from mediation.models.cases import Case, Party


class AttachmentsStorage(Storage):
    """The private store of attachments, settings.STORAGES["attachments"] (a folder without
    a URL by default, an S3-compatible bucket in production), looked up at each use.

    A FileField resolves its storage once, when the model class is built; going through
    `storages` on every call keeps the configured store the one in use (tests point it at a
    folder of their own after Django has started)."""

    def _store(self) -> Storage:
        return storages["attachments"]

    def open(self, name, mode="rb"):
        return self._store().open(name, mode)

    def save(self, name, content, max_length=None):
        return self._store().save(name, content, max_length=max_length)

    def delete(self, name):
        return self._store().delete(name)

    def exists(self, name):
        return self._store().exists(name)

    def size(self, name):
        return self._store().size(name)

    def listdir(self, path):
        return self._store().listdir(path)

    def url(self, name):
        return self._store().url(name)

    def path(self, name):
        return self._store().path(name)

    def generate_filename(self, filename):
        return self._store().generate_filename(filename)

    def get_available_name(self, name, max_length=None):
        return self._store().get_available_name(name, max_length=max_length)


def attachments_storage() -> Storage:
    return AttachmentsStorage()


class AttachmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Attachments of the cases of the committees in the user's scope (as the case's
        history: a liaison, who sees only a summary of the case, sees none)."""
        return scoped(self, user, "case__committee_id")


class Attachment(models.Model):
    """A file kept with a case: the signed agreement's scan, evidence, a party's identity
    document, a photo, a recording.

    Guarantees: the content was recognised by its bytes (PDF, JPEG, PNG, DOCX, common
    audio), `sha256` and `size` are those of the original upload; the personal-data kinds
    (`PERSONAL_KINDS`) are stored encrypted with the field keys (mediation.crypto), so the
    store never holds the original bytes of an ID card or a signed agreement. Written and
    removed only by mediation.services.attachments; nothing is removed once the case is
    archived.
    """

    class Kind(models.TextChoices):
        SIGNED_AGREEMENT = "signed_agreement", "签字调解协议书"
        EVIDENCE = "evidence", "证据材料"
        ID_COPY = "id_copy", "身份证明复印件"
        PHOTO = "photo", "照片"
        RECORDING = "recording", "录音"
        OTHER = "other", "其他"

    PERSONAL_KINDS = frozenset({Kind.SIGNED_AGREEMENT, Kind.ID_COPY})

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField("类别", max_length=24, choices=Kind.choices)
    party = models.ForeignKey(
        Party,
        verbose_name="当事人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attachments",
        help_text="Whose identity document this is (id_copy).",
    )
    name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=100)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    encrypted = models.BooleanField("加密存储", default=False)
    file = models.FileField("文件", storage=attachments_storage, max_length=255)
    note = models.CharField("说明", max_length=500, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_by_name = models.CharField("上传人", max_length=150, blank=True)
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"
        ordering = ["id"]
        indexes = [models.Index(fields=["case", "kind"], name="attachment_case_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"

    @property
    def is_personal(self) -> bool:
        return self.kind in self.PERSONAL_KINDS


class FileNumberCounter(models.Model):
    """The last 卷号 given per (committee, year). Bumped inside the archiving transaction,
    so a rollback gives the number back: archive numbers have no gaps."""

    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "卷号计数器"
        verbose_name_plural = "卷号计数器"
        constraints = [
            models.UniqueConstraint(fields=["committee", "year"], name="file_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.committee_id}/{self.year}: {self.last}"
