"""With DJANGO_DEBUG=False the demo's defaults are refused, and a real configuration deploys cleanly."""

import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from hunt.core.checks import demo_default_errors, production_refuses_demo_defaults

ROOT = Path(__file__).resolve().parents[2]


DEMO = {
    "database_engine": "django.db.backends.sqlite3",
    "broker_url": "filesystem://",
    "secret_key": settings.DEMO_SECRET_KEY,
    "allowed_hosts": [],
}
PRODUCTION = {
    "database_engine": "django.db.backends.postgresql",
    "broker_url": "redis://127.0.0.1:6379/0",
    "secret_key": secrets.token_urlsafe(64),
    "allowed_hosts": ["hunt.example.org"],
}


def _ids(**config: Any) -> set[str]:
    return {message.id for message in demo_default_errors(**config) if message.id}


def test_debug_mode_accepts_the_demo_defaults() -> None:
    assert _ids(debug=True, **DEMO) == set()


def test_production_refuses_sqlite_filesystem_broker_demo_key_and_no_hosts() -> None:
    assert _ids(debug=False, **DEMO) == {"hunt.E001", "hunt.E002", "hunt.E003", "hunt.E004"}


def test_production_refuses_a_short_secret_key() -> None:
    assert _ids(debug=False, **{**PRODUCTION, "secret_key": "short"}) == {"hunt.E003"}


def test_production_accepts_postgres_redis_a_real_key_and_hosts() -> None:
    assert _ids(debug=False, **PRODUCTION) == set()


def test_the_registered_check_reads_the_live_settings(settings: Any) -> None:
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = []
    assert "hunt.E004" in {m.id for m in production_refuses_demo_defaults(None)}


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE"))}
    clean_env.pop("CELERY_BROKER_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean_env, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_check_deploy_is_clean_under_production_settings() -> None:
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="False",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        DJANGO_ALLOWED_HOSTS="hunt.example.org",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.slow
def test_manage_check_fails_when_production_runs_on_demo_defaults() -> None:
    result = _manage("check", DJANGO_DEBUG="False")
    assert result.returncode != 0
    for error_id in ("hunt.E001", "hunt.E002", "hunt.E003", "hunt.E004"):
        assert error_id in result.stderr
