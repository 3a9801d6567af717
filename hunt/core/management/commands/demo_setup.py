from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hunt.core.demo import DEMO_SURVEY_SIZE, demo_survey_ensure, demo_users_ensure


class Command(BaseCommand):
    help = (
        "Prepare the demo: one account per role (passwords in var/demo_logins.json), a simulated survey "
        "(generated once, cached in var/demo-survey), the real XMM fields of Abell 907 and 1835, and the "
        "X-CLASS-format and MCXC catalogues."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--size", type=int, default=DEMO_SURVEY_SIZE, help="Simulated candidates."
        )
        parser.add_argument("--no-survey", action="store_true", help="Accounts only.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_survey"]:
            demo_survey_ensure(size=options["size"], say=self.stdout.write)
        for login in demo_users_ensure():
            self.stdout.write(f"  {login.role:<10} {login.username:<16} password: {login.password}")
