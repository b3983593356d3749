"""Codes of the API contract (docs/api.md "Codes"), with Chinese labels. Codes are stable."""

from django.db import models


class DisputeType(models.TextChoices):
    """The Ministry's statistics types (committees/data/dispute_types.csv)."""

    MARRIAGE_FAMILY = "marriage_family", "婚姻家庭纠纷"
    NEIGHBOURHOOD = "neighbourhood", "邻里纠纷"
    HOUSING_HOMESTEAD = "housing_homestead", "房屋宅基地纠纷"
    CONTRACT = "contract", "合同纠纷"
    BUSINESS = "business", "生产经营纠纷"
    DAMAGES = "damages", "损害赔偿纠纷"
    LAND_FOREST = "land_forest", "山林土地纠纷"
    LAND_ACQUISITION = "land_acquisition", "征地拆迁纠纷"
    ENVIRONMENT = "environment", "环境污染纠纷"
    LABOUR = "labour", "劳动争议纠纷"
    LABOUR_WAGES = "labour_wages", "拖欠农民工工资纠纷"
    LABOUR_OTHER = "labour_other", "其他劳动争议纠纷"
    CONSUMER = "consumer", "消费纠纷"
    TOURISM = "tourism", "旅游纠纷"
    ECOMMERCE = "ecommerce", "电子商务纠纷"
    CONSUMER_OTHER = "consumer_other", "其他消费纠纷"
    MEDICAL = "medical", "医疗纠纷"
    TRAFFIC = "traffic", "道路交通事故纠纷"
    PROPERTY_MANAGEMENT = "property_management", "物业纠纷"
    OTHER = "other", "其他纠纷"


# Sub-rows of the Ministry table count under their parent in totals.
PARENT_TYPE = {
    DisputeType.LABOUR_WAGES: DisputeType.LABOUR,
    DisputeType.LABOUR_OTHER: DisputeType.LABOUR,
    DisputeType.TOURISM: DisputeType.CONSUMER,
    DisputeType.ECOMMERCE: DisputeType.CONSUMER,
    DisputeType.CONSUMER_OTHER: DisputeType.CONSUMER,
}
SUB_TYPES: dict[str, list[str]] = {}
for _child, _parent in PARENT_TYPE.items():
    SUB_TYPES.setdefault(_parent, []).append(_child)


class Source(models.TextChoices):
    """How a case came in; one code per docking mechanism for inbound referrals."""

    PARTY_APPLICATION = "party_application", "当事人申请"
    SCREENING = "screening", "排查发现/主动调解"
    TRANSFER = "transfer", "其他调委会移送"
    COURT = "court", "诉调对接"
    PROCURATORATE = "procuratorate", "检调对接"
    POLICE = "police", "警调/公调对接"
    POLICE_JUDICIAL = "police_judicial", "警司对接"
    PETITION = "petition", "访调对接"
    LEGAL_AID = "legal_aid", "援调对接"
    ARBITRATION = "arbitration", "裁调对接"
    STATION_JOINT = "station_joint", "所所联调"
    ADMINISTRATIVE = "administrative", "行政调解对接"


# Sources a committee may pick when it registers a case itself; the rest are set by the
# routing services (transfer acceptance, inbound referral).
SELF_REGISTERED_SOURCES = (Source.PARTY_APPLICATION, Source.SCREENING)
SELF_REGISTERED_SOURCE_CHOICES = [(s.value, s.label) for s in SELF_REGISTERED_SOURCES]


class Status(models.TextChoices):
    REGISTERED = "registered", "已登记"
    MEDIATING = "mediating", "调解中"
    SUCCEEDED = "succeeded", "调解成功"
    FAILED = "failed", "调解不成"
    WITHDRAWN = "withdrawn", "撤回"
    DECLINED = "declined", "不予受理"
    REFERRED = "referred", "已移交"
    ARCHIVED = "archived", "已归档"


class Difficulty(models.TextChoices):
    SIMPLE = "simple", "简单"
    ORDINARY = "ordinary", "一般"
    MAJOR = "major", "重大疑难"


class RiskFlag(models.TextChoices):
    ESCALATION_RISK = "escalation_risk", "矛盾激化风险"
    GROUP_PETITION_RISK = "group_petition_risk", "群体性上访风险"
    GROUP_FIGHT_RISK = "group_fight_risk", "群体性械斗风险"
    CRIMINAL_RISK = "criminal_risk", "民转刑风险"
    SUICIDE_RISK = "suicide_risk", "自杀风险"
    ABNORMAL_DEATH = "abnormal_death", "非正常死亡"
    VULNERABLE_PARTY = "vulnerable_party", "涉及弱势群体"


# Flags that make a dispute 重大疑难 whatever its size.
MAJOR_RISK_FLAGS = {
    RiskFlag.GROUP_PETITION_RISK,
    RiskFlag.GROUP_FIGHT_RISK,
    RiskFlag.CRIMINAL_RISK,
    RiskFlag.ABNORMAL_DEATH,
}


class Outcome(models.TextChoices):
    SUCCESS = "success", "调解成功"
    FAILURE = "failure", "调解不成"


class AgreementForm(models.TextChoices):
    WRITTEN = "written", "书面协议"
    ORAL = "oral", "口头协议"


class Guidance(models.TextChoices):
    """Where the parties are told to go when mediation fails (告知其他救济途径)."""

    LITIGATION = "litigation", "引导诉讼"
    ARBITRATION = "arbitration", "引导仲裁"
    ADMINISTRATIVE = "administrative", "引导行政处理"
    OTHER_COMMITTEE = "other_committee", "引导其他调解组织"
    NONE = "none", "无"


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", "申请人"
    RESPONDENT = "respondent", "被申请人"
    THIRD_PARTY = "third_party", "第三人"


class PartyKind(models.TextChoices):
    PERSON = "person", "自然人"
    ORGANISATION = "organisation", "法人或其他组织"


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", "居民身份证"
    PASSPORT = "passport", "护照"
    CREDIT_CODE = "credit_code", "统一社会信用代码"
    OTHER = "other", "其他证件"


class JudicialResult(models.TextChoices):
    PENDING = "pending", "审查中"
    CONFIRMED = "confirmed", "已确认"
    REJECTED = "rejected", "不予确认"


class Performance(models.TextChoices):
    FULL = "full", "全部履行"
    PARTIAL = "partial", "部分履行"
    NONE = "none", "未履行"


class DeclineReason(models.TextChoices):
    ALREADY_ACCEPTED_ELSEWHERE = "already_accepted_elsewhere", "法院、公安或其他机关已受理或处理"
    NOT_MEDIABLE = "not_mediable", "不属于人民调解范围"
    PARTY_REFUSES = "party_refuses", "一方当事人明确拒绝调解"
    OTHER = "other", "其他"


OTHER_ROUTES_NOTICE = (
    "本委员会不予受理。当事人可以依法通过仲裁、行政、司法等途径维护自己的权利："
    "向人民法院提起诉讼，向有关仲裁机构申请仲裁，或请求有关行政机关依法处理。"
)

# The results a partner may record on an outbound referral; the other Referral.Result values
# are set when a case concludes.
PARTNER_RESULTS = ("success", "failure", "resolved", "returned")


class NoticeMethod(models.TextChoices):
    """How the parties were told their rights and duties (规定 art 30)."""

    WRITTEN = "written", "书面告知（当事人签收告知书）"
    ORAL = "oral", "口头告知（记录在案）"
