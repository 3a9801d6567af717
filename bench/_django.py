"""Shared set-up for benchmarks that need Django: a throw-away PostgreSQL database and media folder."""

from __future__ import annotations

import os
import secrets
import shutil
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]


def setup(db_name: str) -> Path:
    """Point Django at a fresh database `db_name` on the local server and a temporary media folder."""
    import psycopg

    base = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    server = urlparse(base)
    with psycopg.connect(server._replace(path="/postgres").geturl(), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{db_name}"')
    os.environ["DATABASE_URL"] = server._replace(path=f"/{db_name}").geturl()
    os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/14")
    # Production-like: DEBUG off (it records every query), throttles out of the way.
    os.environ.setdefault("DJANGO_DEBUG", "False")
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(64))
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "False")
    for scope in ("ANON", "USER", "CLASSIFY"):
        os.environ.setdefault(f"THROTTLE_{scope}", "1000000/min")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    media = Path(tempfile.mkdtemp(prefix="cluster-hunt-bench-media-"))
    os.environ["DJANGO_MEDIA_ROOT"] = str(media)
    os.environ["DJANGO_SETTINGS_MODULE"] = "hunt.settings"
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return media


def configuration() -> str:
    """The settings a reader needs to reproduce a run: those that change the write path's cost."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    prepared = database.get("OPTIONS", {}).get("prepare_threshold") is not None
    return (
        f"prepared statements {'on' if prepared else 'off'} (DATABASE_PREPARED_STATEMENTS), "
        f"health checks {'on' if database.get('CONN_HEALTH_CHECKS') else 'off'}, "
        f"sessions {settings.SESSION_ENGINE.rsplit('.', 1)[-1]}, cache {settings.CACHES['default']['BACKEND']}"
    )


def teardown(db_name: str, media: Path) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    shutil.rmtree(media, ignore_errors=True)
    base = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    server = urlparse(base)
    with psycopg.connect(server._replace(path="/postgres").geturl(), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
