"""Judicial confirmation as a cycle and what follows non-performance (issue 15 items 3, 6,
12): 人民调解法 arts 32, 33; 法释〔2011〕5号 arts 2, 4, 5; 民事诉讼法 art 85 (a period's last
day on a holiday). Built through the services on fixed dates (time-machine), so the
holiday cases hold on any day the suite runs."""

from datetime import date, timedelta

import pytest
import time_machine
from django.utils import timezone

from committees.models import Institution
from mediation import agreement_rules, services
from mediation.engine import followup_fire
from mediation.exceptions import InvalidInput, InvalidTransition
from mediation.models import Agreement, CaseEvent, FollowUp, Notification
from tests.builders import at, fresh, referral_in, sign_all
from tests.builders import case_state as state
from tests.builders import world_accept as accept
from tests.builders import world_register as register
from tests.builders import world_succeed as succeed

Kind = FollowUp.Kind


def apply(world, case, applied_on, **fields):
    body = {"joint": True, "result": "pending", **fields}
    return services.case_record_judicial_confirmation(
        actor=world.mediator, case=fresh(case), applied_on=applied_on, **body
    )


def on(day: date):
    return time_machine.travel(at(day, 11), tick=False)


# --- item 3: the window ends on the next working day past a holiday ---------------------------


def test_art33_window_past_national_day_applied_2025_10_09_is_accepted(world):
    """人民调解法 art 33 (30 days) with 民事诉讼法 art 85: effective 2025-09-01, day 30 is
    2025-10-01, inside the National Day holiday (to 2025-10-08): the window ends 10-09."""
    case = succeed(world, effective_on=date(2025, 9, 1), intends_judicial_confirmation=True)
    assert agreement_rules.judicial_window_end(date(2025, 9, 1)) == date(2025, 10, 9)

    with on(date(2025, 10, 9)):
        agreement = apply(world, case, date(2025, 10, 9), court="金凤区人民法院")

    assert agreement.judicial_applied_on == date(2025, 10, 9)


def test_art33_window_past_national_day_applied_2025_10_10_is_refused(world):
    case = succeed(world, effective_on=date(2025, 9, 1))
    before = state(case)

    with on(date(2025, 10, 10)), pytest.raises(InvalidInput) as refused:
        apply(world, case, date(2025, 10, 10))

    assert refused.value.code == "outside_judicial_window"
    assert refused.value.extra["deadline"] == "2025-10-09"
    assert state(case) == before


def test_art33_the_window_reminder_reads_the_setting_and_the_holiday(world, settings):
    """The reminder goes out JUDICIAL_WINDOW_REMINDER_DAYS_BEFORE the (moved) last day; a
    longer window setting moves it with it (no hard-coded 30)."""
    case = succeed(world, effective_on=date(2025, 9, 1), intends_judicial_confirmation=True)
    [reminder] = FollowUp.objects.filter(case=case, kind=Kind.JUDICIAL_WINDOW)
    assert timezone.localdate(reminder.due_at) == date(2025, 10, 4)  # 10-09 less 5 days

    settings.TIAOJIE = {**settings.TIAOJIE, "JUDICIAL_CONFIRMATION_DAYS": 45}
    case = succeed(world, effective_on=date(2025, 9, 1), intends_judicial_confirmation=True)
    [reminder] = FollowUp.objects.filter(case=case, kind=Kind.JUDICIAL_WINDOW)
    assert timezone.localdate(reminder.due_at) == date(2025, 10, 16) - timedelta(days=5)

    with on(date(2025, 10, 11)):
        followup_fire(followup_id=reminder.id)
    [note] = Notification.objects.filter(follow_up=reminder)
    assert "2025-10-16" in note.title


def test_art33_an_unsigned_written_agreement_cannot_be_taken_to_court(world):
    case = succeed(world)
    before = state(case)

    with pytest.raises(InvalidInput) as refused:
        apply(world, case, timezone.localdate())

    assert refused.value.code == "agreement_not_effective"
    assert state(case) == before


# --- item 12: joint application, court, excluded matters, pending, re-mediation --------------


def test_art33_the_application_is_joint(world):
    """人民调解法 art 33: 双方当事人 … 共同向人民法院申请司法确认."""
    case = succeed(world, effective_on=timezone.localdate())
    before = state(case)

    with pytest.raises(InvalidInput) as not_joint:
        apply(world, case, timezone.localdate(), joint=False)
    applicant = fresh(case).parties.get(role="applicant")
    with pytest.raises(InvalidInput) as one_side:
        apply(world, case, timezone.localdate(), consenting_parties=[applicant.id])

    assert not_joint.value.code == one_side.value.code == "joint_application_required"
    assert state(case) == before
    agreement = apply(world, case, timezone.localdate())
    assert agreement.judicial_joint is True
    assert sorted(agreement.judicial_consenting_parties) == sorted(
        fresh(case).parties.values_list("id", flat=True)
    )


def test_spc2011_art2_court_defaults_to_the_basic_court_where_the_committee_sits(world):
    """法释〔2011〕5号 art 2: the basic court of the committee's place (reference data)."""
    case = succeed(world, effective_on=timezone.localdate())

    agreement = apply(world, case, timezone.localdate())

    assert agreement.judicial_court == "金凤区人民法院"


def test_spc2011_art2_court_defaults_to_the_inviting_court_for_a_court_referred_case(
    world, court_liaison
):
    """法释〔2011〕5号 art 2: a dispute the court sent before filing goes back to that court,
    though a tribunal sits nearer the committee (which an ordinary case of it would get)."""
    Institution.objects.create(
        code="TRB-TEST",
        name="金凤区人民法院满城北街人民法庭",
        kind=Institution.Kind.TRIBUNAL,
        area=world.committee_a.area.parent,
    )
    referred = referral_in(court_liaison, "court", world.committee_a).case
    referred = sign_all(world.mediator, succeed(world, accept(world, referred)))
    ordinary = succeed(world, effective_on=timezone.localdate())

    assert apply(world, referred, timezone.localdate()).judicial_court == "金凤区人民法院"
    assert apply(world, ordinary, timezone.localdate()).judicial_court == (
        "金凤区人民法院满城北街人民法庭"
    )


@pytest.mark.parametrize("matter", ["identity", "marriage", "adoption"])
def test_spc2011_art4_relationships_of_identity_marriage_adoption_are_excluded(world, matter):
    """法释〔2011〕5号 art 4: 确认身份关系、收养关系、婚姻关系的 — not accepted."""
    case = sign_all(
        world.mediator,
        succeed(world, accept(world, register(world, dispute_type="marriage_family"))),
    )
    before = state(case)

    with pytest.raises(InvalidInput) as refused:
        apply(world, case, timezone.localdate(), relationship_matter=matter)

    assert refused.value.code == "judicial_excluded"
    assert state(case) == before


def test_spc2011_art4_a_family_case_must_say_whether_it_confirms_a_relationship(world):
    case = sign_all(
        world.mediator,
        succeed(world, accept(world, register(world, dispute_type="marriage_family"))),
    )

    with pytest.raises(InvalidInput) as refused:
        apply(world, case, timezone.localdate())
    agreement = apply(world, case, timezone.localdate(), relationship_matter="none")

    assert refused.value.code == "relationship_matter_required"
    assert agreement.judicial_result == "pending"


@pytest.mark.parametrize(("extended", "days"), [(False, 15), (True, 25)])
def test_spc2011_art5_a_pending_application_is_chased_after_15_days_or_25(world, extended, days):
    """法释〔2011〕5号 art 5: decided within 15 days of acceptance, +10 when extended."""
    day = date(2026, 3, 2)
    case = succeed(world, effective_on=day)
    with on(day):
        apply(world, case, day, court_extended=extended)
    [chase] = FollowUp.objects.filter(case=case, kind=Kind.JUDICIAL_PENDING, status="scheduled")
    assert timezone.localdate(chase.due_at) == day + timedelta(days=days + 1)

    with on(day + timedelta(days=days + 1)):
        followup_fire(followup_id=chase.id)

    [note] = Notification.objects.filter(follow_up=chase, recipient=world.mediator)
    assert note.kind == "judicial_pending"
    with on(day + timedelta(days=days + 2)):
        apply(world, case, day, result="confirmed", ruling_number="（2026）宁0106民特9号")
    assert not FollowUp.objects.filter(
        case=case, kind=Kind.JUDICIAL_PENDING, status="scheduled"
    ).exists()


def test_art33_after_rejection_the_case_is_mediated_again_with_a_new_agreement_version(world):
    """人民调解法 art 33 ¶2: refused confirmation — the parties may change the agreement or
    reach a new one through people's mediation. The old version is kept."""
    case = succeed(world, effective_on=timezone.localdate())
    apply(world, case, timezone.localdate(), result="rejected")
    before = state(case)
    with pytest.raises(InvalidInput) as no_consent:
        services.agreement_remediate(actor=world.mediator, case=fresh(case), parties_consent=False)
    assert no_consent.value.code == "parties_consent_required"
    assert state(case) == before

    case = services.agreement_remediate(
        actor=world.mediator, case=fresh(case), reason="双方同意变更协议", parties_consent=True
    )
    assert (case.status, case.agreement_id, case.concluded_at) == ("mediating", None, None)
    case = succeed(world, case, terms="变更后的协议：分三期支付。")

    versions = list(Agreement.objects.filter(case=case).order_by("version"))
    assert [a.version for a in versions] == [1, 2]
    assert versions[0].judicial_result == "rejected"
    assert versions[0].superseded_at is not None
    assert fresh(case).agreement == versions[1]
    assert fresh(case).status == "succeeded"
    assert CaseEvent.objects.filter(case=case, kind="remediated").count() == 1


def test_art33_remediation_needs_a_refusal_or_non_performance(world):
    case = succeed(world, effective_on=timezone.localdate())
    before = state(case)

    with pytest.raises(InvalidTransition):
        services.agreement_remediate(actor=world.mediator, case=fresh(case), parties_consent=True)

    assert state(case) == before


# --- item 6: non-performance offers what applies ----------------------------------------------


def not_performed(world, case):
    check = FollowUp.objects.get(case=case, kind=Kind.PERFORMANCE_CHECK, status="scheduled")
    return services.followup_complete(actor=world.mediator, followup=check, performed="none")


def test_art32_non_performance_offers_urge_remediation_and_a_lawsuit(world):
    """人民调解法 art 32: a party may sue over the agreement's performance or content; the
    committee urges (督促履行) and may mediate again with consent. No judicial confirmation
    once the window has passed."""
    case = succeed(world, effective_on=timezone.localdate() - timedelta(days=60))
    row = not_performed(world, case)

    assert agreement_rules.performance_actions(fresh(case)) == ["urge", "remediate", "lawsuit"]
    assert row.result["options"] == ["urge", "remediate", "lawsuit"]
    assert "司法确认" not in row.result["advice"]

    services.agreement_performance(
        actor=world.mediator, case=fresh(case), action="urge", note="电话督促"
    )
    services.agreement_performance(actor=world.mediator, case=fresh(case), action="lawsuit")
    assert agreement_rules.performance_actions(fresh(case)) == ["urge", "remediate"]
    assert CaseEvent.objects.filter(case=case, kind="performance_urge").count() == 1
    assert fresh(case).agreement.lawsuit_recorded_on == timezone.localdate()


def test_enforcement_only_for_a_confirmed_agreement_and_no_lawsuit_then(world):
    """A confirmed agreement is enforced by the court (民事诉讼法 art 201), not sued on."""
    case = succeed(world, effective_on=timezone.localdate())
    before_confirmation = state(case)
    with pytest.raises(InvalidTransition) as nothing_to_do:
        services.agreement_performance(actor=world.mediator, case=fresh(case), action="enforcement")
    assert nothing_to_do.value.extra["allowed"] == []
    assert state(case) == before_confirmation
    apply(
        world, case, timezone.localdate(), result="confirmed", ruling_number="（2026）宁0106民特2号"
    )
    not_performed(world, case)

    assert agreement_rules.performance_actions(fresh(case)) == ["urge", "enforcement"]
    with pytest.raises(InvalidTransition):
        services.agreement_performance(actor=world.mediator, case=fresh(case), action="lawsuit")
    services.agreement_performance(actor=world.mediator, case=fresh(case), action="enforcement")
    assert fresh(case).agreement.enforcement_applied_on == timezone.localdate()
    assert agreement_rules.performance_actions(fresh(case)) == ["urge"]


def test_remediation_for_non_performance_keeps_the_old_version(world):
    case = succeed(world, effective_on=timezone.localdate())
    not_performed(world, case)

    case = services.agreement_performance(
        actor=world.mediator,
        case=fresh(case),
        action="remediate",
        note="双方同意重新协商履行方式",
        parties_consent=True,
    )

    assert fresh(case).status == "mediating"
    assert Agreement.objects.get(case=case).superseded_at is not None
    # The old agreement's follow-ups no longer run.
    assert not FollowUp.objects.filter(
        case=case, kind__in=[Kind.PERFORMANCE_CHECK, Kind.SATISFACTION], status="scheduled"
    ).exists()
