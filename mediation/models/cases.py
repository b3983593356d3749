"""Cases and what belongs to them: the case, its number counter, parties, sessions, the
agreement and the append-only history."""

from django.conf import settings
from django.db import models
from django.db.models import F, Lookup, Q, Subquery
from django.utils import timezone

from committees.models import Committee, Mediator
from committees.scope import scope_for
from mediation import choices, crypto
from mediation.fields import EncryptedTextField
from mediation.models.routing import Referral, Transfer
from mediation.workflow import OPEN


class InIds(Lookup):
    """`id IN (SELECT ...)` of an uncorrelated subquery, written on PostgreSQL as
    `id = ANY(ARRAY(SELECT ...))`: the array is an InitPlan computed once, so an OR of this
    with `committee_id IN (...)` is a BitmapOr of two index scans. (An EXISTS or IN
    subquery in an OR can be no index condition: PostgreSQL read the whole case table for
    every committee's list — docs/benchmarks.md, "Pages (issue 17)".)"""

    lookup_name = "in_ids"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = compiler.compile(self.rhs)
        return f"{lhs} IN {rhs}", (*lhs_params, *rhs_params)

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = compiler.compile(self.rhs)
        return f"{lhs} = ANY(ARRAY{rhs})", (*lhs_params, *rhs_params)


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The one scoped queryset every case list, detail and filter goes through.

        Committee members, judicial offices and the district office see the cases of the
        committees in their scope (committees.scope); a liaison sees the cases its
        institution's referrals created. The file travels with a transfer (issue 15 item
        14): the committees in scope also read a case a pending transfer offers them, and a
        case they handed over by an accepted transfer (`former_holder`) — both masked and
        read-only, since only members of the holding committee see personal data or act.
        Everything else reads as absent (404).
        """
        scope = scope_for(user)
        if scope.sees_everything:
            return self
        condition = Q(committee_id__in=scope.committee_ids)
        if scope.committee_ids:
            condition |= InIds(
                F("pk"),
                Subquery(
                    Transfer.objects.filter(
                        status__in=(Transfer.Status.PENDING, Transfer.Status.ACCEPTED)
                    )
                    .filter(
                        Q(status=Transfer.Status.PENDING, to_committee_id__in=scope.committee_ids)
                        | Q(
                            status=Transfer.Status.ACCEPTED,
                            from_committee_id__in=scope.committee_ids,
                        )
                    )
                    .order_by()
                    .values("case_id")
                ),
            )
        if scope.liaison_of:
            condition |= InIds(
                F("pk"),
                Subquery(
                    Referral.objects.filter(
                        institution_id__in=scope.liaison_of,
                        direction=Referral.Direction.INBOUND,
                    )
                    .order_by()
                    .values("case_id")
                ),
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
    # The acceptance clock (issue 15 item 9): a registered case is accepted or declined by
    # this day (ACCEPTANCE_WORKING_DAYS working days after it was received; local practice).
    accept_by = models.DateField("受理答复期限", null=True, blank=True)
    extended_days = models.PositiveSmallIntegerField("延长天数", default=0)
    extension_count = models.PositiveSmallIntegerField("延长次数", default=0)
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
    # 规定 art 30: the parties were told their rights and duties before mediation.
    rights_notified_at = models.DateTimeField("权利义务告知时间", null=True, blank=True)
    rights_notified_how = models.CharField(
        "告知方式", max_length=16, choices=choices.NoticeMethod.choices, blank=True
    )
    # The 卷宗 (mediation.services.casefile): its number, gapless per committee and
    # archiving year, and how long it is kept.
    file_number = models.CharField("卷号", max_length=32, blank=True)
    file_year = models.PositiveSmallIntegerField("卷号年度", null=True, blank=True)
    file_sequence = models.PositiveIntegerField("卷号序号", null=True, blank=True)
    retain_until = models.DateField("保管期限至", null=True, blank=True)

    # The agreement in force (the latest version; mediation/services/agreements.py). Older
    # versions, kept after a re-mediation, are `agreements`; `case.agreement` is the current
    # one for every reader, None while there is none.
    agreement = models.OneToOneField(
        "Agreement",
        verbose_name="现行调解协议",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    remediation_count = models.PositiveSmallIntegerField("重新调解次数", default=0)

    mediators = models.ManyToManyField(
        Mediator, verbose_name="承办调解员", blank=True, related_name="cases"
    )
    recused_mediators = models.ManyToManyField(
        Mediator, verbose_name="回避调解员", blank=True, related_name="recused_cases"
    )
    # The parties' choice (人民调解法 arts 19, 23(1)): honoured on acceptance unless recused
    # or unavailable (mediation.services.preferences); public or closed mediation (art 23(3)).
    preferred_mediators = models.ManyToManyField(
        Mediator, verbose_name="当事人选定的调解员", blank=True, related_name="preferred_cases"
    )
    public_mediation = models.BooleanField("公开调解", default=False)
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
            models.UniqueConstraint(
                fields=["committee", "file_year", "file_sequence"],
                condition=Q(file_sequence__isnull=False),
                name="case_file_number_unique_per_committee_year",
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
            # A district-wide period's days outside its whole months, by date accepted.
            models.Index(fields=["accepted_at"], name="case_accepted_at"),
            models.Index(fields=["number"], name="case_number"),
            # The mediator's list (web/views/mediator.py) in its order, due date first: an
            # index walk finds a page of a committee's cases without sorting all of them
            # (visible_to's OR rules out the committee-first indexes).
            models.Index(fields=["due_on", "-id"], name="case_due_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def is_overdue(self) -> bool:
        return (
            self.status == choices.Status.MEDIATING
            and self.due_on is not None
            and self.due_on < timezone.localdate()
        )

    @property
    def is_acceptance_overdue(self) -> bool:
        """Registered and not accepted or declined by `accept_by`."""
        return (
            self.status == choices.Status.REGISTERED
            and self.accept_by is not None
            and self.accept_by < timezone.localdate()
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
    # 人民调解法 art 17: mediation needs the parties' consent; a refusal declines the case.
    consents = models.BooleanField("同意调解", null=True, blank=True)
    consent_recorded_at = models.DateTimeField("同意/拒绝记录时间", null=True, blank=True)

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
    """One hearing. A session with the parties present counts a visit (最多跑一次).

    A session set for a later time is `planned` (the parties with a phone get an SMS with
    the time and place) until it is recorded as `held`."""

    class Status(models.TextChoices):
        PLANNED = "planned", "已安排"
        HELD = "held", "已调解"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="sessions")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.HELD)
    held_at = models.DateTimeField("调解时间")
    place = models.CharField("地点", max_length=200, blank=True)
    participants = models.TextField("参加人员", blank=True)
    summary = models.TextField("调解情况", blank=True)
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
    """One version of the agreement of a case, numbered like the case.

    A case has at most one agreement in force (`Case.agreement`); a re-mediation after the
    court refused to confirm one (or after non-performance) keeps the old version and the
    next conclusion adds version n + 1. `effective_on` is derived, never sent: a written
    agreement takes effect on the day the last of the parties, a mediator and the committee's
    seal signed it (人民调解法 art 29), an oral one on the day it is reached (art 30); it is
    null until then. Judicial confirmation may be applied for within the window after
    `effective_on` (art 33), and only for a written agreement.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="agreements")
    version = models.PositiveSmallIntegerField("版本", default=1)
    number = models.CharField("协议编号", max_length=64)
    form = models.CharField("协议形式", max_length=16, choices=choices.AgreementForm.choices)
    terms = models.TextField("协议内容")
    amount = models.DecimalField(
        "协议金额（元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    performance_deadline = models.DateField("履行期限", null=True, blank=True)
    effective_on = models.DateField("生效日期", null=True, blank=True)
    # An oral agreement with money or a later performance: the parties' recorded choice not
    # to have a document (art 28; 规定 art 34): who, when, in their words.
    document_waived_by = models.CharField("放弃书面协议的当事人", max_length=200, blank=True)
    document_waived_at = models.DateTimeField("放弃书面协议时间", null=True, blank=True)
    document_waived_statement = models.TextField("当事人意思表示", blank=True)
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
    judicial_joint = models.BooleanField("双方共同申请", default=False)
    judicial_consenting_parties = models.JSONField("同意申请的当事人", default=list, blank=True)
    judicial_court_extended = models.BooleanField("法院延长审查期限", default=False)
    judicial_decided_on = models.DateField("法院决定日期", null=True, blank=True)
    lawsuit_recorded_on = models.DateField("就协议起诉登记日期", null=True, blank=True)
    enforcement_applied_on = models.DateField("申请强制执行日期", null=True, blank=True)
    superseded_at = models.DateTimeField("被新版本取代时间", null=True, blank=True)

    class Meta:
        verbose_name = "调解协议"
        verbose_name_plural = "调解协议"
        ordering = ["case_id", "version"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="agreement_amount_not_negative",
            ),
            models.UniqueConstraint(fields=["case", "version"], name="agreement_version_unique"),
        ]
        indexes = [
            models.Index(
                fields=["judicial_applied_on"],
                condition=Q(judicial_applied_on__isnull=False),
                name="agreement_judicial_applied",
            )
        ]

    def __str__(self) -> str:
        return self.number if self.version == 1 else f"{self.number}（第{self.version}版）"


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
