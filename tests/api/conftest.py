"""Shared helpers and fixtures of the tests in tests/api (moved here from the test files
that share them)."""

import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework_simplejwt.tokens import RefreshToken

from committees.models import Committee, Institution, Mechanism, Mediator, Role, Training
from mediation import audit, ledger, notify, routing, services
from mediation.followups import previous_period
from mediation.models import (
    Agreement,
    AgreementSignature,
    Attachment,
    Case,
    CaseEvent,
    FollowUp,
    MediationSession,
    Notification,
    Party,
    PersonalDataAccess,
    RatingLink,
    Referral,
    ScreeningReport,
    StatisticsSubmission,
    Transfer,
)
from mediation.statistics import submissions
from tests import builders
from tests.builders import make_case, member
from tests.conftest import (
    COURT,
    OFFICE_OF_A,
    OFFICE_OF_B,
    PETITION,
)
from tests.factories import RoleFactory, UserFactory, institution
from tests.ledger_files import ledger_row, xlsx

# --- the cases API (test_cases_api, test_cases_filters_api, test_cases_writes_api) ---------

CASES = "/api/v1/cases/"
ID_NUMBER = "11010519491231002X"  # valid under GB 11643, with an X check digit
ID_NUMBER_MASKED = "1101**********002X"
PHONE = "13800000000"
PHONE_MASKED = "138****0000"
LEADER_PHONE = "13900001111"
LEADER_PHONE_MASKED = "139****1111"
ADMINISTRATIVE_PARTNER = "ADM-SCJ"  # an administrative department (行政调解对接)

PARTIES = [
    {
        "role": "applicant",
        "kind": "person",
        "name": "张某",
        "id_number": ID_NUMBER,
        "phone": PHONE,
        "address": "满城北街1号",
    },
    {"role": "respondent", "kind": "person", "name": "李某"},
]


# --- helpers -----------------------------------------------------------------------------


def today() -> date:
    return timezone.localdate()


def mediator_row(user) -> Mediator:
    return Mediator.objects.get(user=user)


def register(actor, committee, **fields) -> Case:
    return make_case(actor, committee, **{"parties": PARTIES, **fields})


def accept(case, director, mediator) -> Case:
    return services.case_accept(actor=director, case=case, mediator_ids=[mediator_row(mediator).id])


def create_body(committee, **overrides) -> dict:
    body = {
        "committee": committee.id,
        "dispute_type": "neighbourhood",
        "source": "party_application",
        "title": "楼上漏水纠纷",
        "facts": "楼上卫生间漏水，楼下天花板受损。",
        "claims": "赔偿维修费用",
        "amount_involved": "8000.00",
        "people_involved": 2,
        "occurred_on": str(today() - timedelta(days=3)),
        "risk_flags": ["escalation_risk"],
        "parties": [dict(p) for p in PARTIES],
    }
    body.update(overrides)
    return body


def snapshot(case_id: int) -> dict:
    """Everything a case endpoint may change, read fresh from the database."""
    case = Case.objects.get(pk=case_id)
    agreement = Agreement.objects.filter(case_id=case_id).first()
    return {
        "status": case.status,
        "transfer_pending": case.transfer_pending,
        "committee": case.committee_id,
        "number": case.number,
        "title": case.title,
        "due_on": case.due_on,
        "archived_at": case.archived_at,
        "mediators": sorted(case.mediators.values_list("id", flat=True)),
        "updated_at": case.updated_at,
        "events": CaseEvent.objects.filter(case_id=case_id).count(),
        "sessions": MediationSession.objects.filter(case_id=case_id).count(),
        "transfers": Transfer.objects.filter(case_id=case_id).count(),
        "referrals": Referral.objects.filter(case_id=case_id).count(),
        "judicial_result": agreement.judicial_result if agreement else None,
    }


def fresh(user):
    """The user as a new request would load it (scope is cached per user object)."""
    return get_user_model().objects.get(pk=user.pk)


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# --- the world every matrix row starts from ----------------------------------------------


@dataclass
class World:
    committee_a: object
    committee_b: object
    mediator_a: object
    mediator_a2: object
    director_a: object
    outsider: object

    @property
    def mediator_id(self) -> int:
        return mediator_row(self.mediator_a).id

    @property
    def mediator2_id(self) -> int:
        return mediator_row(self.mediator_a2).id


@pytest.fixture
def world(committee_a, committee_b, mediator_a, mediator_a2, director_a, outsider):
    return World(committee_a, committee_b, mediator_a, mediator_a2, director_a, outsider)


def case_in_state(world: World, state: str) -> Case:
    """A case of committee A in `state`, built through the services."""
    case = register(world.mediator_a, world.committee_a)
    if state == "registered":
        return case
    case = accept(case, world.director_a, world.mediator_a)
    if state == "mediating":
        return case
    if state == "succeeded":
        # A written agreement in force: signed by the parties, the mediator and the
        # committee's seal (人民调解法 art 29).
        return builders.sign_all(
            world.mediator_a,
            services.case_conclude(
                actor=world.mediator_a,
                case=case,
                outcome="success",
                agreement={
                    "form": "written",
                    "terms": "李某于十日内赔偿张某维修费8000元。",
                    "amount": "8000.00",
                    "performance_deadline": today() + timedelta(days=10),
                    "intends_judicial_confirmation": True,
                },
            ),
        )
    if state == "withdrawn":
        # With a complete 卷宗, so that it can be archived.
        case = services.case_withdraw(actor=world.mediator_a, case=case, reason="双方已自行和解")
        return builders.complete_file(world.mediator_a, case)
    raise AssertionError(state)


def client_of(request, persona: str):
    if persona == "anon":
        return request.getfixturevalue("anon")
    return request.getfixturevalue("client_for")(request.getfixturevalue(persona))


# --- routing over HTTP (test_routing_api, test_routing_transfers_api) ----------------------


@pytest.fixture
def as_persona(request, anon, client_for):
    """as_persona("director_a") → a client for that persona; "anon" → not signed in."""

    def make(name):
        if name == "anon":
            return anon
        return client_for(request.getfixturevalue(name))

    return make


# --- the world of the authorization table (test_authorization_table) ----------------------


@dataclass
class AuthorizationWorld:
    users: dict  # persona → user
    committee_a: Committee
    committee_b: Committee
    mediator_id: int  # mediator_a's Mediator row
    director_mediator_id: int
    ids: dict[str, int] = field(default_factory=dict)
    rating_token: str = ""
    refresh: str = ""

    def pk(self, target: str) -> int:
        return self.ids[target]


def _fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def _referral_in(court_liaison, committee, title) -> Referral:
    return routing.referral_receive(
        actor=court_liaison,
        mechanism=Mechanism.objects.get(code="court"),
        committee=committee,
        external_ref=f"(2026)宁0106民诉前调{title}号",
        parties=builders.PARTIES,  # not the cases API's PARTIES above
        title=title,
        dispute_type="contract",
    )


def months_ago(months: int) -> str:
    """The month `months` before this one, as YYYY-MM."""
    day = timezone.localdate().replace(day=1)
    for _ in range(months):
        day = (day - timedelta(days=1)).replace(day=1)
    return day.strftime("%Y-%m")


def build_world(*, committee_a, committee_b, users: dict) -> AuthorizationWorld:
    """Everything the table's rows point at, built through the services."""
    mediator_a, director_a = users["member"], users["director"]
    court_liaison = users["court"]
    world = AuthorizationWorld(
        users=users,
        committee_a=committee_a,
        committee_b=committee_b,
        mediator_id=Mediator.objects.get(user=mediator_a).id,
        director_mediator_id=Mediator.objects.get(user=director_a).id,
    )
    mediators = [world.mediator_id]

    def accepted(referral) -> Case:
        return services.case_accept(
            actor=director_a, case=_fresh(referral.case), mediator_ids=mediators
        )

    # The case: sent in by the court, accepted, one session held.
    inbound = _referral_in(court_liaison, committee_a, "货款纠纷")
    case = accepted(inbound)
    services.case_record_session(
        actor=mediator_a,
        case=_fresh(case),
        held_at=timezone.now() - timedelta(hours=1),
        summary="双方陈述意见",
        place="社区调解室",
    )
    attachment = builders.attach(mediator_a, case, "evidence", name="现场照片.pdf")
    # Sent in by the court and not yet accepted (accept, decline).
    registered = _referral_in(court_liaison, committee_a, "租赁纠纷").case
    # Sent in by the court, concluded with a written agreement (judicial confirmation,
    # the performance check follow-up, a rating link for the applicant).
    concluded = services.case_conclude(
        actor=mediator_a,
        case=_fresh(accepted(_referral_in(court_liaison, committee_a, "借款纠纷"))),
        outcome="success",
        agreement={"form": "written", "terms": "分两期付清", "amount": "5000.00"},
    )
    concluded = builders.sign_all(mediator_a, concluded)
    # Two more written agreements of A: one still unsigned (signatures), one the court
    # refused to confirm and that is not performed (remediate, performance).
    unsigned = services.case_conclude(
        actor=mediator_a,
        case=_fresh(accepted(_referral_in(court_liaison, committee_a, "合伙纠纷"))),
        outcome="success",
        agreement={"form": "written", "terms": "退还出资", "amount": "3000.00"},
    )
    rejected = builders.sign_all(
        mediator_a,
        services.case_conclude(
            actor=mediator_a,
            case=_fresh(accepted(_referral_in(court_liaison, committee_a, "劳务纠纷"))),
            outcome="success",
            agreement={"form": "written", "terms": "支付劳务费", "amount": "2000.00"},
        ),
    )
    services.case_record_judicial_confirmation(
        actor=mediator_a,
        case=_fresh(rejected),
        applied_on=timezone.localdate(),
        result="rejected",
        joint=True,
    )
    services.followup_complete(
        actor=mediator_a,
        followup=FollowUp.objects.get(case=rejected, kind=FollowUp.Kind.PERFORMANCE_CHECK),
        performed="none",
    )
    # Sent in by the court and withdrawn: nothing left to follow up (archive).
    withdrawn = services.case_withdraw(
        actor=mediator_a,
        case=_fresh(accepted(_referral_in(court_liaison, committee_a, "买卖纠纷"))),
        reason="申请人撤回申请",
    )
    withdrawn = builders.complete_file(mediator_a, withdrawn)
    # Another case of A with a pending transfer to committee B.
    transferring = make_case(mediator_a, committee_a)
    transfer = routing.transfer_request(
        actor=director_a,
        case=_fresh(transferring),
        to_committee=committee_b,
        kind="reassign",
        reason="当事人均居住在黄河东路第一社区",
    )
    # Issue 15 item 14: a case A handed over to B by an accepted transfer (A keeps a
    # former holder's masked, read-only view).
    handed_over = make_case(mediator_a, committee_a, title="相邻通行纠纷")
    routing.transfer_accept(
        actor=users["outsider"],
        transfer=routing.transfer_request(
            actor=director_a,
            case=_fresh(handed_over),
            to_committee=committee_b,
            kind="reassign",
            reason="纠纷发生在黄河东路第一社区",
        ),
    )
    # Issue 15 item 13: a session of the case planned for tomorrow (recorded as held later).
    planned = services.case_record_session(
        actor=mediator_a,
        case=_fresh(case),
        held_at=timezone.now() + timedelta(days=1),
        place="社区调解室",
    )
    # A case of A handed to the court (outbound): the court's liaison reports back.
    referred = make_case(mediator_a, committee_a, title="工程款纠纷", dispute_type="contract")
    outbound = routing.case_refer(
        actor=director_a,
        case=_fresh(referred),
        mechanism=Mechanism.objects.get(code="court"),
        institution=Institution.objects.get(code=COURT),
        reason="当事人要求诉讼",
    )
    follow_up = FollowUp.objects.get(case=concluded, kind=FollowUp.Kind.PERFORMANCE_CHECK)
    notify.notify(
        users=[director_a],
        key="authz-table",
        kind=FollowUp.Kind.DEADLINE_WARNING,
        title="调解期限预警",
        case=case,
    )
    # (the director has other notices too: the referrals arrived, issue 15 item 13)
    notification = Notification.objects.get(recipient=director_a, key__startswith="authz-table")
    report = services.screening_report_file(
        actor=mediator_a, committee=committee_a, period=previous_period(), disputes_found=2
    )
    applicant = Party.objects.get(case=concluded, role="applicant")
    world.rating_token = secrets.token_urlsafe(32)
    RatingLink.objects.create(
        token=world.rating_token,
        case=concluded,
        party=applicant,
        expires_at=timezone.now() + timedelta(days=30),
    )
    audit.personal_data_reveals_record(user=mediator_a, cases=[case], via="/api/v1/cases/")
    world.refresh = str(RefreshToken.for_user(mediator_a))
    ledger_upload = ledger.ledger_import_job_create(
        actor=users["director"],
        committee=committee_a,
        data=xlsx([ledger_row(1)]),
        file_name="ledger.xlsx",
        dry_run=True,
        skip_invalid=False,
    )
    ledger.ledger_import_job_run(job_id=ledger_upload.pk)
    # The district's table of two months ago, submitted (last month is left to submit).
    submission = submissions.submission_create(
        actor=users["district"],
        period=months_ago(2),
        area_id=None,
        unit="银川市金凤区司法局",
        filer="district",
        render=lambda table, title: {"csv": b"csv", "xlsx": b"xlsx"},
    )
    world.ids = {
        "submission": submission.pk,
        "ledger_import": ledger_upload.pk,
        "attachment": attachment.pk,
        "case": case.pk,
        "registered": registered.pk,
        "concluded": concluded.pk,
        "unsigned": unsigned.pk,
        "rejected": rejected.pk,
        "withdrawn": withdrawn.pk,
        "transfer": transfer.pk,
        "transferring": transferring.pk,
        "handed_over": handed_over.pk,
        "planned_session": planned.pk,
        "registered_respondent": Party.objects.get(case=registered, role="respondent").pk,
        "inbound": inbound.pk,
        "outbound": outbound.pk,
        "follow_up": follow_up.pk,
        "notification": notification.pk,
        "report": report.pk,
        "access": PersonalDataAccess.objects.get(kind="reveal").pk,
        "area": committee_a.area_id,
        "committee": committee_a.pk,
        "mediator": world.mediator_id,
        "institution": Institution.objects.get(code=COURT).pk,
        "mechanism": Mechanism.objects.get(code="court").pk,
    }
    return world


def fingerprint() -> dict:
    """What a refused request must leave as it was."""
    models = (
        Attachment,
        Case,
        CaseEvent,
        Transfer,
        Referral,
        FollowUp,
        Notification,
        ScreeningReport,
        MediationSession,
        Agreement,
        AgreementSignature,
        RatingLink,
        PersonalDataAccess,
        StatisticsSubmission,
        Training,
    )
    return {
        "counts": {model.__name__: model.objects.count() for model in models},
        "roster": list(
            Mediator.objects.order_by("pk").values_list(
                "pk", "gender", "ethnicity", "term_start", "term_end"
            )
        ),
        "cases": list(
            Case.objects.order_by("pk").values_list(
                "pk", "status", "committee_id", "transfer_pending", "title", "due_on"
            )
        ),
        "transfers": list(Transfer.objects.order_by("pk").values_list("pk", "status")),
        "referrals": list(Referral.objects.order_by("pk").values_list("pk", "status", "result")),
        "follow_ups": list(FollowUp.objects.order_by("pk").values_list("pk", "status")),
        "unread": Notification.objects.filter(read_at__isnull=True).count(),
        "rated": RatingLink.objects.filter(used_at__isnull=False).count(),
    }


def make_personas(committee_a, committee_b) -> dict:
    """The conftest personas (same helper, usernames, roles and institutions), made once for
    the module's world instead of once per test."""

    def role(username, kind, code=None):
        place = institution(code) if code else None
        return RoleFactory(user=UserFactory(username=username), kind=kind, institution=place).user

    return {
        "outsider": member(committee_b, "outsider_b", Mediator.Role.DIRECTOR),
        "member": member(committee_a, "mediator_a", Mediator.Role.MEDIATOR),
        "director": member(committee_a, "director_a", Mediator.Role.DIRECTOR),
        "office_b": role("office_b", Role.Kind.JUDICIAL_OFFICE, OFFICE_OF_B),
        "office_a": role("office_a", Role.Kind.JUDICIAL_OFFICE, OFFICE_OF_A),
        "district": role("district_office", Role.Kind.DISTRICT_OFFICE),
        "petition": role("petition_liaison", Role.Kind.LIAISON, PETITION),
        "court": role("court_liaison", Role.Kind.LIAISON, COURT),
    }
