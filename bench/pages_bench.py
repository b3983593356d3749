"""Every web page's server time (issue 17, item 9): each persona's pages, one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<a seeded database> DEBUG=1 \\
        .venv/bin/python bench/pages_bench.py --runs 20

On a database filled by `manage.py seed_cases --count N` (nothing is dropped), it signs in
each persona with Django's test client (`force_login`, in-process: no HTTP server) and
GETs each of its pages `--warmup` times, then `--runs` times timed. Per page it prints
the status, p50 / p95 / max of the wall time of the request (URL routing, middleware,
session, view, SQL, template: what the server spends), the SQL statements of one request
and their time (p50). Statistics are computed, not read from their 10 s cache
(STATISTICS_CACHE_SECONDS=0), unless `--cache` is given.

What it adds, once (idempotent), so every page has something to show: the demo accounts
(committees.demo) if they are missing, five court referrals into the busiest committee
(routing.referral_receive, as the court's liaison would) and one rating link (好差评) on a
case of that committee. The personas are the demo logins of the busiest committee (its
mediator and director), its judicial office, the district office and the court's liaison.

`--only dashboard` keeps the pages whose name contains the word; `--search WORD` (repeatable)
adds the mediator's search for WORD; `--profile NAME` prints
cProfile's top functions of one more request of that page. `TIAOJIE_ROOT` picks the
checkout whose code is measured (to measure a "before" against the same database).
"""

import argparse
import cProfile
import gc
import io
import os
import pstats
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(os.environ.get("TIAOJIE_ROOT") or Path(__file__).resolve().parent.parent)
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)  # imports resolved from the working directory would measure its checkout

COURT = "CRT640106"  # 金凤区人民法院 (committees/data/institutions.csv)
REFERRALS = 5


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def fixtures() -> dict:
    """The personas and the ids the pages need (creating what is missing)."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from committees.demo import demo_accounts_create
    from committees.models import Committee, Institution, Mechanism
    from mediation.models import Case, Party, RatingLink, Referral
    from mediation.services import routing

    User = get_user_model()
    if not User.objects.filter(username="district").exists():
        print(f"demo accounts: {demo_accounts_create()} created", flush=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT committee_id FROM mediation_case GROUP BY committee_id "
            "ORDER BY count(*) DESC, committee_id LIMIT 1"
        )
        (committee_id,) = cursor.fetchone()
    committee = Committee.objects.select_related("judicial_office").get(pk=committee_id)
    court = Institution.objects.get(code=COURT)
    liaison = User.objects.get(username=f"liaison.{COURT}")
    existing = Referral.objects.filter(
        institution=court, committee=committee, external_ref__startswith="bench-pages-"
    ).count()
    for n in range(existing, REFERRALS):
        routing.referral_receive(
            actor=liaison,
            mechanism=Mechanism.objects.get(code="court"),
            committee=committee,
            institution=court,
            external_ref=f"bench-pages-{n}",
            parties=[
                {"kind": "person", "role": "applicant", "name": "王某"},
                {"kind": "person", "role": "respondent", "name": "赵某"},
            ],
            title="买卖合同纠纷",
            dispute_type="contract",
        )
    referral = Referral.objects.filter(institution=court, committee=committee).order_by("id")[0]
    newest = Case.objects.filter(committee=committee).order_by("-id").first()
    rated = Case.objects.filter(committee=committee, status="succeeded").order_by("-id").first()
    party = Party.objects.filter(case=rated).order_by("id").first()
    link, _ = RatingLink.objects.get_or_create(
        case=rated,
        party=party,
        defaults={
            "token": f"bench-pages-{rated.pk}",
            "expires_at": timezone.now() + timedelta(days=3650),
        },
    )
    RatingLink.objects.filter(pk=link.pk).update(
        used_at=None, expires_at=timezone.now() + timedelta(days=3650)
    )
    month = timezone.localdate().replace(day=1).strftime("%Y-%m")
    return {
        "committee": committee,
        "users": {
            "mediator": User.objects.get(username=f"mediator.{committee.code}"),
            "director": User.objects.get(username=f"director.{committee.code}"),
            "office": User.objects.get(username=f"office.{committee.judicial_office.code}"),
            "district": User.objects.get(username="district"),
            "liaison": liaison,
        },
        "case": newest.pk,
        "referral": referral.pk,
        "token": link.token,
        "month": month,
        "cases": Case.objects.filter(committee=committee).count(),
    }


def pages(f: dict, searches: list[str] = ()) -> list[tuple[str, str, str]]:
    """(persona, page, URL) of every page, GET; `searches` adds the mediator's search for
    each of those words."""
    drill = f"/dashboard/cases/?measure=succeeded&month={f['month']}"
    return [
        ("anonymous", "sign-in", "/"),
        ("anonymous", "party rating", f"/r/{f['token']}"),
        ("mediator", "cases (open)", "/cases/"),
        ("mediator", "cases (all)", "/cases/?view=all"),
        ("mediator", "cases search", "/cases/?view=all&q=纠纷"),
        ("mediator", "cases search rare", "/cases/?view=all&q=买卖"),  # 5 of 60 k cases
        ("mediator", "case new", "/cases/new/"),
        ("mediator", "case page", f"/cases/{f['case']}/"),
        ("mediator", "todo", "/todo/"),
        ("mediator", "notifications", "/notifications/"),
        ("director", "director inbox", "/director/"),
        ("district", "dashboard", "/dashboard/"),
        ("district", "dashboard drilldown", "/dashboard/cases/"),
        ("district", "dashboard drill month", drill),
        ("district", "dashboard xlsx", "/dashboard/export.xlsx"),
        ("office", "dashboard", "/dashboard/"),
        ("office", "dashboard drilldown", "/dashboard/cases/"),
        ("office", "dashboard xlsx", "/dashboard/export.xlsx"),
        ("liaison", "liaison home", "/liaison/"),
        ("liaison", "liaison referral", f"/liaison/referrals/{f['referral']}/"),
    ] + [("mediator", f"search {word}", f"/cases/?view=all&q={quote(word)}") for word in searches]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--only", help="pages whose persona or name contains this")
    parser.add_argument("--cache", action="store_true", help="keep the statistics cache on")
    parser.add_argument("--profile", help="cProfile one more request of this page name")
    parser.add_argument(
        "--search", action="append", default=[], help="also the mediator's search for this word"
    )
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if not args.cache:
        os.environ["STATISTICS_CACHE_SECONDS"] = "0"  # the computation, not the cache
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    f = fixtures()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM mediation_case")
        (total,) = cursor.fetchone()
    import web

    code = Path(web.__file__).resolve().parent.parent  # the checkout actually imported
    print(
        f"code: {code}; cases: {total}"
        f" (busiest committee {f['committee'].code}: {f['cases']}); runs {args.runs}; "
        f"statistics cache {'on' if args.cache else 'off'}; load average {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    clients = {"anonymous": Client(HTTP_HOST="127.0.0.1")}
    for persona, user in f["users"].items():
        clients[persona] = Client(HTTP_HOST="127.0.0.1")
        clients[persona].force_login(user)

    # As config/gunicorn.py's pre_fork: what is loaded so far (Django, the URLconf, the
    # fixtures) is moved out of the collector's reach, so a full collection scans only what
    # requests allocate — the server's workers run so (else one page in ~20 pays a
    # generation-2 collection of everything loaded, 100–150 ms, which is then its p95).
    gc.collect()
    gc.freeze()
    statements: list[float] = []

    def counted(execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append((time.perf_counter() - began) * 1000)

    header = (
        f"{'persona':10} {'page':22} {'status':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
        f"{'SQL':>4} {'SQL ms':>7}"
    )
    print(header + "\n" + "-" * len(header), flush=True)
    worst = []
    for persona, name, url in pages(f, args.search):
        if args.only and args.only not in f"{persona} {name}":
            continue
        client = clients[persona]
        for _ in range(args.warmup):
            client.get(url)
        times, sql_counts, sql_times = [], [], []
        for _ in range(args.runs):
            statements.clear()
            with connection.execute_wrapper(counted):
                began = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - began) * 1000)
            sql_counts.append(len(statements))
            sql_times.append(sum(statements))
        p50, p95 = percentile(times, 50), percentile(times, 95)
        worst.append((p50, persona, name))
        print(
            f"{persona:10} {name:22} {response.status_code:>6} {p50:8.1f} {p95:8.1f} "
            f"{max(times):8.1f} {max(sql_counts):>4} {percentile(sql_times, 50):7.1f}",
            flush=True,
        )
        if args.profile and args.profile == name:
            profiler = cProfile.Profile()
            profiler.enable()
            client.get(url)
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
            print(out.getvalue(), flush=True)
    if worst:
        p50, persona, name = max(worst)
        print(f"slowest p50: {persona} {name} {p50:.1f} ms", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
