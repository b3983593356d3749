"""The service kernel's rules (issue "The house"): the transfer freeze changes only through
workflow.move; the agreement's performance is written under the case lock; a notification
is marked read by a service; the follow-up times are read from settings.TIAOJIE; outbox
delivery is queued by task name."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mediation import notify, services, workflow
from mediation.calendar import period_end
from mediation.followups import at_local, followup_complete, followups_scan
from mediation.models import Case, FollowUp, Notification, OutboundMessage
from tests.builders import sign_all
from tests.mediation.test_followups import accepted_case, make_due, rows

Kind = FollowUp.Kind
ON_POSTGRES = django_settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def test_the_transfer_freeze_is_set_and_cleared_by_workflow_move():
    case = Case(status="mediating")

    workflow.move(case, "transfer")
    assert case.transfer_pending is True

    workflow.move(case, "transfer_closed")
    assert case.transfer_pending is False and case.status == "mediating"

    case.transfer_pending = True
    assert workflow.move(case, "transfer_accepted") == ("mediating", "registered")
    assert case.transfer_pending is False


@pytest.mark.django_db
def test_follow_up_times_are_read_from_settings(settings, director_a, mediator_a, committee_a):
    settings.TIAOJIE = {
        **settings.TIAOJIE,
        "DEADLINE_WARNING_DAYS": 7,
        "JUDICIAL_WINDOW_REMINDER_DAYS_BEFORE": 4,
        "JUDICIAL_CONFIRMATION_DAYS": 24,
        "SATISFACTION_AFTER_DAYS": 2,
    }
    case = accepted_case(director_a, mediator_a, committee_a)
    [warning] = rows(case, Kind.DEADLINE_WARNING)
    assert warning.due_at == at_local(case.due_on - timedelta(days=7))

    case = services.case_conclude(
        actor=mediator_a,
        case=case,
        outcome="success",
        agreement={"form": "written", "terms": "赔偿", "intends_judicial_confirmation": True},
    )
    case = sign_all(mediator_a, case)
    today = timezone.localdate()
    closes = period_end(today, 24)  # day 24, or the next working day past a holiday
    [window] = rows(case, Kind.JUDICIAL_WINDOW)
    assert window.due_at == at_local(closes - timedelta(days=4))
    [satisfaction] = rows(case, Kind.SATISFACTION)
    assert satisfaction.due_at == at_local(today + timedelta(days=2))

    make_due(window)
    followups_scan()

    [reminder] = Notification.objects.filter(follow_up=window)
    assert str(closes) in reminder.title  # the window closes on (moved) day 24


@pytest.mark.django_db
def test_marking_a_notification_read_keeps_the_first_read_time(
    director_a, mediator_a, committee_a, time_machine
):
    case = accepted_case(director_a, mediator_a, committee_a)
    notify.notify(users=[mediator_a], key="k", kind="deadline_warning", title="提醒", case=case)
    notification = Notification.objects.get(recipient=mediator_a)

    first = services.notification_mark_read(notification=notification).read_at
    time_machine.move_to(timezone.now() + timedelta(hours=1))
    again = Notification.objects.get(pk=notification.pk)
    services.notification_mark_read(notification=again)

    assert first is not None and again.read_at == first


@pytest.mark.django_db
def test_an_outbound_message_is_delivered_by_task_name_after_commit(
    mediator_a, director_a, committee_a, django_capture_on_commit_callbacks
):
    import mediation.tasks  # noqa: F401  (the task is registered, as in the web and worker)

    case = accepted_case(director_a, mediator_a, committee_a)
    with django_capture_on_commit_callbacks(execute=True):
        notify.message_queue(key="m1", to="13800000000", body="【人民调解】测试", case=case)

    assert OutboundMessage.objects.get(key="m1").sent_at is not None


@pytest.mark.postgres
@pytest.mark.skipif(not ON_POSTGRES, reason="SELECT … FOR UPDATE needs PostgreSQL")
@pytest.mark.django_db
def test_agreement_performance_is_written_under_the_case_lock(director_a, mediator_a, committee_a):
    case = accepted_case(director_a, mediator_a, committee_a)
    services.case_conclude(
        actor=mediator_a, case=case, outcome="success", agreement={"form": "oral", "terms": "道歉"}
    )
    [check] = rows(case, Kind.PERFORMANCE_CHECK)

    with CaptureQueriesContext(connection) as queries:
        followup_complete(actor=mediator_a, followup=check, performed="full")

    statements = [q["sql"] for q in queries.captured_queries]
    case_lock = next(
        i
        for i, sql in enumerate(statements)
        if sql.startswith('SELECT "mediation_case"') and "FOR UPDATE" in sql
    )
    write = next(
        i for i, sql in enumerate(statements) if sql.startswith('UPDATE "mediation_agreement"')
    )
    assert case_lock < write
