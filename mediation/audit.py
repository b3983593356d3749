"""Audit of personal-data reveals (PIPL): every unmasked read is recorded."""

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
    placeholders = ", ".join(["%s"] * len(case_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (user_id, username, case_id, at, via) "
            f"SELECT %s, %s, id, %s, %s FROM mediation_case WHERE id IN ({placeholders})",
            [user.pk, user.get_username(), timezone.now(), via[:200], *case_ids],
        )
    return len(case_ids)
