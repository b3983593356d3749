"""The load benchmark's environment (bench/load.py): its own Redis, the PostgreSQL server
and the seeded database."""

import os
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis
from load_common import BENCH_BLIND_INDEX_KEY, BENCH_FIELD_KEY, BENCH_SECRET_KEY, BIN, log, run

# --- environment, Redis, database ----------------------------------------------------------


def urls(database: str, server: str = "") -> tuple[str, str]:
    url = server or os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("DATABASE_URL must name a PostgreSQL server (the benchmark needs PostgreSQL).")
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("The benchmark runs against a PostgreSQL server on this machine only.")
    return (
        urlunsplit(parts._replace(path=f"/{database}")),
        urlunsplit(parts._replace(path="/postgres")),
    )


def bench_env(args, database_url: str) -> dict:
    """The server's environment: DEBUG off, keys for personal data, the floor views on."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": f"redis://127.0.0.1:{args.redis_port}/0",
        "DEBUG": "0",
        "SECRET_KEY": BENCH_SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "TIAOJIE_FIELD_KEYS": BENCH_FIELD_KEY,
        "TIAOJIE_BLIND_INDEX_KEY": BENCH_BLIND_INDEX_KEY,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }


@contextmanager
def redis_server(args):
    server = shutil.which("redis-server")
    if not server:
        sys.exit("redis-server is not on the PATH (apt-get install redis-server).")
    logfile = open(args.out / "redis.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [server, "--bind", "127.0.0.1", "--port", str(args.redis_port), "--save", ""]
        + ["--appendonly", "no", "--protected-mode", "yes"],
        stdout=logfile,
        stderr=subprocess.STDOUT,
    )
    try:
        client = redis.Redis(host="127.0.0.1", port=args.redis_port, socket_timeout=1)
        for _ in range(50):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.1)
        else:
            sys.exit(f"Redis did not start on 127.0.0.1:{args.redis_port} (see redis.log)")
        yield
    finally:
        process.terminate()
        process.wait(10)
        logfile.close()


def _pg_bin() -> Path:
    try:
        found = subprocess.run(
            ["pg_config", "--bindir"], capture_output=True, text=True, check=True
        ).stdout.strip()
        if (Path(found) / "initdb").exists():
            return Path(found)
    except (OSError, subprocess.CalledProcessError):
        pass
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not candidates:
        sys.exit("--private-pg needs the PostgreSQL server binaries (initdb, pg_ctl).")
    return candidates[-1].parent


@contextmanager
def private_postgres(args):
    """A PostgreSQL cluster of our own on 127.0.0.1:--pg-port (default configuration),
    kept in --pg-dir between runs (so --reuse keeps the seeded database)."""
    if not args.private_pg:
        yield ""
        return
    pg = _pg_bin()
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    data = Path(args.pg_dir)
    if not (data / "PG_VERSION").exists():
        data.mkdir(parents=True, exist_ok=True)
        if as_postgres:
            shutil.chown(data, "postgres", "postgres")
        log(f"initdb {data}")
        subprocess.run(
            [*as_postgres, str(pg / "initdb"), "-D", str(data), "-U", "postgres"]
            + ["--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    options = f"-p {args.pg_port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={data}"
    subprocess.run(
        [*as_postgres, str(pg / "pg_ctl"), "-D", str(data), "-o", options]
        + ["-l", str(data / "server.log"), "-w", "start"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        yield f"postgres://postgres@127.0.0.1:{args.pg_port}/postgres"
    finally:
        subprocess.run(
            [*as_postgres, str(pg / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
            check=False,
            stdout=subprocess.DEVNULL,
        )


def prepare_database(args, env: dict, maintenance_url: str) -> float | None:
    """Make the database hold >= count seeded cases; returns the seeding time (None if
    reused)."""
    with psycopg.connect(maintenance_url, autocommit=True) as admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [args.database]
        ).fetchone()
    if exists and args.reuse:
        with psycopg.connect(env["DATABASE_URL"]) as conn:
            table = conn.execute("SELECT to_regclass('mediation_case')").fetchone()[0]
            have = conn.execute("SELECT count(*) FROM mediation_case").fetchone()[0] if table else 0
        if have >= args.count:
            log(f"reusing {args.database} ({have:,} cases)")
            run([BIN / "python", "manage.py", "migrate", "--no-input", "-v0"], env)
            return None
    with psycopg.connect(maintenance_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{args.database}"')
    log(f"created {args.database}; migrating")
    run([BIN / "python", "manage.py", "migrate", "--no-input", "-v0"], env)
    log(f"seeding {args.count:,} cases (manage.py seed_cases)")
    started = time.monotonic()
    run([BIN / "python", "manage.py", "seed_cases", "--count", str(args.count)], env)
    return time.monotonic() - started
