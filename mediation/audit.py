"""Audit of personal-data reads (PIPL): every unmasked read is recorded, and so is every
repeat-dispute look-up that found another case of the same person."""

from django.db import connection
from django.utils import timezone

from committees.scope import scope_for
from mediation.models import PersonalDataAccess


def personal_data_reveals_record(*, user, cases, via: str) -> int:
    """Record a reveal for each case whose parties `user` was shown unmasked (a member of
    the holding committee). One INSERT … SELECT per request whatever the page size (a
    bulk insert would be split into several statements on SQLite). Returns how many."""
    scope = scope_for(user)
    case_ids = [case.pk for case in cases if scope.is_member(case.committee_id)]
    if not case_ids:
        return 0
    table = PersonalDataAccess._meta.db_table
    nothing_shown = PersonalDataAccess._meta.get_field("shown").get_db_prep_value({}, connection)
    placeholders = ", ".join(["%s"] * len(case_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (user_id, username, case_id, at, via, kind, shown) "
            f"SELECT %s, %s, id, %s, %s, %s, %s FROM mediation_case "
            f"WHERE id IN ({placeholders})",
            [
                user.pk,
                user.get_username(),
                timezone.now(),
                via[:200],
                PersonalDataAccess.Kind.REVEAL,
                nothing_shown,
                *case_ids,
            ],
        )
    return len(case_ids)


def repeat_dispute_lookup_record(*, user, for_case, matched_ids, shown: dict, via: str) -> int:
    """Record that registering `for_case` looked up the parties' ID numbers and matched the
    cases `matched_ids` (one row per matched case, each with what the registration was
    shown). A look-up that matched nothing is not a read and records nothing."""
    if not matched_ids:
        return 0
    now = timezone.now()
    username = user.get_username() if user is not None else ""
    PersonalDataAccess.objects.bulk_create(
        PersonalDataAccess(
            user=user,
            username=username,
            case_id=case_id,
            at=now,
            via=via[:200],
            kind=PersonalDataAccess.Kind.REPEAT_DISPUTE,
            for_case=for_case,
            shown=shown,
        )
        for case_id in sorted(matched_ids)
    )
    return len(matched_ids)


def attachment_download_record(*, user, attachment, via: str) -> None:
    """Record a download of an attachment holding personal data (an identity document, a
    signed agreement): who, when, which case and which file (`shown`)."""
    PersonalDataAccess.objects.create(
        user=user,
        username=user.get_username(),
        case_id=attachment.case_id,
        at=timezone.now(),
        via=via[:200],
        kind=PersonalDataAccess.Kind.DOWNLOAD,
        shown={"attachment": attachment.pk, "kind": attachment.kind, "sha256": attachment.sha256},
    )
