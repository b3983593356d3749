"""In-process census of the three hot requests (issue 18): intake, the list page and the
case detail, each CPU ms, wall ms, SQL statements and SQL ms per request (DRF's test
client, no server: the figure least disturbed by other jobs on a shared machine).

    set -a; . ENVFILE; set +a          # the same env file as bench/side_by_side.sh
    .venv/bin/python bench/census_api.py [--runs 30] [--sql] [--profile intake|list|detail]

The requests are the ones bench/side_by_side.sh sends: the intake of
../shared/bench-floor/post_case.lua (three persons, two ID numbers, one phone), the first
page of 50 of the first community committee as its demo mediator (unmasked, so the reveal
is audited), and the detail of that committee's newest case. --sql lists the statements
of the last request of each kind; --profile prints cProfile's top functions (cumulative).
"""

import argparse
import cProfile
import json
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def intake_body(committee_id: int) -> dict:
    """post_case.lua's body."""
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
                "id_number": "11010519491231002X",
                "phone": "13800000000",
            },
            {
                "role": "respondent",
                "kind": "person",
                "name": "李某",
                "id_number": "640104198001011235",
            },
            {"role": "third_party", "kind": "person", "name": "王某"},
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--sql", action="store_true", help="print the statements")
    parser.add_argument("--profile", choices=("intake", "list", "detail"))
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
    body = json.dumps(intake_body(committee.pk), ensure_ascii=False)

    def intake():
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
            pstats.Stats(profile).sort_stats("cumulative").print_stats(45)


if __name__ == "__main__":
    main()
