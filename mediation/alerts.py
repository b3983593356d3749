"""Events reach people (issue 15 item 13): who is told of what, once each.

Today's deadlines notify when a follow-up fires (mediation.engine); these are the notices of
things people do — a transfer asked for and answered, a referral arriving, a bad rating, a
risk report, a session set — written by the service that makes the change, inside its
transaction (a rollback takes the notice with it). Every notice carries a key made of the
object and the event (`transfer12:requested`, `rating7:bad`), so a repeat writes nothing new
(mediation.notify.notify ignores a key it has seen).

| kind | who | when |
|---|---|---|
| `transfer_requested` | the receiving committee's directors | a transfer is asked for |
| `transfer_decided` | the sending committee's directors | the receiver accepts or rejects |
| `transfer_expired` | the sending committee's directors | nobody answered in time |
| `referral_arrived` | the receiving committee's directors | a partner sends a dispute in |
| `referral_feedback_due` | the partner's liaisons, directors, office | feedback falls due |
| `bad_rating` | the holding committee's directors | a party gives ≤ 2 stars |
| `risk_report` | directors, judicial office, police liaison | art 25 (services.risk) |
| (SMS) | each party with a phone | a session is set for a later time |
"""

from django.contrib.auth import get_user_model
from django.utils import timezone

from committees.models import Area, Institution, Role
from mediation import notify
from mediation.models import Case, MediationSession, RatingLink, Referral, Transfer

# Police bodies whose liaison hears of an art-25 risk: the station of the area first, the
# district's bureau when the area has none configured.
POLICE_KINDS = (Institution.Kind.POLICE_STATION, Institution.Kind.POLICE_BUREAU)


def _case_link(case: Case) -> str:
    return f"{case.number}《{case.title}》"


def liaisons_of(*institution_ids: int) -> list:
    return list(
        get_user_model()
        .objects.filter(
            is_active=True,
            tiaojie_roles__kind=Role.Kind.LIAISON,
            tiaojie_roles__institution_id__in=institution_ids,
        )
        .distinct()
    )


def police_partner_of(committee) -> tuple[Institution | None, list]:
    """The area's police partner with a liaison configured, and its liaisons: the police
    institution(s) located in the committee's area or, failing that, the nearest area above
    it (a community's sub-district station, then the district's bureau). (None, []) when no
    police body of the area has a liaison."""
    area_ids, area, seen = [], Area.objects.filter(pk=committee.area_id).first(), set()
    while area is not None and area.pk not in seen:
        area_ids.append(area.pk)
        seen.add(area.pk)
        area = area.parent
    police = Institution.objects.filter(kind__in=POLICE_KINDS, area_id__in=area_ids)
    with_liaison = {}
    for institution in police.filter(roles__kind=Role.Kind.LIAISON).distinct():
        with_liaison.setdefault(institution.area_id, []).append(institution)
    for area_id in area_ids:  # nearest first
        if area_id in with_liaison:
            institutions = sorted(with_liaison[area_id], key=lambda i: i.code)
            return institutions[0], liaisons_of(*(i.pk for i in institutions))
    return None, []


# --- transfers -------------------------------------------------------------------------------


def transfer_requested(transfer: Transfer) -> int:
    case = transfer.case
    return notify.notify(
        users=notify.directors_of(transfer.to_committee_id),
        key=f"transfer{transfer.id}:requested",
        kind="transfer_requested",
        case=case,
        title=f"移送待接收：{transfer.from_committee.short_name}调委会请求移送"
        f"{_case_link(case)}，请于{timezone.localtime(transfer.respond_by):%Y-%m-%d %H:%M}前答复",
        body=transfer.reason,
    )


def transfer_decided(transfer: Transfer) -> int:
    """Accepted or rejected: the sender's directors learn which."""
    case = transfer.case
    verdict = "已接收" if transfer.status == Transfer.Status.ACCEPTED else "已拒收"
    return notify.notify(
        users=notify.directors_of(transfer.from_committee_id),
        key=f"transfer{transfer.id}:decided",
        kind="transfer_decided",
        case=case,
        title=f"移送{verdict}：{transfer.to_committee.short_name}调委会{verdict}{_case_link(case)}",
        body=transfer.decision_reason,
    )


def transfer_expired(transfer: Transfer, follow_up=None) -> int:
    case = transfer.case
    return notify.notify(
        users=notify.directors_of(transfer.from_committee_id),
        key=f"transfer{transfer.id}:expired",
        kind="transfer_expired",
        case=case,
        follow_up=follow_up,
        title=f"移送超期未答复，案件已退回：{_case_link(case)}",
    )


# --- referrals -------------------------------------------------------------------------------


def referral_arrived(referral: Referral) -> int:
    case = referral.case
    return notify.notify(
        users=notify.directors_of(referral.committee_id),
        key=f"referral{referral.id}:arrived",
        kind="referral_arrived",
        case=case,
        title=f"{referral.mechanism.name}转来纠纷：{_case_link(case)}，"
        f"请受理并于{referral.feedback_due}前反馈结果",
    )


def referral_feedback_due(referral: Referral, follow_up) -> int:
    """The outcome is due back: the committee's directors and judicial office are reminded,
    and the partner's liaisons told that it is due (they wait for it)."""
    case, committee = referral.case, referral.committee
    title = (
        f"对接反馈到期：{referral.mechanism.name}转来的{_case_link(case)}"
        f"应于{referral.feedback_due}前反馈结果"
    )
    told = notify.notify(
        users=[*notify.directors_of(committee.id), *notify.judicial_office_of(committee)],
        key=f"fu{follow_up.id}",
        kind="referral_feedback_due",
        case=case,
        follow_up=follow_up,
        title=title,
    )
    return told + notify.notify(
        users=liaisons_of(referral.institution_id),
        key=f"fu{follow_up.id}:liaison",
        kind="referral_feedback_due",
        case=case,
        follow_up=follow_up,
        title=f"{committee.short_name}调委会办理的{referral.external_ref or case.number}"
        f"应于{referral.feedback_due}前反馈结果",
    )


# --- ratings ---------------------------------------------------------------------------------


def bad_rating(link: RatingLink) -> int:
    case = link.case
    return notify.notify(
        users=notify.directors_of(case.committee_id),
        key=f"rating{link.id}:bad",
        kind="bad_rating",
        case=case,
        title=f"差评：当事人对{_case_link(case)}的调解服务评{link.stars}星",
        body=link.comment,
    )


# --- sessions --------------------------------------------------------------------------------


def session_planned(session: MediationSession) -> int:
    """An SMS to each party with a phone: the time and place of the session (outbox)."""
    case = session.case
    when = timezone.localtime(session.held_at)
    sent = 0
    for party in case.parties.exclude(phone=""):
        notify.message_queue(
            key=f"session{session.id}:party{party.id}",
            to=party.phone,
            case=case,
            body=f"【人民调解】{party.name}：{case.committee.short_name}调委会定于"
            f"{when:%Y年%m月%d日 %H:%M}在{session.place or '本调委会'}调解"
            f"“{case.title}”，请准时参加。",
        )
        sent += 1
    return sent
