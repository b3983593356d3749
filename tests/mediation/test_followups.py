"""The follow-up engine: rows created by transitions with the right due dates, cancelled
when moot, and their effects when due (who is told, what is scheduled next)."""

from datetime import date, time, timedelta

import pytest
from django.utils import timezone

from mediation import services
from mediation.calendar import add_working_days, period_end
from mediation.choices import Status
from mediation.exceptions import Conflict, InvalidInput, InvalidTransition, NotFound
from mediation.followups import (
    at_local,
    followup_complete,
    followup_fire,
    followups_ensure_screening,
    followups_scan,
    rating_submit,
)
from mediation.models import Agreement, Case, FollowUp, Notification, OutboundMessage, RatingLink
from mediation.routing import transfer_request
from tests.builders import make_case, sign_all

Kind = FollowUp.Kind

PARTIES = [
    {
        "role": "applicant",
        "name": "张某",
        "id_number": "11010519491231002X",
        "phone": "13800000000",
    },
    {"role": "respondent", "name": "李某", "phone": "13900000000"},
    {"role": "third_party", "name": "王某"},
]


def accepted_case(director, mediator, committee, **extra):
    return make_case(
        mediator,
        committee,
        parties=PARTIES,
        title="漏水纠纷",
        status=Status.MEDIATING,
        director=director,
        **extra,
    )


def rows(case, kind=None, status=None):
    queryset = FollowUp.objects.filter(case=case)
    if kind:
        queryset = queryset.filter(kind=kind)
    if status:
        queryset = queryset.filter(status=status)
    return list(queryset.order_by("step", "id"))


def make_due(row):
    FollowUp.objects.filter(pk=row.pk).update(due_at=timezone.now() - timedelta(minutes=1))


def recipients(row):
    return set(
        Notification.objects.filter(follow_up=row).values_list("recipient__username", flat=True)
    )


@pytest.mark.django_db
def test_accept_schedules_warning_five_days_before_and_overdue_after_due_on(
    director_a, mediator_a, committee_a
):
    case = accepted_case(director_a, mediator_a, committee_a)

    [warning] = rows(case, Kind.DEADLINE_WARNING)
    [overdue] = rows(case, Kind.OVERDUE)
    assert case.due_on == timezone.localdate() + timedelta(days=30)
    assert warning.due_at == at_local(case.due_on - timedelta(days=5))
    assert overdue.due_at == at_local(case.due_on + timedelta(days=1), time(0, 0))


@pytest.mark.django_db
def test_extension_moves_the_deadline_rows_and_conclusion_cancels_them(
    director_a, mediator_a, committee_a
):
    case = accepted_case(director_a, mediator_a, committee_a)
    case = services.case_extend(
        actor=mediator_a, case=case, days=10, reason="双方同意", parties_consent=True
    )
    [warning] = rows(case, Kind.DEADLINE_WARNING)
    assert warning.due_at == at_local(case.due_on - timedelta(days=5))

    services.case_conclude(actor=mediator_a, case=case, outcome="failure", guidance="litigation")

    assert {r.status for r in rows(case, Kind.DEADLINE_WARNING) + rows(case, Kind.OVERDUE)} == {
        FollowUp.Status.CANCELLED
    }


@pytest.mark.django_db
def test_overdue_escalates_director_then_office_then_district_and_leader_by_sms(
    director_a, mediator_a, committee_a, office_a, district
):
    case = accepted_case(
        director_a,
        mediator_a,
        committee_a,
        responsible_leader={"name": "赵书记", "post": "街道党工委书记", "phone": "13700000000"},
    )
    Case.objects.filter(pk=case.pk).update(due_on=timezone.localdate() - timedelta(days=1))

    for step, expected in enumerate([{"director_a"}, {"office_a"}, {"district_office"}]):
        row = rows(case, Kind.OVERDUE, FollowUp.Status.SCHEDULED)[-1]
        assert row.step == step
        make_due(row)
        followups_scan()
        row.refresh_from_db()
        assert row.status == FollowUp.Status.DONE
        assert recipients(row) == expected
        assert OutboundMessage.objects.get(key=f"fu{row.id}:leader").to == "13700000000"
        [next_row] = rows(case, Kind.OVERDUE, FollowUp.Status.SCHEDULED)
        assert next_row.step == step + 1
        assert next_row.due_at == row.due_at + timedelta(days=7) or step == 0


@pytest.mark.django_db
def test_overdue_on_a_case_no_longer_overdue_is_cancelled_without_alerts(
    director_a, mediator_a, committee_a
):
    case = accepted_case(director_a, mediator_a, committee_a)
    [row] = rows(case, Kind.OVERDUE)
    make_due(row)  # due, but the case's due_on is still in the future

    followups_scan()

    row.refresh_from_db()
    assert row.status == FollowUp.Status.CANCELLED
    # Nothing about this case (between the 5th and the 10th of a month the same scan also
    # reminds directors of last month's screening report: not this test's business).
    assert not Notification.objects.filter(case=case).exists()
    assert not Notification.objects.filter(follow_up=row).exists()


@pytest.mark.django_db
def test_firing_twice_has_one_effect(director_a, mediator_a, committee_a):
    case = accepted_case(director_a, mediator_a, committee_a)
    [row] = rows(case, Kind.DEADLINE_WARNING)
    make_due(row)

    assert followup_fire(followup_id=row.id) is True
    assert followup_fire(followup_id=row.id) is False
    followups_scan()
    assert Notification.objects.filter(follow_up=row).count() == 2  # mediator + director
    assert recipients(row) == {"mediator_a", "director_a"}


@pytest.mark.django_db
def test_performance_check_after_deadline_and_second_check_on_partial(
    director_a, mediator_a, committee_a
):
    case = accepted_case(director_a, mediator_a, committee_a)
    deadline = timezone.localdate() + timedelta(days=20)
    services.case_conclude(
        actor=mediator_a,
        case=case,
        outcome="success",
        agreement={
            "form": "written",
            "terms": "赔偿5000元",
            "amount": "5000.00",
            "performance_deadline": deadline,
        },
    )
    assert rows(case, Kind.PERFORMANCE_CHECK) == []  # not in force before it is signed
    sign_all(mediator_a, case)
    [check] = rows(case, Kind.PERFORMANCE_CHECK)
    assert check.due_at == at_local(deadline + timedelta(days=1))

    make_due(check)
    followups_scan()
    check.refresh_from_db()
    assert check.fired_at is not None and check.status == FollowUp.Status.SCHEDULED
    assert recipients(check) == {"mediator_a"}

    done = followup_complete(actor=mediator_a, followup=check, performed="partial")

    assert done.status == FollowUp.Status.DONE
    assert "司法确认" in done.result["advice"] and "诉讼" in done.result["advice"]
    [second] = rows(case, Kind.PERFORMANCE_CHECK, FollowUp.Status.SCHEDULED)
    assert second.step == 1
    assert second.due_at == at_local(timezone.localdate() + timedelta(days=15))
    assert Agreement.objects.get(case=case).performance == "partial"
    with pytest.raises(Conflict):
        followup_complete(actor=mediator_a, followup=check, performed="full")


@pytest.mark.django_db
def test_performance_check_without_deadline_is_15_days_after_the_agreement(
    director_a, mediator_a, committee_a
):
    case = accepted_case(director_a, mediator_a, committee_a)
    services.case_conclude(
        actor=mediator_a, case=case, outcome="success", agreement={"form": "oral", "terms": "道歉"}
    )
    [check] = rows(case, Kind.PERFORMANCE_CHECK)
    assert check.due_at == at_local(timezone.localdate() + timedelta(days=15))
    with pytest.raises(InvalidInput):
        followup_complete(actor=mediator_a, followup=check, performed="")


@pytest.mark.django_db
def test_judicial_window_reminder_5_days_before_it_closes_and_cancelled_by_application(
    director_a, mediator_a, committee_a
):
    case = accepted_case(director_a, mediator_a, committee_a)
    case = services.case_conclude(
        actor=mediator_a,
        case=case,
        outcome="success",
        agreement={"form": "written", "terms": "赔偿", "intends_judicial_confirmation": True},
    )
    assert rows(case, Kind.JUDICIAL_WINDOW) == []  # the window opens when it takes effect
    case = sign_all(mediator_a, case)
    [window] = rows(case, Kind.JUDICIAL_WINDOW)
    closes = period_end(timezone.localdate(), 30)
    assert window.due_at == at_local(closes - timedelta(days=5))

    services.case_record_judicial_confirmation(
        actor=mediator_a,
        case=case,
        applied_on=timezone.localdate(),
        court="金凤区人民法院",
        result="pending",
        joint=True,
    )

    window.refresh_from_db()
    assert window.status == FollowUp.Status.CANCELLED


@pytest.mark.django_db
def test_satisfaction_sends_one_link_per_party_with_a_phone(director_a, mediator_a, committee_a):
    case = accepted_case(director_a, mediator_a, committee_a)
    services.case_conclude(actor=mediator_a, case=case, outcome="failure", guidance="litigation")
    [row] = rows(case, Kind.SATISFACTION)
    assert row.due_at == at_local(timezone.localdate() + timedelta(days=3))

    make_due(row)
    followups_scan()
    followups_scan()

    links = RatingLink.objects.filter(case=case)
    assert links.count() == 2  # 张某 and 李某 have phones; 王某 has none
    assert OutboundMessage.objects.filter(case=case).count() == 2
    bodies = {m.to: m.body for m in OutboundMessage.objects.filter(case=case)}
    assert set(bodies) == {"13800000000", "13900000000"}
    assert all(link.token in bodies[link.party.phone] for link in links)
    assert all(m.sent_at is not None for m in OutboundMessage.objects.all())


@pytest.mark.django_db
def test_rating_link_is_single_use_expires_and_bad_rating_opens_a_review(
    director_a, mediator_a, committee_a
):
    case = accepted_case(director_a, mediator_a, committee_a)
    services.case_conclude(
        actor=mediator_a, case=case, outcome="failure", guidance="other_committee"
    )
    make_due(rows(case, Kind.SATISFACTION)[0])
    followups_scan()
    first, second = RatingLink.objects.filter(case=case).order_by("id")

    rating_submit(token=first.token, stars=2, comment="态度不好")

    [review] = rows(case, Kind.BAD_RATING_REVIEW)
    assert review.due_at == at_local(add_working_days(timezone.localdate(), 5))
    with pytest.raises(Conflict):
        rating_submit(token=first.token, stars=5)
    with pytest.raises(InvalidInput):
        rating_submit(token=second.token, stars=6)
    RatingLink.objects.filter(pk=second.pk).update(expires_at=timezone.now())
    with pytest.raises(NotFound):
        rating_submit(token=second.token, stars=5)
    with pytest.raises(NotFound):
        rating_submit(token="no-such-token", stars=5)

    make_due(review)
    followups_scan()
    assert recipients(review) == {"director_a"}
    followup_complete(actor=director_a, followup=review, result="已回访当事人")
    review.refresh_from_db()
    assert review.status == FollowUp.Status.DONE


@pytest.mark.django_db
def test_automatic_followups_cannot_be_completed_by_hand(director_a, mediator_a, committee_a):
    case = accepted_case(director_a, mediator_a, committee_a)
    with pytest.raises(InvalidTransition):
        followup_complete(actor=mediator_a, followup=rows(case, Kind.OVERDUE)[0])


@pytest.mark.django_db
def test_transfer_response_expires_the_transfer_and_tells_the_sender(
    director_a, mediator_a, committee_a, town_a
):
    case = make_case(mediator_a, committee_a, parties=PARTIES, title="漏水纠纷")
    transfer = transfer_request(
        actor=director_a, case=case, to_committee=town_a, kind="escalate", reason="重大"
    )
    [row] = FollowUp.objects.filter(transfer=transfer)
    assert row.due_at == transfer.respond_by
    transfer.__class__.objects.filter(pk=transfer.pk).update(respond_by=timezone.now())
    make_due(row)

    followups_scan()

    transfer.refresh_from_db()
    case.refresh_from_db()
    assert transfer.status == "expired"
    assert case.transfer_pending is False and case.committee_id == committee_a.id
    assert recipients(row) == {"director_a"}


@pytest.mark.django_db
def test_screening_reminders_director_on_5th_office_on_10th_cancelled_by_report(
    director_a, mediator_a, committee_a, office_a, time_machine
):
    today = date(2026, 12, 3)
    # November's report can be filed only once November is over.
    time_machine.move_to(at_local(today), tick=True)
    created = followups_ensure_screening(today=today)
    assert followups_ensure_screening(today=today) == 0
    assert created == 2 * 84
    step0, step1 = FollowUp.objects.filter(
        kind=Kind.SCREENING_REPORT, committee=committee_a, period="2026-11"
    ).order_by("step")
    assert step0.due_at == at_local(date(2026, 12, 5))
    assert step1.due_at == at_local(date(2026, 12, 10))

    make_due(step0)
    make_due(step1)
    assert followup_fire(followup_id=step0.id) and followup_fire(followup_id=step1.id)
    assert recipients(step0) == {"director_a"}
    assert recipients(step1) == {"office_a"}

    other = FollowUp.objects.get(
        kind=Kind.SCREENING_REPORT, committee__code="C640106001002", period="2026-11", step=0
    )
    services.screening_report_file(
        actor=mediator_a, committee=committee_a, period="2026-11", disputes_found=3
    )
    with pytest.raises(Conflict):
        services.screening_report_file(
            actor=mediator_a, committee=committee_a, period="2026-11", disputes_found=3
        )
    assert other.status == FollowUp.Status.SCHEDULED


@pytest.mark.django_db
def test_working_days_skip_the_national_day_holiday_and_count_the_make_up_saturday():
    # 2026-09-30 (Wed) + 5 working days: Oct 1–7 are holidays; Oct 8 (Thu), 9 (Fri),
    # 10 (Sat, a make-up working day), 12 (Mon), 13 (Tue).
    assert add_working_days(date(2026, 9, 30), 5) == date(2026, 10, 13)
    assert add_working_days(date(2026, 10, 9), 1) == date(2026, 10, 10)


def test_working_days_past_the_package_data_fall_back_to_weekdays(caplog):
    assert add_working_days(date(2099, 1, 2), 1) == date(2099, 1, 5)  # Fri → Mon
    assert "no data for 2099" in caplog.text
