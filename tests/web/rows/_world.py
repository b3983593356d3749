"""One world for the web authorization table, built through the services: a case being
mediated at committee A by `member`, a concluded one with a performance visit due, a
notification for `member`, a party's rating link."""

from dataclasses import dataclass

from committees.models import Committee
from mediation.models import (
    Agreement,
    Attachment,
    Case,
    FollowUp,
    MediationSession,
    Notification,
    RatingLink,
)
from tests.api.conftest import make_personas
from tests.builders import make_case
from tests.conftest import COMMITTEE_A, COMMITTEE_B
from tests.web.helpers import Kind, concluded, due_now, rating_links


@dataclass
class WebWorld:
    users: dict
    committee_a: Committee
    case: Case
    followup: FollowUp
    notification: Notification
    link: RatingLink


def build_world() -> WebWorld:
    from mediation import notify

    committee_a = Committee.objects.get(code=COMMITTEE_A)
    committee_b = Committee.objects.get(code=COMMITTEE_B)
    users = make_personas(committee_a, committee_b)
    member, director = users["member"], users["director"]
    case = make_case(
        member, committee_a, title="楼上漏水纠纷", status="mediating", director=director
    )
    done = concluded(director, member, committee_a, title="已结案纠纷")
    followup = due_now(done, Kind.PERFORMANCE_CHECK)
    link = rating_links(done)[0]
    notify.notify(users=[member], key="web-table", kind="transfer_requested", title="通知")
    notification = Notification.objects.get(recipient=member, key__startswith="web-table")
    return WebWorld(users, committee_a, case, followup, notification, link)


def fingerprint() -> tuple:
    """What a refused request must leave as it was."""
    return (
        tuple(Case.objects.order_by("pk").values_list("pk", "status", "party_visits")),
        MediationSession.objects.count(),
        Attachment.objects.count(),
        Agreement.objects.count(),
        tuple(FollowUp.objects.order_by("pk").values_list("pk", "status")),
        Notification.objects.filter(read_at__isnull=False).count(),
        RatingLink.objects.filter(used_at__isnull=False).count(),
    )
