"""Shared builders: parties, members and cases, built through the real services.

A test that needs a case calls `make_case(actor, committee, …)` instead of writing its own
`register()`; one that needs a historical date says so with `received=` (the only column
written by hand, since the services stamp the present).
"""

from dataclasses import dataclass
from datetime import date, datetime

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from committees.models import Committee, Mechanism, Mediator
from mediation import routing, services
from mediation.choices import Status
from mediation.models import Agreement, Case, CaseEvent, MediationSession, Referral, Transfer
from tests.factories import MediatorFactory, UserFactory, institution

# Valid under GB 11643 (the first with an X check digit).
ID_NUMBER = "11010519491231002X"
OTHER_ID_NUMBER = "640104198001011235"
PHONE = "13800000000"


def person(role: str = "applicant", name: str = "张某", **fields) -> dict:
    """A party as the services and the API take it: person(\"respondent\", \"李某\", phone=…)."""
    return {"role": role, "name": name, **fields}


# An applicant with an ID number and a mobile (personal data to mask), and a bare respondent.
PARTIES = [
    person("applicant", "张某", id_number=OTHER_ID_NUMBER, phone=PHONE),
    person("respondent", "李某"),
]
# Two parties without any personal data (statistics, rollups, engines).
PLAIN_PARTIES = [person("applicant", "甲"), person("respondent", "乙")]


def at(day: date, hour: int = 10) -> datetime:
    """That day at `hour` o'clock, in the project's time zone."""
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def member(committee, username: str, role=Mediator.Role.MEDIATOR):
    """A user who is a member (mediator or director) of `committee`."""
    user = UserFactory(username=username)
    MediatorFactory(committee=committee, user=user, role=role, name=username)
    return user


def membership(user, committee=None) -> Mediator:
    """The user's Mediator row (at `committee`, when the user may have several)."""
    rows = user.mediator_memberships.all()
    return rows.get(committee=committee) if committee is not None else rows.get()


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def make_case(
    actor,
    committee,
    *,
    parties=PARTIES,
    title: str = "楼上漏水纠纷",
    dispute_type: str = "neighbourhood",
    source: str = "party_application",
    received: date | None = None,
    status: str = Status.REGISTERED,
    director=None,
    mediator=None,
    **fields,
) -> Case:
    """Register a case at `committee` through `services.case_register` (actor: a member).

    received: the day it was received (10:00), written after registration for tests of
    historical periods. status="mediating": accepted by `director`, assigned to `mediator`
    (default: the actor).
    """
    case = services.case_register(
        actor=actor,
        committee=committee,
        source=source,
        parties=parties,
        title=title,
        dispute_type=dispute_type,
        **fields,
    )
    if received is not None:
        Case.objects.filter(pk=case.pk).update(received_at=at(received))
        case.refresh_from_db()
    if status == Status.REGISTERED:
        return case
    if status == Status.MEDIATING:
        if director is None:
            raise ValueError("make_case(status='mediating') needs the director who accepts")
        return accept(director, case, mediator or actor)
    raise ValueError(f"make_case cannot build status {status!r}; build it in the test")


# --- the case file (卷宗): attachments and what archiving needs ------------------------------

# Recognised by content (mediation.services.attachments.detect_type), whatever the name.
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


def upload(name: str = "scan.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def attach(actor, case: Case, kind: str, *, party=None, content: bytes = PDF_BYTES, name=None):
    """Upload a file of `kind` to the case through the service (actor: a member)."""
    return services.attachment_upload(
        actor=actor,
        case=fresh(case),
        kind=kind,
        upload=upload(name or f"{kind}.pdf", content),
        party_id=party.pk if party is not None else None,
    )


def complete_file(actor, case: Case) -> Case:
    """Give the case what its 卷宗 still lacks and can get now (mediation.services.casefile):
    the rights notice once accepted, an identity document per natural person, a session
    while it is being mediated, the signed scan of a written agreement. Call it before a
    case is concluded (the session) and again after (the signed agreement)."""
    case = fresh(case)
    if case.accepted_at and not case.rights_notified_at:
        services.case_rights_notified(actor=actor, case=case, at=timezone.now(), how="written")
    for party in case.parties.filter(kind="person").exclude(attachments__kind="id_copy"):
        attach(actor, case, "id_copy", party=party, content=PNG_BYTES, name="身份证.png")
    case = fresh(case)
    if case.status == Status.MEDIATING and not case.sessions.exists():
        services.case_record_session(
            actor=actor, case=case, held_at=timezone.now(), summary="双方陈述，达成一致意见"
        )
    agreement = case.agreement  # the version in force
    if (
        agreement is not None
        and agreement.form == "written"
        and not case.attachments.filter(kind="signed_agreement").exists()
    ):
        attach(actor, case, "signed_agreement", name="调解协议书（签字）.pdf")
    return fresh(case)


def accept(director, case: Case, mediator) -> Case:
    """The director accepts the case and assigns `mediator` (a user of its committee)."""
    return services.case_accept(
        actor=director,
        case=fresh(case),
        mediator_ids=[membership(mediator, case.committee).id],
    )


def referral_in(liaison, mechanism_code, committee, external_ref="(2026)宁0106民诉前调1号"):
    """A partner's liaison sends a contract dispute in to `committee` (routing.referral_receive)."""
    return routing.referral_receive(
        actor=liaison,
        mechanism=Mechanism.objects.get(code=mechanism_code),
        committee=committee,
        external_ref=external_ref,
        parties=PARTIES,
        title="买卖合同纠纷",
        dispute_type="contract",
    )


def case_body(committee, *, parties=PARTIES, **fields) -> dict:
    """The body of POST /api/v1/cases/ for the same case make_case() registers."""
    return {
        "committee": committee.id,
        "dispute_type": "neighbourhood",
        "source": "party_application",
        "title": "楼上漏水纠纷",
        "parties": parties,
        **fields,
    }


# --- the world of the case-services tests (test_case_*.py) and routing tests ---------------
# (test_transfer_*.py, test_referrals.py) in tests/mediation.


APPLICANT = {
    "role": "applicant",
    "name": "张某",
    "id_number": "11010519491231002X",
    "phone": "13800000000",
}
RESPONDENT = {"role": "respondent", "name": "李某", "phone": "0951-1234567"}
# The case-services tests' parties (the respondent has a landline); imported there as PARTIES.
WORLD_PARTIES = [APPLICANT, RESPONDENT]
ADMINISTRATIVE_PARTNER = "ADM-SCJ"


@dataclass
class World:
    """The case-services tests' personas (the `world` fixture of tests/mediation/conftest.py)."""

    committee_a: Committee
    committee_b: Committee
    mediator: object
    mediator_row: Mediator
    mediator2_row: Mediator
    director: object
    outsider: object


def year() -> int:
    return timezone.localdate().year


def case_events(case: Case) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case_id=case.pk).order_by("id"))


def case_state(case: Case) -> dict:
    """Everything a refused service must leave as it was."""
    row = Case.objects.filter(pk=case.pk).values().get()
    return {
        **row,
        "mediators": sorted(fresh(case).mediators.values_list("id", flat=True)),
        "recused": sorted(fresh(case).recused_mediators.values_list("id", flat=True)),
        "events": CaseEvent.objects.filter(case_id=case.pk).count(),
        "sessions": MediationSession.objects.filter(case_id=case.pk).count(),
        "agreement": list(Agreement.objects.filter(case_id=case.pk).values()),
    }


def world_register(
    w: World, *, committee=None, actor=None, parties=WORLD_PARTIES, **fields
) -> Case:
    return make_case(actor or w.mediator, committee or w.committee_a, parties=parties, **fields)


def world_accept(w: World, case: Case | None = None) -> Case:
    return services.case_accept(
        actor=w.director, case=fresh(case or world_register(w)), mediator_ids=[w.mediator_row.id]
    )


def world_succeed(
    w: World, case: Case | None = None, *, effective_on: date | None = None, **agreement
) -> Case:
    """Conclude with a written agreement (unsigned, not yet in force). With `effective_on`,
    everything happens on that day (the clock travels there): accepted, concluded, and a
    written agreement signed by every party, the mediator and the committee's seal, so it
    takes effect that day (人民调解法 art 29)."""
    agreement = {"form": "written", "terms": "楼上住户赔偿维修费2000元。", **agreement}
    if effective_on is not None:
        with time_machine.travel(at(effective_on), tick=False):
            case = world_succeed(w, case, **agreement)
            if agreement["form"] == "written":
                case = sign_all(w.mediator, case)
        return fresh(case)
    return services.case_conclude(
        actor=w.mediator,
        case=fresh(case or world_accept(w)),
        outcome="success",
        agreement=agreement,
    )


def sign_all(actor, case: Case, when: datetime | None = None) -> Case:
    """Every party signs the current written agreement, then its first mediator, then the
    committee seals it (all at `when`, default now): it takes effect that day."""
    case = fresh(case)
    when = when or timezone.now()
    for party in case.parties.all():
        services.agreement_sign(
            actor=actor, case=fresh(case), signer_party=party.id, method="handwritten", at=when
        )
    services.agreement_sign(
        actor=actor,
        case=fresh(case),
        signer_mediator=case.mediators.order_by("id").first().id,
        method="handwritten",
        at=when,
    )
    services.agreement_sign(
        actor=actor, case=fresh(case), signer_committee=True, method="seal", at=when
    )
    return fresh(case)


def routing_snapshot(case) -> dict:
    """What a refused routing service must leave as it was."""
    case = fresh(case)
    return {
        "committee": case.committee_id,
        "number": case.number,
        "previous_numbers": case.previous_numbers,
        "status": case.status,
        "transfer_pending": case.transfer_pending,
        "source": case.source,
        "due_on": case.due_on,
        "mediators": sorted(case.mediators.values_list("id", flat=True)),
        "events": case.events.count(),
    }


def visible(user, case) -> bool:
    return Case.objects.visible_to(user).filter(pk=case.pk).exists()


def reassign_to_medical(director_a, case, medical) -> Transfer:
    return routing.transfer_request(
        actor=director_a, case=fresh(case), to_committee=medical, kind="reassign", reason="医疗纠纷"
    )


def routing_conclude_success(mediator, case) -> Case:
    return services.case_conclude(
        actor=mediator,
        case=fresh(case),
        outcome="success",
        agreement={"form": "written", "terms": "李某赔偿张某8000元。"},
    )


# --- routing over HTTP (tests/api/test_routing_api.py, test_routing_transfers_api.py) ---

MEDICAL = "C640106H01"

LIAISON_CASE_FIELDS = {
    "id",
    "number",
    "committee",
    "status",
    "source",
    "dispute_type",
    "title",
    "facts",
    "claims",
    "amount_involved",
    "people_involved",
    "occurred_on",
    "received_at",
    "concluded_at",
    "outcome",
    "has_agreement",
    "parties",
}


def state(case) -> dict:
    """Everything a denied request must leave as it was."""
    case = fresh(case)
    return {
        "committee": case.committee_id,
        "number": case.number,
        "previous_numbers": case.previous_numbers,
        "status": case.status,
        "transfer_pending": case.transfer_pending,
        "events": CaseEvent.objects.filter(case=case).count(),
        "transfers": list(Transfer.objects.filter(case=case).values_list("id", "status")),
        "referrals": list(Referral.objects.filter(case=case).values_list("id", "status", "result")),
    }


def request_transfer(director_a, case, to_committee) -> Transfer:
    return routing.transfer_request(
        actor=director_a,
        case=fresh(case),
        to_committee=to_committee,
        kind="reassign",
        reason="医疗",
    )


def refer_out(director, case) -> Referral:
    return routing.case_refer(
        actor=director,
        case=fresh(case),
        mechanism=Mechanism.objects.get(code="administrative"),
        institution=institution(ADMINISTRATIVE_PARTNER),
        reason="需市场监管部门处理",
    )


def referral_body(committee, mechanism="court", external_ref="(2026)宁0106民诉前调7号"):
    return {
        "mechanism": mechanism,
        "committee": committee.id,
        "external_ref": external_ref,
        "case": {
            "dispute_type": "contract",
            "title": "货款纠纷",
            "facts": "拖欠货款",
            "claims": "支付货款",
            "amount_involved": "12000.00",
            "parties": PARTIES,
        },
    }


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]
