"""Creating, queueing and executing evaluation runs.

A run is created `queued` and sent to the default queue only once its row is committed; the task claims it
(queued -> running) exactly once, so a redelivered message does nothing. A broker that cannot be reached
marks the run failed instead of leaving it queued forever.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Collection
from importlib.metadata import PackageNotFoundError, version

from django.contrib.auth.models import User
from django.db import transaction

from hunt.catalogues.models import ReferenceCatalogue
from hunt.classify.models import Workflow
from hunt.core.jobs import (
    JobLost,
    JobUnavailable,
    job_claim,
    job_enqueue,
    job_fail,
    job_finish,
    job_running,
)
from hunt.evaluation.compute import evaluation_compute
from hunt.evaluation.models import EvaluationRun
from hunt.learning.models import LabelSnapshot, ModelVersion
from hunt.subjects.models import SubjectSet
from ml.splits import SPLIT_RULE

logger = logging.getLogger(__name__)

EVALUATION_VERSION = "2"
MAX_RESAMPLES = 10_000
MAX_ATTEMPTS = EvaluationRun.MAX_ATTEMPTS


def code_version() -> str:
    try:
        package = version("cluster-hunt")
    except PackageNotFoundError:  # running from a checkout that was never installed
        package = "unknown"
    return f"cluster-hunt {package} / evaluation {EVALUATION_VERSION} / {SPLIT_RULE}"


class EvaluationError(Exception):
    """A run that cannot be created as asked; the message says why."""


class EvaluationUnavailable(EvaluationError, JobUnavailable):
    """The job could not be queued (broker unreachable); the run is marked failed."""


def _class_filter(catalogue: ReferenceCatalogue, classes: Collection[str]) -> list[str]:
    wanted = sorted({str(c).strip().upper() for c in classes if str(c).strip()})
    present = set(
        catalogue.entries.exclude(cluster_class="").values_list("cluster_class", flat=True)
    )
    if not present:
        # Catalogues of confirmed clusters or of candidates (MCXC, eFEDS) carry no classes to filter on.
        return []
    missing = [c for c in wanted if c not in {p.upper() for p in present}]
    if wanted and len(missing) == len(wanted):
        raise EvaluationError(
            f"catalogue {catalogue} has no entries of class {', '.join(missing)} "
            f"(it has {', '.join(sorted(present))})"
        )
    return wanted


def evaluation_run_create(
    *,
    workflow: Workflow,
    catalogue: ReferenceCatalogue,
    model_version: ModelVersion | None = None,
    class_filter: Collection[str] = ("C1", "C2"),
    split: str = EvaluationRun.Split.TEST,
    subject_set: SubjectSet | None = None,
    threshold: float = 0.5,
    bootstrap_resamples: int = 1000,
    min_votes: int = 1,
    seed: int = 0,
    trigger: str = EvaluationRun.Trigger.MANUAL,
    user: User | None = None,
    queue: bool = True,
) -> EvaluationRun:
    """Record a queued run; with `queue`, send it to the worker once the row is committed."""
    if split not in EvaluationRun.Split.values:
        raise EvaluationError(
            f"unknown split {split!r} (expected {', '.join(EvaluationRun.Split.values)})"
        )
    if not (math.isfinite(threshold) and 0.0 <= threshold <= 1.0):
        raise EvaluationError(f"the threshold must lie in [0, 1], got {threshold}")
    if not 0 <= bootstrap_resamples <= MAX_RESAMPLES:
        raise EvaluationError(f"bootstrap resamples must lie in [0, {MAX_RESAMPLES}]")
    if min_votes < 1:
        raise EvaluationError("min_votes must be at least 1")
    snapshot_sha = ""
    if model_version is not None:
        snapshot_sha = model_version.snapshot_sha256
    else:
        latest = LabelSnapshot.objects.filter(workflow=workflow).first()
        snapshot_sha = latest.sha256 if latest else ""
    with transaction.atomic():
        run = _run_insert(
            workflow=workflow, catalogue=catalogue, model_version=model_version,
            class_filter=class_filter, split=split, subject_set=subject_set, snapshot_sha=snapshot_sha,
            threshold=threshold,
            bootstrap_resamples=bootstrap_resamples, min_votes=min_votes, seed=seed, trigger=trigger,
            user=user,
        )  # fmt: skip
    if queue:
        # Sent once the row is committed (on commit inside a caller's transaction, where a broker outage
        # fails the run and is logged); outside one, an outage raises EvaluationUnavailable (an API's 503).
        try:
            job_enqueue(run)
        except JobUnavailable as error:
            raise EvaluationUnavailable(str(error)) from error
    return run


def _run_insert(
    *,
    workflow: Workflow,
    catalogue: ReferenceCatalogue,
    model_version: ModelVersion | None,
    class_filter: Collection[str],
    split: str,
    subject_set: SubjectSet | None,
    snapshot_sha: str,
    threshold: float,
    bootstrap_resamples: int,
    min_votes: int,
    seed: int,
    trigger: str,
    user: User | None,
) -> EvaluationRun:
    return EvaluationRun.objects.create(
        workflow=workflow,
        model_version=model_version,
        catalogue=catalogue,
        catalogue_name=catalogue.name,
        catalogue_version=catalogue.version,
        match_radius_arcsec=catalogue.match_radius_arcsec,
        class_filter=_class_filter(catalogue, class_filter),
        split=split,
        subject_set=subject_set,
        subject_set_name=subject_set.name if subject_set else "",
        label_snapshot_sha256=snapshot_sha,
        code_version=code_version(),
        threshold=threshold,
        bootstrap_resamples=bootstrap_resamples,
        min_votes=min_votes,
        seed=seed,
        trigger=trigger,
        requested_by=user,
    )


def evaluation_run_claim(run_id: int) -> EvaluationRun | None:
    """Take a run for computing; None when there is nothing (more) to do for this message.

    A finished or missing run is left alone. A run already `running` means its worker died and the message
    came back: it counts another attempt, and past MAX_ATTEMPTS the run is failed instead of looping.
    """
    return job_claim(
        EvaluationRun,
        run_id,
        reset={"counts": {}, "results": {}, "scores": {}, "finished_at": None},
    )


def evaluation_run_execute(run_id: int) -> EvaluationRun | None:
    """Compute a claimed run's metrics and store them; failures are recorded on the row, not raised."""
    run = evaluation_run_claim(run_id)
    if run is None:
        return None
    start = time.perf_counter()
    try:
        with job_running(run) as attempt:
            counts, results, scores = evaluation_compute(run)
            attempt.check()
    except JobLost:
        logger.info("evaluation run #%s: no longer this worker's (cancelled or swept)", run.pk)
        return run
    except Exception as error:
        logger.exception("evaluation run #%s failed", run.pk)
        job_fail(run, f"{type(error).__name__}: {error}")
        run.duration_seconds = time.perf_counter() - start
        return run
    job_finish(
        run, EvaluationRun.Status.SUCCEEDED, counts=counts, results=results, scores=scores,
        duration_seconds=time.perf_counter() - start,
    )  # fmt: skip
    return run


def evaluation_after_training(*, model_version: ModelVersion) -> EvaluationRun | None:
    """The automatic evaluation of a freshly trained model against the default catalogue (if one is loaded)."""
    from hunt.evaluation.selectors import catalogue_default

    catalogue = catalogue_default()
    if catalogue is None:
        logger.info("model v%s not evaluated: no reference catalogue is loaded", model_version.pk)
        return None
    return evaluation_run_create(
        workflow=model_version.run.snapshot.workflow,
        catalogue=catalogue,
        model_version=model_version,
        trigger=EvaluationRun.Trigger.TRAINING,
    )
