# Two commands on a fresh clone: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
PORT ?= 8000
# A laptop runs with DEBUG on; production sets its own environment instead.
DEV_ENV := DEBUG=$${DEBUG:-1}

.PHONY: install run serve test chaos-short lint migrate-check schema-check clean

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

test: install
	$(DEV_ENV) $(BIN)/python -m pytest $(PYTEST_ARGS)

# The chaos run's short version (about 2 minutes): it kills workers and restarts the
# machine's PostgreSQL and Redis (see docs/benchmarks.md), so it runs after the suite.
chaos-short: install
	$(BIN)/python bench/chaos.py --short

lint: install
	$(BIN)/ruff check .

migrate-check: install
	$(DEV_ENV) $(BIN)/python manage.py makemigrations --check --dry-run

schema-check: install
	$(DEV_ENV) $(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* .pytest_cache
