"""What the records of a case's life add to the base context: the decline, the sessions,
the agreement (written or oral, with its copies), the follow-up visits and the joint
application for judicial confirmation."""

from mediation import choices
from mediation.documents.context_case import (
    BLANK,
    chinese_date,
    chinese_datetime,
    lines,
    or_blank,
)
from mediation.models import FollowUp, MediationSession


def _user_name(user) -> str:
    if user is None:
        return BLANK
    return user.get_full_name() or user.get_username()


def decline_context(case) -> dict:
    reason = (
        choices.DeclineReason(case.decline_reason_code).label if case.decline_reason_code else BLANK
    )
    return {
        "decline": {
            "reason": reason,
            "detail": case.closing_reason or "",
            "on": chinese_date(case.concluded_at),
        }
    }


def held_sessions(case) -> list:
    """The sessions that took place (a planned one has no record yet), from the prefetch."""
    return [s for s in case.sessions.all() if s.status == MediationSession.Status.HELD]


def sessions_context(case, sessions) -> dict:
    """One entry per session; the last one of a concluded case carries its result."""
    rows = []
    last = len(sessions) - 1
    for index, session in enumerate(sessions):
        if index == last and case.outcome == choices.Outcome.SUCCESS:
            result = "经调解，当事人自愿达成调解协议。"
        elif index == last and case.outcome == choices.Outcome.FAILURE:
            result = "调解不成，已告知当事人可以依法通过其他途径解决。"
        else:
            result = "本次调解未达成协议，继续调解。"
        rows.append(
            {
                "held_at": chinese_datetime(session.held_at),
                "place": or_blank(session.place),
                "participants": or_blank(session.participants),
                "presence": "到场" if session.party_present else "未到场",
                "recorder": _user_name(session.recorded_by),
                "summary": or_blank(session.summary),
                "result": result,
            }
        )
    return {"sessions": rows}


def agreement_context(case, parties: list[dict]) -> dict:
    """The agreement, with one copy per party plus the committee's (协议书一式N份)."""
    agreement = case.agreement
    performance = []
    if agreement.amount is not None:
        performance.append(f"协议金额{agreement.amount}元")
    if agreement.performance_deadline is not None:
        performance.append(f"于{chinese_date(agreement.performance_deadline)}前履行完毕")
    copies = [
        f"第{index}份（{party['role']}{party['name']}执）"
        for index, party in enumerate(parties, start=1)
    ]
    copies.append(f"第{len(parties) + 1}份（{case.committee.name}存档）")
    return {
        "agreement": {
            "number": agreement.number,
            "form": agreement.get_form_display(),
            "terms": lines(agreement.terms),
            "amount": f"{agreement.amount}元" if agreement.amount is not None else BLANK,
            "deadline": chinese_date(agreement.performance_deadline),
            "performance": "，".join(performance) + "。" if performance else "按上述约定履行。",
            "responsibility": f"争议事项：{'；'.join(lines(case.claims))}。",
            "effective": chinese_date(agreement.effective_on),
            "signed": chinese_date(agreement.effective_on),
            "court": agreement.judicial_court or "＿＿＿＿＿＿人民法院",
            "copies": copies,
        }
    }


def visits_context(visits) -> dict:
    """The performance visits done (履行回访), oldest first."""
    rows = []
    for visit in visits:
        result = visit.result or {}
        performed = result.get("performed", "")
        rows.append(
            {
                "on": chinese_date(visit.done_at),
                "performed": choices.Performance(performed).label if performed else BLANK,
                "result": or_blank(result.get("result")),
                "rating": f"{result['rating']}分" if result.get("rating") else BLANK,
                "lawsuit": BLANK,
                "note": or_blank(result.get("note")),
                "visitor": _user_name(visit.completed_by),
            }
        )
    return {"visits": rows}


def done_visits(case) -> list:
    return [
        f
        for f in case.follow_ups.all()
        if f.kind == FollowUp.Kind.PERFORMANCE_CHECK and f.status == FollowUp.Status.DONE
    ]
