"""Authorization proof (issue 7, item 5): every endpoint × every persona, from one table.

The URL resolver is walked for every route under /api/v1/ (router routes, the custom
actions such as cases/{pk}/accept/, and the plain APIViews), giving (method, path
template) pairs. TABLE below declares, for each pair, the status every persona gets; an
endpoint the walk finds and the table lacks (or the other way round) fails
`test_every_api_endpoint_is_in_the_table`.

The personas and one world (built through the services: cases sent in by the court's
liaison, a pending transfer to committee B, a follow-up, a notification, a screening
report, a rating link ...) are made once per module inside a transaction; every
(endpoint, persona) test runs in a savepoint within it and is rolled back, so each starts
from the same untouched world and a write that succeeded for one persona never changes
what the next one gets. Every 4xx must leave the database as it was and carry the error
body {"detail", "code"}; every allowed write must change it. For lists, the table also says
who finds the world's object among the results (scope, not just status). The world's
builders (build_world, make_personas, fingerprint) are in tests/api/conftest.py.

Personas (as in tests/conftest.py): anon; outsider = director of committee B; member =
mediator_a; director = director_a; office_b / office_a = judicial offices of B's and A's
area; district = district office; petition = liaison of the petition bureau; court =
liaison of the court, whose referral brought the world's cases in.
"""

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.routers import APIRootView
from rest_framework.test import APIClient

from committees.models import Committee, Institution
from committees.reference_data import reference_data_load
from tests.api.conftest import (
    AuthorizationWorld,
    build_world,
    fingerprint,
    make_personas,
    months_ago,
)
from tests.builders import PARTIES
from tests.conftest import (
    COMMITTEE_A,
    COMMITTEE_B,
)

API_PREFIX = "api/v1/"
PASSWORD = "secret-pass-123"  # tests.factories.UserFactory's password
ID_NUMBER = "640104198001011235"
PHONE = "13800000000"
ADMINISTRATIVE_PARTNER = "ADM-SCJ"

PERSONAS = (
    "anon",
    "outsider",
    "member",
    "director",
    "office_b",
    "office_a",
    "district",
    "petition",
    "court",
)
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Who finds the world's object in a list (the rest get 200 without it).
A_SCOPE = frozenset({"member", "director", "office_a", "district"})
A_SCOPE_AND_COURT = A_SCOPE | {"court"}
TRANSFER_SCOPE = A_SCOPE | {"outsider", "office_b"}  # the receiver B and its judicial office
DIRECTOR_ONLY = frozenset({"director"})
DISTRICT_ONLY = frozenset({"district"})


# --- the walk ------------------------------------------------------------------------------


def _template(pattern) -> str:
    """`^cases/(?P<pk>[^/.]+)/accept/$` or `ratings/<str:token>/` → `cases/{pk}/accept/`."""
    text = str(pattern).lstrip("^").rstrip("$")
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", text)
    text = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", text)
    return text


def _walk(resolver, prefix=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry, prefix + _template(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + _template(entry.pattern), entry


def api_endpoints() -> set[tuple[str, str]]:
    """(METHOD, path template under /api/v1/) for every route the project serves there."""
    found = set()
    for path, entry in _walk(get_resolver()):
        if not path.startswith(API_PREFIX):
            continue
        path = path.removeprefix(API_PREFIX)
        if "{format}" in path:  # DRF's format-suffix duplicates (cases.json, cases/1.json)
            continue
        callback = entry.callback
        view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        assert view_class is not None, f"api/v1/{path} is not a class-based view"
        if issubclass(view_class, APIRootView):
            continue
        actions = getattr(callback, "actions", None)
        if actions:  # a ViewSet route: the router's method → action mapping
            methods = set(actions)
        else:  # an APIView: the HTTP methods it implements
            methods = {m for m in view_class.http_method_names if hasattr(view_class, m)}
        for method in methods - {"head", "options"}:
            found.add((method.upper(), path))
    return found


# --- request bodies (valid for the persona the table allows) --------------------------------


def case_body(w: AuthorizationWorld) -> dict:
    return {
        "committee": w.committee_a.pk,
        "dispute_type": "neighbourhood",
        "source": "party_application",
        "title": "噪音纠纷",
        "facts": "楼上夜间噪音",
        "claims": "停止噪音",
        "parties": PARTIES,
    }


def referral_body(w: AuthorizationWorld) -> dict:
    return {
        "mechanism": "court",
        "committee": w.committee_a.pk,
        "external_ref": "(2026)宁0106民诉前调7号",
        "case": {"dispute_type": "contract", "title": "货款纠纷", "parties": PARTIES},
    }


def statistics_query(w: AuthorizationWorld, **extra) -> dict:
    return {"committee": w.committee_a.pk, **extra}


# --- the table --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """Statuses in PERSONAS order; `target` fills {pk}; `seen_by` (lists) names who finds
    the target among the results."""

    statuses: tuple[int, ...]
    target: str | None = None
    body: Callable[[AuthorizationWorld], dict] | None = None
    query: Callable[[AuthorizationWorld], dict] | None = None
    seen_by: frozenset[str] | None = None

    def __post_init__(self):
        assert len(self.statuses) == len(PERSONAS)


ALL_SIGNED_IN = (401, 200, 200, 200, 200, 200, 200, 200, 200)
PUBLIC_200 = (200,) * 9


def body_token(w):
    return {"username": "mediator_a", "password": PASSWORD}


def body_refresh(w):
    return {"refresh": w.refresh}


def body_rating(w):
    return {"stars": 5, "comment": "满意"}


def body_patch(w):
    return {"title": "货款纠纷（更正）"}


def body_accept(w):
    return {"mediators": [w.mediator_id]}


def body_decline(w):
    return {"reason": "法院已立案审理"}


def body_assign(w):
    return {"mediators": [w.director_mediator_id], "reason": "调整调解员"}


def body_session(w):
    return {
        "held_at": timezone.now().isoformat(),
        "place": "社区调解室",
        "summary": "第二次调解",
        "party_present": True,
    }


def body_extend(w):
    return {"days": 15, "reason": "双方同意延期", "parties_consent": True}


def body_conclude(w):
    return {"outcome": "failure", "guidance": "litigation", "reason": "分歧较大"}


def body_reason(w):
    return {"reason": "申请人撤回"}


def body_judicial(w):
    return {
        "applied_on": str(timezone.localdate()),
        "court": "金凤区人民法院",
        "result": "pending",
        "joint": True,
    }


def body_signature(w):
    return {"signer_committee": True, "method": "seal", "at": timezone.now().isoformat()}


def body_remediate(w):
    return {"reason": "法院不予确认，双方同意重新调解", "parties_consent": True}


def body_performance(w):
    return {"action": "urge", "note": "电话督促履行"}


def body_rights_notified(w):
    return {"at": timezone.now().isoformat(), "how": "written"}


def body_transfer(w):
    return {"to_committee": w.committee_b.pk, "kind": "reassign", "reason": "当事人搬迁"}


def body_refer(w):
    partner = Institution.objects.get(code=ADMINISTRATIVE_PARTNER)
    return {"mechanism": "administrative", "institution": partner.pk, "reason": "需部门处理"}


def body_reject(w):
    return {"reason": "不属本会辖区"}


def body_feedback(w):
    return {"result": "success", "note": "已达成和解"}


def body_complete(w):
    return {"performed": "full", "result": "已按期履行"}


def body_screening(w):
    return {
        "committee": w.committee_a.pk,
        "period": timezone.localdate().strftime("%Y-%m"),
        "disputes_found": 3,
        "high_risk": 1,
        "notes": "排查发现3起",
    }


def body_consent(w):
    return {"party": w.pk("registered_respondent"), "consents": True}


def body_held(w):
    return {"summary": "双方到场，达成初步意向", "held_at": timezone.now().isoformat()}


def query_by_month(w):
    return statistics_query(w, by="month")


def body_roster(w):
    return {"gender": "female", "ethnicity": "回族"}


def body_training(w):
    return {
        "on": str(timezone.localdate() - timedelta(days=30)),
        "hours": "8",
        "topic": "人民调解法培训",
        "certificate": "NX-2026-001",
    }


def body_submission(w):
    return {"period": months_ago(1)}


def query_csv(w):
    return statistics_query(w, format="csv")


def query_docx(w):
    return {"format": "docx"}


def query_zip(w):
    return {"format": "zip"}


# fmt: off
TABLE: dict[tuple[str, str], Rule] = {
    # Public by design (no login): the same answer for everyone.
    #                      anon out  mem  dir  ofB  ofA  dist pet  court
    ("POST", "auth/token/"): Rule(PUBLIC_200, body=body_token),
    ("POST", "auth/refresh/"): Rule(PUBLIC_200, body=body_refresh),
    ("POST", "auth/logout/"): Rule((204,) * 9, body=body_refresh),
    ("GET", "health/"): Rule(PUBLIC_200),
    ("GET", "ratings/{token}/"): Rule(PUBLIC_200),
    ("POST", "ratings/{token}/"): Rule(PUBLIC_200, body=body_rating),
    # The caller and the reference data: every signed-in user.
    ("GET", "me/"): Rule(ALL_SIGNED_IN),
    ("GET", "areas/"): Rule(ALL_SIGNED_IN),
    ("GET", "areas/{pk}/"): Rule(ALL_SIGNED_IN, "area"),
    ("GET", "committees/"): Rule(ALL_SIGNED_IN),
    ("GET", "committees/{pk}/"): Rule(ALL_SIGNED_IN, "committee"),
    ("GET", "mediators/"): Rule(ALL_SIGNED_IN),
    ("GET", "mediators/{pk}/"): Rule(ALL_SIGNED_IN, "mediator"),
    # The roster (issue 15 item 15, arts 8-9, 14): A's judicial office and the district
    # office write it; whoever sees committee A reads the trainings; everyone reads the
    # composition warnings of the committees in their own scope.
    #                      anon out  mem  dir  ofB  ofA  dist pet  court
    ("PATCH", "mediators/{pk}/"):
        Rule((401, 403, 403, 403, 403, 200, 200, 403, 403), "mediator", body_roster),
    ("GET", "mediators/{pk}/trainings/"):
        Rule((401, 403, 200, 200, 403, 200, 200, 403, 403), "mediator"),
    ("POST", "mediators/{pk}/trainings/"):
        Rule((401, 403, 403, 403, 403, 201, 201, 403, 403), "mediator", body_training),
    ("GET", "committees/composition-warnings/"): Rule(ALL_SIGNED_IN),
    ("GET", "institutions/"): Rule(ALL_SIGNED_IN),
    ("GET", "institutions/{pk}/"): Rule(ALL_SIGNED_IN, "institution"),
    ("GET", "mechanisms/"): Rule(ALL_SIGNED_IN),
    ("GET", "mechanisms/{pk}/"): Rule(ALL_SIGNED_IN, "mechanism"),
    # Cases. Members of A act (directors decide); A's judicial office, the district office
    # and the court (whose referral brought the case in) see the case and are refused
    # (403); everyone else does not see it (404).
    #                      anon out  mem  dir  ofB  ofA  dist pet  court
    ("GET", "cases/"):
        Rule(ALL_SIGNED_IN, "case", seen_by=A_SCOPE_AND_COURT),
    ("POST", "cases/"):
        Rule((401, 403, 201, 201, 403, 403, 403, 403, 403), body=case_body),
    ("GET", "cases/{pk}/"):
        Rule((401, 404, 200, 200, 404, 200, 200, 404, 200), "case"),
    ("PATCH", "cases/{pk}/"):
        Rule((401, 404, 200, 200, 404, 403, 403, 404, 403), "case", body_patch),
    ("GET", "cases/{pk}/events/"):
        Rule((401, 404, 200, 200, 404, 200, 200, 404, 404), "case"),
    ("POST", "cases/{pk}/accept/"):
        Rule((401, 404, 403, 200, 404, 403, 403, 404, 403), "registered", body_accept),
    ("POST", "cases/{pk}/decline/"):
        Rule((401, 404, 403, 200, 404, 403, 403, 404, 403), "registered", body_decline),
    ("POST", "cases/{pk}/assign/"):
        Rule((401, 404, 403, 200, 404, 403, 403, 404, 403), "case", body_assign),
    ("POST", "cases/{pk}/sessions/"):
        Rule((401, 404, 201, 201, 404, 403, 403, 404, 403), "case", body_session),
    ("POST", "cases/{pk}/extend/"):
        Rule((401, 404, 200, 200, 404, 403, 403, 404, 403), "case", body_extend),
    ("POST", "cases/{pk}/conclude/"):
        Rule((401, 404, 200, 200, 404, 403, 403, 404, 403), "case", body_conclude),
    ("POST", "cases/{pk}/withdraw/"):
        Rule((401, 404, 200, 200, 404, 403, 403, 404, 403), "case", body_reason),
    ("POST", "cases/{pk}/archive/"):
        Rule((401, 404, 200, 200, 404, 403, 403, 404, 403), "withdrawn"),
    ("POST", "cases/{pk}/judicial-confirmation/"):
        Rule((401, 404, 200, 200, 404, 403, 403, 404, 403), "concluded", body_judicial),
    ("POST", "cases/{pk}/agreement/signatures/"):
        Rule((401, 404, 201, 201, 404, 403, 403, 404, 403), "unsigned", body_signature),
    ("POST", "cases/{pk}/remediate/"):
        Rule((401, 404, 200, 200, 404, 403, 403, 404, 403), "rejected", body_remediate),
    ("POST", "cases/{pk}/performance/"):
        Rule((401, 404, 200, 200, 404, 403, 403, 404, 403), "rejected", body_performance),
    ("POST", "cases/{pk}/transfer/"):
        Rule((401, 404, 403, 201, 404, 403, 403, 404, 403), "case", body_transfer),
    ("POST", "cases/{pk}/refer/"):
        Rule((401, 404, 403, 201, 404, 403, 403, 404, 403), "case", body_refer),
    # Documents and the 卷宗: the case's committee side (members whole, its office and the
    # district office masked); a liaison, who sees only the case's summary, does not.
    #                      anon out  mem  dir  ofB  ofA  dist pet  court
    ("GET", "cases/{pk}/documents/"):
        Rule((401, 404, 200, 200, 404, 200, 200, 404, 404), "case"),
    ("GET", "cases/{pk}/documents/{kind}/"):
        Rule((401, 404, 200, 200, 404, 200, 200, 404, 404), "case", query=query_docx),
    ("GET", "cases/{pk}/file/"):
        Rule((401, 404, 200, 200, 404, 200, 200, 404, 404), "case", query=query_zip),
    # The case file. Attachments and the rights notice are the holding committee's (a
    # liaison, who reads only a summary of the case, does not see them: 404). An upload is
    # multipart only (this table sends JSON: 415 once the case is found); who may upload is
    # tested in tests/api/test_attachments_api.py. The world's attachment is evidence (an
    # identity document is downloaded by members only, ibid.).
    #                      anon out  mem  dir  ofB  ofA  dist pet  court
    ("POST", "cases/{pk}/rights-notified/"):
        Rule((401, 404, 200, 200, 404, 403, 403, 404, 404), "case", body_rights_notified),
    ("GET", "cases/{pk}/attachments/"):
        Rule((401, 404, 200, 200, 404, 200, 200, 404, 404), "case"),
    ("POST", "cases/{pk}/attachments/"):
        Rule((401, 404, 415, 415, 404, 415, 415, 404, 404), "case", body_reason),
    ("GET", "attachments/{pk}/download/"):
        Rule((401, 404, 200, 200, 404, 200, 200, 404, 404), "attachment"),
    ("DELETE", "attachments/{pk}/"):
        Rule((401, 404, 204, 204, 404, 403, 403, 404, 404), "attachment"),
    ("POST", "cases/{pk}/consent/"):
        Rule((401, 404, 200, 200, 404, 403, 403, 404, 403), "registered", body_consent),
    ("POST", "cases/{pk}/sessions/{session_id}/held/"):
        Rule((401, 404, 200, 200, 404, 403, 403, 404, 403), "case", body_held),
    # Transfers: A sends, B (the outsider's committee) receives; B's office sees it too.
    #                      anon out  mem  dir  ofB  ofA  dist pet  court
    ("GET", "transfers/"):
        Rule(ALL_SIGNED_IN, "transfer", seen_by=TRANSFER_SCOPE),
    ("GET", "transfers/{pk}/"):
        Rule((401, 200, 200, 200, 200, 200, 200, 404, 404), "transfer"),
    ("POST", "transfers/{pk}/accept/"):
        Rule((401, 200, 403, 403, 403, 403, 403, 404, 404), "transfer"),
    ("POST", "transfers/{pk}/reject/"):
        Rule((401, 200, 403, 403, 403, 403, 403, 404, 404), "transfer", body_reject),
    ("POST", "transfers/{pk}/cancel/"):
        Rule((401, 403, 403, 200, 403, 403, 403, 404, 404), "transfer"),
    # Referrals: the court's liaison sends cases in (the petition bureau's may not use the
    # court's mechanism: 400) and reports back on the case A handed to the court.
    #                      anon out  mem  dir  ofB  ofA  dist pet  court
    ("GET", "referrals/"):
        Rule(ALL_SIGNED_IN, "inbound", seen_by=A_SCOPE_AND_COURT),
    ("POST", "referrals/"):
        Rule((401, 403, 403, 403, 403, 403, 403, 400, 201), body=referral_body),
    ("GET", "referrals/{pk}/"):
        Rule((401, 404, 200, 200, 404, 200, 200, 404, 200), "inbound"),
    ("POST", "referrals/{pk}/feedback/"):
        Rule((401, 404, 403, 403, 404, 403, 403, 404, 200), "outbound", body_feedback),
    # Follow-ups of A, the director's own notification, A's screening report.
    #                      anon out  mem  dir  ofB  ofA  dist pet  court
    ("GET", "follow-ups/"):
        Rule(ALL_SIGNED_IN, "follow_up", seen_by=A_SCOPE),
    ("GET", "follow-ups/{pk}/"):
        Rule((401, 404, 200, 200, 404, 200, 200, 404, 404), "follow_up"),
    ("POST", "follow-ups/{pk}/complete/"):
        Rule((401, 404, 200, 200, 404, 403, 403, 404, 404), "follow_up", body_complete),
    ("GET", "notifications/"):
        Rule(ALL_SIGNED_IN, "notification", seen_by=DIRECTOR_ONLY),
    ("GET", "notifications/{pk}/"):
        Rule((401, 404, 404, 200, 404, 404, 404, 404, 404), "notification"),
    ("POST", "notifications/{pk}/read/"):
        Rule((401, 404, 404, 200, 404, 404, 404, 404, 404), "notification"),
    ("GET", "screening-reports/"):
        Rule(ALL_SIGNED_IN, "report", seen_by=A_SCOPE),
    ("POST", "screening-reports/"):
        Rule((401, 403, 201, 201, 403, 403, 403, 403, 403), body=body_screening),
    ("GET", "screening-reports/{pk}/"):
        Rule((401, 404, 200, 200, 404, 200, 200, 404, 404), "report"),
    # Who saw personal data unmasked: the district office only.
    ("GET", "personal-data-access/"):
        Rule((401, 403, 403, 403, 403, 403, 200, 403, 403), "access", seen_by=DISTRICT_ONLY),
    ("GET", "personal-data-access/{pk}/"):
        Rule((401, 403, 403, 403, 403, 403, 200, 403, 403), "access"),
    # Statistics of committee A: its members, its office, the district office; another
    # committee or office asking for A is 404; liaisons get no statistics (403).
    #                      anon out  mem  dir  ofB  ofA  dist pet  court
    ("GET", "statistics/summary/"):
        Rule((401, 404, 200, 200, 404, 200, 200, 403, 403), query=statistics_query),
    ("GET", "statistics/breakdown/"):
        Rule((401, 404, 200, 200, 404, 200, 200, 403, 403), query=query_by_month),
    ("GET", "statistics/mechanisms/"):
        Rule((401, 404, 200, 200, 404, 200, 200, 403, 403), query=statistics_query),
    ("GET", "statistics/export/"):
        Rule((401, 404, 200, 200, 404, 200, 200, 403, 403), query=query_csv),
    # Submitted months (issue 15 item 16): the district office's reports only.
    ("GET", "statistics/submissions/"):
        Rule((401, 403, 403, 403, 403, 403, 200, 403, 403), "submission", seen_by=DISTRICT_ONLY),
    ("POST", "statistics/submissions/"):
        Rule((401, 403, 403, 403, 403, 403, 201, 403, 403), body=body_submission),
    ("GET", "statistics/submissions/{pk}/"):
        Rule((401, 403, 403, 403, 403, 403, 200, 403, 403), "submission"),
    # The ledger. The template is for anyone signed in; the export is the case list's
    # scope as a file (liaisons, who have no ledger, 403). An upload is multipart only
    # (this table sends JSON: 415); who may upload is tested in test_ledger_api.py. A job
    # is read by who may import into its committee: director, its office, the district.
    #                      anon out  mem  dir  ofB  ofA  dist pet  court
    ("GET", "imports/template.xlsx"): Rule(ALL_SIGNED_IN),
    ("POST", "imports/"): Rule((401, 415, 415, 415, 415, 415, 415, 415, 415), body=body_reason),
    ("GET", "imports/{pk}/"):
        Rule((401, 404, 404, 200, 404, 200, 200, 404, 404), "ledger_import"),
    ("GET", "imports/{pk}/errors/"):
        Rule((401, 404, 404, 200, 404, 200, 200, 404, 404), "ledger_import"),
    ("GET", "cases/export/"):
        Rule((401, 200, 200, 200, 200, 200, 200, 403, 403), query=lambda w: {"format": "csv"}),
}

# Issue 15 item 14, the file travels with the transfer: the same endpoints on the two cases
# that moved. `transferring`: A asked B to take it (pending) — B (the outsider) and B's
# office read it, masked; nobody acts on the frozen case (409 for A's members, 403 for B).
# `handed_over`: B accepted it from A — A's members and office keep a masked, read-only view
# (`former_holder`: 200 to read, 403 to write); B's members act.
MOVING_CASE_TABLE: dict[tuple[str, str, str], Rule] = {
    #                      anon out  mem  dir  ofB  ofA  dist pet  court
    ("GET", "cases/{pk}/", "transferring"):
        Rule((401, 200, 200, 200, 200, 200, 200, 404, 404), "transferring"),
    ("GET", "cases/{pk}/events/", "transferring"):
        Rule((401, 200, 200, 200, 200, 200, 200, 404, 404), "transferring"),
    ("PATCH", "cases/{pk}/", "transferring"):
        Rule((401, 403, 409, 409, 403, 403, 403, 404, 404), "transferring", body_patch),
    ("POST", "cases/{pk}/withdraw/", "transferring"):
        Rule((401, 403, 409, 409, 403, 403, 403, 404, 404), "transferring", body_reason),
    ("GET", "cases/{pk}/", "handed_over"):
        Rule((401, 200, 200, 200, 200, 200, 200, 404, 404), "handed_over"),
    ("GET", "cases/{pk}/events/", "handed_over"):
        Rule((401, 200, 200, 200, 200, 200, 200, 404, 404), "handed_over"),
    ("PATCH", "cases/{pk}/", "handed_over"):
        Rule((401, 200, 403, 403, 403, 403, 403, 404, 404), "handed_over", body_patch),
    ("POST", "cases/{pk}/withdraw/", "handed_over"):
        Rule((401, 200, 403, 403, 403, 403, 403, 404, 404), "handed_over", body_reason),
    # (B, the holder now, may transfer it, though not to itself: 400 `transfer_to_self`)
    ("POST", "cases/{pk}/transfer/", "handed_over"):
        Rule((401, 400, 403, 403, 403, 403, 403, 404, 404), "handed_over", body_transfer),
}
# fmt: on


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(autouse=True)
def _own_cache(settings):
    """Throttle and login counters of this test only (also on a shared Redis cache)."""
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "KEY_PREFIX": f"authz-{uuid.uuid4().hex}"}
    }


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The personas and the world, built once inside a transaction that spans the module.

    Each test runs inside pytest-django's per-test transaction (a savepoint within this
    one) and is rolled back after it, so every (endpoint, persona) test starts from this
    same, untouched world: a write that succeeded for one persona is gone for the next.
    Everything is rolled back when the module ends.
    """
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHERS),
        transaction.atomic(),
    ):
        if not Committee.objects.exists():
            reference_data_load()
        committee_a = Committee.objects.get(code=COMMITTEE_A)
        committee_b = Committee.objects.get(code=COMMITTEE_B)
        users = make_personas(committee_a, committee_b)
        yield build_world(committee_a=committee_a, committee_b=committee_b, users=users)
        transaction.set_rollback(True)


def client_as(world: AuthorizationWorld, persona: str) -> APIClient:
    client = APIClient()
    if persona != "anon":
        # A fresh object, as a new request would load it (scope is cached per user object).
        client.force_authenticate(get_user_model().objects.get(pk=world.users[persona].pk))
    return client


def _url(w: AuthorizationWorld, template: str, target: str | None) -> str:
    values = {
        "token": w.rating_token,
        "kind": "session_record",
        "session_id": w.ids["planned_session"],
    }
    if target is not None:
        values["pk"] = w.pk(target)
    return "/" + API_PREFIX + template.format(**values)


# --- the tests ------------------------------------------------------------------------------


def test_every_api_endpoint_is_in_the_table():
    walked = api_endpoints()
    declared = set(TABLE)
    missing = sorted(walked - declared)
    stale = sorted(declared - walked)
    assert not missing, f"endpoints without a row in TABLE: {missing}"
    assert not stale, f"rows in TABLE for endpoints that do not exist: {stale}"


def test_the_walk_finds_router_actions_and_plain_views():
    walked = api_endpoints()

    assert {
        ("POST", "cases/{pk}/accept/"),
        ("GET", "cases/{pk}/events/"),
        ("PATCH", "cases/{pk}/"),
        ("POST", "transfers/{pk}/cancel/"),
        ("GET", "ratings/{token}/"),
        ("POST", "ratings/{token}/"),
        ("GET", "health/"),
        ("POST", "auth/token/"),
    } <= walked
    assert not any("format" in path for _, path in walked)
    assert ("GET", "") not in walked  # the API root
    assert not any(method in ("HEAD", "OPTIONS") for method, _ in walked)


CASES = [(key, persona) for key in TABLE for persona in PERSONAS]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "endpoint, persona", CASES, ids=[f"{m} {p} as {who}" for (m, p), who in CASES]
)
def test_persona_gets_the_declared_status(world, endpoint, persona):
    method, template = endpoint
    _check(world, method, template, TABLE[endpoint], persona)


MOVING = [(key, persona) for key in MOVING_CASE_TABLE for persona in PERSONAS]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "row, persona", MOVING, ids=[f"{m} {p} {t} as {who}" for (m, p, t), who in MOVING]
)
def test_the_file_travels_with_the_transfer(world, row, persona):
    """Issue 15 item 14: who reads and who may write a case offered by, or handed over by,
    a transfer (personal data stays masked for all but the holder: the suite's leak check
    reads every response)."""
    method, template, _ = row
    _check(world, method, template, MOVING_CASE_TABLE[row], persona)


def _check(world, method, template, rule, persona):
    # given
    expected = rule.statuses[PERSONAS.index(persona)]
    client = client_as(world, persona)
    url = _url(world, template, rule.target)
    before = fingerprint()

    # when
    if method == "GET":
        response = client.get(url, rule.query(world) if rule.query else None)
    else:
        body = rule.body(world) if rule.body else None
        response = client.generic(method, url, _json(body), content_type="application/json")

    # then
    assert response.status_code == expected, (
        f"{method} /{API_PREFIX}{template} as {persona}: "
        f"{response.status_code} {response.content.decode(errors='replace')[:300]}"
    )
    if expected >= 400:
        assert fingerprint() == before, f"{method} {template} as {persona} changed the database"
        error = response.json()
        assert {"detail", "code"} <= set(error), error
    elif method != "GET" and not template.startswith("auth/"):
        # An allowed write took effect (and shows that the fingerprint sees writes).
        assert fingerprint() != before, f"{method} {template} as {persona} changed nothing"
    elif rule.seen_by is not None:
        seen = world.pk(rule.target) in [row["id"] for row in response.json()["results"]]
        assert seen == (persona in rule.seen_by), (
            f"{template} as {persona}: target {'listed' if seen else 'not listed'}"
        )


def _json(body) -> str:
    return json.dumps(body, ensure_ascii=False) if body is not None else ""
