"""Builders the web tests share: a concluded case, its follow-ups due now, its rating links
(made by the real follow-up engine, as the SMS would carry them)."""

from datetime import timedelta

from django.utils import timezone

from mediation import services
from mediation.followups import followups_scan
from mediation.models import FollowUp, RatingLink
from tests.builders import make_case, sign_all

Kind = FollowUp.Kind

RATED_PARTIES = [
    {"role": "applicant", "name": "张某", "phone": "13800000000"},
    {"role": "respondent", "name": "李某", "phone": "13900000000"},
]


def concluded(director, mediator, committee, title="漏水纠纷"):
    case = make_case(
        mediator,
        committee,
        parties=RATED_PARTIES,
        title=title,
        status="mediating",
        director=director,
    )
    services.case_conclude(
        actor=mediator,
        case=case,
        outcome="success",
        agreement={"form": "written", "terms": "赔偿5000元", "amount": "5000.00"},
    )
    # In force once every party, the mediator and the committee have signed (art 29): the
    # follow-ups (performance check, satisfaction) are scheduled from then.
    return sign_all(mediator, case)


def due_now(case, kind) -> FollowUp:
    FollowUp.objects.filter(case=case, kind=kind).update(
        due_at=timezone.now() - timedelta(minutes=1)
    )
    return FollowUp.objects.get(case=case, kind=kind)


def rating_links(case) -> list[RatingLink]:
    """The satisfaction follow-up falls due and the engine sends a link to each party."""
    due_now(case, Kind.SATISFACTION)
    followups_scan()
    return list(RatingLink.objects.filter(case=case).order_by("id"))
