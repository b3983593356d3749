"""Personal data (PIPL): encrypted at rest with a blind index, rotation, the repeat-dispute
signal, and the audited reveal."""

from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from mediation import crypto, services
from mediation.models import Case, Party, PersonalDataAccess
from tests.builders import make_case, person

ID_NUMBER = "11010519491231002X"
PHONE = "13800000000"


def register(user, committee, id_number=ID_NUMBER, phone=PHONE):
    return make_case(
        user,
        committee,
        title="纠纷",
        parties=[
            person("applicant", "张某", id_number=id_number, phone=phone),
            person("respondent", "李某"),
        ],
    )


def raw_party_columns(party_id):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, phone, id_number_digest FROM mediation_party WHERE id = %s",
            [party_id],
        )
        return cursor.fetchone()


@pytest.mark.django_db
def test_a_raw_select_shows_ciphertext_and_the_orm_the_value(mediator_a, committee_a):
    case = register(mediator_a, committee_a)
    party = case.parties.get(role="applicant")

    stored_id, stored_phone, digest = raw_party_columns(party.id)

    assert ID_NUMBER not in stored_id and PHONE not in stored_phone
    assert stored_id.startswith("gAAAA")  # a Fernet token
    assert Party.objects.get(pk=party.pk).id_number == ID_NUMBER
    assert Party.objects.get(pk=party.pk).phone == PHONE
    assert digest == crypto.blind_index(ID_NUMBER) and len(digest) == 64
    assert Party.objects.filter(id_number_digest=crypto.blind_index(ID_NUMBER)).count() == 1


@pytest.mark.django_db
def test_rotation_reencrypts_with_the_new_key_and_old_keys_can_then_go(
    settings, mediator_a, committee_a
):
    case = register(mediator_a, committee_a)
    party = case.parties.get(role="applicant")
    old_token = raw_party_columns(party.id)[0]
    new_key = Fernet.generate_key().decode()
    old_keys = list(settings.TIAOJIE_FIELD_KEYS)

    settings.TIAOJIE_FIELD_KEYS = [new_key, *old_keys]
    crypto.reset_keys()
    call_command("rotate_field_keys")
    settings.TIAOJIE_FIELD_KEYS = [new_key]
    crypto.reset_keys()
    try:
        new_token = raw_party_columns(party.id)[0]
        assert new_token != old_token
        assert Fernet(new_key.encode()).decrypt(new_token.encode()).decode() == ID_NUMBER
        assert Party.objects.get(pk=party.pk).phone == PHONE
    finally:
        settings.TIAOJIE_FIELD_KEYS = old_keys
        crypto.reset_keys()


@pytest.mark.django_db
def test_repeat_dispute_gives_count_and_committee_names_only(
    mediator_a, committee_a, outsider, committee_b, client_for
):
    first = register(outsider, committee_b)  # the same person, at committee B
    old = register(outsider, committee_b)
    services.case_decline(actor=outsider, case=old, reason="不属于调解范围")
    Case.objects.filter(pk=old.pk).update(received_at=timezone.now() - timedelta(days=400))

    case = register(mediator_a, committee_a)
    unrelated = register(mediator_a, committee_a, id_number="110101199003074119")

    assert case.repeat_dispute == {"count": 1, "committees": [committee_b.name]}
    assert unrelated.repeat_dispute == {}
    detail = client_for(mediator_a).get(f"/api/v1/cases/{case.id}/").json()
    assert detail["repeat_dispute"] == {"count": 1, "committees": [committee_b.name]}
    assert set(detail["repeat_dispute"]) == {"count", "committees"}  # nothing of the case
    assert client_for(mediator_a).get(f"/api/v1/cases/{first.id}/").status_code == 404


@pytest.mark.django_db
def test_every_unmasked_read_is_recorded_and_the_district_office_lists_them(
    client_for, mediator_a, office_a, district, committee_a
):
    case = register(mediator_a, committee_a)

    client_for(mediator_a).get(f"/api/v1/cases/{case.id}/")
    client_for(mediator_a).get("/api/v1/cases/")
    client_for(office_a).get(f"/api/v1/cases/{case.id}/")  # masked: not a reveal

    reads = PersonalDataAccess.objects.order_by("id")
    assert [(r.username, r.case_id, r.via) for r in reads] == [
        ("mediator_a", case.id, f"/api/v1/cases/{case.id}/"),
        ("mediator_a", case.id, "/api/v1/cases/"),
    ]
    assert abs(reads[0].at - timezone.now()) < timedelta(minutes=1)
    listed = client_for(district).get("/api/v1/personal-data-access/", {"case": case.id})
    assert listed.status_code == 200
    assert [r["username"] for r in listed.json()["results"]] == ["mediator_a", "mediator_a"]
    assert client_for(office_a).get("/api/v1/personal-data-access/").status_code == 403
    assert client_for(mediator_a).get("/api/v1/personal-data-access/").status_code == 403


@pytest.mark.django_db
def test_validation_errors_never_echo_the_value(client_for, mediator_a, committee_a):
    response = client_for(mediator_a).post(
        "/api/v1/cases/",
        {
            "committee": committee_a.id,
            "dispute_type": "neighbourhood",
            "source": "party_application",
            "title": "纠纷",
            "parties": [
                {
                    "role": "applicant",
                    "name": "张",
                    "id_number": "110105194912310021",
                    "phone": "12345",
                },
                {"role": "respondent", "name": "李"},
            ],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "110105194912310021" not in response.content.decode()
    assert "12345" not in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_existing_rows(ref):
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    before = [("mediation", "0003_statistics_rollup")]
    latest = executor.loader.graph.leaf_nodes("mediation")
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    OldCase = apps.get_model("mediation", "Case")
    OldParty = apps.get_model("mediation", "Party")
    committee = apps.get_model("committees", "Committee").objects.get(code="C640106001001")
    case = OldCase.objects.create(
        number="（2026）x人调字第00001号",
        number_year=2026,
        number_sequence=1,
        committee=committee,
        title="旧案",
        dispute_type="other",
        source="party_application",
    )
    party = OldParty.objects.create(
        case=case, role="applicant", name="旧", id_number=ID_NUMBER, phone=PHONE
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM mediation_party WHERE id = %s", [party.id])
        assert cursor.fetchone()[0] == ID_NUMBER  # plaintext before

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(latest)

    stored_id, stored_phone, digest = raw_party_columns(party.id)
    assert stored_id != ID_NUMBER and stored_phone != PHONE
    assert digest == crypto.blind_index(ID_NUMBER)
    assert Party.objects.get(pk=party.id).id_number == ID_NUMBER


@pytest.mark.django_db
def test_the_history_records_a_phone_change_without_the_numbers(
    client_for, mediator_a, office_a, committee_a
):
    case = register(mediator_a, committee_a)
    services.case_update(
        actor=mediator_a,
        case=case,
        responsible_leader={"name": "赵书记", "post": "书记", "phone": "13711112222"},
    )

    event = case.events.get(kind="updated")
    history = client_for(office_a).get(f"/api/v1/cases/{case.id}/events/").content.decode()

    assert event.data["after"]["responsible_leader_phone"] == "***"
    assert event.data["after"]["responsible_leader_name"] == "赵书记"
    assert "13711112222" not in str(event.data) and "13711112222" not in history
