"""Floor views for the load benchmark (bench/load.py, issue 8). NOT part of the product.

Mounted only by bench/urls.py, the URLs of the benchmark's own gunicorn
(DJANGO_SETTINGS_MODULE=bench.settings); never in production. They have no authentication, no
validation and no scope: they are the cheapest way plain Django can do the same database
work as the API, so the API's throughput can be compared with them under the same
gunicorn setup.

- POST /bench-floor/cases/ (the body of POST /api/v1/cases/): in one transaction, take the
  next number from the committee's counter (the same upsert as the services), insert the
  case, its parties (personal data encrypted and blind-indexed, as the API stores them)
  and one `registered` CaseEvent; answer 201 {"id", "number"}.
- GET /bench-floor/cases/?committee=<id>&page_size=50: the newest `page_size` cases of the
  committee with their parties, through `.values()` (two queries), the same fields as the
  API's list, unmasked (what a member of the committee sees).
"""

import json

from django.db import connection, transaction
from django.http import HttpResponseBadRequest, JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from mediation.models import Case, CaseEvent, CaseNumberCounter, Party

LIST_FIELDS = (
    "id",
    "number",
    "previous_numbers",
    "committee_id",
    "status",
    "transfer_pending",
    "dispute_type",
    "source",
    "difficulty",
    "title",
    "amount_involved",
    "people_involved",
    "occurred_on",
    "risk_flags",
    "responsible_leader_name",
    "responsible_leader_post",
    "responsible_leader_phone",
    "received_at",
    "accepted_at",
    "due_on",
    "concluded_at",
    "outcome",
    "party_visits",
)
PARTY_FIELDS = ("id", "case_id", "role", "kind", "name", "id_type", "id_number", "phone", "address")


def _next_number(committee_id: int, year: int) -> int:
    table = CaseNumberCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (committee_id, year, last) VALUES (%s, %s, 1) "
            f"ON CONFLICT (committee_id, year) DO UPDATE SET last = {table}.last + 1 "
            "RETURNING last",
            [committee_id, year],
        )
        return cursor.fetchone()[0]


@csrf_exempt
@require_POST
def floor_case_create(request):
    try:
        body = json.loads(request.body)
        committee_id = int(body["committee"])
        parties = body["parties"]
    except (ValueError, KeyError, TypeError):
        return HttpResponseBadRequest("bad body")
    year = timezone.localdate().year
    with transaction.atomic():
        sequence = _next_number(committee_id, year)
        case = Case.objects.create(
            number=f"（{year}）BENCH人调字第{sequence:05d}号",
            number_year=year,
            number_sequence=sequence,
            committee_id=committee_id,
            title=body.get("title", ""),
            facts=body.get("facts", ""),
            claims=body.get("claims", ""),
            dispute_type=body.get("dispute_type", "other"),
            source=body.get("source", "party_application"),
            people_involved=len(parties),
        )
        rows = [
            Party(
                case=case,
                role=p["role"],
                kind=p.get("kind", "person"),
                name=p["name"],
                id_type="resident_id" if p.get("id_number") else "",
                id_number=p.get("id_number", ""),
                phone=p.get("phone", ""),
                address=p.get("address", ""),
            )
            for p in parties
        ]
        for row in rows:
            row.refresh_digests()
        Party.objects.bulk_create(rows)
        CaseEvent.objects.create(
            case=case,
            kind="registered",
            actor_name="bench",
            to_status=case.status,
            committee_id=committee_id,
            data={"number": case.number, "source": case.source, "parties": len(rows)},
        )
    return JsonResponse({"id": case.pk, "number": case.number}, status=201)


@require_GET
def floor_case_list(request):
    try:
        committee_id = int(request.GET["committee"])
        size = min(int(request.GET.get("page_size", 50)), 200)
    except (KeyError, ValueError):
        return HttpResponseBadRequest("committee and page_size")
    cases = list(
        Case.objects.filter(committee_id=committee_id).order_by("-id").values(*LIST_FIELDS)[:size]
    )
    by_case = {case["id"]: case for case in cases}
    for case in cases:
        case["parties"] = []
    for party in Party.objects.filter(case_id__in=by_case).order_by("id").values(*PARTY_FIELDS):
        by_case[party.pop("case_id")]["parties"].append(party)
    return JsonResponse({"results": cases, "next": None, "previous": None})


urlpatterns = [
    path("bench-floor/cases/", floor_case_create, name="bench-floor-case-create"),
    path("bench-floor/cases/list/", floor_case_list, name="bench-floor-case-list"),
]
