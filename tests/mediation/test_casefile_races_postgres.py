"""卷号 under concurrency on the real PostgreSQL (issue 16 item 4): 20 cases archived at
once, each also archived twice, beside incomplete files refused at the same moment, get
the numbers 1..20 of their committee and year, each once, without gaps. The harness (real
HTTP requests from threads released by a barrier) is tests/mediation/test_races_postgres.py's.
"""

from collections import Counter

import pytest
from django.conf import settings
from django.utils import timezone

from mediation import services
from mediation.models import Case, FileNumberCounter
from tests.builders import complete_file, fresh, make_case
from tests.mediation.test_races_postgres import post, race

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not ON_POSTGRES,
        reason="race tests need the real PostgreSQL (set DATABASE_URL=postgres://...); "
        f"the configured database engine is {settings.DATABASES['default']['ENGINE']}",
    ),
]


def _withdrawn(mediator, director, committee, index) -> Case:
    case = make_case(
        mediator, committee, title=f"纠纷{index}", status="mediating", director=director
    )
    return services.case_withdraw(actor=mediator, case=fresh(case), reason="撤回")


def test_twenty_concurrent_archives_get_gapless_file_numbers(
    ref, committee_a, mediator_a, director_a
):
    # given 20 withdrawn cases with complete files and 5 without
    complete = [
        complete_file(mediator_a, _withdrawn(mediator_a, director_a, committee_a, i))
        for i in range(20)
    ]
    incomplete = [_withdrawn(mediator_a, director_a, committee_a, 100 + i) for i in range(5)]

    # when each complete case is archived twice and each incomplete one once, all at once
    calls = [post(mediator_a, f"/api/v1/cases/{c.pk}/archive/") for c in complete * 2]
    calls += [post(mediator_a, f"/api/v1/cases/{c.pk}/archive/") for c in incomplete]
    responses = race(calls)

    # then every complete case was archived once (the repeat: 409) ...
    statuses = Counter(r.status_code for r in responses)
    assert statuses == Counter({200: 20, 409: 25}), statuses
    codes = Counter(r.json()["code"] for r in responses if r.status_code == 409)
    assert codes["file_incomplete"] == 5
    # ... and the numbers are 1..20 of the committee's year, each once
    year = timezone.localdate().year
    archived = Case.objects.filter(pk__in=[c.pk for c in complete])
    assert sorted(archived.values_list("file_sequence", flat=True)) == list(range(1, 21))
    assert set(archived.values_list("file_year", flat=True)) == {year}
    assert sorted(archived.values_list("file_number", flat=True)) == [
        f"{year}-{n:04d}" for n in range(1, 21)
    ]
    assert FileNumberCounter.objects.get(committee=committee_a, year=year).last == 20
    assert not Case.objects.filter(pk__in=[c.pk for c in incomplete], status="archived")
