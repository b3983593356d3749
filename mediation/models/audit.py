"""The personal-data access log."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from committees.scope import scope_for
from mediation.models.cases import Case


class PersonalDataAccessQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The access log is the district office's alone (no committee reads its own)."""
        return self if scope_for(user).is_district_office else self.none()


class PersonalDataAccess(models.Model):
    """One read of a case's personal data: who, when, which case, through which request.
    `reveal`: its parties (ID numbers, phones) shown unmasked, written by the API whenever
    it reveals. `repeat_dispute`: the case matched the ID-number look-up made while
    registering `for_case`, and `shown` is what that registration was told. `download`: an
    attachment holding personal data (an identity document, a signed agreement) was
    downloaded; `shown` names it. The district office lists them. Append-only."""

    class Kind(models.TextChoices):
        REVEAL = "reveal", "查看个人信息"
        REPEAT_DISPUTE = "repeat_dispute", "重复纠纷查询"
        DOWNLOAD = "download", "下载含个人信息的附件"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField("账号", max_length=150)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="personal_data_reads")
    at = models.DateTimeField("时间", default=timezone.now)
    via = models.CharField("请求", max_length=200)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices, default=Kind.REVEAL)
    for_case = models.ForeignKey(
        Case,
        verbose_name="查询时登记的案件",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    shown = models.JSONField("显示内容", default=dict, blank=True)

    objects = PersonalDataAccessQuerySet.as_manager()

    class Meta:
        verbose_name = "个人信息查看记录"
        verbose_name_plural = "个人信息查看记录"
        ordering = ["-id"]
        indexes = [models.Index(fields=["case", "at"], name="pdaccess_case_at")]

    def __str__(self) -> str:
        return f"{self.username} {self.case_id} {self.at:%Y-%m-%d %H:%M}"
