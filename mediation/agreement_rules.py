"""What the law lets happen to an agreement now: pure functions of the case and its current
agreement (no queries), read by the workflow's `allowed_actions`, the schedule, the engine
and the services, so a button shown and a request accepted follow one rule.

- 人民调解法 art 29/30: a written agreement is in force once signed by every party, a
  mediator and sealed by the committee; an oral one when reached.
- art 33 and 法释〔2011〕5号: judicial confirmation is applied for jointly within the window
  (TIAOJIE JUDICIAL_CONFIRMATION_DAYS) after it took effect; a window whose last day is a
  holiday ends on the next working day (民事诉讼法 art 85, mediation.calendar.period_end).
- art 32: over a performance or the content of an agreement a party may sue; a confirmed
  agreement is enforced by the court instead (民事诉讼法 art 201).
"""

from datetime import date, timedelta

from django.utils import timezone

from mediation import choices
from mediation.calendar import period_end
from mediation.rules import rule

PERFORMANCE_ACTIONS = ("urge", "remediate", "lawsuit", "enforcement")
PERFORMANCE_ACTION_LABELS = {
    "urge": "督促履行",
    "remediate": "经双方同意重新调解",
    "lawsuit": "就调解协议的履行或内容向人民法院提起诉讼",
    "enforcement": "向人民法院申请强制执行",
}


def judicial_window_end(effective_on: date | None) -> date | None:
    """The last day to apply for judicial confirmation, past any holiday."""
    if effective_on is None:
        return None
    return period_end(effective_on, rule("JUDICIAL_CONFIRMATION_DAYS"))


def judicial_decision_due(agreement) -> date | None:
    """When the court should have decided a pending application (法释〔2011〕5号 art 5):
    JUDICIAL_DECISION_DAYS after applying, JUDICIAL_DECISION_EXTENSION_DAYS more when the
    court extended its review."""
    if agreement is None or agreement.judicial_result != choices.JudicialResult.PENDING:
        return None
    days = rule("JUDICIAL_DECISION_DAYS")
    if agreement.judicial_court_extended:
        days += rule("JUDICIAL_DECISION_EXTENSION_DAYS")
    return agreement.judicial_applied_on + timedelta(days=days)


def awaiting_signatures(agreement) -> bool:
    """A written agreement not yet in force: its signatures are still being recorded."""
    return (
        agreement is not None
        and agreement.form == choices.AgreementForm.WRITTEN
        and agreement.effective_on is None
    )


def judicial_open(agreement, today: date | None = None) -> bool:
    """The parties may still apply jointly: a written agreement in force, not applied for,
    inside its window."""
    today = today or timezone.localdate()
    return (
        agreement is not None
        and agreement.form == choices.AgreementForm.WRITTEN
        and agreement.effective_on is not None
        and not agreement.judicial_applied_on
        and today <= judicial_window_end(agreement.effective_on)
    )


def unperformed(agreement, today: date | None = None) -> bool:
    """In force and not (fully) performed: recorded partial/none at a performance check, or
    its performance deadline passed without a full performance recorded."""
    if agreement is None or agreement.effective_on is None:
        return False
    if agreement.performance == choices.Performance.FULL:
        return False
    if agreement.performance in (choices.Performance.PARTIAL, choices.Performance.NONE):
        return True
    today = today or timezone.localdate()
    return agreement.performance_deadline is not None and agreement.performance_deadline < today


def performance_actions(case, today: date | None = None) -> list[str]:
    """What may be done about an unperformed agreement, in order: urge (督促履行, always);
    re-mediation with the parties' consent (not over a confirmed agreement, nor while the
    court reviews one, nor once archived); a lawsuit over the agreement (art 32, unless the
    court confirmed it); enforcement (only a confirmed agreement). Empty when the agreement
    is performed or not in force."""
    agreement = case.agreement if case.agreement_id else None
    if case.status not in (choices.Status.SUCCEEDED, choices.Status.ARCHIVED):
        return []
    if not unperformed(agreement, today):
        return []
    confirmed = agreement.judicial_result == choices.JudicialResult.CONFIRMED
    pending = agreement.judicial_result == choices.JudicialResult.PENDING
    actions = ["urge"]
    if case.status == choices.Status.SUCCEEDED and not confirmed and not pending:
        actions.append("remediate")
    if not confirmed and not agreement.lawsuit_recorded_on:
        actions.append("lawsuit")
    if confirmed and not agreement.enforcement_applied_on:
        actions.append("enforcement")
    return actions


def may_remediate(case, today: date | None = None) -> bool:
    """Re-mediation (a new agreement version): after the court refused to confirm the
    agreement (art 33 ¶2), or over an unperformed one with the parties' consent."""
    if case.status != choices.Status.SUCCEEDED or not case.agreement_id:
        return False
    if case.agreement.judicial_result == choices.JudicialResult.REJECTED:
        return True
    return "remediate" in performance_actions(case, today)


def advice(case, today: date | None = None) -> str:
    """The routes to tell the parties about an unperformed agreement: only those open."""
    routes = [PERFORMANCE_ACTION_LABELS[a] for a in performance_actions(case, today)]
    if judicial_open(case.agreement if case.agreement_id else None, today):
        routes.append("在期限内共同向人民法院申请司法确认")
    if not routes:
        return ""
    return "协议未完全履行，可以：" + "；".join(routes) + "。"
