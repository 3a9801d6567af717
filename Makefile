# Cluster Hunt: every entry point. `make demo` and `make test` work on a fresh clone with Python 3.11.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# panoptes_aggregation's own environment (it caps astropy below what the application runs).
PANOPTES_VENV := .venv-panoptes
PANOPTES_STAMP := $(PANOPTES_VENV)/.installed
# pip-tools, for `make lock` only.
LOCK_VENV := var/pip-tools
PIP_COMPILE = $(LOCK_VENV)/bin/pip-compile --quiet --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links --annotation-style=line

# Tests run against the machine's real services; override any of these to point elsewhere.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/cluster_hunt
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
TEST_AMQP_URL ?= amqp://guest:guest@127.0.0.1:5672//
TEST_ENV = DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} \
	CELERY_BROKER_URL=$${CELERY_BROKER_URL:-$(TEST_REDIS_URL)} \
	TEST_REDIS_URL=$(TEST_REDIS_URL) TEST_AMQP_URL=$(TEST_AMQP_URL) \
	DJANGO_ALLOW_ASYNC_UNSAFE=true PANOPTES_PYTHON=$(CURDIR)/$(PANOPTES_VENV)/bin/python

.PHONY: install panoptes-env services lock base-model demo serve worker beat training-worker test test-fast lint format typecheck check-deploy clean

# Exactly the locked versions (requirements/dev.txt: production's pins plus the test tools), then the
# project itself without resolving anything again. Re-runs whenever the lock changes.
$(STAMP): requirements/dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements/dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

$(PANOPTES_STAMP): requirements/panoptes.txt
	$(PYTHON) -m venv $(PANOPTES_VENV)
	$(PANOPTES_VENV)/bin/pip install --quiet --upgrade pip
	$(PANOPTES_VENV)/bin/pip install --quiet -r requirements/panoptes.txt
	touch $(PANOPTES_STAMP)

## panoptes-env: panoptes_aggregation in its own virtualenv, for tests/exports/test_panoptes_aggregation.py
panoptes-env: $(PANOPTES_STAMP)

## lock: re-resolve requirements/{prod,dev,panoptes}.txt from pyproject.toml and requirements/panoptes.in
lock:
	test -x $(LOCK_VENV)/bin/pip-compile || ($(PYTHON) -m venv $(LOCK_VENV) && $(LOCK_VENV)/bin/pip install --quiet pip-tools)
	$(PIP_COMPILE) --output-file requirements/prod.txt pyproject.toml
	$(PIP_COMPILE) --extra dev --constraint requirements/prod.txt --output-file requirements/dev.txt pyproject.toml
	$(PIP_COMPILE) --output-file requirements/panoptes.txt requirements/panoptes.in

## services: install Chromium (apt, as root) and start PostgreSQL, Redis and RabbitMQ where they are down
services:
	$(TEST_ENV) scripts/test-services.sh

## base-model: rebuild the simulation-pretrained network every Retrain starts from (about 25 min on one core)
base-model: install
	$(BIN)/python -m ml.learning.pretrain --out data/models/simulation-base.zip

## demo: install, migrate, load the demo data and serve the site with its workers (Ctrl-C stops all)
demo: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py demo_setup
	$(BIN)/python manage.py serve_demo

## worker: a worker for the default queue (use the same env vars as the web server)
worker: install
	$(BIN)/celery -A hunt worker -Q default -n default@%h --loglevel INFO

## beat: the scheduler (the dead-job sweeper every 30 s, scheduled retraining); run exactly one
beat: install
	$(BIN)/celery -A hunt beat --loglevel INFO

## training-worker: the training queue, one job at a time
training-worker: install
	$(BIN)/celery -A hunt worker -Q training -n training@%h --pool solo --prefetch-multiplier 1 --loglevel INFO

## test: the whole suite on PostgreSQL, Redis, RabbitMQ and Chromium (what CI runs); sets them up first
test: install panoptes-env services
	$(TEST_ENV) $(BIN)/python -m tests.preflight
	$(TEST_ENV) $(BIN)/pytest --create-db

## test-fast: everything but the browser tests
test-fast: install panoptes-env services
	$(TEST_ENV) $(BIN)/pytest --create-db -m "not e2e"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy hunt ml tests bench

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check-deploy: install
	DJANGO_DEBUG=False DJANGO_SECRET_KEY=$$($(BIN)/python -c "import secrets; print(secrets.token_urlsafe(64))") \
	DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_REDIS_URL) DJANGO_ALLOWED_HOSTS=hunt.example.org \
	$(BIN)/python manage.py check --deploy --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py spectacular --validate --fail-on-warn > /dev/null

clean:
	rm -rf $(VENV) $(PANOPTES_VENV) var
