"""待办 (follow-ups due, completed through services.followup_complete) and 通知 (the user's
own notifications, marked read through services.notification_mark_read)."""

import pytest

from mediation import notify
from mediation.models import FollowUp, Notification
from tests.web.conftest import csrf_post
from tests.web.helpers import Kind, concluded, due_now


@pytest.mark.django_db
def test_todo_lists_the_follow_ups_due_and_a_visit_is_completed(
    web_client, director_a, mediator_a, committee_a
):
    case = concluded(director_a, mediator_a, committee_a)
    row = due_now(case, Kind.PERFORMANCE_CHECK)
    client = web_client(mediator_a)
    page = client.get("/todo/").content.decode()
    assert "履行回访" in page and "漏水纠纷" in page and "已到期" in page
    response = csrf_post(
        client, f"/todo/{row.pk}/complete/", {"performed": "full", "result": "已付清"}
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == FollowUp.Status.DONE and row.completed_by == mediator_a
    assert row.result["performed"] == "full"
    assert case.agreement.__class__.objects.get(case=case).performance == "full"


@pytest.mark.django_db
def test_a_visit_without_its_outcome_is_the_services_message(
    web_client, director_a, mediator_a, committee_a
):
    row = due_now(concluded(director_a, mediator_a, committee_a), Kind.PERFORMANCE_CHECK)
    response = csrf_post(web_client(mediator_a), f"/todo/{row.pk}/complete/", {"result": "x"})
    assert response.status_code == 400
    assert "请填写履行情况" in response.content.decode()
    row.refresh_from_db()
    assert row.status == FollowUp.Status.SCHEDULED


@pytest.mark.django_db
def test_a_visit_done_twice_is_a_notice(web_client, director_a, mediator_a, committee_a):
    row = due_now(concluded(director_a, mediator_a, committee_a), Kind.PERFORMANCE_CHECK)
    client = web_client(mediator_a)
    csrf_post(client, f"/todo/{row.pk}/complete/", {"performed": "full"})
    response = csrf_post(client, f"/todo/{row.pk}/complete/", {"performed": "none"})
    assert response.status_code == 302
    assert "该事项已处理" in client.get("/todo/").content.decode()
    row.refresh_from_db()
    assert row.result["performed"] == "full"


@pytest.mark.django_db
def test_another_committees_follow_up_is_404(
    web_client, director_a, mediator_a, committee_a, outsider
):
    row = due_now(concluded(director_a, mediator_a, committee_a), Kind.PERFORMANCE_CHECK)
    assert "漏水纠纷" not in web_client(outsider).get("/todo/").content.decode()
    response = csrf_post(web_client(outsider), f"/todo/{row.pk}/complete/", {"performed": "full"})
    assert response.status_code == 404
    row.refresh_from_db()
    assert row.status == FollowUp.Status.SCHEDULED


def _notify(user, title="移送请求", key="t1"):
    notify.notify(users=[user], key=key, kind="transfer_requested", title=title)
    return Notification.objects.get(recipient=user, key__startswith=key)


@pytest.mark.django_db
def test_notifications_are_listed_and_marked_read_in_place(web_client, mediator_a):
    item = _notify(mediator_a)
    client = web_client(mediator_a)
    page = client.get("/notifications/").content.decode()
    assert "移送请求" in page and "标为已读" in page
    assert 'class="count"' in page  # the unread count in the top bar
    response = csrf_post(client, f"/notifications/{item.pk}/read/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "已读" in response.content.decode() and "<html" not in response.content.decode()
    item.refresh_from_db()
    assert item.read_at is not None
    assert "移送请求" not in client.get("/notifications/?unread=1").content.decode()


@pytest.mark.django_db
def test_without_htmx_marking_read_reloads_the_list(web_client, mediator_a):
    item = _notify(mediator_a)
    response = csrf_post(web_client(mediator_a), f"/notifications/{item.pk}/read/")
    assert response.status_code == 302 and response["Location"] == "/notifications/"


@pytest.mark.django_db
def test_nobody_reads_or_marks_anothers_notification(web_client, mediator_a, mediator_a2):
    item = _notify(mediator_a)
    client = web_client(mediator_a2)
    assert "移送请求" not in client.get("/notifications/").content.decode()
    assert csrf_post(client, f"/notifications/{item.pk}/read/").status_code == 404
    item.refresh_from_db()
    assert item.read_at is None


@pytest.mark.django_db
def test_marking_read_needs_csrf(mediator_a):
    from django.test import Client

    item = _notify(mediator_a)
    client = Client(enforce_csrf_checks=True)
    client.force_login(mediator_a)
    assert client.post(f"/notifications/{item.pk}/read/").status_code == 403
    item.refresh_from_db()
    assert item.read_at is None
