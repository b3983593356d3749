"""Art 25 of the People's Mediation Law (人民调解法第二十五条): a dispute that may turn into a
public-security or criminal case is reported.

A case registered (or received by referral, or edited) with one of REPORTABLE_RISK_FLAGS
newly set notifies, inside the registering or editing service's transaction: the holding
committee's directors, the judicial office over it, and the liaison of the area's police
partner where one is configured (mediation.alerts.police_partner_of) — notification kind
`risk_report` — and appends a `risk_reported` entry to the case's history naming the flags
and how many people of each body were told. A rollback takes the report with it; a flag
already reported is not reported again (the key is the history entry's id).

A major case (重大疑难) without a 包案领导 gets a reminder after one working day
(mediation.schedule.leader_sync, fired by mediation.reminders).
"""

from mediation import alerts, choices, notify, schedule
from mediation.events import case_event_record
from mediation.models import Case

# The flags of choices.RiskFlag that may lead to a public-security or criminal case (all but
# `vulnerable_party`, which asks for care, not the police).
REPORTABLE_RISK_FLAGS = (
    choices.RiskFlag.CRIMINAL_RISK,
    choices.RiskFlag.GROUP_FIGHT_RISK,
    choices.RiskFlag.ESCALATION_RISK,
    choices.RiskFlag.SUICIDE_RISK,
    choices.RiskFlag.ABNORMAL_DEATH,
    choices.RiskFlag.GROUP_PETITION_RISK,
)


def risk_report(*, case: Case, actor=None, before: list[str] | tuple = ()) -> dict | None:
    """Report the case's reportable flags that were not set `before` (inside the caller's
    transaction). Returns what was recorded, or None when there was nothing new."""
    flags = [
        flag
        for flag in case.risk_flags or []
        if flag in REPORTABLE_RISK_FLAGS and flag not in (before or ())
    ]
    if not flags:
        return None
    committee = case.committee
    directors = notify.directors_of(committee.id)
    office = notify.judicial_office_of(committee)
    police, police_liaisons = alerts.police_partner_of(committee)
    labels = "、".join(str(choices.RiskFlag(flag).label) for flag in flags)
    data = {
        "flags": flags,
        "notified": {
            "directors": len({u.pk for u in directors}),
            "judicial_office": len({u.pk for u in office}),
            "police": len({u.pk for u in police_liaisons}),
        },
        "police_institution": police.code if police else None,
        "law": "人民调解法第二十五条",
    }
    event = case_event_record(
        case=case, kind="risk_reported", actor=actor, from_status=case.status, data=data
    )
    notify.notify(
        users=[*directors, *office, *police_liaisons],
        key=f"risk{event.id}",
        kind="risk_report",
        case=case,
        title=f"风险报告：{case.number}《{case.title}》存在{labels}",
        body=f"{committee.name}受理的纠纷可能激化为治安或刑事案件，依人民调解法第二十五条报告。",
    )
    return data


def risk_after_change(*, case: Case, actor=None, before: list[str] | tuple = ()) -> None:
    """What a registration or an edit owes art 25 and the major-case rule: the report of new
    flags, and the 包案领导 reminder kept in line with the case."""
    risk_report(case=case, actor=actor, before=before)
    schedule.leader_sync(case)
