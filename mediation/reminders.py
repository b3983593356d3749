"""What the follow-ups of issue 15 do when they fire (the engine, mediation.engine, looks
them up in HANDLERS): the acceptance clock and the major case without a 包案领导.

Each handler runs under the case's and the row's locks, checks that the reason for the
reminder still holds (else the row is cancelled), and notifies under the row's key.
"""

from django.utils import timezone

from mediation import choices, notify
from mediation.models import FollowUp

Kind = FollowUp.Kind


def _case_link(case) -> str:
    return f"{case.number}《{case.title}》"


def _waiting_for_acceptance(case) -> bool:
    # A case frozen by a pending transfer has been acted on: the receiver answers instead.
    return case.status == choices.Status.REGISTERED and not case.transfer_pending


def _acceptance_due(row: FollowUp) -> None:
    """The day a registered case must be accepted or declined: its directors are reminded."""
    case = row.case
    if not _waiting_for_acceptance(case):
        row.status = FollowUp.Status.CANCELLED
        return
    notify.notify(
        users=notify.directors_of(case.committee_id),
        key=f"fu{row.id}",
        kind=Kind.ACCEPTANCE_DUE,
        case=case,
        follow_up=row,
        title=f"受理期限提醒：{_case_link(case)}应于{case.accept_by}前决定受理或不予受理",
    )


def _acceptance_overdue(row: FollowUp) -> None:
    """Still registered after the day: the directors and the judicial office are alerted."""
    case = row.case
    if not (_waiting_for_acceptance(case) and case.is_acceptance_overdue):
        row.status = FollowUp.Status.CANCELLED
        return
    days = (timezone.localdate() - case.accept_by).days
    notify.notify(
        users=[*notify.directors_of(case.committee_id), *notify.judicial_office_of(case.committee)],
        key=f"fu{row.id}",
        kind=Kind.ACCEPTANCE_OVERDUE,
        case=case,
        follow_up=row,
        title=f"受理超期：{_case_link(case)}已超过受理期限{days}天，尚未决定是否受理",
    )


def _leader_missing(row: FollowUp) -> None:
    """A major case one working day on without a 包案领导: directors and judicial office."""
    case = row.case
    if not (
        case.is_open
        and case.difficulty == choices.Difficulty.MAJOR
        and not case.responsible_leader_name
    ):
        row.status = FollowUp.Status.CANCELLED
        return
    notify.notify(
        users=[*notify.directors_of(case.committee_id), *notify.judicial_office_of(case.committee)],
        key=f"fu{row.id}",
        kind=Kind.LEADER_MISSING,
        case=case,
        follow_up=row,
        title=f"重大疑难纠纷未确定包案领导：{_case_link(case)}",
    )


HANDLERS = {
    Kind.ACCEPTANCE_DUE: _acceptance_due,
    Kind.ACCEPTANCE_OVERDUE: _acceptance_overdue,
    Kind.LEADER_MISSING: _leader_missing,
}
AUTOMATIC = set(HANDLERS)
