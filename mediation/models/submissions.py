"""A month's Ministry table as the district office submitted it (issue 15 item 16)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from committees.models import Area


class StatisticsSubmission(models.Model):
    """The Ministry-format monthly table of one month and one area (the whole district when
    `area` is empty), frozen when the district office submitted it: the figures (`table`,
    JSON) and the files it exported then (`csv`, `xlsx`), byte for byte. Written once by
    mediation.statistics.submissions.submission_create and never changed: an export of the
    month is these bytes, and later changes to the month show as corrections against
    `table`."""

    period = models.CharField("报告期（年-月）", max_length=7)
    area = models.ForeignKey(
        Area,
        verbose_name="区划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit = models.CharField("填报单位", max_length=100)
    filer = models.CharField("填表人", max_length=150)
    table = models.JSONField("报送数据")
    csv = models.BinaryField("报送文件（CSV）")
    xlsx = models.BinaryField("报送文件（XLSX）")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="报送人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField("报送时间", default=timezone.now)

    class Meta:
        verbose_name = "统计报表报送"
        verbose_name_plural = "统计报表报送"
        ordering = ["-period", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "area"],
                condition=Q(area__isnull=False),
                name="submission_one_per_area_and_month",
            ),
            models.UniqueConstraint(
                fields=["period"],
                condition=Q(area__isnull=True),
                name="submission_one_district_table_per_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.unit}"
