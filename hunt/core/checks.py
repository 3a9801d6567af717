"""System checks that keep the demo's embedded defaults out of production.

With DEBUG on, SQLite, the `filesystem://` broker and the public demo secret are what make `make demo` work on a
bare machine. With DEBUG off they would lose data (SQLite under several web processes), lose jobs (a broker
folder on one host) or let anyone forge sessions (a published key), so each is an error, not a warning.
"""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, register


@register()
def production_refuses_demo_defaults(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    return demo_default_errors(
        debug=settings.DEBUG,
        database_engine=settings.DATABASES["default"]["ENGINE"],
        broker_url=str(settings.CELERY_BROKER_URL),
        secret_key=settings.SECRET_KEY,
        allowed_hosts=list(settings.ALLOWED_HOSTS),
    )


def demo_default_errors(
    *, debug: bool, database_engine: str, broker_url: str, secret_key: str, allowed_hosts: list[str]
) -> list[CheckMessage]:
    if debug:
        return []
    errors: list[CheckMessage] = []
    if database_engine == "django.db.backends.sqlite3":
        errors.append(
            Error(
                "SQLite is the demo database and is refused when DJANGO_DEBUG=False.",
                hint="Set DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/NAME.",
                id="hunt.E001",
            )
        )
    if broker_url.startswith("filesystem://"):
        errors.append(
            Error(
                "The filesystem:// Celery broker is for the demo only (one machine, no redelivery).",
                hint="Set CELERY_BROKER_URL=redis://HOST:6379/0 or amqp://USER:PASSWORD@HOST:5672//.",
                id="hunt.E002",
            )
        )
    if secret_key == settings.DEMO_SECRET_KEY or len(secret_key) < 50:
        errors.append(
            Error(
                "DJANGO_SECRET_KEY is the published demo key or shorter than 50 characters.",
                hint='Generate one: python -c "import secrets; print(secrets.token_urlsafe(64))"',
                id="hunt.E003",
            )
        )
    if not allowed_hosts:
        errors.append(
            Error(
                "DJANGO_ALLOWED_HOSTS is empty.",
                hint="Set DJANGO_ALLOWED_HOSTS=clusterhunt.example.org (comma-separated).",
                id="hunt.E004",
            )
        )
    return errors
