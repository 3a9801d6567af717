"""`manage.py aggregate_crowd`: the crowd model now (volunteer skill, posteriors, retirement by posterior)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hunt.classify.aggregation import crowd_aggregate
from hunt.classify.models import Workflow
from hunt.classify.selectors import workflow_default


class Command(BaseCommand):
    help = (
        "Fit Dawid-Skene (gold clamped) to the workflow's votes: store every volunteer's skill and every "
        "subject's posterior, and retire subjects whose posterior is sure enough. Celery beat runs it "
        "every CROWD_AGGREGATE_MINUTES; this runs it now."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workflow", help="Workflow slug (default: the active one).")
        parser.add_argument(
            "--model-voter", action="store_true", help="Count the serving model as one more voter."
        )
        parser.add_argument("--force", action="store_true", help="Run even without new votes.")

    def handle(self, *args: Any, **options: Any) -> None:
        workflow = (
            Workflow.objects.filter(slug=options["workflow"]).first()
            if options["workflow"]
            else workflow_default()
        )
        if workflow is None:
            raise CommandError(f"no workflow {options['workflow'] or '(active)'!r}")
        run = crowd_aggregate(
            workflow=workflow, model_voter=options["model_voter"], force=options["force"]
        )
        if run is None:
            self.stdout.write("No new votes since the last aggregation: nothing to do (--force).")
            return
        self.stdout.write(
            f"{run.method}: {run.classifications} votes by {run.volunteers} volunteers on "
            f"{run.subjects} subjects ({run.gold} gold), {run.iterations} iterations, "
            f"{run.retired} retired by posterior, {run.seconds:.2f} s; "
            f"retired at {run.stats.get('retire_at')}; "
            f"calibrated thresholds {run.stats.get('calibrated_threshold')}"
        )
        calibration = run.stats.get("calibration")
        if calibration is not None:
            self.stdout.write(
                f"target TPR {workflow.posterior_target_tpr} / FPR {workflow.posterior_target_fpr} on "
                f"{calibration['gold']} gold ({calibration['wrong']} wrong): threshold "
                f"{calibration['threshold']}, TPR {calibration['tpr']}, FPR {calibration['fpr']}"
                + (f" ({calibration['note']})" if calibration["note"] else "")
            )
