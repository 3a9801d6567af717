"""The demo's accounts: one per role, with passwords generated on first run and kept in `var/`.

Nothing secret is committed: each checkout makes its own passwords, and `make demo` prints them.
"""

import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from hunt.accounts.services import user_role_set

DEMO_ROLES = ("admin", "scientist", "volunteer")


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    password: str


def _logins_file() -> Path:
    return Path(settings.VAR_DIR) / "demo_logins.json"


@transaction.atomic
def demo_users_ensure() -> list[DemoLogin]:
    """Create (or reset to the stored passwords) one demo account per role."""
    path = _logins_file()
    stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    logins = []
    user_model = get_user_model()
    for role in DEMO_ROLES:
        username = f"demo-{role}"
        password = stored.get(username) or secrets.token_urlsafe(12)
        user, _ = user_model.objects.get_or_create(username=username)
        user.set_password(password)
        user.is_staff = user.is_superuser = role == "admin"
        user.save()
        user_role_set(user=user, scientist=role == "scientist")
        stored[username] = password
        logins.append(DemoLogin(role=role, username=username, password=password))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(stored, indent=2))
    path.chmod(0o600)
    return logins
