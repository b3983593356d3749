"""In-process census of the three hot requests (issue 18): intake, the list page and the
case detail, each CPU ms, wall ms, SQL statements and SQL ms per request (DRF's test
client, no server: the figure least disturbed by other jobs on a shared machine).

    set -a; . ENVFILE; set +a          # the same env file as bench/side_by_side.sh
    .venv/bin/python bench/census_api.py [--runs 30] [--sql] [--profile intake|list|detail]

The requests are the ones bench/side_by_side.sh sends: the intake of
../shared/bench-floor/post_case.lua (three persons, two ID numbers, one phone), the first
page of 50 of the first community committee as its demo mediator (unmasked, so the reveal
is audited), and the detail of that committee's newest case. The intake's two ID
numbers are new random ones each time unless --fixed-ids. --sql lists the statements
of the last request of each kind; --profile prints cProfile's top functions (cumulative) and keeps
the whole profile in /tmp/census_KIND.prof.
"""

import argparse
import cProfile
import json
import os
import pstats
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from load_bodies import resident_id  # noqa: E402


def intake_body(committee_id: int, rng: random.Random | None = None) -> dict:
    """post_case.lua's body; with `rng`, two new random valid ID numbers (as
    bench/wrk_intake.lua sends by default: the same two every time would match every
    earlier registration, a cost that grows with the runs, not with the request)."""
    first, second = (
        (resident_id(rng), resident_id(rng))
        if rng
        else ("11010519491231002X", "640104198001011235")
    )
    return {
        "committee": committee_id,
        "dispute_type": "neighbourhood",
        "source": "party_application",
        "title": "楼上漏水纠纷",
        "facts": "楼上住户卫生间漏水，损坏楼下吊顶。",
        "claims": "赔偿维修费用",
        "amount_involved": "8000.00",
        "people_involved": 3,
        "occurred_on": "2026-11-20",
        "parties": [
            {
                "role": "applicant",
                "kind": "person",
                "name": "张某",
                "id_number": first,
                "phone": "13800000000",
            },
            {
                "role": "respondent",
                "kind": "person",
                "name": "李某",
                "id_number": second,
            },
            {"role": "third_party", "kind": "person", "name": "王某"},
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--sql", action="store_true", help="print the statements")
    parser.add_argument("--profile", choices=("intake", "list", "detail"))
    parser.add_argument("--fixed-ids", action="store_true", help="post_case.lua's two IDs")
    parser.add_argument("--only", nargs="*", default=("intake", "list", "detail"))
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from rest_framework.test import APIClient

    from committees.models import Committee
    from mediation.models import Case

    def client_for(username: str) -> APIClient:
        client = APIClient(HTTP_HOST="127.0.0.1")
        answer = client.post(
            "/api/v1/auth/token/",
            {"username": username, "password": "tiaojie-demo"},
            format="json",
        )
        assert answer.status_code == 200, answer.content
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {answer.json()['access']}")
        return client

    # The committee side_by_side.sh benchmarks: the first community committee by code.
    committee = Committee.objects.filter(kind="community").order_by("code").first()
    client = client_for(f"mediator.{committee.code}")
    rng = None if args.fixed_ids else random.Random(time.time_ns())

    def intake():
        body = json.dumps(intake_body(committee.pk, rng), ensure_ascii=False)
        answer = client.post("/api/v1/cases/", body, content_type="application/json")
        assert answer.status_code == 201, answer.content[:300]

    intake()  # the committee's newest case then has parties with ID numbers and a phone
    newest = (
        Case.objects.filter(committee=committee).order_by("-id").values_list("pk", flat=True)[0]
    )

    def listing():
        answer = client.get("/api/v1/cases/?page_size=50")
        assert answer.status_code == 200

    def detail():
        answer = client.get(f"/api/v1/cases/{newest}/")
        assert answer.status_code == 200

    kinds = {"intake": intake, "list": listing, "detail": detail}
    print(
        f"committee {committee.pk} {committee.code}, {Case.objects.count()} cases, runs {args.runs}"
    )
    for name in args.only:
        one = kinds[name]
        for _ in range(5):
            one()
        queries: list[tuple[float, str]] = []

        def timed(execute, sql, params, many, context, queries=queries):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                queries.append(((time.perf_counter() - started) * 1000, sql))

        profile = cProfile.Profile() if args.profile == name else None
        cpu, wall = time.process_time(), time.perf_counter()
        with connection.execute_wrapper(timed):
            if profile:
                profile.enable()
            for _ in range(args.runs):
                one()
            if profile:
                profile.disable()
        cpu = (time.process_time() - cpu) * 1000 / args.runs
        wall = (time.perf_counter() - wall) * 1000 / args.runs
        per = len(queries) // args.runs
        sql_ms = sum(t for t, _ in queries) / args.runs
        print(
            f"{name:7s} statements {per:3d}  SQL {sql_ms:6.2f} ms  CPU {cpu:6.2f} ms  "
            f"wall {wall:6.2f} ms"
        )
        if args.sql:
            for t, sql in queries[-per:]:
                print(f"    {t:6.2f} ms  {sql[:220]}")
        if profile:
            profile.dump_stats(f"/tmp/census_{name}.prof")
            pstats.Stats(profile).sort_stats("cumulative").print_stats(45)


if __name__ == "__main__":
    main()
