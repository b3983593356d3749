"""What happens after and around a case: the durable follow-up schedule and its effects
(notifications, outbound messages, rating links), and the monthly screening reports."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from committees.models import Committee
from committees.scope import scoped
from mediation.fields import EncryptedTextField
from mediation.models.cases import Case, Party
from mediation.models.routing import Referral, Transfer


class FollowUpQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Follow-ups of the committees in the user's scope."""
        return scoped(self, user, "committee_id")


class FollowUp(models.Model):
    """One entry of the durable schedule (docs/design.md principle 2): a deadline, a check-in or
    a reminder, with `due_at`. The services create and cancel rows as cases change; the
    engine (mediation.followups) claims due rows, fires each once (`fired_at`), and marks
    automatic ones done. Rows that ask a person to act (performance_check,
    bad_rating_review) stay scheduled after firing until that person completes them.
    """

    class Kind(models.TextChoices):
        DEADLINE_WARNING = "deadline_warning", "期限预警"
        OVERDUE = "overdue", "超期督办"
        PERFORMANCE_CHECK = "performance_check", "履行回访"
        SATISFACTION = "satisfaction", "好差评"
        JUDICIAL_WINDOW = "judicial_window", "司法确认提醒"
        JUDICIAL_PENDING = "judicial_pending", "司法确认审查跟进"
        TRANSFER_RESPONSE = "transfer_response", "移送答复期限"
        REFERRAL_FEEDBACK = "referral_feedback", "对接反馈期限"
        SCREENING_REPORT = "screening_report", "矛盾纠纷排查报告"
        BAD_RATING_REVIEW = "bad_rating_review", "差评复核"
        ACCEPTANCE_DUE = "acceptance_due", "受理期限提醒"
        ACCEPTANCE_OVERDUE = "acceptance_overdue", "受理超期"
        LEADER_MISSING = "leader_missing", "重大疑难案件未确定包案领导"

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "待办"
        DONE = "done", "已完成"
        CANCELLED = "cancelled", "已取消"
        MISSED = "missed", "已错过"

    kind = models.CharField("类别", max_length=24, choices=Kind.choices)
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.CASCADE, related_name="follow_ups"
    )
    committee = models.ForeignKey(
        Committee, verbose_name="调委会", on_delete=models.PROTECT, related_name="follow_ups"
    )
    transfer = models.ForeignKey(
        Transfer, null=True, blank=True, on_delete=models.CASCADE, related_name="follow_ups"
    )
    referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.CASCADE, related_name="follow_ups"
    )
    period = models.CharField("报告期", max_length=7, blank=True)
    step = models.PositiveSmallIntegerField("次序", default=0)
    due_at = models.DateTimeField("到期时间")
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.SCHEDULED
    )
    claimed_at = models.DateTimeField("领取时间", null=True, blank=True)
    fired_at = models.DateTimeField("触发时间", null=True, blank=True)
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    result = models.JSONField("结果", default=dict, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = "跟进事项"
        verbose_name_plural = "跟进事项"
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=Q(status="scheduled", fired_at__isnull=True),
                name="followup_due_unfired",
            ),
            models.Index(fields=["case", "kind"], name="followup_case_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_at:%Y-%m-%d}"

    @property
    def needs_a_person(self) -> bool:
        return self.kind in (self.Kind.PERFORMANCE_CHECK, self.Kind.BAD_RATING_REVIEW)


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A user's own notifications; nobody reads another's."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(recipient=user)


class Notification(models.Model):
    """An in-app message to one user. `key` makes each effect happen once: a follow-up
    fired twice (a redelivered task, two scans) writes the same key and the second insert
    is ignored."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    key = models.CharField("去重键", max_length=120, unique=True)
    kind = models.CharField("类别", max_length=32)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    follow_up = models.ForeignKey(
        FollowUp, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    created_at = models.DateTimeField("时间", default=timezone.now)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.title


class OutboundMessage(models.Model):
    """An SMS (or other external message) to send, written in the same transaction as the
    effect that causes it; `key` makes the effect happen once. Delivery is retried from
    this table, so a broker outage delays a message and never loses it."""

    key = models.CharField("去重键", max_length=120, unique=True)
    channel = models.CharField("渠道", max_length=16, default="sms")
    to = EncryptedTextField("接收号码")
    body = models.TextField("内容")
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.CASCADE, related_name="outbound_messages"
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    last_error = models.CharField("错误", max_length=200, blank=True)

    class Meta:
        verbose_name = "外发消息"
        verbose_name_plural = "外发消息"
        indexes = [
            models.Index(
                fields=["created_at"], condition=Q(sent_at__isnull=True), name="outbound_unsent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} #{self.pk}"


class RatingLink(models.Model):
    """A 好差评 link sent to one party: a random token, no login, one use, expires."""

    token = models.CharField("令牌", max_length=64, unique=True)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="rating_links")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="rating_links")
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    expires_at = models.DateTimeField("失效时间")
    used_at = models.DateTimeField("评价时间", null=True, blank=True)
    stars = models.PositiveSmallIntegerField("星级", null=True, blank=True)
    comment = models.TextField("评价内容", blank=True)

    class Meta:
        verbose_name = "好差评"
        verbose_name_plural = "好差评"
        constraints = [
            models.UniqueConstraint(fields=["case", "party"], name="rating_one_link_per_party"),
            models.CheckConstraint(
                condition=Q(stars__isnull=True) | Q(stars__gte=1, stars__lte=5),
                name="rating_stars_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.party_id}"


class ScreeningReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Screening reports of the committees in the user's scope."""
        return scoped(self, user, "committee_id")


class ScreeningReport(models.Model):
    """A committee's monthly 矛盾纠纷排查 report: one per committee per month."""

    committee = models.ForeignKey(
        Committee,
        verbose_name="调委会",
        on_delete=models.PROTECT,
        related_name="screening_reports",
    )
    period = models.CharField("报告期（年-月）", max_length=7)
    disputes_found = models.PositiveIntegerField("排查发现纠纷（件）")
    high_risk = models.PositiveIntegerField("高风险（件）", default=0)
    prevented = models.PositiveIntegerField("预防纠纷（件）", default=0)
    notes = models.TextField("说明", blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    filed_at = models.DateTimeField("填报时间", default=timezone.now)

    objects = ScreeningReportQuerySet.as_manager()

    class Meta:
        verbose_name = "矛盾纠纷排查报告"
        verbose_name_plural = "矛盾纠纷排查报告"
        ordering = ["-period", "committee_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "period"], name="screening_one_report_per_month"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.committee} {self.period}"
