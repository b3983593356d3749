"""The ledger out: cases in the template's columns, and the reveals an export records."""

from collections.abc import Iterable, Iterator

from django.db import connection
from django.utils import timezone

from committees.scope import scope_for
from mediation import choices
from mediation.ledger.columns import COLUMNS
from mediation.models import Case, PersonalDataAccess
from mediation.validators import mask_id_number, mask_phone

# --- the ledger out ----------------------------------------------------------------------


def _day(moment) -> str:
    return timezone.localdate(moment).isoformat() if moment else ""


def _label(codes, value) -> str:
    return str(codes(value).label) if value else ""


def export_rows(user, cases: Iterable[Case], chunk: int = 2000) -> Iterator[list[str]]:
    """One row per case in the template's columns; personal data masked unless `user` is
    a member of the holding committee. `cases` is iterated in chunks (parties and the
    agreement fetched per chunk), so a long export never holds every case at once."""
    scope = scope_for(user)
    queryset = cases.select_related("agreement").prefetch_related("parties")
    for case in queryset.iterator(chunk_size=chunk):
        clear = scope.is_member(case.committee_id)
        parties = {}
        for party in case.parties.all():
            parties.setdefault(party.role, party)
        agreement = getattr(case, "agreement", None)
        row = {
            "number": case.number,
            "title": case.title,
            "dispute_type": _label(choices.DisputeType, case.dispute_type),
            "source": _label(choices.Source, case.source),
            # An archived case shows how it ended; 归档日期 says it is archived.
            "status": _label(
                choices.Status,
                case.closed_as if case.status == choices.Status.ARCHIVED else case.status,
            ),
            "received_on": _day(case.received_at),
            "accepted_on": _day(case.accepted_at),
            "concluded_on": _day(case.concluded_at),
            "archived_on": _day(case.archived_at),
            "occurred_on": case.occurred_on.isoformat() if case.occurred_on else "",
            "amount_involved": "" if case.amount_involved is None else str(case.amount_involved),
            "people_involved": str(case.people_involved),
            "facts": case.facts,
            "claims": case.claims,
            "outcome": _label(choices.Outcome, case.outcome),
            "agreement_form": _label(choices.AgreementForm, agreement.form) if agreement else "",
            "agreement_terms": agreement.terms if agreement else "",
            "agreement_amount": (
                str(agreement.amount) if agreement and agreement.amount is not None else ""
            ),
            "guidance": _label(choices.Guidance, case.guidance),
            "closing_reason": case.closing_reason,
        }
        for prefix, role in (
            ("applicant", choices.PartyRole.APPLICANT),
            ("respondent", choices.PartyRole.RESPONDENT),
        ):
            party = parties.get(role)
            id_number = party.id_number if party else ""
            phone = party.phone if party else ""
            row[f"{prefix}_name"] = party.name if party else ""
            row[f"{prefix}_kind"] = _label(choices.PartyKind, party.kind) if party else ""
            row[f"{prefix}_id_number"] = id_number if clear else mask_id_number(id_number)
            row[f"{prefix}_phone"] = phone if clear else mask_phone(phone)
        yield [row[column.key] for column in COLUMNS]


def export_reveals_record(*, user, cases, via: str) -> None:
    """Record a personal-data reveal for every exported case whose parties `user` sees
    unmasked (a member of the holding committee): one INSERT … SELECT, however many."""
    scope = scope_for(user)
    if not scope.member_of:
        return
    ids = cases.filter(committee_id__in=scope.member_of).order_by().values("id")
    sql, params = ids.query.sql_with_params()
    table = PersonalDataAccess._meta.db_table
    # As audit.personal_data_reveals_record writes a reveal, but over a subquery: an
    # export may hold 100,000 cases, too many for a list of ids.
    nothing_shown = PersonalDataAccess._meta.get_field("shown").get_db_prep_value({}, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (user_id, username, case_id, at, via, kind, shown) "
            f"SELECT %s, %s, id, %s, %s, %s, %s FROM {Case._meta.db_table} WHERE id IN ({sql})",
            [
                user.pk,
                user.get_username(),
                timezone.now(),
                via[:200],
                PersonalDataAccess.Kind.REVEAL,
                nothing_shown,
                *params,
            ],
        )
