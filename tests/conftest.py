"""Shared fixtures: personas (volunteer, other_volunteer, scientist, admin) and logged-in clients.

The `ml/` tests need no Django: `pytest -p no:django tests/ml` runs them alone, so everything Django-related
here is imported lazily and guarded.
"""

import os
from typing import Any

import pytest

# Playwright's sync API runs an event loop in the test thread; Django must allow ORM calls there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _django_active(config: pytest.Config) -> bool:
    return config.pluginmanager.hasplugin("django")


def pytest_configure(config: pytest.Config) -> None:
    if not _django_active(config):
        return
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    if engine != "django.db.backends.postgresql":
        raise pytest.UsageError(
            f"The tests run on PostgreSQL, not {engine}: set DATABASE_URL (make test does)."
        )


@pytest.fixture(autouse=True)
def _isolated_django_state(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Any:
    """Rendered files and exports go to per-test folders; throttle counters, cached stats and cached
    workflows never leak."""
    if not _django_active(request.config):
        yield
        return
    from django.core.cache import cache

    from hunt.classify.workflow_cache import workflow_cache_clear

    settings = request.getfixturevalue("settings")
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    exports_root = tmp_path_factory.mktemp("exports")
    models_root = tmp_path_factory.mktemp("models")
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(exports_root), "base_url": None},
        },
        "models": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(models_root), "base_url": None},
        },
    }
    cache.clear()
    workflow_cache_clear()  # a rolled-back test's workflow must not serve the next test
    yield
    cache.clear()
    workflow_cache_clear()


@pytest.fixture
def password() -> str:
    from tests.factories import PASSWORD

    return PASSWORD


@pytest.fixture
def volunteer(db: None) -> Any:
    from tests.factories import UserFactory

    return UserFactory(username="alice")


@pytest.fixture
def other_volunteer(db: None) -> Any:
    from tests.factories import UserFactory

    return UserFactory(username="bob")


@pytest.fixture
def scientist(db: None) -> Any:
    from tests.factories import UserFactory

    return UserFactory(username="charlie", scientist=True)


@pytest.fixture
def admin(db: None) -> Any:
    from tests.factories import AdminFactory

    return AdminFactory(username="dana")


def _client_for(user: Any) -> Any:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def volunteer_client(volunteer: Any) -> Any:
    return _client_for(volunteer)


@pytest.fixture
def scientist_client(scientist: Any) -> Any:
    return _client_for(scientist)


@pytest.fixture
def staff_client(admin: Any) -> Any:
    return _client_for(admin)
