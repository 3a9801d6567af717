from typing import Any

from django.core.management.base import BaseCommand

from hunt.core.demo import demo_users_ensure


class Command(BaseCommand):
    help = "Prepare the demo: one account per role (passwords kept in var/demo_logins.json)."

    def handle(self, *args: Any, **options: Any) -> None:
        for login in demo_users_ensure():
            self.stdout.write(f"  {login.role:<10} {login.username:<16} password: {login.password}")
