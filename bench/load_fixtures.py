"""The load benchmark's users, tokens and list committee, and the SQL census of one
request of each kind (in-process, after django.setup())."""

import json
import random
import time

from load_bodies import case_body
from load_common import INTAKE_USERS, LIST_CASES_WITH_PERSONAL_DATA, log

# --- users, tokens and the list committee's first page -------------------------------------


def setup_fixtures(args) -> dict:
    # After django.setup() (load.py sets the environment first): not at module level.
    from django.contrib.auth import get_user_model
    from django.db import connection
    from rest_framework_simplejwt.tokens import AccessToken

    from committees.models import Committee, Mediator, Role
    from mediation import services
    from mediation.models import Case, Party

    User = get_user_model()

    def user(username: str):
        account, _ = User.objects.get_or_create(username=username)
        return account

    def member(username: str, committee: Committee):
        account = user(username)
        Mediator.objects.get_or_create(
            committee=committee,
            user=account,
            defaults={"name": username, "role": Mediator.Role.MEDIATOR},
        )
        return account

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT committee_id, count(*) FROM mediation_case GROUP BY committee_id "
            "ORDER BY 2 DESC, 1 LIMIT 1"
        )
        list_committee_id, list_committee_cases = cursor.fetchone()
    list_committee = Committee.objects.get(pk=list_committee_id)
    lister = member("load_lister", list_committee)
    # One intake client registers at the list committee, as a busy committee's clerk would:
    # its first page stays among the newest cases. (With all intake elsewhere, the newest
    # rows of the table belong to other committees and PostgreSQL's plan for the page
    # changes: see docs/benchmarks.md, "Load (issue 8)".)
    intake_committees = [list_committee] + list(
        Committee.objects.filter(is_active=True)
        .exclude(pk=list_committee_id)
        .order_by("id")[: INTAKE_USERS - 1]
    )
    intake = [
        {
            "committee": committee.pk,
            "token": str(AccessToken.for_user(member(f"load_intake_{i}", committee))),
        }
        for i, committee in enumerate(intake_committees)
    ]
    district = user("load_district")
    Role.objects.get_or_create(user=district, kind=Role.Kind.DISTRICT_OFFICE, institution=None)

    # The first page of the list committee: cases registered through the services, with
    # three parties carrying ID numbers and phones (the seed writes neither).
    newest = list(
        Case.objects.filter(committee=list_committee)
        .order_by("-id")
        .values_list("id", flat=True)[:50]
    )
    with_data = (
        Party.objects.filter(case_id__in=newest)
        .exclude(id_number_digest="")
        .values("case_id")
        .distinct()
        .count()
    )
    if with_data < 50:
        rng = random.Random(7)
        for _ in range(LIST_CASES_WITH_PERSONAL_DATA):
            body = case_body(rng, list_committee.pk)
            body.pop("committee")
            services.case_register(actor=lister, committee=list_committee, **body)
        log(f"registered {LIST_CASES_WITH_PERSONAL_DATA} cases with personal data at the list")
    return {
        "intake": intake,
        "list": {
            "committee": list_committee.pk,
            "committee_name": list_committee.name,
            "cases": list_committee_cases,
            "token": str(AccessToken.for_user(lister)),
        },
        "stats": {"token": str(AccessToken.for_user(district))},
    }


# --- SQL census: the queries of one request of each kind -----------------------------------


CENSUS_RUNS = 20


def census(config: dict, args) -> dict:
    """Each kind of request in-process (DRF's test client, no server), warm, CENSUS_RUNS
    times: CPU and wall time per request, and its SQL statements, each timed; the slowest
    SELECTs of the last request EXPLAIN ANALYZEd. CPU per request is the figure least
    disturbed by other jobs on the machine."""
    # Django and DRF are imported here, after load.py has set the environment and called
    # django.setup(): at module level they would read settings before there are any.
    from django.db import connection
    from rest_framework.test import APIClient

    rng = random.Random(time.time_ns())  # new ID numbers each run: no repeat-dispute hits
    committee = config["list"]["committee"]
    kinds = {
        "intake_api": ("post", "/api/v1/cases/", config["intake"][0]),
        "intake_floor": ("post", "/bench-floor/cases/", config["intake"][0]),
        "list_api": ("get", f"/api/v1/cases/?committee={committee}&page_size=50", config["list"]),
        "list_floor": (
            "get",
            f"/bench-floor/cases/list/?committee={committee}&page_size=50",
            config["list"],
        ),
    }
    summary, lines = {}, []
    for name, (method, path, who) in kinds.items():
        client = APIClient(HTTP_HOST="127.0.0.1")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {who['token']}")

        def one(client=client, method=method, path=path, who=who):
            if method == "post":
                body = json.dumps(case_body(rng, who["committee"]), ensure_ascii=False)
                response = client.post(path, body, content_type="application/json")
            else:
                response = client.get(path)
            assert response.status_code in (200, 201), (path, response.status_code)

        for _ in range(5):
            one()
        queries: list[tuple[float, str, object]] = []

        def timed(execute, sql, params, many, context, queries=queries):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                queries.append(((time.perf_counter() - started) * 1000, sql, params))

        cpu, wall = time.process_time(), time.perf_counter()
        with connection.execute_wrapper(timed):
            for _ in range(CENSUS_RUNS):
                one()
        cpu = (time.process_time() - cpu) * 1000 / CENSUS_RUNS
        wall = (time.perf_counter() - wall) * 1000 / CENSUS_RUNS
        per = len(queries) // CENSUS_RUNS
        sql_ms = sum(q[0] for q in queries) / CENSUS_RUNS
        summary[name] = {"queries": per, "sql_ms": sql_ms, "wall_ms": wall, "cpu_ms": cpu}
        lines.append(
            f"== {name}: {per} queries, SQL {sql_ms:.2f} ms, CPU {cpu:.1f} ms, "
            f"wall {wall:.1f} ms per request (in-process, mean of {CENSUS_RUNS})"
        )
        last = queries[-per:]
        lines += [f"{t:7.2f} ms  {sql[:200]}" for t, sql, _ in last]
        slow = sorted(
            (q for q in last if q[1].lstrip().upper().startswith("SELECT")),
            key=lambda q: -q[0],
        )[:2]
        with connection.cursor() as cursor:
            for t, sql, params in slow:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
                plan = "\n      ".join(row[0] for row in cursor.fetchall())
                lines.append(f"  -- EXPLAIN ANALYZE ({t:.2f} ms in the request): {sql[:160]}")
                lines.append(f"      {plan}")
    (args.out / "census.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return summary
