"""WHO: areas, committees, their mediators, partner institutions, docking mechanisms, roles.

This app knows nothing of cases. Reference rows (areas, committees, institutions,
mechanisms, dispute types) are loaded from committees/data/ by `load_reference_data`
and are addressed by their stable `code`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Area(models.Model):
    """An administrative division: district → town / sub-district → village / community."""

    class Level(models.TextChoices):
        DISTRICT = "district", "区县"
        TOWN = "town", "镇"
        SUBDISTRICT = "subdistrict", "街道"
        VILLAGE = "village", "村"
        COMMUNITY = "community", "社区"

    code = models.CharField("区划代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=100)
    level = models.CharField("层级", max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级区划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Institution(models.Model):
    """A partner body the committees work with (court, police, petition bureau, …).

    Judicial offices (司法所) and the justice bureau are institutions too: they supervise
    committees (Committee.judicial_office) and can be partners of a docking mechanism.
    """

    class Kind(models.TextChoices):
        COURT = "court", "人民法院"
        TRIBUNAL = "tribunal", "人民法庭"
        PROCURATORATE = "procuratorate", "人民检察院"
        POLICE_BUREAU = "police_bureau", "公安分局"
        POLICE_STATION = "police_station", "派出所"
        PETITION_BUREAU = "petition_bureau", "信访局"
        LEGAL_AID = "legal_aid", "法律援助中心"
        ARBITRATION = "arbitration", "劳动人事争议仲裁院"
        ADMIN_DEPARTMENT = "admin_department", "行政机关"
        JUDICIAL_OFFICE = "judicial_office", "司法所"
        JUSTICE_BUREAU = "justice_bureau", "司法局"
        LAW_FIRM = "law_firm", "律师事务所"

    code = models.CharField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类别", max_length=32, choices=Kind.choices)
    area = models.ForeignKey(
        Area,
        verbose_name="所在区划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="institutions",
    )

    class Meta:
        verbose_name = "协作单位"
        verbose_name_plural = "协作单位"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Committee(models.Model):
    """A people's mediation committee (人民调解委员会).

    `parent` is the committee a case escalates to (a village committee's town committee);
    `judicial_office` is the judicial office (or the justice bureau) that supervises it.
    """

    class Kind(models.TextChoices):
        VILLAGE = "village", "村调委会"
        COMMUNITY = "community", "社区调委会"
        TOWN = "town", "乡镇调委会"
        SUBDISTRICT = "subdistrict", "街道调委会"
        DISTRICT = "district", "区级调委会"
        ENTERPRISE = "enterprise", "企事业单位调委会"
        INDUSTRY = "industry", "行业性专业性调委会"

    class Network(models.TextChoices):
        RURAL = "rural", "农村"
        URBAN = "urban", "城市"
        ENTERPRISE = "enterprise", "企业"
        INDUSTRY = "industry", "行业专业"

    code = models.CharField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=100)
    short_name = models.CharField("简称", max_length=32)
    kind = models.CharField("类别", max_length=16, choices=Kind.choices)
    network = models.CharField("网络", max_length=16, choices=Network.choices)
    area = models.ForeignKey(
        Area, verbose_name="所在区划", on_delete=models.PROTECT, related_name="committees"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="上级调委会",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    judicial_office = models.ForeignKey(
        Institution,
        verbose_name="指导司法所",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervised_committees",
    )
    is_active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "人民调解委员会"
        verbose_name_plural = "人民调解委员会"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def ancestors(self) -> list["Committee"]:
        """The chain of parent committees, nearest first (a short walk: the tree is shallow)."""
        chain, node, seen = [], self.parent, {self.pk}
        while node is not None and node.pk not in seen:
            chain.append(node)
            seen.add(node.pk)
            node = node.parent
        return chain


class Mediator(models.Model):
    """A person on a committee's roster, optionally with a login.

    A mediator with a login is a member of the committee: the role decides what they may
    decide (directors and deputy directors accept, decline, assign and answer transfers).
    """

    class Role(models.TextChoices):
        DIRECTOR = "director", "主任"
        DEPUTY_DIRECTOR = "deputy_director", "副主任"
        MEMBER = "member", "委员"
        MEDIATOR = "mediator", "调解员"

    DIRECTOR_ROLES = (Role.DIRECTOR, Role.DEPUTY_DIRECTOR)

    class Gender(models.TextChoices):
        FEMALE = "female", "女"
        MALE = "male", "男"

    committee = models.ForeignKey(
        Committee, verbose_name="调委会", on_delete=models.PROTECT, related_name="mediators"
    )
    name = models.CharField("姓名", max_length=50)
    role = models.CharField("职务", max_length=16, choices=Role.choices, default=Role.MEDIATOR)
    is_full_time = models.BooleanField("专职", default=False)
    is_active = models.BooleanField("在岗", default=True)
    # The roster (人民调解法 arts 8–9, 14; committees.roster): blank until the judicial
    # office or the district office fills it in.
    gender = models.CharField("性别", max_length=8, choices=Gender.choices, blank=True)
    ethnicity = models.CharField("民族", max_length=16, blank=True)
    term_start = models.DateField("任期开始", null=True, blank=True)
    term_end = models.DateField("任期届满", null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登录账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mediator_memberships",
    )

    class Meta:
        verbose_name = "人民调解员"
        verbose_name_plural = "人民调解员"
        ordering = ["committee__code", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "user"],
                condition=Q(user__isnull=False),
                name="mediator_one_membership_per_user_and_committee",
            ),
            models.CheckConstraint(
                condition=Q(term_start__isnull=True)
                | Q(term_end__isnull=True)
                | Q(term_end__gt=models.F("term_start")),
                name="mediator_term_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_role_display()}）"

    @property
    def is_director(self) -> bool:
        return self.role in self.DIRECTOR_ROLES


class Role(models.Model):
    """A login's role outside a committee roster.

    Committee membership comes from `Mediator.user`; this table holds the other roles:
    the judicial office (its `institution` is the 司法所 or the justice bureau, which
    supervises committees), the district office (sees everything), and the liaison of a
    partner institution (sees its own referrals). The scope rule lives in committees.scope.
    """

    class Kind(models.TextChoices):
        JUDICIAL_OFFICE = "judicial_office", "司法所"
        DISTRICT_OFFICE = "district_office", "区司法局"
        LIAISON = "liaison", "协作单位联络员"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="账号",
        on_delete=models.CASCADE,
        related_name="tiaojie_roles",
    )
    kind = models.CharField("角色", max_length=24, choices=Kind.choices)
    institution = models.ForeignKey(
        Institution,
        verbose_name="单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="roles",
    )

    class Meta:
        verbose_name = "角色"
        verbose_name_plural = "角色"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="district_office") | Q(institution__isnull=False),
                name="role_institution_required_except_district_office",
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "institution"],
                condition=Q(institution__isnull=False),
                name="role_unique_per_user_and_institution",
            ),
            models.UniqueConstraint(
                fields=["user", "kind"],
                condition=Q(institution__isnull=True),
                name="role_unique_per_user_without_institution",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()}"


class Mechanism(models.Model):
    """A docking mechanism (诉调对接, 警调对接, …): which partner kinds may use it and how
    many days the committee has to report the outcome back."""

    code = models.CharField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=100)
    partner_kinds = models.JSONField("适用单位类别", default=list)
    feedback_days = models.PositiveIntegerField("反馈期限（日）")
    description = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "对接机制"
        verbose_name_plural = "对接机制"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    def accepts(self, institution: Institution) -> bool:
        return institution.kind in self.partner_kinds


class DisputeType(models.Model):
    """The Ministry's dispute types, in the order of the monthly table; a sub-row
    (`labour_wages`) counts under its parent (`labour`) in totals."""

    code = models.CharField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=50)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级类型",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    ministry_row = models.PositiveSmallIntegerField("报表行次")

    class Meta:
        verbose_name = "纠纷类型"
        verbose_name_plural = "纠纷类型"
        ordering = ["ministry_row", "id"]

    def __str__(self) -> str:
        return self.name


class Training(models.Model):
    """A training a mediator took (人民调解法 art 14: the judicial administration trains
    mediators): when, how many hours, the topic and the certificate if one was given.
    Written by committees.roster.training_record only."""

    mediator = models.ForeignKey(
        Mediator, verbose_name="人民调解员", on_delete=models.CASCADE, related_name="trainings"
    )
    on = models.DateField("培训日期")
    hours = models.DecimalField("学时", max_digits=5, decimal_places=1)
    topic = models.CharField("培训内容", max_length=200)
    certificate = models.CharField("证书编号", max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "培训记录"
        verbose_name_plural = "培训记录"
        ordering = ["-on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0), name="training_hours_positive")
        ]

    def __str__(self) -> str:
        return f"{self.mediator_id} {self.on} {self.topic}"
