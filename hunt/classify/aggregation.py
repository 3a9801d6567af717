"""The crowd model, off the hot path: volunteer skill, the posterior per subject, retirement by posterior.

`classification_create` only counts votes (one UPDATE ... RETURNING and one INSERT); everything here runs in a
batch job (`crowd_aggregate_task`, every CROWD_AGGREGATE_MINUTES, and `manage.py aggregate_crowd`), so the
classification write path is unchanged. One run:

1. reads every vote of the workflow, the gold labels (`ExpertLabel.objects.gold()`) and, optionally, the
   serving model's answers as one more voter;
2. applies the spam rule (`ml.crowd.skill.spam_weight`: down-weights, never deletes);
3. fits Dawid-Skene with gold clamped (`ml.crowd.dawid_skene`, empirical-Bayes pseudo-votes);
4. stores each subject's posterior (with a history row when its votes changed), each volunteer's skill (the
   Dawid-Skene confusion and the SWAP-style gold confusion with pseudo-counts), and the run;
5. calibrates the threshold on gold where the workflow sets a target (`posterior_target_fpr` / `_tpr`,
   `ml.crowd.skill.calibrate_rates`), stores it on the workflow (`posterior_calibrated_at`) and the run;
6. retires active subjects whose posterior from the votes alone reaches that threshold (or, without a target or
   with too little gold, the workflow's `posterior_retire_at`) with at least `posterior_min_votes` votes
   (reason "posterior"), beside the count limit and the rules;
7. audits: when the workflow has no active subject left, re-opens the posterior-retired ones whose label is least
   certain (`ml.crowd.acquisition.audit_order`, the rule `bench/label_efficiency.py` replays), a twentieth of the
   workflow at a time, so volunteers' time goes to the labels most likely wrong instead of idling. A re-opened
   subject is active with reason "audit" and is not retired by its posterior again before it has a new vote.
docs/crowd.md explains the choices and the figures.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from hunt.classify.models import (
    Classification,
    CrowdAggregation,
    SubjectPosteriorHistory,
    SubjectStatus,
    VolunteerSkill,
    Workflow,
)
from hunt.subjects.labels import HUNT_CLASSES, answer_class, expert_class
from hunt.subjects.models import ExpertLabel
from ml.crowd import acquisition, skill
from ml.crowd.dawid_skene import METHOD, dawid_skene, votes_posterior

PSEUDO_POPULATION = 10.0
RETIREMENT_REASON = "posterior"
AUDIT_REASON = "audit"
# Re-opened per audit, as a share of the workflow's subjects: the replay's round (a twentieth of the pool).
AUDIT_SHARE = 0.05
CALIBRATION_TARGETS = (0.95, 0.99)


def _cluster_family(index: int) -> int:
    return 0 if index <= 1 else index


@transaction.atomic
def crowd_aggregate(
    *, workflow: Workflow, model_voter: bool = False, force: bool = False
) -> CrowdAggregation | None:
    """One batch run over the workflow's votes; None (nothing done) when no vote arrived since the last run."""
    started = time.perf_counter()
    newest = (
        Classification.objects.filter(workflow=workflow).aggregate(newest=Max("id"))["newest"] or 0
    )
    last = CrowdAggregation.objects.filter(workflow=workflow).first()
    if (
        not force
        and last is not None
        and last.last_classification_id >= newest
        and bool(last.params.get("model_voter")) == model_voter
    ):
        return None
    statuses = list(
        SubjectStatus.objects.filter(workflow=workflow)
        .order_by("subject_id")
        .values_list(
            "id",
            "subject_id",
            "classification_count",
            "retired_at",
            "posterior_votes",
            "retirement_reason",
        )
    )
    task_of = {row[1]: i for i, row in enumerate(statuses)}
    n_tasks = len(statuses)
    votes = list(
        Classification.objects.filter(workflow=workflow, id__lte=newest).values_list(
            "subject_id", "volunteer_id", "answer", "redshift"
        )
    )
    volunteer_ids = sorted({v[1] for v in votes})
    worker_of = {pk: i for i, pk in enumerate(volunteer_ids)}
    class_index = {name: i for i, name in enumerate(HUNT_CLASSES)}
    kept = [v for v in votes if v[0] in task_of]
    task = np.fromiter((task_of[v[0]] for v in kept), np.int64, len(kept))
    worker = np.fromiter((worker_of[v[1]] for v in kept), np.int64, len(kept))
    label = np.fromiter((class_index[answer_class(v[2], v[3])] for v in kept), np.int64, len(kept))
    gold = np.full(n_tasks, -1, np.int64)
    for subject_id, expert, redshift in (
        ExpertLabel.objects.gold()
        .filter(subject_id__in=task_of)
        .order_by("subject_id", "pk")
        .values_list("subject_id", "label", "redshift")
    ):
        if gold[task_of[subject_id]] < 0:
            gold[task_of[subject_id]] = class_index[expert_class(expert, redshift)]
    n_volunteers = len(volunteer_ids)
    # The spam rule, from each volunteer's answers and their record on gold.
    answers = np.zeros((n_volunteers, len(HUNT_CLASSES)))
    np.add.at(answers, (worker, label), 1.0)
    on_gold = gold[task] >= 0
    gold_seen = np.bincount(worker[on_gold], minlength=n_volunteers)
    right = on_gold & (
        np.vectorize(_cluster_family)(label) == np.vectorize(_cluster_family)(gold[task])
        if task.size
        else on_gold
    )
    gold_correct = np.bincount(worker[right], minlength=n_volunteers)
    verdicts = [
        skill.spam_weight(answers[w], int(gold_seen[w]), int(gold_correct[w]))
        for w in range(n_volunteers)
    ]
    weight = np.array([v.weight for v in verdicts], dtype=np.float64)
    n_workers = n_volunteers
    human_votes = task.size
    if model_voter:
        task, worker, label, weight, n_workers = _with_model_voter(
            workflow, task_of, task, worker, label, weight, class_index
        )
    result = dawid_skene(
        task, worker, label, n_tasks=n_tasks, n_workers=n_workers, gold=gold,
        worker_weight=weight, pseudo_population=PSEUDO_POPULATION,
    )  # fmt: skip
    free = votes_posterior(result, task, worker, label, n_tasks, weight)
    voted = np.bincount(task, minlength=n_tasks)
    now = timezone.now()
    run = CrowdAggregation.objects.create(
        workflow=workflow, method=METHOD,
        params={"model_voter": model_voter, "pseudo_population": PSEUDO_POPULATION,
                "spam_weight": skill.SPAM_WEIGHT},
        classifications=len(kept), last_classification_id=newest, subjects=int((voted > 0).sum()),
        volunteers=n_volunteers, gold=int((gold >= 0).sum()), iterations=result.iterations,
        converged=result.converged,
    )  # fmt: skip
    _posteriors_write(run, statuses, result.posterior, voted, gold, now)
    calibration = _calibrate(workflow, free, voted, gold)
    threshold = workflow.posterior_retire_at
    if calibration is not None and calibration.threshold is not None:
        threshold = calibration.threshold
    retired = _retire(workflow, statuses, free, voted, now, threshold)
    reopened = _audit(workflow, statuses, result.posterior, voted, gold)
    _skills_write(workflow, volunteer_ids, result.confusion, answers, task, worker, label, gold,
                  gold_seen, gold_correct, verdicts, result.prior)  # fmt: skip
    run.retired = retired
    run.stats = _stats(result, free, voted, gold, verdicts, workflow)
    run.stats["retire_at"] = threshold
    run.stats["audit_reopened"] = reopened
    run.stats["model_votes"] = int(task.size - human_votes)
    run.stats["calibration"] = None if calibration is None else calibration.to_json()
    run.seconds = time.perf_counter() - started
    run.save(update_fields=["retired", "stats", "seconds"])
    return run


def _with_model_voter(
    workflow: Workflow, task_of: dict[int, int], task: np.ndarray, worker: np.ndarray,
    label: np.ndarray, weight: np.ndarray, class_index: dict[str, int],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:  # fmt: skip
    """Gravity Spy's idea: the serving model's most probable class is one more vote, with its own skill.

    Only on subjects the model did not train on (not in its snapshot's training rows): on those it would mostly
    echo the crowd's own labels back, and the posterior would count them twice.
    """
    from hunt.learning.models import LabelSnapshotRow, ModelVersion, Prediction

    extra = len(weight)
    champion = ModelVersion.objects.filter(is_champion=True).select_related("run").first()
    if champion is None:
        return task, worker, label, weight, extra
    trained = set(
        LabelSnapshotRow.objects.filter(
            snapshot_id=champion.run.snapshot_id, split=LabelSnapshotRow.Split.TRAIN
        ).values_list("subject_id", flat=True)
    )
    rows = [
        (task_of[pk], class_index[max(probs, key=probs.get)])
        for pk, probs in Prediction.objects.filter(
            model_version=champion, subject_id__in=task_of
        ).values_list("subject_id", "class_probabilities")
        if probs and pk not in trained
    ]
    if not rows:
        return task, worker, label, weight, extra
    t, y = (np.array(column, dtype=np.int64) for column in zip(*rows, strict=True))
    return (
        np.concatenate([task, t]),
        np.concatenate([worker, np.full(t.size, extra)]),
        np.concatenate([label, y]),
        np.append(weight, 1.0),
        extra + 1,
    )


def _posteriors_write(
    run: CrowdAggregation, statuses: list[tuple[Any, ...]], posterior: np.ndarray,
    voted: np.ndarray, gold: np.ndarray, now: Any,
) -> None:  # fmt: skip
    updates, history = [], []
    for i, (pk, _subject_id, _count, _retired, previous_votes, _reason) in enumerate(statuses):
        if not voted[i] and gold[i] < 0:
            continue
        probabilities = {
            name: round(float(p), 6) for name, p in zip(HUNT_CLASSES, posterior[i], strict=True)
        }
        status = SubjectStatus(
            pk=pk, posterior=probabilities, posterior_votes=int(voted[i]), posterior_at=now,
            posterior_cluster=float(posterior[i, 0] + posterior[i, 1]),
        )  # fmt: skip
        updates.append(status)
        if int(voted[i]) != previous_votes:
            history.append(
                SubjectPosteriorHistory(
                    status_id=pk, aggregation=run, probabilities=probabilities, votes=int(voted[i])
                )
            )
    SubjectStatus.objects.bulk_update(
        updates,
        ["posterior", "posterior_votes", "posterior_at", "posterior_cluster"],
        batch_size=2000,
    )
    SubjectPosteriorHistory.objects.bulk_create(history, batch_size=5000)


def _judged_gold(
    workflow: Workflow, free: np.ndarray, voted: np.ndarray, gold: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(confidence, correct) of the gold subjects with enough votes to retire: votes alone, no clamp."""
    judged = (gold >= 0) & (voted >= max(workflow.posterior_min_votes, 1))
    return free.max(axis=1)[judged], free.argmax(axis=1)[judged] == gold[judged]


def _calibrate(
    workflow: Workflow, free: np.ndarray, voted: np.ndarray, gold: np.ndarray
) -> skill.RateCalibration | None:
    """The workflow's target TPR/FPR turned into a threshold on this run's gold; stored on the workflow."""
    if workflow.posterior_target_fpr is None and workflow.posterior_target_tpr is None:
        calibration = None
    else:
        confidence, correct = _judged_gold(workflow, free, voted, gold)
        calibration = skill.calibrate_rates(
            confidence, correct, target_fpr=workflow.posterior_target_fpr,
            target_tpr=workflow.posterior_target_tpr,
        )  # fmt: skip
    value = None if calibration is None else calibration.threshold
    if workflow.posterior_calibrated_at != value:
        Workflow.objects.filter(pk=workflow.pk).update(posterior_calibrated_at=value)
        workflow.posterior_calibrated_at = value
    return calibration


def _retire(
    workflow: Workflow,
    statuses: list[tuple[Any, ...]],
    free: np.ndarray,
    voted: np.ndarray,
    now: Any,
    threshold: float | None,
) -> int:
    if threshold is None:
        return 0
    confident = (voted >= max(workflow.posterior_min_votes, 1)) & (free.max(axis=1) >= threshold)
    # A subject the audit re-opened waits for a new vote: its posterior was above the threshold already.
    ids = [
        statuses[i][0]
        for i in np.flatnonzero(confident)
        if statuses[i][3] is None
        and not (statuses[i][5] == AUDIT_REASON and voted[i] <= statuses[i][4])
    ]
    retired = 0
    for start in range(0, len(ids), 5000):
        retired += SubjectStatus.objects.filter(
            pk__in=ids[start : start + 5000], retired_at__isnull=True
        ).update(retired_at=now, retirement_reason=RETIREMENT_REASON)
    return retired


def _audit(
    workflow: Workflow, statuses: list[tuple[Any, ...]], posterior: np.ndarray, voted: np.ndarray,
    gold: np.ndarray,
) -> int:  # fmt: skip
    """Re-open the least certain posterior-retired subjects once none is active (step 7 above)."""
    if workflow.posterior_retire_at is None and workflow.posterior_calibrated_at is None:
        return 0  # no posterior retirement, nothing to audit
    if SubjectStatus.objects.filter(workflow=workflow, retired_at__isnull=True).exists():
        return 0
    # Read now, not from `statuses`: this run's own retirements count.
    reason_of = dict(
        SubjectStatus.objects.filter(workflow=workflow).values_list("id", "retirement_reason")
    )
    reasons = np.array([reason_of.get(row[0], "") for row in statuses], dtype=object)
    limit = workflow.retirement_limit or np.iinfo(np.int64).max  # 0: no count limit
    eligible = (reasons == RETIREMENT_REASON) & (gold < 0) & (voted < limit)
    chosen = acquisition.audit_order(posterior, eligible)[
        : max(1, int(AUDIT_SHARE * len(statuses)))
    ]
    if not chosen.size:
        return 0
    return SubjectStatus.objects.filter(
        pk__in=[statuses[i][0] for i in chosen], retirement_reason=RETIREMENT_REASON
    ).update(retired_at=None, retirement_reason=AUDIT_REASON)


def _skills_write(
    workflow: Workflow, volunteer_ids: list[int], confusion: np.ndarray, answers: np.ndarray,
    task: np.ndarray, worker: np.ndarray, label: np.ndarray, gold: np.ndarray, gold_seen: np.ndarray,
    gold_correct: np.ndarray, verdicts: list[skill.SpamVerdict], prior: np.ndarray,
) -> None:  # fmt: skip
    k = len(HUNT_CLASSES)
    counts = np.zeros((len(volunteer_ids), k, k))
    on_gold = (gold[task] >= 0) & (worker < len(volunteer_ids))
    np.add.at(counts, (worker[on_gold], gold[task[on_gold]], label[on_gold]), 1.0)
    rows = []
    for w, volunteer_id in enumerate(volunteer_ids):
        rows.append(
            VolunteerSkill(
                volunteer_id=volunteer_id,
                workflow=workflow,
                confusion=np.round(confusion[w], 4).tolist(),
                gold_confusion=np.round(skill.confusion_from_counts(counts[w]), 4).tolist(),
                gold_counts=counts[w].astype(int).tolist(),
                classifications=int(answers[w].sum()),
                gold_seen=int(gold_seen[w]),
                gold_correct=int(gold_correct[w]),
                information_bits=round(skill.information_bits(confusion[w], prior), 4),
                weight=verdicts[w].weight,
                flag=verdicts[w].flag,
            )
        )
    VolunteerSkill.objects.bulk_create(
        rows, batch_size=2000, update_conflicts=True, unique_fields=["volunteer", "workflow"],
        update_fields=["confusion", "gold_confusion", "gold_counts", "classifications", "gold_seen",
                       "gold_correct", "information_bits", "weight", "flag", "updated_at"],
    )  # fmt: skip


def _stats(
    result: Any, free: np.ndarray, voted: np.ndarray, gold: np.ndarray,
    verdicts: list[skill.SpamVerdict], workflow: Workflow,
) -> dict[str, Any]:  # fmt: skip
    """Flags, and the threshold that would reach each target accuracy on gold (votes alone, no clamp)."""
    confidence, correct = _judged_gold(workflow, free, voted, gold)
    calibrated = {
        str(target): skill.calibrate_threshold(confidence, correct, target_accuracy=target)
        for target in CALIBRATION_TARGETS
    }
    return {
        "prior": dict(zip(HUNT_CLASSES, np.round(result.prior, 4).tolist(), strict=True)),
        "flagged": {
            flag: sum(1 for v in verdicts if v.flag == flag)
            for flag in ("constant", "uninformative")
        },
        "gold_judged": int(correct.size),
        "gold_accuracy_votes_alone": float(correct.mean()) if correct.size else None,
        "calibrated_threshold": calibrated,
    }


def crowd_aggregate_all(*, model_voter: bool = False) -> list[CrowdAggregation]:
    """Every active workflow (the beat task's entry point)."""
    runs = []
    for workflow in Workflow.objects.filter(active=True):
        run = crowd_aggregate(workflow=workflow, model_voter=model_voter)
        if run is not None:
            runs.append(run)
    return runs
