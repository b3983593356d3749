"""WHAT: cases and their life. Rows here are written only by mediation/services.py.

Every model states what it guarantees; the database holds the rules that can live there
(unique numbers, non-negative amounts, one agreement per case, one pending transfer).
"""

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from committees.models import Committee, Institution, Mechanism, Mediator
from committees.scope import scope_for, scoped
from mediation import choices, crypto
from mediation.fields import EncryptedTextField


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The one scoped queryset every case list, detail and filter goes through.

        Committee members, judicial offices and the district office see the cases of the
        committees in their scope (committees.scope); a liaison sees the cases its
        institution's referrals created. Everything else reads as absent (404).
        """
        scope = scope_for(user)
        if scope.sees_everything:
            return self
        condition = Q(committee_id__in=scope.committee_ids)
        if scope.liaison_of:
            condition |= Exists(
                Referral.objects.filter(
                    case=OuterRef("pk"),
                    institution_id__in=scope.liaison_of,
                    direction=Referral.Direction.INBOUND,
                )
            )
        return self.filter(condition)

    def overdue(self, today=None):
        """Open cases past their due date (a case still registered has no due date yet)."""
        today = today or timezone.localdate()
        return self.filter(status=choices.Status.MEDIATING, due_on__lt=today)


class Case(models.Model):
    """A dispute held by one committee at a time.

    `number` is the current file number (（2026）<简称>人调字第00017号), unique per committee
    and year without gaps; numbers held at earlier committees stay in `previous_numbers`.
    `status` changes only through mediation.workflow.move(), called by the services.
    """

    number = models.CharField("案号", max_length=64)
    number_year = models.PositiveSmallIntegerField("案号年度")
    number_sequence = models.PositiveIntegerField("案号序号")
    previous_numbers = models.JSONField("曾用案号", default=list, blank=True)
    committee = models.ForeignKey(
        Committee, verbose_name="受理调委会", on_delete=models.PROTECT, related_name="cases"
    )
    title = models.CharField("纠纷名称", max_length=200)
    facts = models.TextField("纠纷事实", blank=True)
    claims = models.TextField("当事人请求", blank=True)
    dispute_type = models.CharField("纠纷类型", max_length=32, choices=choices.DisputeType.choices)
    source = models.CharField("案件来源", max_length=32, choices=choices.Source.choices)
    difficulty = models.CharField(
        "难易程度",
        max_length=16,
        choices=choices.Difficulty.choices,
        default=choices.Difficulty.ORDINARY,
    )
    risk_flags = models.JSONField("风险标记", default=list, blank=True)
    amount_involved = models.DecimalField(
        "涉及金额（元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    people_involved = models.PositiveIntegerField("涉及人数", default=0)
    occurred_on = models.DateField("纠纷发生日期", null=True, blank=True)
    responsible_leader_name = models.CharField("包案领导", max_length=50, blank=True)
    responsible_leader_post = models.CharField("包案领导职务", max_length=100, blank=True)
    responsible_leader_phone = EncryptedTextField("包案领导电话", blank=True)
    repeat_dispute = models.JSONField(
        "重复纠纷提示",
        default=dict,
        blank=True,
        help_text="Set at registration: other open or recent cases of the same parties "
        "(by ID number) anywhere in the district: their count and the names of the "
        "committees holding an open one, nothing else.",
    )

    status = models.CharField(
        "状态", max_length=16, choices=choices.Status.choices, default=choices.Status.REGISTERED
    )
    transfer_pending = models.BooleanField("移送待处理", default=False)
    received_at = models.DateTimeField("登记时间", default=timezone.now)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    due_on = models.DateField("调解期限", null=True, blank=True)
    extended_days = models.PositiveSmallIntegerField("延长天数", default=0)
    extension_reason = models.TextField("延长理由", blank=True)
    concluded_at = models.DateTimeField("结案时间", null=True, blank=True)
    archived_at = models.DateTimeField("归档时间", null=True, blank=True)

    outcome = models.CharField(
        "调解结果", max_length=16, choices=choices.Outcome.choices, blank=True
    )
    # How the case ended (kept after archiving, for statistics): succeeded, failed,
    # withdrawn or declined, with `concluded_at` the moment it ended.
    closed_as = models.CharField("结案方式", max_length=16, blank=True)
    guidance = models.CharField(
        "告知途径", max_length=32, choices=choices.Guidance.choices, blank=True
    )
    closing_reason = models.TextField("结案/撤回/不予受理理由", blank=True)
    decline_reason_code = models.CharField(
        "不予受理原因", max_length=32, choices=choices.DeclineReason.choices, blank=True
    )
    decline_notice = models.TextField("告知书", blank=True)
    party_visits = models.PositiveIntegerField("当事人到场次数", default=0)
    prevented_suicide = models.PositiveIntegerField("防止自杀（人）", default=0)
    prevented_civil_to_criminal = models.PositiveIntegerField("防止民转刑（人）", default=0)
    prevented_group_fight = models.PositiveIntegerField("制止群体性械斗（人）", default=0)
    prevented_group_petition = models.PositiveIntegerField("制止群体性上访（人）", default=0)

    mediators = models.ManyToManyField(
        Mediator, verbose_name="承办调解员", blank=True, related_name="cases"
    )
    recused_mediators = models.ManyToManyField(
        Mediator, verbose_name="回避调解员", blank=True, related_name="recused_cases"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = "调解案件"
        verbose_name_plural = "调解案件"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "number_year", "number_sequence"],
                name="case_number_unique_per_committee_year",
            ),
            models.CheckConstraint(
                condition=Q(amount_involved__isnull=True) | Q(amount_involved__gte=0),
                name="case_amount_involved_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["committee", "-id"], name="case_committee_recent"),
            models.Index(fields=["committee", "received_at"], name="case_committee_received"),
            models.Index(fields=["concluded_at"], name="case_concluded_at"),
            # A committee-month's rollup recompute reads each date column for one committee.
            models.Index(fields=["committee", "accepted_at"], name="case_committee_accepted"),
            models.Index(fields=["committee", "concluded_at"], name="case_committee_concluded"),
            # Overdue counts: open cases by due date, answered from the index alone.
            models.Index(
                fields=["due_on", "received_at", "committee"],
                condition=Q(status="mediating"),
                name="case_open_due",
            ),
            models.Index(fields=["status", "due_on"], name="case_status_due"),
            models.Index(fields=["received_at"], name="case_received_at"),
            models.Index(fields=["number"], name="case_number"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        from mediation.workflow import OPEN

        return self.status in OPEN

    @property
    def is_overdue(self) -> bool:
        return (
            self.status == choices.Status.MEDIATING
            and self.due_on is not None
            and self.due_on < timezone.localdate()
        )

    @property
    def prevented(self) -> dict[str, int]:
        return {
            "suicide": self.prevented_suicide,
            "civil_to_criminal": self.prevented_civil_to_criminal,
            "group_fight": self.prevented_group_fight,
            "group_petition": self.prevented_group_petition,
        }


class CaseNumberCounter(models.Model):
    """The last number given per (committee, year). Bumped inside the transaction that
    creates the case, so a rollback gives the number back: numbers have no gaps."""

    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "案号计数器"
        verbose_name_plural = "案号计数器"
        constraints = [
            models.UniqueConstraint(fields=["committee", "year"], name="case_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.committee_id}/{self.year}: {self.last}"


class Party(models.Model):
    """A party to a case. `id_number` and `phone` are personal data: shown whole only to
    members of the holding committee (api masks them for everyone else)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField("身份", max_length=16, choices=choices.PartyRole.choices)
    kind = models.CharField(
        "类别", max_length=16, choices=choices.PartyKind.choices, default=choices.PartyKind.PERSON
    )
    name = models.CharField("姓名/名称", max_length=100)
    id_type = models.CharField(
        "证件类型", max_length=16, choices=choices.IdType.choices, blank=True
    )
    # Encrypted at rest (mediation.crypto); the digests are the blind index for exact
    # look-ups (the repeat-dispute check) without decrypting.
    id_number = EncryptedTextField("证件号码", blank=True)
    phone = EncryptedTextField("联系电话", blank=True)
    id_number_digest = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_digest = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    address = models.CharField("住址", max_length=200, blank=True)

    class Meta:
        verbose_name = "当事人"
        verbose_name_plural = "当事人"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.name}"

    def save(self, *args, **kwargs):
        self.refresh_digests()
        super().save(*args, **kwargs)

    def refresh_digests(self) -> None:
        self.id_number_digest = crypto.blind_index(self.id_number or "")
        self.phone_digest = crypto.blind_index(self.phone or "")


class MediationSession(models.Model):
    """One hearing. A session with the parties present counts a visit (最多跑一次)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="sessions")
    held_at = models.DateTimeField("调解时间")
    place = models.CharField("地点", max_length=200, blank=True)
    participants = models.TextField("参加人员", blank=True)
    summary = models.TextField("调解情况")
    party_present = models.BooleanField("当事人到场", default=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField("记录时间", default=timezone.now)

    class Meta:
        verbose_name = "调解记录"
        verbose_name_plural = "调解记录"
        ordering = ["held_at", "id"]

    def __str__(self) -> str:
        return f"{self.held_at:%Y-%m-%d %H:%M} {self.place}"


class Agreement(models.Model):
    """The agreement of a succeeded case (one per case), numbered like the case.

    A written agreement takes effect when signed and sealed, an oral one when reached;
    judicial confirmation may be applied for within 30 days of `effective_on`, and only
    for a written agreement.
    """

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="agreement")
    number = models.CharField("协议编号", max_length=64)
    form = models.CharField("协议形式", max_length=16, choices=choices.AgreementForm.choices)
    terms = models.TextField("协议内容")
    amount = models.DecimalField(
        "协议金额（元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    performance_deadline = models.DateField("履行期限", null=True, blank=True)
    effective_on = models.DateField("生效日期")
    intends_judicial_confirmation = models.BooleanField("拟申请司法确认", default=False)
    performance = models.CharField(
        "履行情况", max_length=16, choices=choices.Performance.choices, blank=True
    )
    judicial_applied_on = models.DateField("司法确认申请日期", null=True, blank=True)
    judicial_court = models.CharField("受理法院", max_length=100, blank=True)
    judicial_result = models.CharField(
        "司法确认结果", max_length=16, choices=choices.JudicialResult.choices, blank=True
    )
    judicial_ruling_number = models.CharField("裁定书文号", max_length=100, blank=True)

    class Meta:
        verbose_name = "调解协议"
        verbose_name_plural = "调解协议"
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="agreement_amount_not_negative",
            ),
        ]
        indexes = [
            models.Index(
                fields=["judicial_applied_on"],
                condition=Q(judicial_applied_on__isnull=False),
                name="agreement_judicial_applied",
            )
        ]

    def __str__(self) -> str:
        return self.number


class CaseEvent(models.Model):
    """Append-only history: who did what to a case, when, from which state to which.

    `committee` is the holding committee at the time; `other_committee` the other side of a
    transfer (receiver on request, sender on acceptance), so transfers in and out can be
    counted per committee without guessing. Written only by mediation.events.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField("时间", default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField("操作人", max_length=150, blank=True)
    kind = models.CharField("事件", max_length=32)
    from_status = models.CharField("原状态", max_length=16, blank=True)
    to_status = models.CharField("新状态", max_length=16, blank=True)
    committee = models.ForeignKey(
        Committee, verbose_name="调委会", on_delete=models.PROTECT, related_name="+"
    )
    other_committee = models.ForeignKey(
        Committee,
        verbose_name="对方调委会",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    data = models.JSONField("详情", default=dict, blank=True)

    class Meta:
        verbose_name = "案件日志"
        verbose_name_plural = "案件日志"
        ordering = ["id"]
        indexes = [models.Index(fields=["kind", "at"], name="caseevent_kind_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind}"


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

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transfers")
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
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="referrals")
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
        TRANSFER_RESPONSE = "transfer_response", "移送答复期限"
        REFERRAL_FEEDBACK = "referral_feedback", "对接反馈期限"
        SCREENING_REPORT = "screening_report", "矛盾纠纷排查报告"
        BAD_RATING_REVIEW = "bad_rating_review", "差评复核"

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


class StatMeasures(models.Model):
    """The additive counters of a rollup cell (mediation.statistics.ADDITIVE).

    Each counter counts what happened in the cell's month by its own date: `received` and
    the amounts and people by date received, `accepted` by date accepted, the conclusions
    and agreement figures by date concluded, judicial confirmations by date applied."""

    received = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    accepted_party_application = models.PositiveIntegerField(default=0)
    accepted_screening = models.PositiveIntegerField(default=0)
    succeeded = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    withdrawn = models.PositiveIntegerField(default=0)
    declined = models.PositiveIntegerField(default=0)
    written_agreements = models.PositiveIntegerField(default=0)
    oral_agreements = models.PositiveIntegerField(default=0)
    one_visit = models.PositiveIntegerField(default=0)
    judicial_confirmations = models.PositiveIntegerField(default=0)
    amount_involved = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    people_involved = models.PositiveBigIntegerField(default=0)
    concluded_people = models.PositiveBigIntegerField(default=0)
    agreement_amount = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    prevented_suicide_cases = models.PositiveIntegerField(default=0)
    prevented_suicide = models.PositiveIntegerField(default=0)
    prevented_civil_to_criminal_cases = models.PositiveIntegerField(default=0)
    prevented_civil_to_criminal = models.PositiveIntegerField(default=0)
    prevented_group_fight_cases = models.PositiveIntegerField(default=0)
    prevented_group_fight = models.PositiveIntegerField(default=0)
    prevented_group_petition_cases = models.PositiveIntegerField(default=0)
    prevented_group_petition = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class MonthlyStat(StatMeasures):
    """The statistics rollup: one row per committee × month × dispute type × source.

    Rows are recomputed from the raw tables for every committee-month marked dirty
    (StatDirty) by the services; mediation.statistics is the reference and the reader."""

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="+")
    month = models.DateField("月份")
    dispute_type = models.CharField(max_length=32)
    source = models.CharField(max_length=32)

    class Meta:
        verbose_name = "统计汇总"
        verbose_name_plural = "统计汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "month", "dispute_type", "source"],
                name="monthlystat_cell_unique",
            )
        ]
        indexes = [models.Index(fields=["month", "committee"], name="monthlystat_month")]

    def __str__(self) -> str:
        return f"{self.committee_id} {self.month:%Y-%m} {self.dispute_type}/{self.source}"


class DistrictMonthlyStat(StatMeasures):
    """MonthlyStat summed over every committee: month × dispute type × source.

    What the district office's unfiltered questions read (hundreds of rows a year instead
    of tens of thousands). Recomputed from MonthlyStat for each month marked in
    DistrictStatDirty, which the committee-month refresh marks in its own transaction."""

    month = models.DateField("月份")
    dispute_type = models.CharField(max_length=32)
    source = models.CharField(max_length=32)

    class Meta:
        verbose_name = "全区统计汇总"
        verbose_name_plural = "全区统计汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["month", "dispute_type", "source"], name="districtstat_cell_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.dispute_type}/{self.source}"


class DurationStat(models.Model):
    """How long concluded cases took: per committee × month concluded × whole days from
    the date received to the date concluded (Asia/Shanghai), the number of cases that
    succeeded, failed or were withdrawn. The median days to conclude is read from it."""

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="+")
    month = models.DateField("月份")
    # Signed: a case concluded "before" it was received (bad imported data) must not stop
    # the refresh; it counts as it is, on both paths.
    days = models.IntegerField("用时（天）")
    cases = models.PositiveIntegerField("件数")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "month", "days"], name="durationstat_cell_unique"
            )
        ]
        indexes = [models.Index(fields=["month", "committee"], name="durationstat_month")]

    def __str__(self) -> str:
        return f"{self.committee_id} {self.month:%Y-%m} {self.days} 天: {self.cases}"


class DistrictDurationStat(models.Model):
    """DurationStat summed over every committee: month concluded × days."""

    month = models.DateField("月份")
    # Signed: a case concluded "before" it was received (bad imported data) must not stop
    # the refresh; it counts as it is, on both paths.
    days = models.IntegerField("用时（天）")
    cases = models.PositiveIntegerField("件数")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["month", "days"], name="districtduration_cell_unique")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.days} 天: {self.cases}"


class DistrictStatDirty(models.Model):
    """A month whose district rows must be recomputed from the committee rows."""

    month = models.DateField(unique=True)
    marked_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class StatDirty(models.Model):
    """A committee-month whose rollup rows must be recomputed (marked in the same
    transaction as the change; cleared by the refresher)."""

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["committee", "month"], name="statdirty_unique")
        ]

    def __str__(self) -> str:
        return f"{self.committee_id} {self.month:%Y-%m}"


class PersonalDataAccessQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The access log is the district office's alone (no committee reads its own)."""
        return self if scope_for(user).is_district_office else self.none()


class PersonalDataAccess(models.Model):
    """One read of a case's personal data: who, when, which case, through which request.
    `reveal`: its parties (ID numbers, phones) shown unmasked, written by the API whenever
    it reveals. `repeat_dispute`: the case matched the ID-number look-up made while
    registering `for_case`, and `shown` is what that registration was told. The district
    office lists them. Append-only."""

    class Kind(models.TextChoices):
        REVEAL = "reveal", "查看个人信息"
        REPEAT_DISPUTE = "repeat_dispute", "重复纠纷查询"

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
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.QUEUED
    )
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
