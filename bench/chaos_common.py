"""What the chaos scenarios share: test data, the run's context, cases and follow-ups,
the follow-up kicker and effect checks, the intake load, and the whole-database
invariants (bench/chaos.py).

Django's modules are imported inside the functions: the run configures Django only after
creating its database (chaos.setup)."""

import random
import re
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from bench.chaos_base import (
    API,
    HOST,
    REDIS_DB,
    REDIS_PORT,
    SATISFACTION_EVERY,
    TIMING,
    Processes,
    Profile,
    Record,
    check,
    login,
    request,
)

# --- test data -----------------------------------------------------------------------------

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"


def resident_id(rng: random.Random) -> str:
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 50))
    body = f"640106{born:%Y%m%d}{rng.randrange(1000):03d}"
    total = sum(int(digit) * weight for digit, weight in zip(body, ID_WEIGHTS, strict=True))
    return body + ID_CHECK_CHARS[total % 11]


def mobile(rng: random.Random) -> str:
    return f"13{rng.randrange(10)}{rng.randrange(10**8):08d}"


def party_dicts(rng: random.Random, *, phones: bool = True) -> list[dict]:
    return [
        {
            "role": "applicant",
            "kind": "person",
            "name": "张某",
            "id_number": resident_id(rng),
            "phone": mobile(rng) if phones else "",
        },
        {
            "role": "respondent",
            "kind": "person",
            "name": "李某",
            "id_number": resident_id(rng),
            "phone": mobile(rng) if phones else "",
        },
        {"role": "third_party", "kind": "person", "name": "王某", "phone": mobile(rng)},
    ]


def intake_body(committee_id: int, key: str, rng: random.Random) -> dict:
    return {
        "committee": committee_id,
        "dispute_type": "neighbourhood",
        "source": "party_application",
        "title": f"chaos {key}",
        "facts": "楼上漏水，损坏楼下吊顶。",
        "claims": "赔偿维修费用。",
        "amount_involved": "8000.00",
        "parties": party_dicts(rng),
    }


# --- the run's context ---------------------------------------------------------------------


@dataclass
class Context:
    profile: Profile
    procs: Processes
    run_dir: Path
    send_log: Path
    committees: list = field(default_factory=list)  # Committee rows with demo accounts
    used_committees: int = 0

    def take_committees(self, count: int) -> list:
        """Committees not used by an earlier scenario (keeps each scenario's data apart)."""
        chosen = self.committees[self.used_committees : self.used_committees + count]
        if len(chosen) < count:
            raise RuntimeError("not enough committees")
        self.used_committees += count
        return chosen


def db_reconnect() -> None:
    from django.db import connections

    connections.close_all()


def members(committee):
    """(director user, mediator user, mediator membership) of a committee's demo logins."""
    from django.contrib.auth import get_user_model

    from committees.models import Mediator

    users = get_user_model().objects
    director = users.get(username=f"director.{committee.code}")
    mediator = users.get(username=f"mediator.{committee.code}")
    membership = Mediator.objects.get(committee=committee, user=mediator)
    return director, mediator, membership


def register_cases(committees, count: int, rng: random.Random, *, accept: bool, conclude=False):
    """Real cases through the services (register, accept, conclude), round robin."""
    from mediation import services

    staff = {c.id: members(c) for c in committees}
    cases = []
    for index in range(count):
        committee = committees[index % len(committees)]
        director, mediator, membership = staff[committee.id]
        case = services.case_register(
            actor=mediator,
            committee=committee,
            source="party_application",
            parties=party_dicts(rng),
            dispute_type="neighbourhood",
            title=f"chaos seed {index}",
        )
        if accept:
            case = services.case_accept(actor=director, case=case, mediator_ids=[membership.id])
        if conclude:
            case = services.case_conclude(
                actor=mediator,
                case=case,
                outcome="failure",
                guidance="litigation",
                reason="双方分歧较大，调解不成。",
            )
        cases.append(case)
    return cases


def expected_recipients(case) -> int:
    from mediation import notify

    users = [*notify.mediators_of(case), *notify.directors_of(case.committee_id)]
    return len({user.pk for user in users})


def seed_followups(dw_cases, sat_cases, count: int, first_due, window: float) -> list[int]:
    """`count` follow-ups due evenly over `window` seconds from `first_due`: every
    SATISFACTION_EVERY-th a satisfaction survey on a concluded case, the rest deadline
    warnings on mediating cases. Steps from 1 up keep them apart from the cases' own rows."""
    from mediation.models import FollowUp

    rows = []
    for index in range(count):
        due = first_due + timedelta(seconds=window * index / max(count - 1, 1))
        if index % SATISFACTION_EVERY == 0:
            case, kind = sat_cases[index % len(sat_cases)], FollowUp.Kind.SATISFACTION
        else:
            case, kind = dw_cases[index % len(dw_cases)], FollowUp.Kind.DEADLINE_WARNING
        rows.append(
            FollowUp(
                kind=kind, case=case, committee_id=case.committee_id, due_at=due, step=index + 1
            )
        )
    created = FollowUp.objects.bulk_create(rows, batch_size=2000)
    return [row.id for row in created]


class Kicker:
    """Sends scan_followups every TIMING.scan_every seconds when the queue is short (what beat
    does every minute). Errors (the broker is down) are counted, never raised."""

    def __init__(self):
        import redis

        from config.celery import app

        self.app = app
        self.redis = redis.Redis(host=HOST, port=REDIS_PORT, db=REDIS_DB, socket_timeout=1)
        self.stop_event = threading.Event()
        self.sent = 0
        self.failed = 0
        self.thread = threading.Thread(target=self.run, name="kicker", daemon=True)

    def run(self) -> None:
        while not self.stop_event.wait(TIMING.scan_every):
            try:
                if self.redis.llen("celery") < 2:
                    self.app.send_task("mediation.tasks.scan_followups")
                    self.sent += 1
            except Exception:  # the broker is down: beat would fail the same way
                self.failed += 1

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        self.thread.join(timeout=10)


def sent_counts(send_log: Path) -> Counter:
    if not send_log.exists():
        return Counter()
    return Counter(int(line) for line in send_log.read_text().split())


def check_followup_effects(scenario: str, ids: list[int], send_log: Path) -> None:
    """Each follow-up fired once: done, notices = expected recipients, each SMS row sent
    exactly once."""
    from django.db.models import Count

    from mediation.models import FollowUp, Notification, OutboundMessage

    rows = list(FollowUp.objects.filter(id__in=ids).select_related("case"))
    statuses = Counter(row.status for row in rows)
    missed = sum(1 for row in rows if row.fired_at is None or row.status != "done")
    check(
        scenario,
        "missed follow-ups (not fired or not done)",
        missed == 0,
        f"{missed} of {len(rows)} (statuses {dict(statuses)})",
        "0",
    )
    notices = dict(
        Notification.objects.filter(follow_up_id__in=ids)
        .values_list("follow_up_id")
        .annotate(n=Count("id"))
        .values_list("follow_up_id", "n")
    )
    expected_by_case: dict[int, int] = {}
    doubled = lacking = expected_total = 0
    for row in rows:
        if row.kind != FollowUp.Kind.DEADLINE_WARNING:
            continue
        if row.case_id not in expected_by_case:
            expected_by_case[row.case_id] = expected_recipients(row.case)
        expected = expected_by_case[row.case_id]
        expected_total += expected
        got = notices.get(row.id, 0)
        doubled += got > expected
        lacking += got < expected
    check(
        scenario,
        "in-app notices per follow-up = recipients",
        doubled == 0 and lacking == 0,
        f"{sum(notices.values())} notices, expected {expected_total}; "
        f"{doubled} follow-ups with too many, {lacking} with too few",
        "exactly once each",
    )
    sat_ids = [row.id for row in rows if row.kind == FollowUp.Kind.SATISFACTION]
    if sat_ids:
        prefixes = {f"fu{i}" for i in sat_ids}
        messages = OutboundMessage.objects.filter(key__regex=r"^fu[0-9]+:party[0-9]+$")
        mine = [
            m
            for m in messages.values_list("id", "key", "sent_at")
            if m[1].split(":")[0] in prefixes
        ]
        per_followup = Counter(m[1].split(":")[0] for m in mine)
        parties_with_phone = 3
        wrong_count = sum(1 for i in sat_ids if per_followup.get(f"fu{i}", 0) != parties_with_phone)
        unsent = sum(1 for m in mine if m[2] is None)
        sends = sent_counts(send_log)
        sent_twice = sum(1 for m in mine if sends.get(m[0], 0) > 1)
        never_sent = sum(1 for m in mine if sends.get(m[0], 0) == 0)
        check(
            scenario,
            "SMS rows per survey follow-up = parties with a phone",
            wrong_count == 0,
            f"{len(mine)} messages for {len(sat_ids)} surveys; {wrong_count} surveys off",
            f"{parties_with_phone} each",
        )
        check(
            scenario,
            "SMS sent exactly once (gateway log)",
            sent_twice == 0 and never_sent == 0 and unsent == 0,
            f"{sent_twice} sent twice, {never_sent} never sent, {unsent} not marked sent",
            "0 / 0 / 0",
        )


def wait_drained(ids: list[int], deadline: float) -> float | None:
    """Wait until every row of `ids` fired and no message is unsent; when, or None."""
    while time.monotonic() < deadline:
        if unfired(ids) == 0 and unsent_messages() == 0:
            return time.monotonic()
        time.sleep(1)
    return None


def lateness_stats(ids: list[int]) -> list[float]:
    """fired_at - due_at per row; a row still unfired counts as late until now."""
    from django.utils import timezone

    from mediation.models import FollowUp

    now = timezone.now()
    return [
        ((fired or now) - due).total_seconds()
        for fired, due in FollowUp.objects.filter(id__in=ids).values_list("fired_at", "due_at")
    ]


def unfired(ids: list[int]) -> int:
    from mediation.models import FollowUp

    return FollowUp.objects.filter(id__in=ids, fired_at__isnull=True).count()


def claimed_unfired(ids: list[int]) -> int:
    from mediation.models import FollowUp

    return FollowUp.objects.filter(
        id__in=ids, claimed_at__isnull=False, fired_at__isnull=True
    ).count()


def unsent_messages() -> int:
    from mediation.models import OutboundMessage

    return OutboundMessage.objects.filter(sent_at__isnull=True).count()


# --- intake load (redis-stop, postgres-restart) -------------------------------------------


class IntakeLoad:
    """Threads that register cases over HTTP. A request that does not get 201 is retried
    with the same Idempotency-Key (as a client should), so each key is one case at most."""

    def __init__(self, port: int, identities: list[tuple[str, int]]):
        self.port = port
        self.identities = identities  # (token, committee id) per thread
        self.stop_event = threading.Event()
        self.records: list[Record] = []
        self.created: dict[str, int] = {}  # key -> case id from the 201
        self.unanswered: list[str] = []  # keys still without a 201 at the end
        self.threads = [
            threading.Thread(target=self.run, args=(i,), daemon=True)
            for i in range(len(identities))
        ]

    def run(self, index: int) -> None:
        token, committee_id = self.identities[index]
        rng = random.Random(1000 + index)
        key = body = None
        while not self.stop_event.is_set():
            if key is None:
                key = uuid.uuid4().hex
                body = intake_body(committee_id, key, rng)
            status, data, headers, t0, t1, error = request(
                self.port,
                "POST",
                f"{API}/cases/",
                token=token,
                body=body,
                headers={"Idempotency-Key": key},
            )
            replayed = headers.get("Idempotent-Replayed") == "true"
            self.records.append(Record(t0, t1, status, "intake", replayed, error))
            if status == 201:
                self.created[key] = data["id"]
                key = None
            else:
                time.sleep(0.2)
        if key is not None:
            self.unanswered.append(key)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def between(self, start: float, end: float) -> list[Record]:
        return [r for r in self.records if r.ended >= start and r.started <= end]


def intake_identities(port: int, committees) -> list[tuple[str, int]]:
    tokens = {c.id: login(port, f"mediator.{c.code}") for c in committees}
    return [(tokens[c.id], c.id) for c in committees]


def status_summary(records: list[Record]) -> str:
    counts = Counter(r.status if r.status != -1 else f"no-response:{r.error}" for r in records)
    return ", ".join(f"{k}: {v}" for k, v in sorted(counts.items(), key=str)) or "none"


def check_intake_keys(scenario: str, load: IntakeLoad) -> None:
    """No key made two cases; every 201 names a case that exists with that key."""
    from django.db.models import Count

    from mediation.models import Case

    titles = dict(
        Case.objects.filter(title__startswith="chaos ")
        .exclude(title__startswith="chaos seed")
        .values_list("title")
        .annotate(n=Count("id"))
        .values_list("title", "n")
    )
    duplicates = sum(1 for n in titles.values() if n > 1)
    existing = set(Case.objects.filter(id__in=load.created.values()).values_list("id", flat=True))
    lost = sum(1 for case_id in load.created.values() if case_id not in existing)
    committed_unanswered = sum(1 for key in load.unanswered if titles.get(f"chaos {key}"))
    replays = sum(1 for r in load.records if r.replayed)
    check(
        scenario,
        "intake: one case per Idempotency-Key, every 201 kept",
        duplicates == 0 and lost == 0,
        f"{len(load.created)} created, {duplicates} keys with 2+ cases, {lost} 201s without "
        f"a case, {replays} replays, {committed_unanswered} committed but unanswered at stop",
        "0 duplicates, 0 lost",
    )


# --- whole-database invariants --------------------------------------------------------------

NUMBER_PATTERN = re.compile(r"^（(\d{4})）.+第(\d+)号$")


def check_cases_whole(scenario: str = "all") -> None:
    """No half-written case; numbers per committee-year gapless from 1, each issued once,
    and the counter at the highest number."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM mediation_case c WHERE "
            "(SELECT count(*) FROM mediation_party p WHERE p.case_id = c.id) < 2"
        )
        few_parties = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM mediation_case c WHERE NOT EXISTS (SELECT 1 FROM "
            "mediation_caseevent e WHERE e.case_id = c.id AND e.kind = 'registered')"
        )
        unregistered = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM mediation_case")
        total = cursor.fetchone()[0]
        cursor.execute(
            "SELECT committee_id, data->>'number' FROM mediation_caseevent "
            "WHERE kind IN ('registered', 'transfer_accepted')"
        )
        issued = cursor.fetchall()
        cursor.execute("SELECT committee_id, year, last FROM mediation_casenumbercounter")
        counters = {(c, y): last for c, y, last in cursor.fetchall()}
        cursor.execute("SELECT committee_id, number_year, number_sequence FROM mediation_case")
        current = cursor.fetchall()
    check(
        scenario,
        "no half-written case (>= 2 parties and a 'registered' event)",
        few_parties == 0 and unregistered == 0,
        f"{total} cases: {few_parties} with < 2 parties, {unregistered} without the event",
        "0 / 0",
    )
    sequences = defaultdict(list)
    unparsed = 0
    for committee_id, number in issued:
        match = NUMBER_PATTERN.match(number or "")
        if not match:
            unparsed += 1
            continue
        sequences[(committee_id, int(match.group(1)))].append(int(match.group(2)))
    problems = []
    for key, values in sequences.items():
        if sorted(values) != list(range(1, len(values) + 1)):
            problems.append(f"{key}: {len(values)} numbers, max {max(values)}, duplicates or gaps")
        if counters.get(key) != max(values):
            problems.append(f"{key}: counter {counters.get(key)}, highest issued {max(values)}")
    missing_current = sum(1 for c, y, s in current if s not in set(sequences.get((c, y), [])))
    check(
        scenario,
        "case numbers gapless per committee-year, each issued once",
        not problems and unparsed == 0 and missing_current == 0,
        f"{len(sequences)} committee-years, {sum(map(len, sequences.values()))} numbers; "
        f"{len(problems)} problems, {missing_current} current numbers not in the history"
        + (f"; first: {problems[:3]}" if problems else ""),
        "0",
    )
