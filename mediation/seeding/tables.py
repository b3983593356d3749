"""What seed_cases draws from: the proportions (dispute types, sources, amounts, success,
seasons), the committees' profiles, and the columns of the tables it writes."""

import bisect
import random
from dataclasses import dataclass, field

from django.core.management.base import CommandError
from django.db import models

from committees.models import Committee
from mediation import choices

DT = choices.DisputeType
SRC = choices.Source

# How often each dispute type comes to a general (village, community, town) committee.
DISPUTE_WEIGHTS = {
    DT.NEIGHBOURHOOD: 27,
    DT.MARRIAGE_FAMILY: 23,
    DT.HOUSING_HOMESTEAD: 7,
    DT.DAMAGES: 7,
    DT.CONTRACT: 5,
    DT.PROPERTY_MANAGEMENT: 5,
    DT.OTHER: 6,
    DT.TRAFFIC: 3,
    DT.BUSINESS: 2,
    DT.LAND_FOREST: 2,
    DT.LABOUR_WAGES: 2.5,
    DT.LABOUR_OTHER: 1.5,
    DT.LABOUR: 0.5,
    DT.CONSUMER_OTHER: 2,
    DT.ECOMMERCE: 0.6,
    DT.TOURISM: 0.2,
    DT.MEDICAL: 0.7,
    DT.LAND_ACQUISITION: 1,
    DT.ENVIRONMENT: 0.8,
}
RURAL_FACTOR = {
    DT.LAND_FOREST: 5,
    DT.HOUSING_HOMESTEAD: 2,
    DT.LAND_ACQUISITION: 2,
    DT.PROPERTY_MANAGEMENT: 0.1,
}
URBAN_FACTOR = {DT.LAND_FOREST: 0.1, DT.PROPERTY_MANAGEMENT: 1.6, DT.HOUSING_HOMESTEAD: 0.5}

SOURCE_WEIGHTS = {
    SRC.PARTY_APPLICATION: 55,
    SRC.SCREENING: 24,
    SRC.TRANSFER: 1.5,
    SRC.COURT: 6,
    SRC.POLICE: 6,
    SRC.POLICE_JUDICIAL: 1,
    SRC.PETITION: 2,
    SRC.PROCURATORATE: 0.5,
    SRC.LEGAL_AID: 0.8,
    SRC.ARBITRATION: 0.5,
    SRC.STATION_JOINT: 1.5,
    SRC.ADMINISTRATIVE: 1,
}
# Specialised committees get most cases from partners.
INDUSTRY_SOURCE_WEIGHTS = {
    SRC.PARTY_APPLICATION: 45,
    SRC.SCREENING: 5,
    SRC.COURT: 20,
    SRC.POLICE: 15,
    SRC.PETITION: 5,
    SRC.ARBITRATION: 4,
    SRC.ADMINISTRATIVE: 4,
    SRC.LEGAL_AID: 2,
}

# Cases a committee gets, relative to a community committee.
KIND_WEIGHT = {
    Committee.Kind.COMMUNITY: 1.0,
    Committee.Kind.VILLAGE: 0.8,
    Committee.Kind.TOWN: 5.0,
    Committee.Kind.SUBDISTRICT: 4.0,
    Committee.Kind.DISTRICT: 3.0,
    Committee.Kind.ENTERPRISE: 0.5,
    Committee.Kind.INDUSTRY: 4.0,
}

# Median amount involved (yuan) and the share of cases without an amount, per type.
AMOUNT_MEDIAN = {
    DT.MARRIAGE_FAMILY: 30000,
    DT.NEIGHBOURHOOD: 2000,
    DT.HOUSING_HOMESTEAD: 20000,
    DT.CONTRACT: 40000,
    DT.BUSINESS: 50000,
    DT.DAMAGES: 12000,
    DT.LAND_FOREST: 15000,
    DT.LAND_ACQUISITION: 120000,
    DT.ENVIRONMENT: 10000,
    DT.LABOUR: 15000,
    DT.LABOUR_WAGES: 20000,
    DT.LABOUR_OTHER: 10000,
    DT.CONSUMER_OTHER: 3000,
    DT.ECOMMERCE: 1500,
    DT.TOURISM: 3000,
    DT.MEDICAL: 80000,
    DT.TRAFFIC: 25000,
    DT.PROPERTY_MANAGEMENT: 4000,
    DT.OTHER: 5000,
}
NO_AMOUNT = {
    DT.MARRIAGE_FAMILY: 0.55,
    DT.NEIGHBOURHOOD: 0.65,
    DT.OTHER: 0.6,
    DT.HOUSING_HOMESTEAD: 0.4,
    DT.ENVIRONMENT: 0.5,
}
NO_AMOUNT_DEFAULT = 0.15
# Success among concluded (not withdrawn) cases, per type.
SUCCESS = {DT.MEDICAL: 0.80, DT.LAND_ACQUISITION: 0.78, DT.LABOUR_WAGES: 0.88, DT.TRAFFIC: 0.90}
SUCCESS_DEFAULT = 0.95
ORGANISATION_RESPONDENT = {
    DT.CONTRACT: ("某某商贸有限公司", 0.5),
    DT.BUSINESS: ("某某实业有限公司", 0.6),
    DT.LABOUR: ("某某劳务有限公司", 0.8),
    DT.LABOUR_WAGES: ("某某建筑劳务有限公司", 0.9),
    DT.LABOUR_OTHER: ("某某服务有限公司", 0.8),
    DT.CONSUMER_OTHER: ("某某商行", 0.8),
    DT.ECOMMERCE: ("某某网店", 0.9),
    DT.TOURISM: ("某某旅行社有限公司", 0.9),
    DT.MEDICAL: ("某某医院", 0.95),
    DT.PROPERTY_MANAGEMENT: ("某某物业服务有限公司", 0.9),
    DT.ENVIRONMENT: ("某某厂", 0.6),
    DT.LAND_ACQUISITION: ("某某街道办事处", 0.3),
}
SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘"
MONTH_FACTOR = {1: 1.2, 2: 0.75, 3: 1.0, 4: 1.0, 5: 1.05, 6: 1.0, 7: 1.05, 8: 1.0, 9: 1.0}
MONTH_FACTOR |= {10: 0.9, 11: 1.0, 12: 1.15}
WEEKDAY_FACTOR = (1.0, 1.0, 1.0, 1.0, 1.0, 0.45, 0.3)
YEARLY_GROWTH = 1.06
DAY = 86400.0
HOUR = 3600.0
# Prevention figures (rare): share of ended cases, people range, the matching risk flag.
PREVENTION = (
    ("prevented_suicide", 0.0015, (1, 1), choices.RiskFlag.SUICIDE_RISK),
    ("prevented_civil_to_criminal", 0.004, (1, 3), choices.RiskFlag.CRIMINAL_RISK),
    ("prevented_group_fight", 0.0005, (5, 30), choices.RiskFlag.GROUP_FIGHT_RISK),
    ("prevented_group_petition", 0.001, (5, 60), choices.RiskFlag.GROUP_PETITION_RISK),
)
COURT = "金凤区人民法院"


def _cumulative(weights: dict) -> tuple[list, list[float]]:
    keys = [k for k, w in weights.items() if w > 0]
    total, cumulative = 0.0, []
    for key in keys:
        total += weights[key]
        cumulative.append(total)
    return keys, [c / total for c in cumulative]


@dataclass
class Profile:
    """What one committee receives: its weight and its mix of types and sources."""

    committee: Committee
    types: tuple[list, list[float]]
    sources: tuple[list, list[float]]


def profiles(committees: list[Committee]) -> tuple[list[Profile], list[float]]:
    labels = {code: label.removesuffix("纠纷") for code, label in DT.choices}
    result, weights = [], []
    for committee in committees:
        weight = KIND_WEIGHT.get(committee.kind, 1.0)
        type_weights = dict(DISPUTE_WEIGHTS)
        source_weights = SOURCE_WEIGHTS
        if committee.kind == Committee.Kind.INDUSTRY:
            # A specialised committee takes its own kind (医疗, 道路交通事故, 劳动争议, 物业).
            own = [code for code, label in labels.items() if label in committee.name]
            own += [sub for code in own for sub in choices.SUB_TYPES.get(code, [])]
            if own:
                type_weights = {code: DISPUTE_WEIGHTS.get(code, 1) for code in own}
                source_weights = INDUSTRY_SOURCE_WEIGHTS
                if DT.TRAFFIC in own:
                    weight *= 1.8
                if DT.MEDICAL in own:
                    weight *= 0.5
        elif committee.network == Committee.Network.RURAL:
            type_weights = {k: w * RURAL_FACTOR.get(k, 1) for k, w in type_weights.items()}
        elif committee.network == Committee.Network.URBAN:
            type_weights = {k: w * URBAN_FACTOR.get(k, 1) for k, w in type_weights.items()}
        result.append(Profile(committee, _cumulative(type_weights), _cumulative(source_weights)))
        weights.append(weight)
    total, cumulative = 0.0, []
    for weight in weights:
        total += weight
        cumulative.append(total / sum(weights))
    return result, cumulative


def _pick(rng: random.Random, table: tuple[list, list[float]]):
    keys, cumulative = table
    return keys[min(bisect.bisect_left(cumulative, rng.random()), len(keys) - 1)]


@dataclass
class TableSpec:
    """The columns COPY / bulk_create writes: `varying` ones come from the generator in this
    order; every other concrete column gets its model default, once."""

    model: type[models.Model]
    varying: list[str]
    constants: dict = field(default_factory=dict)

    def __post_init__(self):
        fields = {f.attname: f for f in self.model._meta.concrete_fields}
        unknown = set(self.varying) - set(fields)
        if unknown:
            raise CommandError(f"{self.model.__name__} has no field(s) {sorted(unknown)}")
        for attname, model_field in fields.items():
            if attname in self.varying or model_field.primary_key:
                continue  # generated, or the auto id
            self.constants[attname] = model_field.get_default()
        self.json = {
            name
            for name in [*self.varying, *self.constants]
            if isinstance(fields[name], models.JSONField)
        }

    @property
    def columns(self) -> list[str]:
        fields = {f.attname: f for f in self.model._meta.concrete_fields}
        return [fields[name].column for name in [*self.varying, *self.constants]]


CASE_COLUMNS = [
    "id",
    "number",
    "number_year",
    "number_sequence",
    "committee_id",
    "title",
    "facts",
    "claims",
    "dispute_type",
    "source",
    "difficulty",
    "risk_flags",
    "amount_involved",
    "people_involved",
    "occurred_on",
    "status",
    "received_at",
    "accepted_at",
    "due_on",
    "extended_days",
    "extension_reason",
    "concluded_at",
    "archived_at",
    "outcome",
    "closed_as",
    "guidance",
    "closing_reason",
    "decline_reason_code",
    "decline_notice",
    "party_visits",
    "prevented_suicide",
    "prevented_civil_to_criminal",
    "prevented_group_fight",
    "prevented_group_petition",
    "created_by_id",
    "updated_at",
]
PARTY_COLUMNS = ["case_id", "role", "kind", "name"]
AGREEMENT_COLUMNS = [
    "case_id",
    "number",
    "form",
    "terms",
    "amount",
    "performance_deadline",
    "effective_on",
    "intends_judicial_confirmation",
    "performance",
    "judicial_applied_on",
    "judicial_court",
    "judicial_result",
    "judicial_ruling_number",
]
PREVENTION_INDEX = {name: CASE_COLUMNS.index(name) for name, *_ in PREVENTION}
