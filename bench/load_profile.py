"""py-spy over the gunicorn workers for the load benchmark (bench/load.py)."""

import subprocess
from pathlib import Path

from load_common import BIN
from load_servers import locust

# --- py-spy --------------------------------------------------------------------------------

# (label, function name, file path fragment): inclusive CPU share in the profile.
PROFILE_GROUPS = [
    ("gunicorn: handle_request (everything below)", "handle_request", "gunicorn/workers"),
    ("Django: WSGIHandler (incl. middleware)", "__call__", "django/core/handlers/wsgi.py"),
    ("Django: _get_response (the view)", "_get_response", "django/core/handlers/base.py"),
    ("DRF: initial (authentication, permissions)", "initial", "rest_framework/views.py"),
    ("  JWT authentication", "authenticate", "rest_framework_simplejwt/authentication.py"),
    ("scope_for (memberships, roles)", "scope_for", "committees/scope.py"),
    ("request serializer is_valid", "is_valid", "rest_framework/serializers.py"),
    ("services.case_register", "case_register", "mediation/services.py"),
    ("  _clean_parties (ID/phone checks)", "_clean_parties", "mediation/services.py"),
    ("  _repeat_dispute", "_repeat_dispute", "mediation/services.py"),
    ("  case_event_record", "case_event_record", "mediation/events.py"),
    ("  followups_sync_case", "followups_sync_case", "mediation/followups.py"),
    ("  statistics.mark_dirty", "mark_dirty", "mediation/statistics/rollup.py"),
    ("CaseViewSet._respond (re-read + CaseSerializer)", "_respond", "api/views/cases.py"),
    ("CaseViewSet.list", "list", "api/views/cases.py"),
    ("  paginate_queryset (query + prefetch)", "paginate_queryset", "rest_framework/pagination.py"),
    ("prefetch_related_objects", "prefetch_related_objects", "django/db/models/query.py"),
    ("serializer .data (to_representation)", "data", "rest_framework/serializers.py"),
    (
        "  ModelSerializer.get_fields (building fields)",
        "get_fields",
        "rest_framework/serializers.py",
    ),
    ("Fernet encrypt", "encrypt", "mediation/crypto.py"),
    ("Fernet decrypt", "decrypt", "mediation/crypto.py"),
    ("blind index (HMAC)", "blind_index", "mediation/crypto.py"),
    ("audit.personal_data_reveals_record", "personal_data_reveals_record", "mediation/audit.py"),
    ("JSON rendering", "render", "rest_framework/renderers.py"),
    (
        "Django ORM: execute_sql (compile + run + fetch)",
        "execute_sql",
        "django/db/models/sql/compiler.py",
    ),
    ("  SQL compile: as_sql", "as_sql", "django/db/models/sql/compiler.py"),
    ("psycopg Cursor.execute (client side)", "execute", "psycopg/cursor.py"),
    ("floor: floor_case_create", "floor_case_create", "bench/floor.py"),
    ("floor: floor_case_list", "floor_case_list", "bench/floor.py"),
]


def _frame_is(frame: str, function: str, fragment: str) -> bool:
    """py-spy names a frame "Class.method (path/file.py:line)"."""
    name, _, where = frame.partition(" (")
    return fragment in where and (name == function or name.endswith("." + function))


def profile_summary(raw: Path, top: int = 25) -> list[str]:
    """Inclusive shares for PROFILE_GROUPS and the top self-time frames, from py-spy's
    raw (collapsed stacks) output."""
    stacks = []
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks.append((stack.split(";"), int(count)))
    total = sum(count for _, count in stacks) or 1
    lines = [f"samples: {total}"]
    for label, function, fragment in PROFILE_GROUPS:
        hit = sum(
            count
            for frames, count in stacks
            if any(_frame_is(f, function, fragment) for f in frames)
        )
        if hit:
            lines.append(f"{100 * hit / total:6.1f} %  {label}")
    own: dict[str, int] = {}
    for frames, count in stacks:
        leaf = frames[-1]
        own[leaf] = own.get(leaf, 0) + count
    lines.append("top self time:")
    for frame, count in sorted(own.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(f"{100 * count / total:6.1f} %  {frame[:150]}")
    return lines


def profiled(args, server, *, label, classes, users, duration, config_path) -> list[str]:
    spy = BIN / "py-spy"
    raw = args.out / f"{label}.pyspy.txt"
    recorder = subprocess.Popen(
        [str(spy), "record", "--pid", str(server.pid), "--subprocesses", "--nonblocking"]
        + ["--gil", "--rate", "200", "--format", "raw", "--output", str(raw)]
        + ["--duration", str(int(args.warmup + duration))],
        stdout=subprocess.DEVNULL,
        stderr=open(args.out / f"{label}.pyspy.log", "w"),  # noqa: SIM115
    )
    locust(
        args,
        label=label,
        classes=classes,
        users=users,
        duration=duration,
        config_path=config_path,
    )
    recorder.wait(60)
    if not raw.exists():
        return [f"(py-spy wrote nothing; see {label}.pyspy.log)"]
    return profile_summary(raw)
