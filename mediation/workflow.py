"""The states of a case and the moves allowed between them: one table, one function.

```
registered ──accept──▶ mediating ──conclude(success)──▶ succeeded ──▶ archived
    │                      │  ├──conclude(failure)──▶ failed ──────▶ archived
    │                      │  └──withdraw──────────▶ withdrawn ────▶ archived
    ├──decline (or a party's refusal)──▶ declined
    ├──withdraw──▶ withdrawn
    │                      └──refer out──▶ referred ──returned──▶ mediating
succeeded ──remediate (court refused to confirm, or not performed; parties consent)──▶ mediating
transfer accepted: registered|mediating ──▶ registered (at the receiving committee)
```

Actions that do not change the state (record a session, extend, edit, ...) are in the
same table with `to_status=None`, so "may this happen now?" has one answer. While a
transfer is pending the case is frozen: only the transfer's own decision may touch it.
"""

from collections.abc import Callable
from dataclasses import dataclass

from committees.scope import scope_for
from mediation import agreement_rules
from mediation.choices import Status
from mediation.exceptions import InvalidTransition

# Who may take an action (the role the service requires, `require_member` or
# `require_director` in mediation/services/kernel.py); None: no caller takes it on the case
# itself (the transfer decisions and a partner's feedback have their own endpoints).
MEMBER = "member"  # any member of the holding committee, directors included
DIRECTOR = "director"  # a director or deputy director of the holding committee

OPEN = frozenset({Status.REGISTERED, Status.MEDIATING})
CONCLUDED = frozenset({Status.SUCCEEDED, Status.FAILED, Status.WITHDRAWN})


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    from_statuses: frozenset[str]
    to_status: str | None = None
    by: str | None = None
    # True for the transfer decisions, the only actions a frozen case allows.
    allowed_while_transfer_pending: bool = False
    # What the action does to the transfer freeze (`Case.transfer_pending`): True freezes
    # the case, False unfreezes it, None leaves it.
    freezes: bool | None = None
    # Whether the action applies to this case beyond its state (e.g. only an unperformed
    # agreement offers `performance`); asked by allowed_actions, the service checks again.
    applies: Callable | None = None


ACTIONS: dict[str, Action] = {
    action.name: action
    for action in [
        Action("accept", "受理", frozenset({Status.REGISTERED}), Status.MEDIATING, by=DIRECTOR),
        Action("decline", "不予受理", frozenset({Status.REGISTERED}), Status.DECLINED, by=DIRECTOR),
        Action(
            "conclude_success",
            "调解成功结案",
            frozenset({Status.MEDIATING}),
            Status.SUCCEEDED,
            by=MEMBER,
        ),
        Action(
            "conclude_failure",
            "调解不成结案",
            frozenset({Status.MEDIATING}),
            Status.FAILED,
            by=MEMBER,
        ),
        # A party may withdraw before acceptance too (issue 15 item 9).
        Action("withdraw", "撤回", OPEN, Status.WITHDRAWN, by=MEMBER),
        # A referred case is archived once the partner has reported its result.
        Action("archive", "归档", CONCLUDED | {Status.REFERRED}, Status.ARCHIVED, by=MEMBER),
        Action("refer", "移交协作单位", OPEN, Status.REFERRED, by=DIRECTOR),
        Action("referral_returned", "协作单位退回", frozenset({Status.REFERRED}), Status.MEDIATING),
        Action(
            "transfer_accepted",
            "移送接收",
            OPEN,
            Status.REGISTERED,
            allowed_while_transfer_pending=True,
            freezes=False,
        ),
        # Actions that keep the state.
        Action("assign", "指派调解员", OPEN, by=DIRECTOR),
        Action("record_session", "记录调解", frozenset({Status.MEDIATING}), by=MEMBER),
        # A party consents to mediation or refuses it (art 17: a refusal declines the case).
        Action("consent", "记录当事人意愿", frozenset({Status.REGISTERED}), by=MEMBER),
        Action("extend", "延长期限", frozenset({Status.MEDIATING}), by=MEMBER),
        Action("update", "修改案件信息", OPEN, by=MEMBER),
        Action(
            "judicial_confirmation",
            "登记司法确认",
            frozenset({Status.SUCCEEDED, Status.ARCHIVED}),
            by=MEMBER,
        ),
        Action(
            "sign_agreement",
            "记录协议签署",
            frozenset({Status.SUCCEEDED}),
            by=MEMBER,
            applies=lambda case: agreement_rules.awaiting_signatures(case.agreement),
        ),
        Action(
            "performance",
            "协议履行处置",
            frozenset({Status.SUCCEEDED, Status.ARCHIVED}),
            by=MEMBER,
            applies=lambda case: bool(agreement_rules.performance_actions(case)),
        ),
        Action(
            "remediate",
            "重新调解",
            frozenset({Status.SUCCEEDED}),
            Status.MEDIATING,
            by=MEMBER,
            applies=agreement_rules.may_remediate,
        ),
        Action("transfer", "移送其他调委会", OPEN, by=DIRECTOR, freezes=True),
        # 规定 art 30: recorded before mediation, or afterwards for the file (卷宗) until it
        # is archived.
        Action(
            "rights_notified",
            "记录权利义务告知",
            OPEN | CONCLUDED | {Status.REFERRED},
            by=MEMBER,
        ),
        Action(
            "transfer_closed",
            "移送未接收",
            OPEN,
            allowed_while_transfer_pending=True,
            freezes=False,
        ),
    ]
}


def check(case, action_name: str) -> Action:
    """Raise InvalidTransition (409) unless `action_name` may happen to `case` now."""
    action = ACTIONS[action_name]
    if case.transfer_pending and not action.allowed_while_transfer_pending:
        raise InvalidTransition(
            "案件正在移送中，待接收方处理前不能进行其他操作。",
            status=case.status,
            action=action_name,
            transfer_pending=True,
        )
    if case.status not in action.from_statuses:
        raise InvalidTransition(
            f"案件当前状态为“{Status(case.status).label}”，不能{action.label}。",
            status=case.status,
            action=action_name,
        )
    return action


def move(case, action_name: str) -> tuple[str, str]:
    """The one function that changes Case.status and the transfer freeze
    (Case.transfer_pending). Returns (from_status, to_status).

    The caller (a service) holds the row lock and saves the case.
    """
    action = check(case, action_name)
    before = case.status
    if action.to_status is not None:
        case.status = action.to_status
    if action.freezes is not None:
        case.transfer_pending = action.freezes
    return before, case.status


def allowed_actions(case, *, actor) -> list[str]:
    """Names of the actions `actor` may take on `case` now, so a client shows only the
    buttons that work: the state allows the action (as `check`) and the actor has the role
    its service requires (`Action.by`; superusers, as in the services, any)."""
    scope = scope_for(actor)
    roles = {
        role
        for role, holds in (
            (MEMBER, scope.may_act_as_member(case.committee_id)),
            (DIRECTOR, scope.may_act_as_director(case.committee_id)),
        )
        if holds
    }
    if case.transfer_pending or not roles:
        return []
    return [
        name
        for name, action in ACTIONS.items()
        if action.by in roles
        and case.status in action.from_statuses
        and (action.applies is None or action.applies(case))
    ]
