"""No personal data in clear anywhere (issue 13 item 2).

A realistic workload goes through the API — registration with ID numbers and phones (with
Idempotency-Keys, one replayed), an inbound referral, a transfer, an outbound referral,
conclusions, the follow-up scan (deadline warnings, an overdue alert by SMS to the
responsible leader, satisfaction links by SMS), ratings, notifications, statistics and
their export, the personal-data access list. Then every text, JSON and binary column of
every table (found by introspection) and the Redis cache are read back and must hold none
of the ID numbers or phones used, with or without separators; nor may the application log,
captured at DEBUG from every logger, nor any rating-link token.

Runs on SQLite and on PostgreSQL (`-m postgres` with DATABASE_URL, as in CI).
"""

import json
import logging
import os
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from committees.models import Mediator
from mediation.followups import followups_scan
from mediation.models import (
    Case,
    FollowUp,
    OutboundMessage,
    Party,
    PersonalDataAccess,
    RatingLink,
)
from mediation.validators import ID_CHECK_CHARS, ID_WEIGHTS
from tests.builders import sign_all
from tests.conftest import ATTACHMENTS_DIR
from tests.factories import institution

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TEXT_TYPES = {"CharField", "TextField", "JSONField", "BinaryField", "SlugField", "UUIDField"}


def resident_id(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return first17 + ID_CHECK_CHARS[total % 11]


IDS = [resident_id(f"64010619800101{n:03d}") for n in range(1, 7)]
BAD_ID = IDS[0][:-1] + ("1" if IDS[0][-1] != "1" else "2")  # a wrong check digit
PHONES = [
    "13951000001",
    "139 5100 0002",  # spaces are accepted on input
    "13951000003",
    "0951-6012345",  # a landline with its area code
    "13951000005",
    "13951000006",
]
LEADER_PHONES = ["13761230001", "13761230002"]
BAD_PHONE = "1395100000"  # ten digits: refused


def secrets_used() -> set[str]:
    values = {*IDS, BAD_ID, *PHONES, *LEADER_PHONES, BAD_PHONE}
    bare = {"".join(ch for ch in value if ch.isalnum()) for value in values}
    return {value.lower() for value in values | bare}


def parties(first: int) -> list[dict]:
    return [
        {
            "role": "applicant",
            "name": f"申请人{first}",
            "id_number": IDS[first],
            "phone": PHONES[first],
        },
        {
            "role": "respondent",
            "name": f"被申请人{first}",
            "id_number": IDS[first + 1],
            "phone": PHONES[first + 1],
        },
    ]


def case_body(committee, first: int, **extra) -> dict:
    return {
        "committee": committee.id,
        "dispute_type": "neighbourhood",
        "source": "party_application",
        "title": f"邻里纠纷{first}",
        "facts": "楼上漏水。",
        "parties": parties(first),
        **extra,
    }


def ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json() if response["Content-Type"].startswith("application/json") else None


# --- reading everything back -------------------------------------------------------------


def text_columns() -> dict[str, list[str]]:
    """{table: [text, JSON and binary columns]} as the database describes them."""
    introspection = connection.introspection
    found = {}
    with connection.cursor() as cursor:
        for table in introspection.table_names(cursor):
            columns = [
                column.name
                for column in introspection.get_table_description(cursor, table)
                if introspection.get_field_type(column.type_code, column) in TEXT_TYPES
            ]
            if columns:
                found[table] = columns
    return found


def as_text(value) -> str:
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def stored_values() -> list[tuple[str, str, str]]:
    """(table, column, value) of every non-empty text, JSON and binary value."""
    quote = connection.ops.quote_name
    values = []
    with connection.cursor() as cursor:
        for table, columns in text_columns().items():
            cursor.execute(f"SELECT {', '.join(map(quote, columns))} FROM {quote(table)}")
            for row in cursor.fetchall():
                values += [
                    (table, column, as_text(v))
                    for column, v in zip(columns, row, strict=True)
                    if v not in (None, "")
                ]
    return values


def stored_files() -> list[tuple[str, str, str]]:
    """Every file in the attachments store, as text."""
    found = []
    for folder, _, names in os.walk(ATTACHMENTS_DIR):
        for name in names:
            with open(os.path.join(folder, name), "rb") as handle:
                found.append(("attachments", name, handle.read().decode("latin-1").lower()))
    assert found, "the scan reads the attachments store"
    return found


def cached_values() -> list[tuple[str, str, str]]:
    """Every key and value in the Redis cache, when the cache is Redis."""
    if "redis" not in type(cache).__module__:
        return []
    client = cache._cache.get_client(write=False)
    return [("redis", as_text(key), as_text(client.get(key) or b"")) for key in client.scan_iter()]


def leaks(values, needles) -> list[tuple[str, str, str]]:
    return [
        (where, column, needle)
        for where, column, value in values
        for needle in needles
        if needle in value.lower()
    ]


# --- the workload ------------------------------------------------------------------------


def test_a_whole_workload_leaves_no_personal_data_in_clear(
    client_for,
    anon,
    committee_a,
    committee_b,
    mediator_a,
    director_a,
    outsider,
    court_liaison,
    district,
    time_machine,
    caplog,
):
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    silent = [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.propagate
    ]
    for logger in silent:
        logger.addHandler(caplog.handler)
    cache.clear()
    started = timezone.now()
    # The cases are registered 45 days ago, so every follow-up is due when the scan runs.
    time_machine.move_to(started - timedelta(days=45), tick=True)

    mediator, director, office_b = (
        client_for(mediator_a),
        client_for(director_a),
        client_for(outsider),
    )
    member_a = Mediator.objects.get(user=mediator_a).id
    member_b = Mediator.objects.get(user=outsider).id
    leader = {"name": "赵书记", "post": "书记", "phone": LEADER_PHONES[0]}

    # registration, one key replayed; refused input with a bad ID number and phone
    body = case_body(committee_a, 0, responsible_leader=leader)
    first = ok(mediator.post("/api/v1/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1"), 201)
    again = mediator.post("/api/v1/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert again.json()["id"] == first["id"]
    moving = ok(mediator.post("/api/v1/cases/", case_body(committee_a, 2), format="json"), 201)
    referred = ok(
        mediator.post(
            "/api/v1/cases/", case_body(committee_a, 4), format="json", HTTP_IDEMPOTENCY_KEY="k3"
        ),
        201,
    )
    bad = case_body(committee_a, 0)
    bad["parties"][0]["id_number"] = BAD_ID
    assert mediator.post("/api/v1/cases/", bad, format="json").status_code == 400
    bad = case_body(committee_a, 0)
    bad["parties"][1]["phone"] = BAD_PHONE
    assert mediator.post("/api/v1/cases/", bad, format="json").status_code == 400

    # an inbound referral from the court
    court = client_for(court_liaison)
    referral_body = {
        "mechanism": "court",
        "committee": committee_a.id,
        "external_ref": "(2026)宁0106民诉前调9号",
        "case": {"dispute_type": "contract", "title": "货款纠纷", "parties": parties(1)},
    }
    inbound = ok(
        court.post("/api/v1/referrals/", referral_body, format="json", HTTP_IDEMPOTENCY_KEY="r1"),
        201,
    )
    court.post("/api/v1/referrals/", referral_body, format="json", HTTP_IDEMPOTENCY_KEY="r1")

    # accept; PATCH the leader's phone; the first case stays open until it is overdue
    for case in (first, inbound["case"]):
        ok(director.post(f"/api/v1/cases/{case['id']}/accept/", {"mediators": [member_a]}))
    leader["phone"] = LEADER_PHONES[1]
    ok(mediator.patch(f"/api/v1/cases/{first['id']}/", {"responsible_leader": leader}, "json"))

    # transfer a case to committee B, which accepts it and concludes it with an agreement
    transfer = ok(
        director.post(
            f"/api/v1/cases/{moving['id']}/transfer/",
            {"to_committee": committee_b.id, "kind": "reassign", "reason": "当事人住在B辖区"},
            format="json",
        ),
        201,
    )
    ok(office_b.post(f"/api/v1/transfers/{transfer['id']}/accept/"))
    ok(office_b.post(f"/api/v1/cases/{moving['id']}/accept/", {"mediators": [member_b]}, "json"))
    agreement = {"form": "written", "terms": "被申请人赔偿维修费。", "amount": "800.00"}
    ok(
        office_b.post(
            f"/api/v1/cases/{moving['id']}/conclude/",
            {"outcome": "success", "agreement": agreement},
            format="json",
        )
    )
    # signed by the parties, B's mediator and B's seal: in force, its performance visit
    # scheduled (人民调解法 art 29)
    sign_all(outsider, Case.objects.get(pk=moving["id"]))
    # the referred-in case fails; the third case is referred out to a department
    ok(
        mediator.post(
            f"/api/v1/cases/{inbound['case']['id']}/conclude/",
            {"outcome": "failure", "guidance": "litigation", "reason": "双方分歧较大"},
            format="json",
        )
    )
    department = institution("ADM-SCJ")
    ok(
        director.post(
            f"/api/v1/cases/{referred['id']}/refer/",
            {"mechanism": "administrative", "institution": department.id, "reason": "需监管"},
            format="json",
        ),
        201,
    )

    # today: the scan fires every follow-up (deadline, overdue SMS, satisfaction SMS)
    time_machine.move_to(started, tick=True)
    followups_scan(budget_seconds=30)
    assert OutboundMessage.objects.filter(sent_at__isnull=False).count() >= 3
    assert FollowUp.objects.filter(kind="overdue", fired_at__isnull=False).exists()

    # the parties rate through their links (one 差评); a link cannot be used twice
    links = list(RatingLink.objects.all())
    assert len(links) == 4  # two concluded cases, two parties with a phone each
    tokens = [link.token for link in links]
    for link, stars in zip(links, (5, 1, 4, 5), strict=True):
        ok(anon.get(f"/api/v1/ratings/{link.token}/"))
        ok(anon.post(f"/api/v1/ratings/{link.token}/", {"stars": stars}, format="json"))
    assert anon.post(f"/api/v1/ratings/{tokens[0]}/", {"stars": 5}, "json").status_code == 409
    followups_scan(budget_seconds=30)

    # notifications, lists and details, statistics and the export, the access records
    for user in (mediator_a, director_a, outsider):
        notes = ok(client_for(user).get("/api/v1/notifications/"))["results"]
        assert notes or user == mediator_a
        for note in notes[:1]:
            ok(client_for(user).post(f"/api/v1/notifications/{note['id']}/read/"))
    for client in (mediator, director, office_b, client_for(district), court):
        ok(client.get("/api/v1/cases/"))
        client.get(f"/api/v1/cases/{first['id']}/")
        client.get(f"/api/v1/cases/{first['id']}/events/")
        ok(client.get("/api/v1/referrals/"))
    review = FollowUp.objects.get(kind="bad_rating_review")
    reviewer = director_a if review.committee_id == committee_a.id else outsider
    ok(
        client_for(reviewer).post(
            f"/api/v1/follow-ups/{review.id}/complete/", {"note": "已回访"}, format="json"
        )
    )
    office = client_for(district)
    ok(office.get("/api/v1/statistics/summary/"))
    ok(office.get("/api/v1/statistics/breakdown/", {"by": "committee"}))
    for kind in ("csv", "xlsx"):
        ok(office.get("/api/v1/statistics/export/", {"format": kind}))
    assert ok(office.get("/api/v1/personal-data-access/"))["results"]
    assert PersonalDataAccess.objects.filter(user=mediator_a).exists()

    # an identity document's scan, whose text carries the ID number, kept with a case
    scan = b"%PDF-1.4\n" + f"居民身份证 {IDS[0]}".encode() + b"\n%%EOF\n"
    upload = {"kind": "id_copy", "file": SimpleUploadedFile("id.pdf", scan)}
    ok(mediator.post(f"/api/v1/cases/{first['id']}/attachments/", upload, "multipart"), 201)

    # a month later the links have expired: "Not Found" for a token
    time_machine.move_to(started + timedelta(days=31), tick=True)
    assert anon.get(f"/api/v1/ratings/{tokens[1]}/").status_code == 404

    # then: the scan reads the places personal data lives (so it can see a leak) ...
    columns = text_columns()
    for table, column in [
        ("mediation_party", "id_number"),
        ("mediation_party", "phone"),
        ("mediation_case", "responsible_leader_phone"),
        ("mediation_outboundmessage", "to"),
        ("mediation_caseevent", "data"),
        ("api_idempotencykey", "request_hash"),
    ]:
        assert column in columns[table], (table, columns.get(table))
    stored = stored_values() + stored_files()
    assert leaks(stored, [token.lower() for token in tokens]), "the tokens are stored"
    assert Party.objects.filter(case_id=first["id"]).order_by("id")[0].id_number == IDS[0]
    # ... and finds no ID number or phone in clear, in the database or the cache
    needles = secrets_used()
    assert leaks(stored + cached_values(), needles) == []
    # nor in the log, nor any rating-link token
    for logger in silent:
        logger.removeHandler(caplog.handler)
    logged = caplog.text + "\n".join(record.getMessage() for record in caplog.records)
    assert "Not Found: /api/v1/ratings/[redacted]/" in logged  # the expired link's 404 ...
    logged = logged.lower()
    assert [needle for needle in needles if needle in logged] == []
    assert [token for token in tokens if token.lower() in logged] == []  # ... without its token


def test_a_404_on_a_rating_link_is_logged_without_the_token(anon, ref, caplog):
    caplog.set_level(logging.DEBUG)
    token = "Zq3-unknown_token-0123456789abcdefghijklmnopqrs"

    response = anon.get(f"/api/v1/ratings/{token}/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert "Not Found: /api/v1/ratings/[redacted]/" in caplog.messages
    assert token not in caplog.text
