from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from hunt.classify.models import Workflow
from hunt.classify.selectors import workflow_default
from hunt.learning.base_model import INIT_CHOICES
from hunt.learning.models import TrainingRun
from hunt.learning.pipeline import training_run_execute
from hunt.learning.services import (
    NoNewLabels,
    NotEnoughLabels,
    TrainingAlreadyActive,
    TrainingUnavailable,
    training_run_start,
)


class Command(BaseCommand):
    help = (
        "Retrain the cluster CNN on a fresh label snapshot, here with a progress bar (or --queue it for the "
        "training worker). Refused while another run is active."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workflow", help="Workflow slug (default: the first active one).")
        parser.add_argument("--seed", type=int)
        parser.add_argument("--epochs", type=int)
        parser.add_argument("--min-votes", type=int)
        parser.add_argument(
            "--init",
            choices=INIT_CHOICES,
            help="Start from the simulation-pretrained network (simulation, the default) or random weights.",
        )
        parser.add_argument(
            "--all-layers",
            action="store_true",
            help="Fine-tune every layer of the base, not only its heads.",
        )
        parser.add_argument(
            "--queue", action="store_true", help="Queue for the training worker instead."
        )
        parser.add_argument(
            "--even-if-unchanged",
            action="store_true",
            help="Train even when no label changed since the newest succeeded run (refused otherwise).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        workflow = (
            Workflow.objects.filter(slug=options["workflow"]).first()
            if options["workflow"]
            else workflow_default()
        )
        if workflow is None:
            raise CommandError("no such (active) workflow")
        params = {
            key: options[option]
            for key, option in (
                ("seed", "seed"),
                ("epochs", "epochs"),
                ("min_votes", "min_votes"),
                ("init", "init"),
            )
            if options[option] is not None
        }
        if options["all_layers"]:
            params["freeze_body"] = False
        try:
            run = training_run_start(
                user=None, workflow=workflow, params=params, queue=options["queue"],
                trigger=TrainingRun.Trigger.COMMAND, refuse_unchanged=not options["even_if_unchanged"],
            )  # fmt: skip
        except (TrainingAlreadyActive, NotEnoughLabels, NoNewLabels, TrainingUnavailable) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Run #{run.pk} on snapshot {run.snapshot.sha256[:12]} ({run.snapshot.row_count} labels)"
        )
        if options["queue"]:
            self.stdout.write("Queued for the training worker.")
            return
        bar = tqdm(total=0, unit="batch", desc="training", disable=options["verbosity"] < 1)

        def progress(report: Any) -> None:
            bar.total = report.max_epochs * report.n_batches
            bar.n = (report.epoch - 1) * report.n_batches + report.batch
            bar.set_postfix(epoch=report.epoch, loss=f"{report.train_loss:.3f}")
            bar.refresh()

        training_run_execute(run.pk, on_progress=progress)
        bar.close()
        run.refresh_from_db()
        if run.status != TrainingRun.Status.SUCCEEDED:
            raise CommandError(f"run #{run.pk} {run.status}: {run.error}")
        self.stdout.write(self.style.SUCCESS(f"Run #{run.pk} succeeded: {run.metrics}"))
