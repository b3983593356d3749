"""seed_cases: fill the database with N synthetic cases, for benchmarks and demos (issue 6).

    python manage.py seed_cases --count 1000000 [--years 5] [--seed 42] [--batch 50000]

The cases fall on the real committees (the reference data is loaded first if the committee
table is empty), received over the last `--years` years up to now, in plausible
proportions: neighbourhood and marriage/family disputes most common, specialised
committees (医调委, 交调委, 劳调委, 物调委) taking their own kind, ~90 % success among
concluded cases, some still open, some declined or withdrawn, written vs oral agreements
~70/30, amounts log-normal (many missing), 2–12 people (mostly 2). Every case gets two
parties (张某 / 李某 or 某某有限公司: no ID numbers, no phones) and every succeeded case its
agreement. No events, sessions, follow-ups or referrals are written.

The state of each case is what the services would have left (mediation/services.py):
status, closed_as, outcome, received/accepted/concluded/archived times in order, due_on =
date accepted + MEDIATION_DAYS (+ the extension), party visits, the prevention figures, a
difficulty that follows the services' rule, created_by NULL.

Numbers: the generator walks time forward, so within each committee-year the sequences
follow the order of `received_at`, continuing after the committee's CaseNumberCounter; the
counters are then set to the last number given, so later registrations continue without
gaps. The whole load is one transaction (nothing is left half-seeded) holding the counter
table locked, so registrations made meanwhile wait for it.

Speed: PostgreSQL loads with COPY (psycopg 3), other databases with bulk_create, one batch
at a time, a progress line on stderr. Indexes and constraints stay in place. Afterwards
the tables are ANALYZEd and the statistics rollup rebuilt: on PostgreSQL by the set-based
mediation.rollup_sql.rollup_rebuild_sql, elsewhere by mediation.statistics.rollup_rebuild
(`--rollup` picks; `none` marks the touched committee-months dirty instead).
"""

import bisect
import json
import math
import queue
import random
import threading
import time as clock
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.utils import timezone

from committees.models import Committee
from mediation import choices
from mediation.models import Agreement, Case, CaseNumberCounter, Party, StatDirty
from mediation.services import case_number_format

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


class Generator:
    """Cases in order of `received_at`, as tuples in the order of the *_COLUMNS above."""

    def __init__(self, *, committees, count, years, seed, now, first_id, counters):
        self.rng = random.Random(seed)
        self.profiles, self.committee_cumulative = profiles(committees)
        self.count = count
        self.now = now
        self.now_ts = now.timestamp()
        self.next_id = first_id
        self.counters = counters  # (committee_id, year) -> last sequence given
        self.mediation_days = settings.TIAOJIE["MEDIATION_DAYS"]
        self.extension_max = settings.TIAOJIE["EXTENSION_MAX_DAYS"]
        self.judicial_days = settings.TIAOJIE["JUDICIAL_CONFIRMATION_DAYS"]
        self.today = timezone.localdate(now)
        self.start = self.today - timedelta(days=round(365.25 * years)) + timedelta(days=1)
        self.labels = dict(DT.choices)
        self._local_offset()

    # --- time ------------------------------------------------------------------------

    def _local_offset(self) -> None:
        """Local dates by arithmetic when the zone has one offset over the span (Asia/
        Shanghai has had no daylight saving since 1991); by the zone otherwise."""
        zone = timezone.get_current_timezone()
        probes = [
            self.start + timedelta(days=d)
            for d in range(0, (self.today - self.start).days + 60, 30)
        ]
        offsets = {zone.utcoffset(datetime.combine(d, time(12))) for d in probes}
        self.offset = offsets.pop().total_seconds() if len(offsets) == 1 else None

    def local_date(self, ts: float) -> date:
        if self.offset is not None:
            return date.fromordinal(int((ts + self.offset) // DAY) + 719163)
        return timezone.localdate(datetime.fromtimestamp(ts, UTC))

    def day_counts(self) -> list[tuple[date, int, float, float]]:
        """(day, cases that day, first and last moment of the working day as timestamps),
        spreading `count` over the days by weight (growth, season, weekday)."""
        days, weights = [], []
        day = self.start
        while day <= self.today:
            opens = timezone.make_aware(datetime.combine(day, time(8))).timestamp()
            closes = opens + 10 * HOUR
            weight = (
                YEARLY_GROWTH ** ((day - self.start).days / 365.25)
                * MONTH_FACTOR[day.month]
                * WEEKDAY_FACTOR[day.weekday()]
            )
            if closes > self.now_ts:
                fraction = max(0.0, (self.now_ts - opens) / (closes - opens))
                weight *= fraction
                closes = min(closes, self.now_ts)
            days.append((day, opens, closes))
            weights.append(weight)
            day += timedelta(days=1)
        total = sum(weights)
        result, running, given = [], 0.0, 0
        for (day, opens, closes), weight in zip(days, weights, strict=True):
            running += weight
            target = round(running / total * self.count)
            result.append((day, target - given, opens, closes))
            given = target
        return result

    # --- cases -----------------------------------------------------------------------

    def batches(self, size: int):
        batch = ([], [], [])
        for _day, n, opens, closes in self.day_counts():
            if not n:
                continue
            moments = sorted(self.rng.uniform(opens, closes) for _ in range(n))
            for ts in moments:
                self.case(ts, *batch)
                if len(batch[0]) >= size:
                    yield batch
                    batch = ([], [], [])
        if batch[0]:
            yield batch

    def case(self, received: float, cases: list, parties: list, agreements: list) -> None:
        rng = self.rng
        now = self.now_ts
        profile = self.profiles[
            min(bisect.bisect_left(self.committee_cumulative, rng.random()), len(self.profiles) - 1)
        ]
        committee = profile.committee
        dispute_type = _pick(rng, profile.types)
        source = _pick(rng, profile.sources)
        case_id = self.next_id
        self.next_id += 1

        received_day = self.local_date(received)
        year = received_day.year
        sequence = self.counters.get((committee.id, year), 0) + 1
        self.counters[committee.id, year] = sequence
        number = case_number_format(committee=committee, year=year, sequence=sequence)

        # Size of the dispute.
        roll = rng.random()
        if dispute_type == DT.LABOUR_WAGES and roll < 0.3:
            people = rng.randint(5, 12)
        elif roll < 0.78:
            people = 2
        elif roll < 0.87:
            people = 3
        elif roll < 0.92:
            people = 4
        elif roll < 0.97:
            people = rng.randint(5, 9)
        else:
            people = rng.randint(10, 12)
        if rng.random() < NO_AMOUNT.get(dispute_type, NO_AMOUNT_DEFAULT):
            amount = None
        else:
            value = math.exp(math.log(AMOUNT_MEDIAN[dispute_type]) + rng.gauss(0, 1.1))
            # Never more than the services accept (TIAOJIE_AMOUNT_CAP).
            value = min(value, 50_000_000, settings.TIAOJIE_AMOUNT_CAP)
            amount = Decimal(f"{value:.0f}" if value >= 1000 else f"{value:.2f}")
        occurred_on = received_day - timedelta(days=int(rng.expovariate(1 / 20)))

        # The decision: accepted (or declined) some hours or days after registration.
        roll = rng.random()
        if roll < 0.6:
            decided = received + rng.uniform(0.1, 6) * HOUR
        elif roll < 0.95:
            decided = received + rng.uniform(1, 3) * DAY
        else:
            decided = received + rng.uniform(3, 7) * DAY
        status, closed_as, outcome, guidance, closing_reason = "registered", "", "", "", ""
        decline_reason, decline_notice, extension_reason = "", "", ""
        accepted = due_on = concluded = archived = None
        extended, visits = 0, 0
        prevented = None
        flags = []
        if decided <= now and rng.random() < 0.025:
            status = closed_as = "declined"
            concluded = decided
            decline_reason = rng.choice(choices.DeclineReason.values)
            decline_notice = choices.OTHER_ROUTES_NOTICE
            closing_reason = "不属于人民调解受理范围或一方明确拒绝调解"
        elif decided <= now:
            accepted = decided
            status = "mediating"
            roll = rng.random()
            if roll < 0.30:
                duration = rng.uniform(0.2, 4) * HOUR
            elif roll < 0.85:
                duration = math.exp(math.log(5) + rng.gauss(0, 0.7)) * DAY
            elif roll < 0.99:
                duration = rng.uniform(10, 28) * DAY
            else:
                duration = rng.uniform(28, 58) * DAY
            accepted_day = self.local_date(accepted)
            if duration > (self.mediation_days - 3) * DAY and rng.random() < 0.8:
                needed = math.ceil(duration / DAY) - self.mediation_days + rng.randint(1, 7)
                extended = max(1, min(self.extension_max, needed))
                extension_reason = "案情复杂，经双方当事人同意延长调解期限"
            due_on = accepted_day + timedelta(days=self.mediation_days + extended)
            if rng.random() < 0.0015:
                duration = None  # stuck: still mediating, overdue once past due_on
            if duration is not None and accepted + duration <= now:
                concluded = accepted + duration
                roll = rng.random()
                if roll < 0.03:
                    status = closed_as = "withdrawn"
                    closing_reason = "申请人撤回调解申请"
                    visits = rng.randint(0, 2)
                elif rng.random() < SUCCESS.get(dispute_type, SUCCESS_DEFAULT):
                    status = closed_as = "succeeded"
                    outcome = choices.Outcome.SUCCESS
                    roll = rng.random()
                    visits = 1 if roll < 0.72 else 2 if roll < 0.9 else 3 if roll < 0.96 else 0
                else:
                    status = closed_as = "failed"
                    outcome = choices.Outcome.FAILURE
                    guidance = rng.choice(
                        (
                            choices.Guidance.LITIGATION,
                            choices.Guidance.LITIGATION,
                            choices.Guidance.ARBITRATION,
                            choices.Guidance.ADMINISTRATIVE,
                            choices.Guidance.OTHER_COMMITTEE,
                        )
                    )
                    closing_reason = "双方分歧较大，调解不成"
                    visits = rng.randint(1, 4)
                for name, share, (low, high), flag in PREVENTION:
                    if rng.random() < share:
                        prevented = prevented or {}
                        prevented[name] = rng.randint(low, high)
                        flags.append(flag)
                if concluded is not None:
                    archive_at = concluded + rng.uniform(15, 90) * DAY
                    if archive_at <= now and rng.random() < 0.85:
                        archived = archive_at
                        status = "archived"
            else:
                visits = rng.randint(0, 2) if now - accepted > DAY else 0
        if not flags and rng.random() < 0.02:
            flags.append(choices.RiskFlag.ESCALATION_RISK)
        if (
            people >= 10
            or (amount is not None and amount >= 100_000)
            or set(flags) & choices.MAJOR_RISK_FLAGS
        ):
            difficulty = choices.Difficulty.MAJOR
        else:
            difficulty = (
                choices.Difficulty.SIMPLE if rng.random() < 0.45 else choices.Difficulty.ORDINARY
            )

        label = self.labels[dispute_type]
        applicant = rng.choice(SURNAMES) + "某"
        organisation, share = ORGANISATION_RESPONDENT.get(dispute_type, (None, 0))
        if organisation and rng.random() < share:
            respondent, respondent_kind = organisation, choices.PartyKind.ORGANISATION
        else:
            respondent, respondent_kind = rng.choice(SURNAMES) + "某", choices.PartyKind.PERSON
        short = label.removesuffix("纠纷")
        last_change = max(t for t in (received, accepted, concluded, archived) if t is not None)
        row = [
            case_id,
            number,
            year,
            sequence,
            committee.id,
            f"{applicant}与{respondent}{label}",
            f"{applicant}与{respondent}因{short}问题发生纠纷，申请人民调解。",
            "请求依法调解，妥善解决纠纷。",
            dispute_type,
            source,
            difficulty,
            flags,
            amount,
            people,
            occurred_on,
            status,
            datetime.fromtimestamp(received, UTC),
            None if accepted is None else datetime.fromtimestamp(accepted, UTC),
            due_on,
            extended,
            extension_reason,
            None if concluded is None else datetime.fromtimestamp(concluded, UTC),
            None if archived is None else datetime.fromtimestamp(archived, UTC),
            outcome,
            closed_as,
            guidance,
            closing_reason,
            decline_reason,
            decline_notice,
            visits,
            0,
            0,
            0,
            0,
            None,
            datetime.fromtimestamp(last_change, UTC),
        ]
        if prevented:
            for name, value in prevented.items():
                row[PREVENTION_INDEX[name]] = value
        cases.append(row)
        parties.append((case_id, choices.PartyRole.APPLICANT, choices.PartyKind.PERSON, applicant))
        parties.append((case_id, choices.PartyRole.RESPONDENT, respondent_kind, respondent))
        if closed_as == "succeeded":
            agreements.append(self.agreement(case_id, number, concluded, amount))

    def agreement(self, case_id: int, number: str, concluded: float, amount) -> tuple:
        rng = self.rng
        effective_on = self.local_date(concluded)
        written = rng.random() < 0.7
        if amount is not None and rng.random() < 0.85:
            agreed = (amount * Decimal(f"{rng.uniform(0.3, 1.0):.2f}")).quantize(Decimal("0.01"))
        else:
            agreed = None
        deadline = effective_on + timedelta(days=rng.randint(0, 60)) if agreed else None
        performance = ""
        if (deadline or effective_on) < self.today - timedelta(days=15):
            roll = rng.random()
            performance = (
                choices.Performance.FULL
                if roll < 0.88
                else choices.Performance.PARTIAL
                if roll < 0.95
                else choices.Performance.NONE
                if roll < 0.98
                else ""
            )
        intends = written and rng.random() < 0.08
        applied_on, court, result, ruling = None, "", "", ""
        if intends and rng.random() < 0.75:
            applied_on = effective_on + timedelta(days=rng.randint(0, self.judicial_days))
            if applied_on > self.today:
                applied_on = None
            else:
                court = COURT
                roll = rng.random()
                if applied_on > self.today - timedelta(days=15) and roll < 0.5:
                    result = choices.JudicialResult.PENDING
                elif roll < 0.96:
                    result = choices.JudicialResult.CONFIRMED
                    ruling = f"（{applied_on.year}）宁0106民特{rng.randint(1, 9999)}号"
                else:
                    result = choices.JudicialResult.REJECTED
        terms = "双方自愿达成如下协议：" + (
            f"被申请人于履行期限内支付申请人人民币{agreed}元，" if agreed else ""
        )
        return (
            case_id,
            number,
            choices.AgreementForm.WRITTEN if written else choices.AgreementForm.ORAL,
            terms + "双方就此纠纷再无其他争议。",
            agreed,
            deadline,
            effective_on,
            intends,
            performance,
            applied_on,
            court,
            result,
            ruling,
        )


# --- writers -------------------------------------------------------------------------------


class CopyWriter:
    """PostgreSQL: COPY … FROM STDIN through the psycopg 3 connection Django holds."""

    def __init__(self, spec: TableSpec):
        self.spec = spec
        self.table = spec.model._meta.db_table
        self.sql = f"COPY {self.table} ({', '.join(spec.columns)}) FROM STDIN"
        self.json_varying = [i for i, name in enumerate(spec.varying) if name in spec.json]
        self.constants = tuple(
            json.dumps(value) if name in spec.json else value
            for name, value in spec.constants.items()
        )

    def write(self, rows) -> None:
        constants, json_varying = self.constants, self.json_varying
        with connection.cursor() as cursor, cursor.cursor.copy(self.sql) as copy:
            for row in rows:
                if json_varying:
                    row = list(row)
                    for i in json_varying:
                        row[i] = json.dumps(row[i])
                copy.write_row((*row, *constants))


class BulkWriter:
    """Other databases: bulk_create of model instances."""

    def __init__(self, spec: TableSpec):
        self.spec = spec

    def write(self, rows) -> None:
        names, constants, model = self.spec.varying, self.spec.constants, self.spec.model
        objects = [model(**constants, **dict(zip(names, row, strict=True))) for row in rows]
        model.objects.bulk_create(objects, batch_size=2000)


def ahead(batches, depth: int = 2):
    """Iterate `batches` made by a background thread, so the next batch is generated while
    the database ingests this one (the thread runs while COPY waits on the socket)."""
    pending: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    end = object()

    def produce():
        try:
            for item in batches:
                while not stop.is_set():
                    try:
                        pending.put(item, timeout=0.5)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            pending.put(end)
        except BaseException as error:  # handed to the consumer, raised there
            pending.put(error)

    thread = threading.Thread(target=produce, name="seed_cases-generator", daemon=True)
    thread.start()
    try:
        while (item := pending.get()) is not end:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)


# --- the command ---------------------------------------------------------------------------


class Command(BaseCommand):
    help = "Fill the database with N synthetic cases over the real committees (benchmarks, demos)."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True, help="number of cases to add")
        parser.add_argument("--years", type=int, default=5, help="spread over N years (5)")
        parser.add_argument("--seed", type=int, default=42, help="random seed (42)")
        parser.add_argument("--batch", type=int, default=50000, help="rows per COPY (50000)")
        parser.add_argument(
            "--rollup",
            choices=("auto", "sql", "python", "none"),
            default="auto",
            help="rebuild the statistics rollup afterwards: sql (PostgreSQL set-based), "
            "python (statistics.rollup_rebuild), none (mark the months dirty); auto = sql on "
            "PostgreSQL, python elsewhere",
        )

    def handle(self, *args, count, years, seed, batch, rollup, **options):
        if count < 1 or years < 1 or batch < 1:
            raise CommandError("--count, --years and --batch must be positive.")
        on_postgres = connection.vendor == "postgresql"
        if rollup == "auto":
            rollup = "sql" if on_postgres else "python"
        if rollup == "sql" and not on_postgres:
            raise CommandError("--rollup sql needs PostgreSQL.")
        if not Committee.objects.exists():
            from committees.reference_data import reference_data_load

            self.stdout.write(f"reference data: {reference_data_load()}")
        committees = list(Committee.objects.filter(is_active=True).order_by("id"))
        if not committees:
            raise CommandError("No active committee to put cases in.")

        started = clock.monotonic()
        now = timezone.now()
        specs = (TableSpec(Case, CASE_COLUMNS), TableSpec(Party, PARTY_COLUMNS))
        specs += (TableSpec(Agreement, AGREEMENT_COLUMNS),)
        writer = CopyWriter if on_postgres else BulkWriter
        case_writer, party_writer, agreement_writer = (writer(spec) for spec in specs)
        totals = [0, 0, 0]
        with transaction.atomic():
            first_id = self._lock_and_reserve(count, on_postgres)
            counters = {
                (c.committee_id, c.year): c.last
                for c in CaseNumberCounter.objects.select_for_update()
            }
            generator = Generator(
                committees=committees,
                count=count,
                years=years,
                seed=seed,
                now=now,
                first_id=first_id,
                counters=dict(counters),
            )
            for cases, parties, agreements in ahead(generator.batches(batch)):
                case_writer.write(cases)
                party_writer.write(parties)
                agreement_writer.write(agreements)
                for i, rows in enumerate((cases, parties, agreements)):
                    totals[i] += len(rows)
                self._progress(totals[0], count, started)
            self._progress(totals[0], count, started, finished=True)
            self._save_counters(generator.counters, counters)
            if on_postgres:
                self._set_sequence(first_id + totals[0] - 1)
            if rollup == "none":
                self._mark_all_dirty(committees, generator.start, generator.today)
        loaded = clock.monotonic() - started
        self.stdout.write(
            f"seeded {totals[0]} cases, {totals[1]} parties, {totals[2]} agreements in "
            f"{loaded:.1f} s ({totals[0] / loaded:,.0f} cases/s)"
        )
        self._analyze(on_postgres)
        self.stdout.write(f"analyzed in {clock.monotonic() - started - loaded:.1f} s")
        if rollup != "none":
            before = clock.monotonic()
            if rollup == "sql":
                from mediation.rollup_sql import rollup_rebuild_sql

                cells = rollup_rebuild_sql()
                what = f"{cells} rollup cells (set-based SQL)"
            else:
                from mediation.statistics import rollup_rebuild

                months = rollup_rebuild()
                what = f"{months} committee-months (statistics.rollup_rebuild)"
            if on_postgres:
                from mediation.models import (
                    DistrictDurationStat,
                    DistrictMonthlyStat,
                    DurationStat,
                    MonthlyStat,
                )

                with connection.cursor() as cursor:
                    for model in (
                        MonthlyStat,
                        DurationStat,
                        DistrictMonthlyStat,
                        DistrictDurationStat,
                    ):
                        cursor.execute(f"ANALYZE {model._meta.db_table}")
            self.stdout.write(f"rebuilt {what} in {clock.monotonic() - before:.1f} s")
        self.stdout.write(f"total {clock.monotonic() - started:.1f} s")

    def _lock_and_reserve(self, count: int, on_postgres: bool) -> int:
        """Hold off registrations (they take a number first) and reserve `count` ids."""
        if not on_postgres:
            # SQLite: the IMMEDIATE transaction already holds the database's write lock.
            last = Case.objects.order_by("-id").values_list("id", flat=True).first() or 0
            return last + 1
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 0")
            cursor.execute("SET LOCAL synchronous_commit = off")
            # Check the foreign keys as each COPY ends rather than all at COMMIT: the same
            # work, without queueing tens of millions of deferred trigger events in memory.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            table = CaseNumberCounter._meta.db_table
            cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [Case._meta.db_table])
            self.sequence = cursor.fetchone()[0]
            cursor.execute(
                f"SELECT GREATEST(nextval(%s), (SELECT COALESCE(MAX(id), 0) + 1 FROM "
                f"{Case._meta.db_table}))",
                [self.sequence],
            )
            return cursor.fetchone()[0]

    def _set_sequence(self, last_id: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(%s, %s)", [self.sequence, last_id])

    def _save_counters(self, counters: dict, before: dict) -> None:
        existing = {(c.committee_id, c.year): c for c in CaseNumberCounter.objects.all()}
        new = []
        for (committee_id, year), last in counters.items():
            if before.get((committee_id, year)) == last:
                continue
            row = existing.get((committee_id, year))
            if row is None:
                new.append(CaseNumberCounter(committee_id=committee_id, year=year, last=last))
            else:
                row.last = last
                row.save(update_fields=["last"])
        CaseNumberCounter.objects.bulk_create(new)

    def _mark_all_dirty(self, committees, start: date, today: date) -> None:
        """Every committee-month the seeded facts can fall in (an empty one recomputes
        to nothing), up to the month judicial confirmations can reach."""
        months, month = [], start.replace(day=1)
        while month <= today:
            months.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        StatDirty.objects.bulk_create(
            [StatDirty(committee=c, month=m) for c in committees for m in months],
            update_conflicts=True,
            unique_fields=["committee", "month"],
            update_fields=["marked_at"],
        )

    def _analyze(self, on_postgres: bool) -> None:
        tables = [m._meta.db_table for m in (Case, Party, Agreement, CaseNumberCounter)]
        with connection.cursor() as cursor:
            if on_postgres:
                cursor.execute("SET statement_timeout = 0")
                verb = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
                for table in tables:
                    cursor.execute(f"{verb} {table}")
                cursor.execute("RESET statement_timeout")
            else:
                cursor.execute("ANALYZE")

    def _progress(self, done: int, count: int, started: float, *, finished: bool = False):
        line = f"\r{done:>12,}/{count:,} cases  {clock.monotonic() - started:7.1f} s"
        self.stderr.write(line + ("\n" if finished else ""), ending="")
        self.stderr.flush()
