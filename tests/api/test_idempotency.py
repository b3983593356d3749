"""Idempotency keys (issue 13 item 1): the key row holds the created object's id and a
keyed request fingerprint, never the response; a replay is rebuilt through today's scope
and masking (404 out of scope, an access record when unmasked); keys expire and the
follow-up scan purges them; the migration scrubs the bodies rows used to hold."""

import hashlib
import json
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings
from django.utils import timezone

from api.models import IdempotencyKey
from mediation import followups, routing
from mediation.models import Case, PersonalDataAccess, Referral, Transfer
from tests.api.test_cases_api import (
    ID_NUMBER,
    LEADER_PHONE,
    PHONE,
    create_body,
)
from tests.api.test_routing_api import referral_body

CASES = "/api/v1/cases/"
REFERRALS = "/api/v1/referrals/"
KEY = "5b0f7d1e-2c3a-4e9b-8f60-1d2e3f4a5b6c"


def leader_body(committee):
    return create_body(
        committee,
        responsible_leader={"name": "赵书记", "post": "书记", "phone": LEADER_PHONE},
    )


def key_row_text() -> str:
    """Every column of every key row, as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {IdempotencyKey._meta.db_table}")
        return json.dumps(cursor.fetchall(), default=str)


@pytest.mark.django_db
def test_the_key_row_holds_the_case_id_and_no_personal_data(client_for, mediator_a, committee_a):
    client = client_for(mediator_a)

    response = client.post(CASES, leader_body(committee_a), format="json", HTTP_IDEMPOTENCY_KEY=KEY)

    assert response.status_code == 201, response.content
    assert response.json()["parties"][0]["id_number"] == ID_NUMBER  # the member sees it whole
    row = IdempotencyKey.objects.get()
    assert row.object_id == response.json()["id"]
    assert row.status_code == 201
    stored = key_row_text()
    for secret in (ID_NUMBER, PHONE, LEADER_PHONE, "张某"):
        assert secret not in stored


@pytest.mark.django_db
def test_a_replay_after_the_case_moved_away_is_masked_without_personal_data(
    client_for, mediator_a, director_a, outsider, committee_a, committee_b
):
    """The registrar's committee handed the case over: it keeps a former holder's masked
    view (issue 15 item 14), and so does a replay — no personal data, no unmasked read."""
    client = client_for(mediator_a)
    body = create_body(committee_a)
    first = client.post(CASES, body, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    case = Case.objects.get(pk=first.json()["id"])
    transfer = routing.transfer_request(
        actor=director_a,
        case=case,
        to_committee=committee_b,
        kind=Transfer.Kind.REASSIGN,
        reason="当事人均居住在黄河东路辖区。",
    )
    routing.transfer_accept(actor=outsider, transfer=transfer)
    assert client.get(f"{CASES}{case.id}/").json()["access"] == "former_holder"
    accesses = PersonalDataAccess.objects.count()

    replayed = client.post(CASES, body, format="json", HTTP_IDEMPOTENCY_KEY=KEY)

    assert replayed.status_code == 201, replayed.content
    assert replayed.json()["access"] == "former_holder"
    assert ID_NUMBER not in replayed.content.decode()
    assert PHONE not in replayed.content.decode()
    assert PersonalDataAccess.objects.count() == accesses
    assert Case.objects.count() == 1


@pytest.mark.django_db
def test_a_replay_is_today_s_case_and_records_the_unmasked_read(
    client_for, mediator_a, committee_a
):
    client = client_for(mediator_a)
    body = create_body(committee_a)
    first = client.post(CASES, body, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    case_id = first.json()["id"]
    Case.objects.filter(pk=case_id).update(title="改后的标题")
    before = PersonalDataAccess.objects.filter(user=mediator_a, case_id=case_id).count()

    replayed = client.post(CASES, body, format="json", HTTP_IDEMPOTENCY_KEY=KEY)

    assert replayed.status_code == 201, replayed.content
    assert replayed["Idempotent-Replayed"] == "true"
    assert replayed.json()["id"] == case_id
    assert replayed.json()["title"] == "改后的标题"
    assert replayed.json()["parties"][0]["id_number"] == ID_NUMBER
    after = PersonalDataAccess.objects.filter(user=mediator_a, case_id=case_id).count()
    assert after == before + 1
    assert Case.objects.count() == 1


@pytest.mark.django_db
def test_a_referral_replay_is_rebuilt_masked(client_for, court_liaison, committee_a):
    client = client_for(court_liaison)
    body = referral_body(committee_a)

    first = client.post(REFERRALS, body, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    second = client.post(REFERRALS, body, format="json", HTTP_IDEMPOTENCY_KEY=KEY)

    assert first.status_code == second.status_code == 201, second.content
    assert second.json() == first.json()
    party = body["case"]["parties"][0]
    assert "*" in second.json()["case"]["parties"][0]["id_number"]
    assert party["id_number"] not in second.content.decode()
    assert party["phone"] not in second.content.decode()
    assert IdempotencyKey.objects.get().object_id == first.json()["id"]
    assert Referral.objects.count() == 1


@pytest.mark.django_db
@override_settings(TIAOJIE_IDEMPOTENCY_KEY_HOURS=24)
def test_an_expired_key_is_forgotten_and_the_scan_purges_it(client_for, mediator_a, committee_a):
    client = client_for(mediator_a)
    body = create_body(committee_a)
    client.post(CASES, body, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    client.post(CASES, body, format="json", HTTP_IDEMPOTENCY_KEY="fresh-key")
    IdempotencyKey.objects.filter(key=KEY).update(
        created_at=timezone.now() - timedelta(hours=24, minutes=1)
    )

    again = client.post(CASES, body, format="json", HTTP_IDEMPOTENCY_KEY=KEY)

    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again
    assert Case.objects.count() == 3
    assert IdempotencyKey.objects.get(key=KEY).object_id == again.json()["id"]

    IdempotencyKey.objects.filter(key=KEY).update(created_at=timezone.now() - timedelta(hours=25))
    followups.followups_scan(budget_seconds=1)

    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["fresh-key"]


@pytest.mark.django_db
@override_settings(TIAOJIE_IDEMPOTENCY_KEY_HOURS=1)
def test_the_lifetime_is_a_setting(mediator_a, committee_a):
    from api.idempotency import idempotency_keys_purge

    IdempotencyKey.objects.create(user=mediator_a, key="old", endpoint=CASES, request_hash="x")
    IdempotencyKey.objects.create(user=mediator_a, key="new", endpoint=CASES, request_hash="y")
    IdempotencyKey.objects.filter(key="old").update(
        created_at=timezone.now() - timedelta(minutes=61)
    )

    assert idempotency_keys_purge() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


@pytest.mark.django_db(transaction=True)
def test_the_migration_scrubs_the_stored_bodies_and_keeps_replays_working(
    client_for, mediator_a, committee_a
):
    client = client_for(mediator_a)
    body = create_body(committee_a)
    executor = MigrationExecutor(connection)
    before = [("api", "0001_idempotency_keys")]
    latest = executor.loader.graph.leaf_nodes("api")
    executor.migrate(before)
    case = Case.objects.create(
        number="（2026）x人调字第00009号",
        number_year=2026,
        number_sequence=9,
        committee=committee_a,
        title="旧案",
        dispute_type="neighbourhood",
        source="party_application",
    )
    # a row as the old code wrote it: the whole 201 body and a plain fingerprint
    plain = hashlib.sha256(
        f"{CASES}\n{json.dumps(body, sort_keys=True, ensure_ascii=False)}".encode()
    ).hexdigest()
    with connection.cursor() as cursor:
        for key, response_body in (
            (KEY, {"id": case.id, "parties": [{"id_number": ID_NUMBER, "phone": PHONE}]}),
            ("no-id", {"detail": PHONE}),
        ):
            cursor.execute(
                "INSERT INTO api_idempotencykey (user_id, key, endpoint, request_hash, "
                "status_code, response_body, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                [mediator_a.id, key, CASES, plain, 201, json.dumps(response_body), timezone.now()],
            )
    assert ID_NUMBER in key_row_text()

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(latest)

    stored = key_row_text()
    assert ID_NUMBER not in stored and PHONE not in stored
    assert list(IdempotencyKey.objects.values_list("key", "object_id")) == [(KEY, case.id)]
    replayed = client.post(CASES, body, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    assert replayed.status_code == 201, replayed.content
    assert replayed["Idempotent-Replayed"] == "true"
    assert replayed.json()["id"] == case.id
