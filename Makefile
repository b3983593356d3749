# Two commands on a fresh clone: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
PORT ?= 8000
# A laptop runs with DEBUG on; production sets its own environment instead.
DEV_ENV := DEBUG=$${DEBUG:-1}

.PHONY: install run serve test test-dates chaos-short lint migrate-check schema-check clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

run: install
	$(DEV_ENV) $(BIN)/python manage.py migrate --no-input
	$(DEV_ENV) $(BIN)/python manage.py load_reference_data
	$(DEV_ENV) $(BIN)/python manage.py create_demo_accounts
	$(DEV_ENV) $(BIN)/python manage.py serve --port $(PORT)

# The suite in parallel (pytest-xdist, one process per core; each has its own test database
# and Redis database, see tests/conftest.py), then the few tests that restart a shared
# service, alone.
TEST_WORKERS ?= auto
test: install
	$(DEV_ENV) $(BIN)/python -m pytest -n $(TEST_WORKERS) -m "not serial" $(PYTEST_ARGS)
	$(DEV_ENV) $(BIN)/python -m pytest -m serial $(PYTEST_ARGS)

# The date-sensitive modules with the whole run moved to each instant (Asia/Shanghai): the
# year's last seconds, the new year's first, a leap day, the eve of the National Day holiday
# and the Spring Festival past the working-day calendar's data. README: "Tests and the clock".
DATES_PYTEST_ARGS ?= -q
DATE_SENSITIVE := tests/mediation/test_statistics.py tests/api/test_breakdown_rows.py \
	tests/api/test_stats_cache.py tests/mediation/test_followups.py \
	tests/mediation/test_case_services.py tests/mediation/test_case_recusal_and_roles.py \
	tests/mediation/test_case_events_and_numbers.py tests/mediation/test_workflow.py \
	tests/mediation/test_transfer_requests.py tests/mediation/test_transfer_decisions.py \
	tests/mediation/test_referrals.py tests/mediation/test_calendar.py \
	tests/mediation/test_statistics_definitions.py tests/api/test_submissions_api.py \
	tests/api/test_statistics_v11_api.py tests/mediation/test_casefile.py \
	tests/api/test_casefile_api.py tests/mediation/test_law_acceptance.py \
	tests/mediation/test_law_risk.py tests/mediation/test_law_events.py \
	tests/mediation/test_law_party_rights.py
INSTANTS := '2026-12-31 23:59:30' '2027-01-01 00:00:30' '2028-02-29 12:00' \
	'2026-09-30 17:00' '2027-02-08 09:00'

test-dates: install
	for instant in $(INSTANTS); do \
	  echo "== every test starts at $$instant (Asia/Shanghai)"; \
	  $(DEV_ENV) TIAOJIE_TEST_NOW="$$instant" $(BIN)/python -m pytest -n $(TEST_WORKERS) $(DATES_PYTEST_ARGS) \
	    $(DATE_SENSITIVE) || exit 1; \
	done

# The chaos run's short version (about 2 minutes): it kills workers and restarts the
# machine's PostgreSQL and Redis (see docs/benchmarks.md), so it runs after the suite.
chaos-short: install
	$(BIN)/python bench/chaos.py --short

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

migrate-check: install
	$(DEV_ENV) $(BIN)/python manage.py makemigrations --check --dry-run

schema-check: install
	$(DEV_ENV) $(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* .pytest_cache
