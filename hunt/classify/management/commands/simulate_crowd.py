"""`manage.py simulate_crowd`: simulated volunteers classify the subjects whose truth the simulator knows."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hunt.classify.crowd_simulation import crowd_simulate
from hunt.classify.models import Workflow
from hunt.classify.selectors import workflow_default


class Command(BaseCommand):
    help = (
        "Add simulated volunteer votes (answers drawn from the simulation truth by a realistic crowd) to the "
        "active workflow, through the normal classification write path. Idempotent for a given --seed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--votes", type=int, default=5, help="Votes per subject (default 5).")
        parser.add_argument(
            "--accuracy", type=float, default=0.8,
            help="With --uniform: the chance every volunteer is right (default 0.8).",
        )  # fmt: skip
        parser.add_argument(
            "--uniform", action="store_true",
            help="Identical volunteers right --accuracy of the time, instead of the realistic crowd "
            "(skills from a distribution, spammers, constant answerers, difficulty, heavy-tailed activity).",
        )  # fmt: skip
        parser.add_argument("--spammers", type=float, default=0.05, help="Share of spammers.")
        parser.add_argument("--volunteers", type=int, default=200, help="Simulated volunteers.")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--workflow", help="Workflow slug (default: the active one).")

    def handle(self, *args: Any, **options: Any) -> None:
        workflow = (
            Workflow.objects.filter(slug=options["workflow"]).first()
            if options["workflow"]
            else workflow_default()
        )
        if workflow is None:
            raise CommandError(f"no workflow {options['workflow'] or '(active)'!r}")
        if not 0.0 <= options["accuracy"] <= 1.0:
            raise CommandError("--accuracy must lie in [0, 1]")
        try:
            result = crowd_simulate(
                workflow=workflow, votes_per_subject=options["votes"], accuracy=options["accuracy"],
                volunteers=options["volunteers"], seed=options["seed"],
                realistic=not options["uniform"], spammer_share=options["spammers"],
            )  # fmt: skip
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Simulated crowd: {result.votes_created} votes on {result.subjects} subjects "
            f"({result.votes_skipped} already there or retired before)."
        )
