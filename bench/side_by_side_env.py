"""Write the env file of bench/side_by_side.sh and, with --seed N, prepare its database.

    .venv/bin/python bench/side_by_side_env.py --database tiaojie_bench_1m --seed 1000000 \\
        > /tmp/bench_1m.env
    bench/side_by_side.sh /tmp/bench_1m.env 20 8 3

The env file exports the benchmark-only fixed keys of bench/load_common.py (so a kept
database stays readable by later runs), DEBUG=0, ALLOWED_HOSTS=127.0.0.1,
SECURE_SSL_REDIRECT=0, LOG_LEVEL=WARNING, DATABASE_URL (this server, --database) and
REDIS_URL (--redis). With --seed N it also creates the database if it is missing, migrates
it, loads the reference data and the demo logins (password tiaojie-demo: a benchmark
database, never production) and, if it holds fewer than N cases, adds the difference with
`seed_cases` (1 M: about 2–8 minutes here). Progress goes to stderr, the env file to stdout.
"""

import argparse
import os
import subprocess
import sys
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_common import (  # noqa: E402  (bench/ is not a package on the path)
    BENCH_BLIND_INDEX_KEY,
    BENCH_FIELD_KEY,
    BENCH_SECRET_KEY,
    ROOT,
)

SERVER = "postgres://postgres@127.0.0.1:5432"


def env_lines(database: str, redis: str, server: str) -> dict[str, str]:
    return {
        "DATABASE_URL": f"{server}/{database}",
        "REDIS_URL": redis,
        "SECRET_KEY": BENCH_SECRET_KEY,
        "TIAOJIE_FIELD_KEYS": BENCH_FIELD_KEY,
        "TIAOJIE_BLIND_INDEX_KEY": BENCH_BLIND_INDEX_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
    }


def prepare(database: str, count: int, env: dict, server: str) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
            conn.execute(f'CREATE DATABASE "{database}"')
    run_env = {**os.environ, **env}

    def manage(*args: str) -> None:
        print("manage.py", *args, file=sys.stderr, flush=True)
        subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=run_env,
            check=True,
            stdout=sys.stderr,
        )

    manage("migrate", "-v0")
    manage("load_reference_data")
    manage("create_demo_accounts", "--allow-without-debug")
    with psycopg.connect(env["DATABASE_URL"]) as conn:
        have = conn.execute("SELECT count(*) FROM mediation_case").fetchone()[0]
    if have < count:
        manage("seed_cases", "--count", str(count - have))
    print(f"{database}: {max(have, count)} cases", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, help="database name on --server")
    parser.add_argument("--server", default=SERVER, help=f"PostgreSQL server ({SERVER})")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--seed", type=int, metavar="N", help="prepare the database, N cases")
    args = parser.parse_args()
    env = env_lines(args.database, args.redis, args.server)
    if args.seed is not None:
        prepare(args.database, args.seed, env, args.server)
    for name, value in env.items():
        print(f"export {name}={value}")


if __name__ == "__main__":
    main()
