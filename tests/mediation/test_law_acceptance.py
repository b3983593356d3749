"""Issue 15 item 9: the acceptance clock, and withdrawal before acceptance.

A registered case must be accepted or declined within ACCEPTANCE_WORKING_DAYS working days
(default 3; LOCAL PRACTICE — 人民调解法 and the Ministry's 人民调解工作若干规定 (2002) set no
period for 受理, so the days are the district's own rule, counted on the State Council's
working-day calendar). The director is reminded on the day (`acceptance_due`) and alerted,
with the judicial office, after it (`acceptance_overdue`). A party may withdraw its
application before acceptance (人民调解法 art 17: mediation rests on the parties' will).
"""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from mediation import routing, services
from mediation.choices import Status
from mediation.followups import at_local, followup_fire
from mediation.models import FollowUp, Notification
from tests.builders import accept, fresh, make_case

Kind = FollowUp.Kind
SHANGHAI = ZoneInfo("Asia/Shanghai")

pytestmark = pytest.mark.django_db


def travel(day: date, hour: int = 10):
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI))


def row(case, kind):
    return FollowUp.objects.get(case=case, kind=kind, status=FollowUp.Status.SCHEDULED)


def told(kind, case=None) -> set[str]:
    rows = Notification.objects.filter(kind=kind)
    if case is not None:
        rows = rows.filter(case=case)
    return set(rows.values_list("recipient__username", flat=True))


def test_acceptance_clock_counts_working_days_across_national_day(
    committee_a, mediator_a, director_a
):
    """LOCAL PRACTICE (no article): 3 working days. Received Tuesday 2025-09-30, the day
    before the National Day holiday (2025-10-01..08): the days are Thu 10-09, Fri 10-10 and
    the make-up Saturday 10-11."""
    with travel(date(2025, 9, 30)):
        case = make_case(mediator_a, committee_a)

    assert case.accept_by == date(2025, 10, 11)
    assert row(case, Kind.ACCEPTANCE_DUE).due_at == at_local(date(2025, 10, 11))
    assert row(case, Kind.ACCEPTANCE_OVERDUE).due_at == at_local(date(2025, 10, 12), time(0, 0))


def test_acceptance_days_are_a_setting(settings, committee_a, mediator_a):
    settings.TIAOJIE = {**settings.TIAOJIE, "ACCEPTANCE_WORKING_DAYS": 1}
    with travel(date(2025, 9, 30)):
        case = make_case(mediator_a, committee_a)

    assert case.accept_by == date(2025, 10, 9)


def test_the_director_is_reminded_on_the_day_and_alerted_after_with_the_office(
    committee_a, mediator_a, director_a, office_a
):
    with travel(date(2025, 9, 30)):
        case = make_case(mediator_a, committee_a)
    due, overdue = row(case, Kind.ACCEPTANCE_DUE), row(case, Kind.ACCEPTANCE_OVERDUE)

    with travel(date(2025, 10, 11), 9):
        assert followup_fire(followup_id=due.id)
        assert fresh(case).is_acceptance_overdue is False
    assert told("acceptance_due", case) == {"director_a"}

    with travel(date(2025, 10, 12), 8):
        assert fresh(case).is_acceptance_overdue is True
        assert followup_fire(followup_id=overdue.id)
    assert told("acceptance_overdue", case) == {"director_a", "office_a"}
    # once each: a second firing (a redelivered task) tells nobody again
    assert not followup_fire(followup_id=overdue.id)
    assert Notification.objects.filter(kind="acceptance_overdue").count() == 2


def test_accepting_or_declining_in_time_stops_the_clock(committee_a, mediator_a, director_a):
    case = make_case(mediator_a, committee_a)
    other = make_case(mediator_a, committee_a)

    accept(director_a, case, mediator_a)
    services.case_decline(actor=director_a, case=fresh(other), reason="不属于调解范围")

    for each in (case, other):
        statuses = set(
            FollowUp.objects.filter(
                case=each, kind__in=[Kind.ACCEPTANCE_DUE, Kind.ACCEPTANCE_OVERDUE]
            ).values_list("status", flat=True)
        )
        assert statuses == {FollowUp.Status.CANCELLED}
    assert fresh(case).is_acceptance_overdue is False


def test_a_reminder_that_fires_after_acceptance_tells_nobody(committee_a, mediator_a, director_a):
    case = make_case(mediator_a, committee_a)
    due = row(case, Kind.ACCEPTANCE_DUE)
    # a reminder already claimed by the engine when the director accepted
    accept(director_a, case, mediator_a)
    FollowUp.objects.filter(pk=due.pk).update(status=FollowUp.Status.SCHEDULED)

    followup_fire(followup_id=due.id)

    assert FollowUp.objects.get(pk=due.pk).status == FollowUp.Status.CANCELLED
    assert not told("acceptance_due")


def test_a_transferred_case_starts_a_fresh_clock_at_the_receiver(
    committee_a, mediator_a, director_a, committee_b, outsider
):
    with travel(date(2025, 9, 1)):
        case = make_case(mediator_a, committee_a)
        transfer = routing.transfer_request(
            actor=director_a,
            case=fresh(case),
            to_committee=committee_b,
            kind="reassign",
            reason="当事人搬迁",
        )
    with travel(date(2025, 9, 2)):
        routing.transfer_accept(actor=outsider, transfer=transfer)

    case = fresh(case)
    assert case.accept_by == date(2025, 9, 5)
    live = FollowUp.objects.get(
        case=case, kind=Kind.ACCEPTANCE_DUE, status=FollowUp.Status.SCHEDULED
    )
    assert (live.committee_id, live.step) == (committee_b.id, 1)
    assert live.due_at == at_local(date(2025, 9, 5))


def test_withdraw_before_acceptance_is_allowed(committee_a, mediator_a):
    """人民调解法 art 17 (mediation rests on the parties' will): the applicant may withdraw
    a registered case; the acceptance clock stops."""
    case = make_case(mediator_a, committee_a)

    case = services.case_withdraw(actor=mediator_a, case=case, reason="双方已自行和解")

    assert case.status == Status.WITHDRAWN
    assert case.closed_as == "withdrawn"
    assert case.concluded_at is not None
    assert not FollowUp.objects.filter(case=case, status=FollowUp.Status.SCHEDULED).exists()
    assert case.events.filter(kind="withdrawn", from_status="registered").exists()


def test_the_acceptance_deadline_is_local_practice_and_documented():
    from django.conf import settings

    assert settings.TIAOJIE["ACCEPTANCE_WORKING_DAYS"] == 3
    source = open(settings.BASE_DIR / "config" / "settings.py", encoding="utf-8").read()
    # the comment just above the setting says it is the district's own rule, not law
    assert "LOCAL PRACTICE" in source.split('"ACCEPTANCE_WORKING_DAYS"')[0][-400:]
