"""Issue 15 item 11: 人民调解法 art 25 — a dispute that may turn into a public-security or
criminal case is reported: the committee's directors, the judicial office over it and the
area's police partner (its liaison, where one is configured) are told in the same
transaction, and the report stands in the case's history. A major case (重大疑难) without a
包案领导 gets a reminder after one working day."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction

from committees.models import Mechanism, Role
from mediation import routing, services
from mediation.followups import followup_fire
from mediation.models import Case, CaseEvent, FollowUp, Notification
from tests.builders import PARTIES, fresh, make_case
from tests.factories import RoleFactory, UserFactory, institution

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
STATION_OF_A = "P640106001"  # 满城北街派出所: the police station of committee A's sub-district
BUREAU = "PSB640106"  # the district's police bureau


@pytest.fixture
def police_liaison(ref):
    return RoleFactory(
        user=UserFactory(username="police_a"),
        kind=Role.Kind.LIAISON,
        institution=institution(STATION_OF_A),
    ).user


def reported_to(case) -> set[str]:
    return set(
        Notification.objects.filter(case=case, kind="risk_report").values_list(
            "recipient__username", flat=True
        )
    )


def test_art25_a_criminal_risk_case_notifies_director_office_and_police_in_the_transaction(
    committee_a, mediator_a, director_a, office_a, police_liaison
):
    """The issue's probe: 12 people, `criminal_risk` and `suicide_risk` — a major case that
    alerted nobody. Now the report is written inside the registration's transaction."""
    with transaction.atomic():
        case = make_case(
            mediator_a,
            committee_a,
            risk_flags=["criminal_risk", "suicide_risk"],
            people_involved=12,
        )
        # inside the registering transaction, before commit
        assert reported_to(case) == {"director_a", "office_a", "police_a"}

    case = fresh(case)
    assert case.difficulty == "major"
    [event] = case.events.filter(kind="risk_reported")
    assert event.data["flags"] == ["criminal_risk", "suicide_risk"]
    assert event.data["notified"] == {"directors": 1, "judicial_office": 1, "police": 1}
    assert event.data["police_institution"] == STATION_OF_A
    assert event.data["law"] == "人民调解法第二十五条"


def test_art25_a_rolled_back_registration_leaves_no_report(
    committee_a, mediator_a, director_a, office_a
):
    cases = Case.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        make_case(mediator_a, committee_a, risk_flags=["group_fight_risk"])
        raise RuntimeError("the request failed after registering")

    assert Case.objects.count() == cases
    assert not Notification.objects.filter(kind="risk_report").exists()


def test_art25_without_a_station_liaison_the_district_bureau_liaison_is_told(
    committee_a, mediator_a, director_a
):
    RoleFactory(
        user=UserFactory(username="bureau"), kind=Role.Kind.LIAISON, institution=institution(BUREAU)
    )

    case = make_case(mediator_a, committee_a, risk_flags=["abnormal_death"])

    assert reported_to(case) == {"director_a", "bureau"}
    assert case.events.get(kind="risk_reported").data["police_institution"] == BUREAU


def test_art25_no_police_partner_configured_still_reports_to_director_and_office(
    committee_a, mediator_a, director_a, office_a
):
    case = make_case(mediator_a, committee_a, risk_flags=["escalation_risk"])

    assert reported_to(case) == {"director_a", "office_a"}
    data = case.events.get(kind="risk_reported").data
    assert (data["police_institution"], data["notified"]["police"]) == (None, 0)


def test_art25_a_flag_that_leads_to_no_police_matter_is_not_reported(
    committee_a, mediator_a, director_a, office_a
):
    case = make_case(mediator_a, committee_a, risk_flags=["vulnerable_party"])

    assert reported_to(case) == set()
    assert not case.events.filter(kind="risk_reported").exists()


def test_art25_an_edit_reports_only_the_flags_it_adds_and_a_repeat_reports_nothing(
    committee_a, mediator_a, director_a, office_a
):
    case = make_case(mediator_a, committee_a, risk_flags=["escalation_risk"])

    services.case_update(
        actor=mediator_a, case=fresh(case), risk_flags=["escalation_risk", "group_petition_risk"]
    )
    services.case_update(
        actor=mediator_a, case=fresh(case), risk_flags=["escalation_risk", "group_petition_risk"]
    )

    reports = list(case.events.filter(kind="risk_reported").order_by("id"))
    assert [r.data["flags"] for r in reports] == [["escalation_risk"], ["group_petition_risk"]]
    assert (
        Notification.objects.filter(kind="risk_report", recipient__username="office_a").count() == 2
    )


def test_art25_a_referred_case_with_a_risk_is_reported_at_the_receiving_committee(
    committee_a, director_a, office_a, court_liaison, mediator_a
):
    referral = routing.referral_receive(
        actor=court_liaison,
        mechanism=Mechanism.objects.get(code="court"),
        committee=committee_a,
        parties=PARTIES,
        title="讨薪纠纷",
        dispute_type="labour_wages",
        risk_flags=["group_petition_risk"],
    )

    assert reported_to(referral.case) == {"director_a", "office_a"}


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def test_a_major_case_without_a_responsible_leader_is_reminded_after_one_working_day(
    committee_a, mediator_a, director_a, office_a
):
    """Issue 15 item 11 (包案领导 for 重大疑难 disputes): registered Friday 2025-09-26 at
    15:30, the reminder falls due the next working day, Sunday 2025-09-28 (a make-up
    working day before the National Day holiday), at 15:30."""
    with time_machine.travel(at(date(2025, 9, 26), 15, 30)):
        case = make_case(mediator_a, committee_a, people_involved=10)
    [reminder] = FollowUp.objects.filter(case=case, kind="leader_missing")
    assert reminder.due_at == at(date(2025, 9, 28), 15, 30)

    with time_machine.travel(at(date(2025, 9, 28), 15, 31)):
        assert followup_fire(followup_id=reminder.id)

    assert set(
        Notification.objects.filter(follow_up=reminder).values_list(
            "recipient__username", flat=True
        )
    ) == {"director_a", "office_a"}


def test_naming_a_responsible_leader_cancels_the_reminder(committee_a, mediator_a, director_a):
    case = make_case(mediator_a, committee_a, amount_involved="150000.00")
    assert fresh(case).difficulty == "major"

    services.case_update(
        actor=mediator_a, case=fresh(case), responsible_leader={"name": "王书记", "post": "书记"}
    )

    assert set(
        FollowUp.objects.filter(case=case, kind="leader_missing").values_list("status", flat=True)
    ) == {"cancelled"}


def test_a_major_case_with_a_responsible_leader_needs_no_reminder(committee_a, mediator_a):
    case = make_case(
        mediator_a,
        committee_a,
        people_involved=15,
        responsible_leader={"name": "王书记", "post": "书记"},
    )

    assert not FollowUp.objects.filter(case=case, kind="leader_missing").exists()
    assert not CaseEvent.objects.filter(case=case, kind="risk_reported").exists()


def test_art25_a_risky_case_transferred_is_reported_at_the_receiving_committee(
    committee_a, mediator_a, director_a, committee_b, outsider
):
    case = make_case(mediator_a, committee_a, risk_flags=["suicide_risk"])
    transfer = routing.transfer_request(
        actor=director_a, case=fresh(case), to_committee=committee_b, kind="reassign", reason="搬迁"
    )

    routing.transfer_accept(actor=outsider, transfer=transfer)

    assert reported_to(case) == {"director_a", "outsider_b"}
    reports = fresh(case).events.filter(kind="risk_reported").order_by("id")
    assert [r.committee_id for r in reports] == [committee_a.id, committee_b.id]
