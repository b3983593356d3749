"""web/views/mediator.py (with _case_page.py and _inbox.py): the mediator's pages."""

from django.utils import timezone

from tests.web.rows._table import SIGN_IN, Row, statuses

# Pages for members of a committee (B's director is one); others signed in get 403.
MEMBERS_PAGE = statuses(403, anon=SIGN_IN, member=200, director=200, outsider=200)
# Committee A's case: A's members act, A's judicial office and the district read, B is out.
CASE_READ = statuses(404, anon=SIGN_IN, member=200, director=200, office_a=200, district=200)
CASE_ACT = statuses(404, anon=SIGN_IN, member=302, director=302, office_a=403, district=403)


def register(w):
    return {
        "committee": w.committee_a.pk,
        "source": "party_application",
        "dispute_type": "neighbourhood",
        "title": "噪音纠纷",
        "parties-TOTAL_FORMS": "2",
        "parties-INITIAL_FORMS": "0",
        "parties-0-role": "applicant",
        "parties-0-kind": "person",
        "parties-0-name": "甲",
        "parties-1-role": "respondent",
        "parties-1-kind": "person",
        "parties-1-name": "乙",
    }


def session(w):
    return {
        "held_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "summary": "双方到场协商",
        "party_present": "on",
        "seen_status": "mediating",
        "seen_transfer_pending": "0",
    }


def conclude(w):
    return {
        "outcome": "success",
        "agreement_form": "written",
        "terms": "赔偿800元",
        "seen_status": "mediating",
        "seen_transfer_pending": "0",
    }


ROWS = [
    Row("cases", "GET", lambda w: "/cases/", MEMBERS_PAGE),
    Row("case_new", "GET", lambda w: "/cases/new/", MEMBERS_PAGE),
    Row(
        "case_new",
        "POST",
        lambda w: "/cases/new/",
        # B's director may register, but only at B: committee A is no choice of theirs.
        statuses(403, anon=SIGN_IN, member=302, director=302, outsider=400),
        data=register,
        writes=True,
    ),
    Row("party_row", "GET", lambda w: "/cases/new/party-row/?index=2", MEMBERS_PAGE),
    Row(
        "check_id_number",
        "GET",
        lambda w: "/cases/check-id/?parties-0-id_number=640104198001011235",
        MEMBERS_PAGE,
    ),
    Row("case", "GET", lambda w: f"/cases/{w.case.pk}/", CASE_READ),
    Row(
        "case_session",
        "POST",
        lambda w: f"/cases/{w.case.pk}/session/",
        CASE_ACT,
        data=session,
        writes=True,
    ),
    Row(
        "case_conclude",
        "POST",
        lambda w: f"/cases/{w.case.pk}/conclude/",
        CASE_ACT,
        data=conclude,
        writes=True,
    ),
    Row("todo", "GET", lambda w: "/todo/", MEMBERS_PAGE),
    Row(
        "followup_complete",
        "POST",
        lambda w: f"/todo/{w.followup.pk}/complete/",
        statuses(403, anon=SIGN_IN, member=302, director=302, outsider=404),
        data=lambda w: {"performed": "full"},
        writes=True,
    ),
    Row("notifications", "GET", lambda w: "/notifications/", statuses(200, anon=SIGN_IN)),
    Row(
        "notification_read",
        "POST",
        lambda w: f"/notifications/{w.notification.pk}/read/",
        statuses(404, anon=SIGN_IN, member=302),
        writes=True,
    ),
]
