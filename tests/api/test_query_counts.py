"""Query counts, pinned for every GET endpoint of the API (issue 14, item 7).

The URL resolver is walked as in tests/api/test_authorization_table.py; every GET route
under /api/v1/ must have a row in SPECS (`test_every_get_endpoint_has_a_pinned_count`).
Each row says who asks, how the rows it reads are grown (through the services), and the
pinned number of queries. The request is made once with 1 row and once with 20 rows (for
the reference lists: page size 1 and 20); both must cost exactly the pinned number, so a
list or a detail whose cost grows with its rows (N+1) fails here.

Queries are counted with a plain Django test client signed in by a JWT access token, so
the count is everything the request does (the user look-up included), a streamed export
counted while its body is read.
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from committees import roster
from committees.models import Committee, Institution, Mechanism, Mediator
from mediation import audit, ledger, notify, routing, services, statistics
from mediation.choices import Status
from mediation.followups import previous_period
from mediation.models import (
    Case,
    FollowUp,
    Party,
    PersonalDataAccess,
    RatingLink,
    StatisticsSubmission,
)
from mediation.statistics import submissions
from tests.api.conftest import months_ago
from tests.api.test_authorization_table import API_PREFIX, api_endpoints
from tests.builders import PARTIES, attach, fresh, make_case, member
from tests.conftest import COURT
from tests.factories import MediatorFactory
from tests.ledger_files import ledger_row, xlsx

pytestmark = pytest.mark.django_db


@dataclass
class Ctx:
    """The personas of tests/conftest.py and what the growers made so far."""

    request: pytest.FixtureRequest
    made: dict = field(default_factory=dict)

    def __getattr__(self, name):
        return self.request.getfixturevalue(name)

    def counter(self, name: str) -> int:
        self.made[name] = self.made.get(name, 0) + 1
        return self.made[name]


# --- growers: add n rows of what the endpoint reads; return the target's pk (detail) ------


def grow_nothing(ctx: Ctx, n: int):
    return None


def grow_cases(ctx: Ctx, n: int) -> int:
    cases = [make_case(ctx.mediator_a, ctx.committee_a) for _ in range(n)]
    ctx.made.setdefault("case", cases[0].pk)
    return ctx.made["case"]


def grow_rolled_up_cases(ctx: Ctx, n: int) -> int:
    """n more cases, counted in the statistics' rollup."""
    case_id = grow_cases(ctx, n)
    statistics.rollup_refresh()
    return case_id


def grow_sessions(ctx: Ctx, n: int) -> int:
    """One case in mediation, n more sessions held on it (each one more event)."""
    if "mediating" not in ctx.made:
        ctx.made["mediating"] = make_case(
            ctx.mediator_a, ctx.committee_a, status=Status.MEDIATING, director=ctx.director_a
        ).pk
    case_id = ctx.made["mediating"]
    for _ in range(n):
        services.case_record_session(
            actor=ctx.mediator_a,
            case=Case.objects.get(pk=case_id),
            held_at=timezone.now() - timedelta(hours=1),
            summary="双方陈述意见",
        )
    return case_id


def grow_transfers(ctx: Ctx, n: int) -> int:
    for _ in range(n):
        transfer = routing.transfer_request(
            actor=ctx.director_a,
            case=fresh(make_case(ctx.mediator_a, ctx.committee_a)),
            to_committee=ctx.committee_b,
            kind="reassign",
            reason="当事人均居住在黄河东路第一社区",
        )
        ctx.made.setdefault("transfer", transfer.pk)
    return ctx.made["transfer"]


def grow_referrals(ctx: Ctx, n: int) -> int:
    for _ in range(n):
        referral = routing.referral_receive(
            actor=ctx.court_liaison,
            mechanism=Mechanism.objects.get(code="court"),
            committee=ctx.committee_a,
            external_ref=f"(2026)宁0106民诉前调{ctx.counter('referral_ref')}号",
            parties=PARTIES,
            title="货款纠纷",
            dispute_type="contract",
        )
        ctx.made.setdefault("referral", referral.pk)
    return ctx.made["referral"]


def grow_follow_ups(ctx: Ctx, n: int) -> int:
    """n accepted cases, each with its deadline follow-ups."""
    for _ in range(n):
        make_case(ctx.mediator_a, ctx.committee_a, status=Status.MEDIATING, director=ctx.director_a)
    return FollowUp.objects.order_by("id").values_list("id", flat=True).first()


def grow_notifications(ctx: Ctx, n: int) -> int:
    case = make_case(ctx.mediator_a, ctx.committee_a)
    for _ in range(n):
        notify.notify(
            users=[ctx.director_a],
            key=f"query-counts-{ctx.counter('notification')}",
            kind=FollowUp.Kind.DEADLINE_WARNING,
            title="调解期限预警",
            case=case,
        )
    return ctx.director_a.notifications.order_by("id").values_list("id", flat=True).first()


def grow_screening_reports(ctx: Ctx, n: int) -> int:
    """A report of last month from n more committees (one report per committee a month)."""
    taken = ctx.made.setdefault("reporting", [])
    committees = Committee.objects.exclude(pk__in=taken).order_by("code")[:n]
    for committee in committees:
        filer = member(committee, f"screening_{committee.code}")
        report = services.screening_report_file(
            actor=filer, committee=committee, period=previous_period(), disputes_found=1
        )
        taken.append(committee.pk)
        ctx.made.setdefault("report", report.pk)
    return ctx.made["report"]


def grow_reveals(ctx: Ctx, n: int) -> int:
    case = make_case(ctx.mediator_a, ctx.committee_a)
    for _ in range(n):
        audit.personal_data_reveals_record(user=ctx.mediator_a, cases=[case], via="/api/v1/")
    return PersonalDataAccess.objects.order_by("id").values_list("id", flat=True).first()


def grow_mediators(ctx: Ctx, n: int) -> int:
    for _ in range(n):
        member(ctx.committee_a, f"colleague_{ctx.counter('colleague')}")
    return Mediator.objects.filter(committee=ctx.committee_a).order_by("id").first().pk


def grow_trainings(ctx: Ctx, n: int) -> int:
    """n more training records of mediator_a (recorded by the district office)."""
    mediator = Mediator.objects.get(user=ctx.mediator_a, committee=ctx.committee_a)
    for _ in range(n):
        roster.training_record(
            actor=ctx.district,
            mediator=mediator,
            on=timezone.localdate() - timedelta(days=ctx.counter("training")),
            hours=Decimal("4"),
            topic="人民调解业务培训",
        )
    return mediator.pk


def grow_submissions(ctx: Ctx, n: int) -> int:
    """n more submitted months (the district's table), going back from last month; the
    target is last month's."""
    for _ in range(n):
        submissions.submission_create(
            actor=ctx.district,
            period=months_ago(ctx.counter("submitted_months")),
            area_id=None,
            unit="银川市金凤区司法局",
            filer="district",
            render=lambda table, title: {"csv": b"csv", "xlsx": b"xlsx"},
        )
    return StatisticsSubmission.objects.get(period=months_ago(1)).pk


def grow_committee_members(ctx: Ctx, n: int) -> int:
    """Committee A with n more members."""
    grow_mediators(ctx, n)
    return ctx.committee_a.pk


def grow_memberships(ctx: Ctx, n: int):
    """The caller (mediator_a) becomes a member of n more committees."""
    taken = ctx.made.setdefault("memberships", [ctx.committee_a.pk])
    for committee in Committee.objects.exclude(pk__in=taken).order_by("code")[:n]:
        MediatorFactory(committee=committee, user=ctx.mediator_a, name="mediator_a")
        taken.append(committee.pk)


def grow_ledger_job(ctx: Ctx, n: int) -> int:
    """A new checked upload of all the ledger rows so far (half refused: the errors file)."""
    total = ctx.made["ledger_rows"] = ctx.made.get("ledger_rows", 0) + n
    rows = [
        ledger_row(i) if i % 2 else ledger_row(i, **{"纠纷类型": "不存在的类型"})
        for i in range(1, total + 1)
    ]
    job = ledger.ledger_import_job_create(
        actor=ctx.director_a,
        committee=ctx.committee_a,
        data=xlsx(rows),
        file_name="ledger.xlsx",
        dry_run=True,
        skip_invalid=False,
    )
    ledger.ledger_import_job_run(job_id=job.pk)
    return job.pk


def grow_rating_links(ctx: Ctx, n: int) -> str:
    """n links, each to the applicant of another case (one link per party of a case)."""
    for _ in range(n):
        case = make_case(ctx.mediator_a, ctx.committee_a)
        token = secrets.token_urlsafe(32)
        # No service hands a link out but the satisfaction follow-up of a concluded case;
        # the row is the one it writes.
        RatingLink.objects.create(
            token=token,
            case=case,
            party=Party.objects.get(case=case, role="applicant"),
            expires_at=timezone.now() + timedelta(days=30),
        )
        ctx.made.setdefault("token", token)
    return ctx.made["token"]


def grow_attachments(ctx: Ctx, n: int) -> int:
    """One case, n more evidence files on it; the case's pk (the list's target)."""
    if "attachments_case" not in ctx.made:
        ctx.made["attachments_case"] = make_case(ctx.mediator_a, ctx.committee_a)
    case = ctx.made["attachments_case"]
    for _ in range(n):
        row = attach(ctx.mediator_a, case, "evidence")
        ctx.made.setdefault("attachment", row.pk)
    return case.pk


def grow_id_copies(ctx: Ctx, n: int) -> int:
    """n identity documents (personal data: each download is recorded); the first's pk."""
    grow_attachments(ctx, 0)
    for _ in range(n):
        row = attach(ctx.mediator_a, ctx.made["attachments_case"], "id_copy")
        ctx.made.setdefault("id_copy", row.pk)
    return ctx.made["id_copy"]


# --- the table ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    persona: str  # a tests/conftest.py fixture, or "anon"
    pinned: int
    grow: Callable[[Ctx, int], object] = grow_nothing
    query: dict = field(default_factory=dict)
    by_page_size: bool = False  # reference data: page size 1 and 20 instead of growing
    counts_rows: bool = True  # a list whose results are the grown rows


OF_A = {"committee": "A"}  # committee A's id, filled in by _get

SPECS: dict[str, Spec] = {
    "health/": Spec("anon", 4),
    "me/": Spec("mediator_a", 4, grow_memberships, counts_rows=False),
    "ratings/{token}/": Spec("anon", 1, grow_rating_links),
    "areas/": Spec("mediator_a", 2, by_page_size=True),
    "areas/{pk}/": Spec("mediator_a", 2),
    "committees/": Spec("mediator_a", 2, by_page_size=True),
    "committees/{pk}/": Spec("mediator_a", 2, grow_committee_members),
    # 4: the caller's scope decides who sees the roster's details (issue 15 item 15).
    "mediators/": Spec("mediator_a", 4, grow_mediators),
    "mediators/{pk}/": Spec("mediator_a", 4, grow_mediators),
    "mediators/{pk}/trainings/": Spec("district", 5, grow_trainings),
    "committees/composition-warnings/": Spec(
        "district", 4, grow_committee_members, counts_rows=False
    ),
    "institutions/": Spec("mediator_a", 2, by_page_size=True),
    "institutions/{pk}/": Spec("mediator_a", 2),
    "mechanisms/": Spec("mediator_a", 2, by_page_size=True),
    "mechanisms/{pk}/": Spec("mediator_a", 2),
    "cases/": Spec("mediator_a", 6, grow_cases),
    # + the parties' chosen mediators (issue 15, arts 19 and 23), once per read of the case
    # + the agreement's versions and their signatures (issue 15), prefetched once.
    # 24 → 14 (issue 18): the detail no longer reads the case a second time after get_object.
    "cases/{pk}/": Spec("mediator_a", 14, grow_sessions),
    "cases/{pk}/events/": Spec("mediator_a", 14, grow_sessions),
    "cases/{pk}/attachments/": Spec("mediator_a", 5, grow_attachments),
    "attachments/{pk}/download/": Spec("mediator_a", 5, grow_id_copies),
    "cases/export/": Spec("mediator_a", 6, grow_cases, {"format": "csv"}),
    "cases/{pk}/documents/": Spec("mediator_a", 10, grow_sessions, counts_rows=False),
    "cases/{pk}/documents/{kind}/": Spec("mediator_a", 11, grow_sessions, {"format": "docx"}),
    "cases/{pk}/file/": Spec("mediator_a", 11, grow_sessions, {"format": "zip"}),
    "transfers/": Spec("director_a", 4, grow_transfers),
    "transfers/{pk}/": Spec("director_a", 4, grow_transfers),
    "referrals/": Spec("director_a", 5, grow_referrals),
    "referrals/{pk}/": Spec("director_a", 5, grow_referrals),
    "follow-ups/": Spec("mediator_a", 4, grow_follow_ups),
    "follow-ups/{pk}/": Spec("mediator_a", 4, grow_follow_ups),
    "notifications/": Spec("director_a", 2, grow_notifications),
    "notifications/{pk}/": Spec("director_a", 2, grow_notifications),
    "screening-reports/": Spec("district", 4, grow_screening_reports),
    "screening-reports/{pk}/": Spec("district", 4, grow_screening_reports),
    "personal-data-access/": Spec("district", 4, grow_reveals),
    "personal-data-access/{pk}/": Spec("district", 4, grow_reveals),
    "statistics/summary/": Spec("district", 11, grow_rolled_up_cases, OF_A),
    "statistics/breakdown/": Spec("district", 6, grow_rolled_up_cases, {**OF_A, "by": "month"}),
    "statistics/mechanisms/": Spec("district", 6, grow_rolled_up_cases, OF_A, counts_rows=False),
    "statistics/export/": Spec("district", 18, grow_rolled_up_cases, {**OF_A, "format": "csv"}),
    "statistics/submissions/": Spec("district", 4, grow_submissions),
    "statistics/submissions/{pk}/": Spec("district", 19, grow_submissions),
    "imports/template.xlsx": Spec("director_a", 1),
    "imports/{pk}/": Spec("director_a", 4, grow_ledger_job),
    "imports/{pk}/errors/": Spec("director_a", 5, grow_ledger_job),
}

DEFAULT_TARGETS = {
    "areas/{pk}/": lambda ctx: ctx.committee_a.area_id,
    "institutions/{pk}/": lambda ctx: Institution.objects.get(code=COURT).pk,
    "mechanisms/{pk}/": lambda ctx: Mechanism.objects.get(code="court").pk,
}


def get_endpoints() -> set[str]:
    return {path for method, path in api_endpoints() if method == "GET"}


def test_every_get_endpoint_has_a_pinned_count():
    walked = get_endpoints()
    assert not sorted(walked - set(SPECS)), "GET endpoints without a pinned query count"
    assert not sorted(set(SPECS) - walked), "pinned counts for endpoints that do not exist"


def _get(ctx: Ctx, spec: Spec, template: str, target, page_size: int):
    """(queries, rows in the answer) for one request, the body read whole."""
    client = Client()
    headers = {}
    if spec.persona != "anon":
        user = get_user_model().objects.get(pk=getattr(ctx, spec.persona).pk)
        headers["HTTP_AUTHORIZATION"] = f"Bearer {AccessToken.for_user(user)}"
    if target is None and template in DEFAULT_TARGETS:
        target = DEFAULT_TARGETS[template](ctx)
    # {kind}: the session record, which reads every session of the case.
    path = "/" + API_PREFIX + template.format(pk=target, token=target, kind="session_record")
    query = dict(spec.query)
    if query.get("committee") == "A":
        query["committee"] = ctx.committee_a.pk
    if "{" not in template and template.endswith("/") and "export" not in template:
        query["page_size"] = page_size
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, query, **headers)
        body = (
            b"".join(response.streaming_content)
            if getattr(response, "streaming", False)
            else response.content
        )
    assert response.status_code == 200, (path, response.status_code, body[:300])
    rows = None
    if response["Content-Type"].startswith("application/json"):
        data = response.json()
        if isinstance(data, dict) and isinstance(data.get("results"), list):
            rows = len(data["results"])
    return len(captured.captured_queries), rows


@pytest.mark.parametrize("template", sorted(SPECS))
def test_query_count_is_pinned_and_the_same_for_1_and_20_rows(request, ref, template):
    spec = SPECS[template]
    ctx = Ctx(request)
    if spec.persona != "anon":
        getattr(ctx, spec.persona)  # the caller exists before the rows it reads

    # given 1 row (page size 1), then 20 rows (page size 20)
    target = spec.grow(ctx, 1)
    one, rows_one = _get(ctx, spec, template, target, page_size=1 if spec.by_page_size else 20)
    target = spec.grow(ctx, 19) or target
    twenty, rows_twenty = _get(ctx, spec, template, target, page_size=20)

    # then a list really holds more rows the second time
    if rows_one is not None and spec.counts_rows:
        assert rows_twenty > rows_one, (rows_one, rows_twenty)
    # and both requests cost the pinned number of queries
    assert (one, twenty) == (spec.pinned, spec.pinned), f"{template}: {one} then {twenty}"
