#!/usr/bin/env bash
# Intake, case list and case detail against the bare-Django floor, alternating, in one run
# (issue 18). The approach and the floor of ../shared/bench-floor/side_by_side.sh (its
# floor.py, started the same way), plus the case detail at one connection; one line per phase.
#
# Usage (from the project's root):
#   bench/side_by_side.sh ENVFILE [seconds] [connections] [rounds]
# ENVFILE: written by `bench/side_by_side_env.py` (which can also create and seed the
#   database); it exports DATABASE_URL (PostgreSQL), REDIS_URL, SECRET_KEY,
#   TIAOJIE_FIELD_KEYS, TIAOJIE_BLIND_INDEX_KEY, ALLOWED_HOSTS=127.0.0.1,
#   SECURE_SSL_REDIRECT=0, DEBUG=0; that database migrated, with the reference data, the
#   demo logins and seed_cases' cases.
# Environment: FLOOR_DIR (default: the first of ../shared/bench-floor, ../../shared/bench-floor,
#   /work/shared/bench-floor holding floor.py), WORK (default /tmp/bench-floor; the floor's
#   virtualenv and the server logs), WEB_CONCURRENCY (project workers, default 3, as the
#   floor), FIXED_IDS=1 (post exactly post_case.lua's two ID numbers every time; by default
#   each intake carries new random ones, see bench/wrk_intake.lua).
# Needs wrk (apt-get install wrk), psql, curl, python3.
# Phases of each round: floor intake (c), project intake (c), project list 1 and c
# connections (page_size 50, as the first community committee's demo mediator, unmasked:
# every page's reveal audited), project detail 1 connection (the committee's newest case).
set -eu
proj=$(pwd)
[ -f "$proj/manage.py" ] || { echo "run from the project's root" >&2; exit 2; }
bench="$proj/bench"
envfile=$(readlink -f "${1:?envfile}"); secs=${2:-10}; conns=${3:-8}; rounds=${4:-2}
if [ -z "${FLOOR_DIR:-}" ]; then
  for d in "$proj/../shared/bench-floor" "$proj/../../shared/bench-floor" /work/shared/bench-floor; do
    [ -f "$d/floor.py" ] && { FLOOR_DIR=$(cd "$d" && pwd); break; }
  done
fi
[ -f "${FLOOR_DIR:-}/floor.py" ] || { echo "floor.py not found: set FLOOR_DIR" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }
WORK=${WORK:-/tmp/bench-floor}; mkdir -p "$WORK"
venv="$WORK/.venv"
[ -x "$venv/bin/gunicorn" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q "django>=5.2,<5.3" "psycopg[binary]" gunicorn; }
psql -h 127.0.0.1 -U postgres -tc "select 1 from pg_database where datname='floor_bench'" | grep -q 1 || psql -h 127.0.0.1 -U postgres -c "create database floor_bench" >/dev/null
(cd "$FLOOR_DIR" && env -u DATABASE_URL PYTHONDONTWRITEBYTECODE=1 "$venv/bin/python" floor.py >/dev/null)
env -u DATABASE_URL PYTHONDONTWRITEBYTECODE=1 "$venv/bin/gunicorn" -w 3 -b 127.0.0.1:18900 --chdir "$FLOOR_DIR" floor:application >"$WORK/floor.log" 2>&1 &
fpid=$!
( set -a; . "$envfile"; WEB_CONCURRENCY=${WEB_CONCURRENCY:-3} exec .venv/bin/gunicorn -c config/gunicorn.py --bind 127.0.0.1:18901 config.wsgi ) >"$WORK/project.log" 2>&1 &
ppid=$!
trap 'kill $fpid $ppid 2>/dev/null || true' EXIT
up=0
for _ in $(seq 1 90); do
  if curl -fs -o /dev/null http://127.0.0.1:18900/floor/cases/ && curl -fs -o /dev/null http://127.0.0.1:18901/api/v1/health/; then up=1; break; fi
  sleep 1
done
[ "$up" = 1 ] || { echo "servers did not start: see $WORK/floor.log, $WORK/project.log" >&2; exit 1; }
tok() { curl -fs "http://127.0.0.1:18901/api/v1/auth/token/" -H 'Content-Type: application/json' -d "{\"username\":\"$1\",\"password\":\"tiaojie-demo\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access"])'; }
dtok=$(tok district)
read -r cid ccode < <(curl -fs "http://127.0.0.1:18901/api/v1/committees/?kind=community&page_size=1" -H "Authorization: Bearer $dtok" | python3 -c 'import json,sys; c=json.load(sys.stdin)["results"][0]; print(c["id"], c["code"])')
mtok=$(tok "mediator.$ccode")
ncases=$(set -a; . "$envfile"; psql "$DATABASE_URL" -Atc "select count(*) from mediation_case")
echo "side by side: $ncases cases, committee $ccode ($cid), ${secs}s phases, $conns connections, $rounds rounds, project workers ${WEB_CONCURRENCY:-3}, $(nproc) cores"
newest() { curl -fs "http://127.0.0.1:18901/api/v1/cases/?page_size=1" -H "Authorization: Bearer $mtok" | python3 -c 'import json,sys; print(json.load(sys.stdin)["results"][0]["id"])'; }
for r in $(seq 1 "$rounds"); do
  echo "round $r (load $(cut -d' ' -f1 /proc/loadavg))"
  floor=$(COMMITTEE=1 wrk -t2 -c"$conns" -d"${secs}s" -s "$bench/wrk_intake.lua" http://127.0.0.1:18900/floor/cases/ | tail -1)
  printf '  %-22s%s\n' "floor intake ${conns}c:" "$floor"
  project=$(TOKEN=$mtok COMMITTEE=$cid wrk -t2 -c"$conns" -d"${secs}s" -s "$bench/wrk_intake.lua" http://127.0.0.1:18901/api/v1/cases/ | tail -1)
  printf '  %-22s%s  = %s x floor\n' "project intake ${conns}c:" "$project" "$(awk -v a="${project#req/s }" -v b="${floor#req/s }" 'BEGIN {printf "%.3f", (a+0)/(b+0)}')"
  printf '  %-22s' "project list 1c:"; wrk -t1 -c1 -d"${secs}s" -s "$bench/wrk_report.lua" -H "Authorization: Bearer $mtok" "http://127.0.0.1:18901/api/v1/cases/?page_size=50" | tail -1
  printf '  %-22s' "project list ${conns}c:"; wrk -t2 -c"$conns" -d"${secs}s" -s "$bench/wrk_report.lua" -H "Authorization: Bearer $mtok" "http://127.0.0.1:18901/api/v1/cases/?page_size=50" | tail -1
  case_id=$(newest)
  printf '  %-22s' "project detail 1c:"; wrk -t1 -c1 -d"${secs}s" -s "$bench/wrk_report.lua" -H "Authorization: Bearer $mtok" "http://127.0.0.1:18901/api/v1/cases/$case_id/" | tail -1
done
