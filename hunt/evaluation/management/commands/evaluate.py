"""`manage.py evaluate`: score a model version and the crowd against a reference catalogue.

`--json FILE` writes the figures scientists' scripts read; its keys are a stable interface (docs/metrics.md).
"""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from hunt.catalogues.models import ReferenceCatalogue
from hunt.classify.models import Workflow
from hunt.classify.selectors import workflow_default
from hunt.evaluation.models import EvaluationRun
from hunt.evaluation.selectors import catalogue_default
from hunt.evaluation.services import EvaluationError, evaluation_run_create, evaluation_run_execute
from hunt.evaluation.summary import evaluation_summary
from hunt.learning.models import ModelVersion
from hunt.learning.selectors import champion
from hunt.subjects.models import SubjectSet


class Command(BaseCommand):
    help = (
        "Evaluate a model version (default: the serving one) and the crowd's vote fraction against a "
        "reference catalogue (default: the latest X-CLASS one): TPR/FPR, ROC/AUC with bootstrap intervals, "
        "calibration, strata. Runs in the foreground unless --queue."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--model", type=int, help="Model version id.")
        which.add_argument("--crowd-only", action="store_true", help="Evaluate the crowd alone.")
        parser.add_argument("--catalogue", help="Catalogue name (latest version) or id.")
        parser.add_argument(
            "--classes", default="C1,C2", help="Accepted catalogue classes: C1 or C1,C2 (default)."
        )
        parser.add_argument(
            "--split",
            choices=EvaluationRun.Split.values,
            default=EvaluationRun.Split.TEST,
            help="test (default): the locked test sky regions; all: every subject.",
        )
        parser.add_argument("--subject-set", help="Only this subject set (name or slug).")
        parser.add_argument(
            "--json", type=Path, help="Write the figures (model and crowd) to this JSON file."
        )
        parser.add_argument("--threshold", type=float, default=0.5)
        parser.add_argument("--bootstrap", type=int, default=1000, help="Bootstrap resamples.")
        parser.add_argument("--min-votes", type=int, default=1)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--workflow", help="Workflow slug (default: the active one).")
        parser.add_argument("--queue", action="store_true", help="Queue for the worker instead.")

    def _catalogue(self, value: str | None) -> ReferenceCatalogue:
        if value is None:
            catalogue = catalogue_default()
        elif value.isdigit():
            catalogue = ReferenceCatalogue.objects.filter(pk=int(value)).first()
        else:
            catalogue = (
                ReferenceCatalogue.objects.filter(name=value).order_by("-created_at").first()
            )
        if catalogue is None:
            names = ", ".join(ReferenceCatalogue.objects.values_list("name", flat=True)) or "none"
            raise CommandError(
                f"no reference catalogue {value or '(default)'!r}; loaded: {names} "
                "(load one with manage.py load_catalogue)"
            )
        return catalogue

    def handle(self, *args: Any, **options: Any) -> None:
        workflow = (
            Workflow.objects.filter(slug=options["workflow"]).first()
            if options["workflow"]
            else workflow_default()
        )
        if workflow is None:
            raise CommandError(f"no workflow {options['workflow'] or '(active)'!r}")
        catalogue = self._catalogue(options["catalogue"])
        subject_set = None
        if options["subject_set"]:
            name = options["subject_set"]
            subject_set = SubjectSet.objects.filter(Q(name=name) | Q(slug=name)).first()
            if subject_set is None:
                names = ", ".join(SubjectSet.objects.values_list("name", flat=True)) or "none"
                raise CommandError(f"no subject set {name!r}; there are: {names}")
        version: ModelVersion | None = None
        if options["model"] is not None:
            version = ModelVersion.objects.filter(pk=options["model"]).first()
            if version is None:
                raise CommandError(f"no model version {options['model']}")
        elif not options["crowd_only"]:
            version = champion()
            if version is None:
                self.stdout.write("No model has been trained yet: evaluating the crowd alone.")
        try:
            run = evaluation_run_create(
                workflow=workflow, catalogue=catalogue, model_version=version,
                class_filter=[c for c in options["classes"].split(",") if c.strip()],
                split=options["split"], subject_set=subject_set, threshold=options["threshold"],
                bootstrap_resamples=options["bootstrap"], min_votes=options["min_votes"],
                seed=options["seed"], queue=options["queue"],
            )  # fmt: skip
        except EvaluationError as error:
            raise CommandError(str(error)) from error
        if options["queue"]:
            self.stdout.write(f"Evaluation #{run.pk} queued.")
            return
        done = evaluation_run_execute(run.pk)
        assert done is not None
        if done.status != EvaluationRun.Status.SUCCEEDED:
            raise CommandError(f"evaluation #{done.pk} failed: {done.error}")
        if options["json"] is not None:
            try:
                options["json"].write_text(json.dumps(evaluation_summary(done), indent=2) + "\n")
            except OSError as error:
                raise CommandError(f"cannot write {options['json']}: {error}") from error
        self.stdout.write(self.style.SUCCESS(_summary(done)))


def _summary(run: EvaluationRun) -> str:
    lines = [
        f"Evaluation #{run.pk} against {run.catalogue_name} v{run.catalogue_version} "
        f'({run.class_filter_label}, {run.match_radius_arcsec:g}" radius, {run.split} split) '
        f"in {run.duration_seconds:.1f} s",
        f"  subjects of known truth: {run.counts['evaluated']} ({run.counts['evaluated_positive']} clusters, "
        f"{run.counts['evaluated_negative']} non-clusters), {run.counts['unknown']} unknown",
    ]
    for name in ("model", "crowd", "crowd_posterior"):
        r = run.results.get(name)
        if not r:
            continue
        auc = "-" if r.get("auc") is None else f"{r['auc']:.3f}"
        ci = r.get("auc_ci") or [None, None]
        ci_text = "" if None in ci else f" [{ci[0]:.3f}, {ci[1]:.3f}]"
        lines.append(
            f"  {name:<5} N {r['n']:>6}  AUC {auc}{ci_text}  TPR {_pct(r.get('tpr'))}  FPR {_pct(r.get('fpr'))}  "
            f"precision {_pct(r.get('precision'))} at threshold {r['threshold']:g}"
        )
    lines.append(f"  {run.results['comparison']['sentence']}")
    return "\n".join(lines)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f} %"
