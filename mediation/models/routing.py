"""Cases crossing a boundary: transfers between committees and referrals to or from partner
institutions."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from committees.models import Committee, Institution, Mechanism
from committees.scope import scoped


class TransferQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Transfers whose sending or receiving committee is in the user's scope."""
        return scoped(self, user, "from_committee_id", "to_committee_id")

    def incoming_to(self, user):
        """Transfers to a committee in the user's scope (all for the district office)."""
        return scoped(self, user, "to_committee_id")

    def outgoing_from(self, user):
        """Transfers from a committee in the user's scope (all for the district office)."""
        return scoped(self, user, "from_committee_id")


class Transfer(models.Model):
    """A case moving between committees (reassign to any active committee, escalate to an
    ancestor). At most one pending transfer per case; while pending the case is frozen."""

    class Kind(models.TextChoices):
        REASSIGN = "reassign", "移送"
        ESCALATE = "escalate", "上报"

    class Status(models.TextChoices):
        PENDING = "pending", "待接收"
        ACCEPTED = "accepted", "已接收"
        REJECTED = "rejected", "已拒收"
        CANCELLED = "cancelled", "已撤回"
        EXPIRED = "expired", "已超期退回"

    # "mediation.Case" by name: cases.py imports this module (Case.objects.visible_to reads
    # Referral), so importing Case here would be a cycle.
    case = models.ForeignKey("mediation.Case", on_delete=models.CASCADE, related_name="transfers")
    kind = models.CharField("类别", max_length=16, choices=Kind.choices)
    from_committee = models.ForeignKey(
        Committee, verbose_name="移出调委会", on_delete=models.PROTECT, related_name="+"
    )
    to_committee = models.ForeignKey(
        Committee, verbose_name="接收调委会", on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField("移送理由")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField("移送时间", default=timezone.now)
    respond_by = models.DateTimeField("答复期限")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    decision_reason = models.TextField("处理意见", blank=True)

    objects = TransferQuerySet.as_manager()

    class Meta:
        verbose_name = "案件移送"
        verbose_name_plural = "案件移送"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status="pending"),
                name="transfer_one_pending_per_case",
            ),
            models.CheckConstraint(
                condition=~Q(from_committee=models.F("to_committee")),
                name="transfer_not_to_itself",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_committee} → {self.to_committee}（{self.get_status_display()}）"


class ReferralQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Committees see the referrals of the cases they hold now (a transferred case's
        referral moves with it); a liaison sees its institution's."""
        return scoped(self, user, "case__committee_id", institution_field="institution_id")


class Referral(models.Model):
    """A case crossing to or from a partner institution through a docking mechanism.

    Inbound (委派/委托): the partner's liaison sends a dispute in; the outcome goes back
    automatically when the case ends. Outbound (移交): the committee hands the case to the
    partner, which records its result; `returned` sends the case back to mediation.
    """

    class Direction(models.TextChoices):
        INBOUND = "inbound", "委派/委托（转入）"
        OUTBOUND = "outbound", "移交（转出）"

    class Status(models.TextChoices):
        OPEN = "open", "办理中"
        CLOSED = "closed", "已反馈"

    class Result(models.TextChoices):
        SUCCESS = "success", "调解成功"
        FAILURE = "failure", "调解不成"
        WITHDRAWN = "withdrawn", "撤回"
        DECLINED = "declined", "不予受理"
        RESOLVED = "resolved", "已处理"
        RETURNED = "returned", "退回调委会"

    direction = models.CharField("方向", max_length=16, choices=Direction.choices)
    mechanism = models.ForeignKey(
        Mechanism, verbose_name="对接机制", on_delete=models.PROTECT, related_name="referrals"
    )
    institution = models.ForeignKey(
        Institution, verbose_name="协作单位", on_delete=models.PROTECT, related_name="referrals"
    )
    committee = models.ForeignKey(
        Committee, verbose_name="调委会", on_delete=models.PROTECT, related_name="referrals"
    )
    # "mediation.Case" by name, as in Transfer.
    case = models.ForeignKey("mediation.Case", on_delete=models.CASCADE, related_name="referrals")
    external_ref = models.CharField("对方文号", max_length=100, blank=True)
    reason = models.TextField("移交理由", blank=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    feedback_due = models.DateField("反馈期限", null=True, blank=True)
    feedback_at = models.DateTimeField("反馈时间", null=True, blank=True)
    result = models.CharField("结果", max_length=16, choices=Result.choices, blank=True)
    has_agreement = models.BooleanField("达成协议", null=True, blank=True)
    result_on = models.DateField("结果日期", null=True, blank=True)
    note = models.TextField("说明", blank=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = "对接转介"
        verbose_name_plural = "对接转介"
        ordering = ["-id"]
        indexes = [models.Index(fields=["institution", "-id"], name="referral_institution")]

    def __str__(self) -> str:
        return f"{self.mechanism} {self.get_direction_display()} {self.external_ref}"
