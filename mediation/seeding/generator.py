"""The generator of synthetic cases: walks time forward over the committees' profiles and
makes the rows of cases, parties and agreements, one batch at a time."""

import bisect
import math
import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from mediation import choices
from mediation.seeding.tables import (
    AMOUNT_MEDIAN,
    COURT,
    DAY,
    DT,
    HOUR,
    MONTH_FACTOR,
    NO_AMOUNT,
    NO_AMOUNT_DEFAULT,
    ORGANISATION_RESPONDENT,
    PREVENTION,
    PREVENTION_INDEX,
    SUCCESS,
    SUCCESS_DEFAULT,
    SURNAMES,
    WEEKDAY_FACTOR,
    YEARLY_GROWTH,
    _pick,
    profiles,
)
from mediation.services import case_number_format


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
