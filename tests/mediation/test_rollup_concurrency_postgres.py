"""The statistics rollup kept by concurrent refreshers while cases change (PostgreSQL).

Writers register, accept and conclude cases through the services (each change marks its
committee-months dirty) while two refreshers run `rollup_refresh` in a loop: committee
rows recomputed under SKIP LOCKED, then the district months they marked. Afterwards,
with one last refresh, every table of the rollup — committee cells, durations and both
district tables — must equal a rebuild from the raw tables: no change lost between a
committee refresh and a district refresh running at the same time.
"""

import random
import threading
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection

from committees.models import Mediator
from mediation import services, statistics
from mediation.models import (
    DistrictDurationStat,
    DistrictMonthlyStat,
    DistrictStatDirty,
    DurationStat,
    MonthlyStat,
    StatDirty,
)
from tests.builders import PLAIN_PARTIES

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not ON_POSTGRES, reason="needs the real PostgreSQL (DATABASE_URL)"),
]

TABLES = {
    MonthlyStat: ("committee_id", "month", "dispute_type", "source", *statistics.ADDITIVE),
    DurationStat: ("committee_id", "month", "days", "cases"),
    DistrictMonthlyStat: ("month", "dispute_type", "source", *statistics.ADDITIVE),
    DistrictDurationStat: ("month", "days", "cases"),
}


def snapshot() -> dict:
    return {model.__name__: sorted(model.objects.values_list(*f)) for model, f in TABLES.items()}


def writer(director, mediator, committee, seed: int, cases: int, errors: list) -> None:
    rng = random.Random(seed)
    membership = Mediator.objects.get(user=mediator, committee=committee)
    try:
        for _ in range(cases):
            case = services.case_register(
                actor=mediator,
                committee=committee,
                source=rng.choice(["party_application", "screening"]),
                parties=PLAIN_PARTIES,
                dispute_type=rng.choice(["neighbourhood", "contract", "labour_wages"]),
                title="纠纷",
                amount_involved=Decimal(rng.randint(0, 9000)),
            )
            if rng.random() < 0.8:
                case = services.case_accept(actor=director, case=case, mediator_ids=[membership.id])
                if rng.random() < 0.7:
                    services.case_conclude(
                        actor=mediator,
                        case=case,
                        outcome="success",
                        agreement={"form": "oral", "terms": "和解"},
                    )
    except Exception as error:  # reported by the test, not lost in the thread
        errors.append(error)
    finally:
        connection.close()


def refresher(stop: threading.Event, rounds: list, errors: list) -> None:
    try:
        while not stop.is_set():
            rounds.append(statistics.rollup_refresh(limit=50))
    except Exception as error:
        errors.append(error)
    finally:
        connection.close()


def test_concurrent_refreshes_lose_no_change(
    committee_a, committee_b, director_a, mediator_a, outsider
):
    from mediation.rollup_sql import rollup_rebuild_sql

    # given two committees' writers and two refreshers, all at once
    errors, rounds, stop = [], [], threading.Event()
    writers = [
        threading.Thread(target=writer, args=(director_a, mediator_a, committee_a, 1, 25, errors)),
        threading.Thread(target=writer, args=(director_a, mediator_a, committee_a, 2, 25, errors)),
        threading.Thread(target=writer, args=(outsider, outsider, committee_b, 3, 25, errors)),
    ]
    refreshers = [threading.Thread(target=refresher, args=(stop, rounds, errors)) for _ in range(2)]
    for thread in writers + refreshers:
        thread.start()
    for thread in writers:
        thread.join(120)
    stop.set()
    for thread in refreshers:
        thread.join(120)
    assert errors == []
    assert sum(rounds) > 0  # the refreshers did work while the writers ran

    # when the last marks are refreshed
    statistics.rollup_refresh()
    incremental = snapshot()

    # then nothing is left marked and every table equals a rebuild from the raw tables
    assert not StatDirty.objects.exists() and not DistrictStatDirty.objects.exists()
    rollup_rebuild_sql()
    assert incremental == snapshot()
    assert all(incremental.values())
