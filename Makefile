# Intelli-Clinic: `make run` for the demo, `make test` for the tests. See scripts/dev.py --help.

.PHONY: install run test lint deploy-check clean assets

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed
REQUIREMENTS := requirements/base.txt requirements/local.txt
# The interpreter that creates the venv: pyenv's 3.12 (see .python-version), else what is on PATH.
PYTHON312 := $(shell pyenv which python3.12 2>/dev/null || command -v python3.12 || command -v python3)
# Lint and the deploy check import settings, which need some DATABASE_URL; they never query it.
LINT_DATABASE_URL := postgres://lint@127.0.0.1:1/lint
# Use DATABASE_URL from the environment or .env when there is one, else the placeholder above.
WITH_DB_URL = if [ -z "$$DATABASE_URL" ] && ! grep -qs '^DATABASE_URL=.' .env; then \
	export DATABASE_URL=$(LINT_DATABASE_URL); fi;

install: $(STAMP)
	@$(PY) scripts/dev.py ensure-env

# Reinstalls only when a requirements file is newer than the stamp (or the venv is missing).
$(STAMP): $(REQUIREMENTS)
	@if [ ! -x $(PY) ]; then \
		test -n "$(PYTHON312)" || { echo "no python3.12 found (try: pyenv install 3.12)" >&2; exit 1; }; \
		$(PYTHON312) -c 'import sys; sys.exit(sys.version_info < (3, 12))' \
			|| { echo "$(PYTHON312) is older than Python 3.12" >&2; exit 1; }; \
		echo "creating $(VENV) with $(PYTHON312)"; \
		$(PYTHON312) -m venv $(VENV); \
	fi
	@$(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' \
		|| { echo "$(VENV) is older than Python 3.12: remove it and run make install" >&2; exit 1; }
	$(PY) -m pip install --disable-pip-version-check -q -r requirements/local.txt
	@touch $@

run: install
	$(PY) scripts/dev.py run

# Extra pytest arguments: make test PYTEST_ARGS="-k booking -x"
test: install
	$(PY) scripts/dev.py test $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	@$(WITH_DB_URL) echo "manage.py makemigrations --check --dry-run"; \
	$(PY) -W "ignore:Got an error checking a consistent migration history:RuntimeWarning" \
		manage.py makemigrations --check --dry-run

# `check --deploy` under production-like settings: debug off, a long random secret, 2FA on.
deploy-check: install
	@$(WITH_DB_URL) echo "manage.py check --deploy --fail-level WARNING (DEBUG off, 2FA on, random secret)"; \
	DJANGO_DEBUG=false \
	DJANGO_SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	DJANGO_ALLOWED_HOSTS=clinic.example.com \
	ADMIN_REQUIRE_2FA=true \
	$(PY) manage.py check --deploy --fail-level WARNING

# Front-end files from npm (exact versions in assets/package*.json) copied into static/vendor/,
# which is committed: running the project needs neither npm nor a CDN (docs/decisions/0050).
assets:
	cd assets && npm ci
	python3 assets/vendor.py

clean:
	@pidfile=var/pgdata/postmaster.pid; \
	if [ -f $$pidfile ] && kill -0 "$$(head -n 1 $$pidfile)" 2>/dev/null; then \
		echo "the embedded PostgreSQL is still running: stop make run / make test first" >&2; exit 1; \
	fi
	rm -rf var
