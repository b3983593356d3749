"""Scenario transfer-storm: concurrent transfers on hot cases (bench/chaos.py).

Django's modules are imported inside the functions: the run configures Django only after
creating its database (chaos.setup)."""

import random
import threading
import time
from collections import Counter, defaultdict

from bench.chaos_base import (
    API,
    Record,
    check,
    free_port,
    gunicorn_args,
    login,
    percentile,
    request,
    say,
    wait_http,
)
from bench.chaos_common import (
    Context,
    register_cases,
)

# --- scenario 3: transfer storm -----------------------------------------------------------


def scenario_transfer_storm(ctx: Context) -> None:
    p = ctx.profile
    scenario = "transfer-storm"
    rng = random.Random(3)
    procs = ctx.procs
    port = free_port()
    web = procs.start("gunicorn", gunicorn_args(port))
    wait_http(port)
    committees = ctx.take_committees(p.ts_committees)
    cases = register_cases(committees, p.ts_cases, rng, accept=False)
    case_ids = [c.id for c in cases]
    tokens = {c.id: login(port, f"director.{c.code}") for c in committees}
    district = login(port, "district")
    committee_ids = [c.id for c in committees]
    records: list[Record] = []
    # A request answered 403 or 404: (case, committee that asked, wall-clock read time,
    # wall-clock answer time). Checked afterwards against the accepted transfers.
    refused: list[tuple[int, int, float, float]] = []
    stop_event = threading.Event()
    say(
        f"{scenario}: {p.ts_threads} threads on {len(case_ids)} cases across "
        f"{len(committees)} committees for {p.ts_duration:.0f} s"
    )

    def post(op: str, path: str, token: str, body: dict | None = None) -> int:
        status, _data, _h, t0, t1, error = request(port, "POST", path, token=token, body=body)
        records.append(Record(t0, t1, status, op, error=error))
        return status

    def storm(index: int) -> None:
        local = random.Random(100 + index)
        while not stop_event.is_set():
            case_id = local.choice(case_ids)
            read_at = time.time()
            status, data, _h, t0, t1, error = request(
                port, "GET", f"{API}/cases/{case_id}/", token=district
            )
            records.append(Record(t0, t1, status, "read", error=error))
            if status != 200:
                continue
            pending = [t for t in data["transfers"] if t["status"] == "pending"]
            if pending:
                transfer = pending[0]
                op = local.choice(("accept", "reject", "cancel"))
                if op == "accept":
                    post(
                        op,
                        f"{API}/transfers/{transfer['id']}/accept/",
                        tokens[transfer["to_committee"]],
                    )
                elif op == "reject":
                    post(
                        op,
                        f"{API}/transfers/{transfer['id']}/reject/",
                        tokens[transfer["to_committee"]],
                        {"reason": "不属本会管辖。"},
                    )
                else:
                    post(
                        op,
                        f"{API}/transfers/{transfer['id']}/cancel/",
                        tokens[transfer["from_committee"]],
                    )
            else:
                holder = data["committee"]
                target = local.choice([c for c in committee_ids if c != holder])
                status = post(
                    "request",
                    f"{API}/cases/{case_id}/transfer/",
                    tokens[holder],
                    {
                        "to_committee": target,
                        "kind": "reassign",
                        "reason": "当事人住所在对方辖区。",
                    },
                )
                if status in (403, 404):
                    refused.append((case_id, holder, read_at, time.time()))

    threads = [threading.Thread(target=storm, args=(i,), daemon=True) for i in range(p.ts_threads)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(p.ts_duration)
    stop_event.set()
    for thread in threads:
        thread.join(timeout=60)
    elapsed = time.monotonic() - started
    procs.stop(web)

    by_op = defaultdict(Counter)
    for r in records:
        by_op[r.op][r.status if r.status != -1 else f"no-response:{r.error}"] += 1
    summary = "; ".join(
        f"{op} " + ", ".join(f"{k}: {v}" for k, v in sorted(c.items(), key=str))
        for op, c in sorted(by_op.items())
    )
    check(
        scenario,
        "requests",
        None,
        f"{len(records)} in {elapsed:.0f} s ({len(records) / elapsed:.0f}/s); {summary}",
    )
    writes = [r.seconds for r in records if r.op != "read"]
    check(
        scenario,
        "write latency",
        None,
        f"p50 {percentile(writes, 0.5) * 1000:.0f} ms, "
        f"p99 {percentile(writes, 0.99) * 1000:.0f} ms",
    )
    server_errors = sum(1 for r in records if r.status >= 500 or r.status == -1)
    check(scenario, "5xx or no response", server_errors == 0, server_errors, "0")
    # A director whose committee lost the case between the read and the request is
    # refused by contract: 404 once the case is out of its scope, 403 while it keeps the
    # former holder's read-only view (API.md, Transfers). Every such refusal must match a
    # transfer away from that committee accepted in that window; any other is an error.
    unexplained = unexplained_refusals(refused)
    stale = Counter(r.status for r in records if r.op == "request" and r.status in (403, 404))
    other = Counter(
        (r.op, r.status)
        for r in records
        if r.status not in (200, 201, 409) and not (r.op == "request" and r.status in (403, 404))
    )
    check(
        scenario,
        "errors other than 409",
        not other and not unexplained,
        f"{sum(other.values())}{f' {dict(other)}' if other else ''}; besides, "
        f"{stale[404]} x 404 and {stale[403]} x 403 on a request by a director whose "
        f"committee had just lost the case ({len(unexplained)} of them unexplained"
        f"{f': {unexplained[:3]}' if unexplained else ''})",
        "0",
    )
    conflicts = sum(1 for r in records if r.status == 409)
    check(scenario, "409 answers (lost races)", None, conflicts)
    check_transfer_chains(scenario, case_ids)


def unexplained_refusals(refused: list[tuple[int, int, float, float]]) -> list[tuple]:
    """The refused transfer requests that no accepted transfer away from the asking
    committee explains: one decided between the read that showed it holding the case and
    the answer (wall clock, with a second's slack for the two clocks' rounding)."""
    from datetime import UTC, datetime

    from mediation.models import Transfer

    accepted = defaultdict(list)
    for t in Transfer.objects.filter(
        case_id__in={r[0] for r in refused}, status=Transfer.Status.ACCEPTED
    ):
        accepted[(t.case_id, t.from_committee_id)].append(t.decided_at)
    unexplained = []
    for case_id, committee_id, read_at, answered_at in refused:
        start = datetime.fromtimestamp(read_at - 1, UTC)
        end = datetime.fromtimestamp(answered_at + 1, UTC)
        if not any(start <= at <= end for at in accepted[(case_id, committee_id)]):
            unexplained.append((case_id, committee_id))
    return unexplained


def check_transfer_chains(scenario: str, case_ids: list[int]) -> None:
    from django.db import connection

    from mediation.models import Case, CaseEvent, Transfer
    from mediation.services import case_number_format

    transfers = defaultdict(list)
    for t in Transfer.objects.filter(case_id__in=case_ids).order_by("id"):
        transfers[t.case_id].append(t)
    events = defaultdict(list)
    for e in CaseEvent.objects.filter(case_id__in=case_ids).order_by("id"):
        events[e.case_id].append(e)
    problems: list[str] = []
    totals = Counter()
    for case in Case.objects.filter(id__in=case_ids).select_related("committee"):
        chain = transfers[case.id]
        registered = [e for e in events[case.id] if e.kind == "registered"]
        if len(registered) != 1:
            problems.append(f"case {case.id}: {len(registered)} registered events")
            continue
        holder = registered[0].committee_id
        previous_decided_at = None
        pending = 0
        for index, t in enumerate(chain):
            totals[t.status] += 1
            if t.from_committee_id != holder:
                problems.append(f"case {case.id}: transfer {t.id} from a committee not holding it")
            if previous_decided_at is None and index > 0:
                problems.append(f"case {case.id}: transfer {t.id} requested while one pending")
            elif previous_decided_at and previous_decided_at > t.requested_at:
                problems.append(f"case {case.id}: transfer {t.id} overlaps the one before")
            if t.status == Transfer.Status.PENDING:
                pending += 1
                if index != len(chain) - 1:
                    problems.append(f"case {case.id}: pending transfer {t.id} is not the last")
            elif t.decided_at is None:
                problems.append(f"case {case.id}: decided transfer {t.id} without decided_at")
            if t.status == Transfer.Status.ACCEPTED:
                holder = t.to_committee_id
            previous_decided_at = t.decided_at
        if pending > 1:
            problems.append(f"case {case.id}: {pending} pending transfers")
        if case.committee_id != holder:
            problems.append(f"case {case.id}: held by {case.committee_id}, chain says {holder}")
        if case.transfer_pending != (pending == 1):
            problems.append(
                f"case {case.id}: transfer_pending={case.transfer_pending}, {pending} pending"
            )
        accepted = [t for t in chain if t.status == Transfer.Status.ACCEPTED]
        if len(case.previous_numbers) != len(accepted):
            problems.append(
                f"case {case.id}: {len(case.previous_numbers)} previous numbers, "
                f"{len(accepted)} accepted transfers"
            )
        moves = [e for e in events[case.id] if e.kind == "transfer_accepted"]
        numbers = [registered[0].data.get("number")] + [e.data.get("number") for e in moves]
        if [e.data.get("previous_number") for e in moves] != case.previous_numbers or (
            numbers[-1] != case.number
        ):
            problems.append(f"case {case.id}: numbers in the history do not match the case")
        expected_number = case_number_format(
            committee=case.committee, year=case.number_year, sequence=case.number_sequence
        )
        if case.number != expected_number:
            problems.append(f"case {case.id}: number {case.number} is not the holder's")
        kinds = Counter(e.kind for e in events[case.id])
        decided = len(chain) - pending
        decisions = sum(
            kinds[k]
            for k in (
                "transfer_accepted",
                "transfer_rejected",
                "transfer_cancelled",
                "transfer_expired",
            )
        )
        if kinds["transfer_requested"] != len(chain) or decisions != decided:
            problems.append(
                f"case {case.id}: {kinds['transfer_requested']} request events for "
                f"{len(chain)} transfers, {decisions} decision events for {decided} decided"
            )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT case_id FROM mediation_transfer "
            "WHERE status = 'pending' GROUP BY case_id HAVING count(*) > 1) AS many"
        )
        many_pending = cursor.fetchone()[0]
    check(
        scenario,
        "transfers",
        None,
        ", ".join(f"{k}: {v}" for k, v in sorted(totals.items())) or "none",
    )
    check(scenario, "cases with 2+ pending transfers", many_pending == 0, many_pending, "0")
    check(
        scenario,
        "each case in exactly one committee, every chain consistent",
        not problems,
        f"{len(problems)} problems in {len(case_ids)} cases"
        + (f"; first: {problems[:3]}" if problems else ""),
        "0",
    )
