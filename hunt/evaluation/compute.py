"""What an evaluation run computes: the subject table (truth, model score, crowd score, strata) and its metrics.

Every subject of known truth in the run's scope is evaluated. The model is scored on all of them that it has a
prediction for; the crowd on those with enough votes; the two are compared, as a separate figure, on the
subjects both could score. Kept apart from `services.py` (run bookkeeping) so a benchmark or a test can time
and check the numbers alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hunt.classify.models import SubjectStatus
from hunt.evaluation.models import EvaluationRun
from hunt.evaluation.truth import SubjectTruth, catalogue_entries, expert_label_rows, subjects_truth
from hunt.learning.models import CLASSES, Prediction
from hunt.subjects.labels import (
    NEGATIVE_CLASSES,
    REDSHIFT_SPLIT,
    Label,
    class_of_redshift,
    consensus_class,
    expert_class,
)
from ml.evaluation import multiclass_confusion, score_report, stratum_summary
from ml.evaluation.completeness import completeness_report, entries_in_footprint
from ml.splits import TEST

# The crowd twice: its raw vote fraction and the crowd model's posterior P(cluster) (hunt.classify.aggregation).
SCORERS = ("model", "crowd", "crowd_posterior")
# Model against the raw crowd, the comparison the dashboard has always printed.
COMPARED = ("model", "crowd")


@dataclass
class SubjectTable:
    """Column-oriented, one entry per subject of the workflow (the scope is a mask over it)."""

    subject_id: list[int] = field(default_factory=list)
    external_id: list[str] = field(default_factory=list)
    subject_set_id: list[int] = field(default_factory=list)
    split: list[str] = field(default_factory=list)
    ra: list[float | None] = field(default_factory=list)
    dec: list[float | None] = field(default_factory=list)
    exposure_s: list[float | None] = field(default_factory=list)
    votes: list[int] = field(default_factory=list)
    crowd_fraction: list[float | None] = field(default_factory=list)
    crowd_class: list[str] = field(default_factory=list)
    crowd_posterior: list[float | None] = field(default_factory=list)
    crowd_posterior_class: list[str] = field(default_factory=list)
    model_probability: list[float | None] = field(default_factory=list)
    model_class: list[str] = field(default_factory=list)


def votes_fewer_than(min_votes: int) -> str:
    """ "no crowd vote" for a minimum of one (never "fewer than 1 crowd vote(s)"), else "fewer than 3 crowd votes"."""
    if min_votes <= 1:
        return "no crowd vote"
    return f"fewer than {min_votes} crowd votes"


def subject_table(run: EvaluationRun) -> SubjectTable:
    """Every subject of the run's workflow: matching is one-to-one over all of them, whatever the scope."""
    table = SubjectTable()
    statuses = (
        SubjectStatus.objects.filter(workflow=run.workflow)
        .order_by("subject_id")
        .values_list(
            "subject_id", "subject__external_id", "subject__subject_set_id", "subject__split",
            "subject__ra", "subject__dec", "subject__metadata", "classification_count", "cluster_count",
            "cluster_low_count", "cluster_high_count", "galaxy_count", "point_count", "other_count",
            "posterior", "posterior_cluster",
        )
    )  # fmt: skip
    predictions: dict[int, tuple[float, dict[str, float]]] = {}
    if run.model_version_id is not None:
        predictions = {
            pk: (p, classes)
            for pk, p, classes in Prediction.objects.filter(
                model_version_id=run.model_version_id
            ).values_list("subject_id", "cluster_probability", "class_probabilities")
        }
    for row in statuses.iterator(chunk_size=5000):
        (
            pk,
            external,
            set_id,
            split,
            ra,
            dec,
            meta,
            total,
            cluster,
            low,
            high,
            galaxy,
            point,
            other,
            posterior,
            posterior_cluster,
        ) = row
        table.subject_id.append(pk)
        table.external_id.append(external)
        table.subject_set_id.append(set_id)
        table.split.append(split)
        table.ra.append(ra)
        table.dec.append(dec)
        exposure = (meta or {}).get("exposure_s")
        table.exposure_s.append(float(exposure) if isinstance(exposure, int | float) else None)
        table.votes.append(total)
        table.crowd_fraction.append(cluster / total if total else None)
        counts = {"cluster": cluster, "galaxy": galaxy, "point": point, "other": other}
        table.crowd_class.append(consensus_class(counts, low, high))
        table.crowd_posterior.append(posterior_cluster if total else None)
        table.crowd_posterior_class.append(
            max(CLASSES, key=lambda c: posterior.get(c, 0.0)) if total and posterior else ""
        )
        prediction = predictions.get(pk)
        table.model_probability.append(prediction[0] if prediction else None)
        table.model_class.append(
            max(CLASSES, key=lambda c: prediction[1].get(c, 0.0)) if prediction else ""
        )
    return table


def scope_mask(run: EvaluationRun, table: SubjectTable) -> np.ndarray:
    """The subjects the run reports on: its split (the stored one) and, optionally, one subject set."""
    keep = np.ones(len(table.subject_id), dtype=bool)
    if run.split == EvaluationRun.Split.TEST:
        keep &= np.asarray(table.split, dtype=object) == TEST
    if run.subject_set_id is not None:
        keep &= np.asarray(table.subject_set_id, dtype=np.int64) == run.subject_set_id
    return keep


def _truth5(subject_ids: list[int], redshift: list[float | None], truth: np.ndarray) -> list[str]:
    """The five-class truth: an expert's class; a cluster of unknown redshift class takes the catalogue's."""
    by_subject: dict[int, tuple[str, float | None]] = {}  # the first expert label of each subject
    for pk, label, z_expert in expert_label_rows(subject_ids, "subject_id", "label", "redshift"):
        by_subject.setdefault(pk, (label, z_expert))
    out = []
    for i, pk in enumerate(subject_ids):
        label, z_expert = by_subject.get(pk, ("", None))
        z = redshift[i] if redshift[i] is not None else z_expert
        if label and label != Label.CLUSTER:
            out.append(expert_class(label))
        elif (label == Label.CLUSTER or truth[i] == 1) and z is not None:
            out.append(class_of_redshift(z))
        else:
            out.append("")
    return out


def _strata(
    values: np.ndarray,
    y: np.ndarray,
    cluster_class: np.ndarray,
    redshift: np.ndarray,
    exposure: np.ndarray,
    threshold: float,
) -> dict[str, dict[str, Any]]:
    """One scorer's metrics per stratum. Class and redshift describe clusters only: those strata keep their own
    positives and *all* negatives (so FPR is the same in each); exposure splits everything."""
    masks: dict[str, dict[str, np.ndarray]] = {"class": {}, "redshift": {}, "exposure": {}}
    negatives = y == 0
    for name in sorted({str(c) for c in cluster_class[y == 1] if c}):
        masks["class"][name] = negatives | ((y == 1) & (cluster_class == name))
    has_z = np.isfinite(redshift)
    masks["redshift"][f"low z (< {REDSHIFT_SPLIT:g})"] = negatives | (
        (y == 1) & has_z & (redshift < REDSHIFT_SPLIT)
    )
    masks["redshift"][f"high z (>= {REDSHIFT_SPLIT:g})"] = negatives | (
        (y == 1) & has_z & (redshift >= REDSHIFT_SPLIT)
    )
    known = np.isfinite(exposure)
    if known.sum() >= 2:
        median = float(np.median(exposure[known]))
        ks = median / 1000.0
        masks["exposure"][f"short (< {ks:.1f} ks)"] = known & (exposure < median)
        masks["exposure"][f"long (>= {ks:.1f} ks)"] = known & (exposure >= median)
    return {
        kind: {
            name: stratum_summary(values[mask], y[mask], threshold=threshold)
            for name, mask in groups.items()
            if mask.any()
        }
        for kind, groups in masks.items()
    }


def negatives_by_class(
    values: np.ndarray, truth5: np.ndarray, y: np.ndarray, threshold: float
) -> dict[str, dict[str, Any]]:
    """Per kind of non-cluster (galaxy, point, other): how many there are and how many are called clusters."""
    out: dict[str, dict[str, Any]] = {}
    for name in (*NEGATIVE_CLASSES, ""):
        mask = (y == 0) & (truth5 == name)
        n = int(mask.sum())
        if not n and name == "":
            continue
        false_positives = int((values[mask] >= threshold).sum())
        out[name or "unclassified"] = {
            "n": n,
            "false_positives": false_positives,
            "fpr": false_positives / n if n else None,
            "mean_score": float(values[mask].mean()) if n else None,
        }
    return out


def _finite(values: list[float | None]) -> np.ndarray:
    return np.asarray([math.nan if v is None else v for v in values], dtype=np.float64)


def _completeness(
    run: EvaluationRun,
    table: SubjectTable,
    truth: SubjectTruth,
    scope: np.ndarray,
    called: dict[str, np.ndarray],
) -> dict[str, Any]:
    """Catalogue clusters inside the scope's footprint: found by a candidate, and called by each scorer."""
    assert run.catalogue is not None
    entries = catalogue_entries(run.catalogue, run.class_filter)
    eligible = entries.eligible
    n_entries = eligible.size
    found_in_scope = np.zeros(n_entries, dtype=bool)
    found_elsewhere = np.zeros(n_entries, dtype=bool)
    called_entries = {name: np.zeros(n_entries, dtype=bool) for name in called}
    for i, j in enumerate(truth.entry_index.tolist()):
        if j < 0:
            continue
        if scope[i]:
            found_in_scope[j] = True
            for name, flags in called.items():
                called_entries[name][j] |= bool(flags[i])
        else:
            found_elsewhere[j] = True
    positioned = [i for i in np.flatnonzero(scope) if table.ra[i] is not None]
    inside = entries_in_footprint(
        entries.ra,
        entries.dec,
        np.array([table.ra[i] for i in positioned], dtype=float),
        np.array([table.dec[i] for i in positioned], dtype=float),
    )
    return completeness_report(
        in_footprint=inside & eligible,
        found_in_scope=found_in_scope,
        found_elsewhere=found_elsewhere,
        called=called_entries,
    )


def evaluation_compute(run: EvaluationRun) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(counts, results, per-subject scores) for a run; raises ValueError when nothing can be evaluated."""
    if run.catalogue is None:
        raise ValueError("the run's reference catalogue was deleted")
    table = subject_table(run)
    truth = subjects_truth(
        catalogue=run.catalogue,
        subject_ids=table.subject_id,
        ra=table.ra,
        dec=table.dec,
        class_filter=run.class_filter,
    )
    scope = scope_mask(run, table)
    y_all = truth.truth.astype(np.int64)
    has_model = run.model_version_id is not None
    model = _finite(table.model_probability)
    crowd = _finite(table.crowd_fraction)
    crowd_posterior = _finite(table.crowd_posterior)
    votes = np.asarray(table.votes, dtype=np.int64)
    known = (y_all >= 0) & scope
    voted = votes >= max(run.min_votes, 1)
    predicted = np.isfinite(model) if has_model else np.zeros(len(y_all), dtype=bool)
    masks = {"crowd": known & voted}
    if np.isfinite(crowd_posterior).any():
        masks["crowd_posterior"] = known & voted & np.isfinite(crowd_posterior)
    if has_model:
        masks = {"model": known & predicted, **masks}
    shared = known & voted & predicted
    counts = {
        "considered": int(scope.sum()),
        "positive": int((known & (y_all == 1)).sum()),
        "negative": int((known & (y_all == 0)).sum()),
        "unknown": int((scope & (y_all == -1)).sum()),
        "conflicts": int((scope & truth.conflict).sum()),
        "contested": int((scope & truth.contested).sum()),
        "without_votes": int((known & ~voted).sum()),
        "without_prediction": int((known & ~predicted).sum()) if has_model else 0,
        "evaluated": int(known.sum()),
        "evaluated_positive": int((known & (y_all == 1)).sum()),
        "evaluated_negative": int((known & (y_all == 0)).sum()),
        "shared": int(shared.sum()),
    }
    if not any(mask.any() for mask in masks.values()):
        raise ValueError(
            f"no subject can be evaluated: of {counts['considered']} in scope ({run.split} split), "
            f"{counts['positive']} positive and {counts['negative']} negative; "
            f"{counts['without_votes']} of those with {votes_fewer_than(run.min_votes)}"
            + (f", {counts['without_prediction']} without a prediction" if has_model else "")
        )
    values = {"model": model, "crowd": crowd, "crowd_posterior": crowd_posterior}
    truth5 = np.asarray(_truth5(table.subject_id, truth.redshift, truth.truth), dtype=object)
    cluster_class = np.asarray(truth.cluster_class, dtype=object).astype(str)
    redshift = _finite(truth.redshift)
    exposure = _finite(table.exposure_s)
    results: dict[str, Any] = {}
    strata: dict[str, dict[str, dict[str, Any]]] = {}
    for index, (name, mask) in enumerate(masks.items()):
        if not mask.any():
            continue
        y, v = y_all[mask], values[name][mask]
        report = score_report(
            v, y, threshold=run.threshold, resamples=run.bootstrap_resamples, seed=run.seed + index
        )
        report["n_unknown"] = int(
            (
                scope
                & (y_all == -1)
                & (predicted if name == "model" else voted & np.isfinite(values[name]))
            ).sum()
        )
        report["negatives_by_class"] = negatives_by_class(
            v, truth5[mask].astype(str), y, run.threshold
        )
        results[name] = report
        by_kind = _strata(v, y, cluster_class[mask], redshift[mask], exposure[mask], run.threshold)
        for kind, groups in by_kind.items():
            for stratum, summary in groups.items():
                strata.setdefault(kind, {}).setdefault(stratum, {})[name] = summary
    results["strata"] = strata
    five: dict[str, Any] = {"classes": list(CLASSES)}
    for name, predicted5 in (
        ("model", table.model_class),
        ("crowd", table.crowd_class),
        ("crowd_posterior", table.crowd_posterior_class),
    ):
        if name not in results:
            continue
        pairs = [
            (CLASSES.index(t), CLASSES.index(p))
            for t, p, keep in zip(truth5, predicted5, masks[name], strict=True)
            if keep and t and p
        ]
        five[name] = multiclass_confusion(
            [t for t, _ in pairs], [p for _, p in pairs], len(CLASSES)
        )
        five[f"{name}_n"] = len(pairs)
    results["confusion5"] = five
    results["comparison"] = comparison(run, y_all, values, shared, masks, results)
    called = {
        name: np.nan_to_num(values[name], nan=-1.0) >= run.threshold
        for name in results
        if name in SCORERS
    }
    results["completeness"] = _completeness(run, table, truth, scope, called)
    model_scored = masks.get("model", np.zeros(len(y_all), dtype=bool))
    scores = {
        "columns": [
            "subject_id", "external_id", "split", "truth", "truth_class", "evaluated", "model_evaluated",
            "crowd_evaluated", "model_probability", "crowd_fraction", "votes", "cluster_class", "redshift",
            "match_method", "separation_arcsec", "exposure_s", "conflict", "contested", "crowd_posterior",
        ],
        "rows": [
            [
                pk, table.external_id[i], table.split[i], int(y_all[i]), str(truth5[i]), bool(known[i]),
                bool(model_scored[i]), bool(masks["crowd"][i]),
                table.model_probability[i], table.crowd_fraction[i], table.votes[i],
                truth.cluster_class[i], truth.redshift[i], truth.method[i], truth.separation_arcsec[i],
                table.exposure_s[i], bool(truth.conflict[i]), bool(truth.contested[i]),
                table.crowd_posterior[i],
            ]
            for i, pk in enumerate(table.subject_id)
            if scope[i]
        ],
    }  # fmt: skip
    return counts, results, scores


def comparison(
    run: EvaluationRun,
    y_all: np.ndarray,
    values: dict[str, np.ndarray],
    shared: np.ndarray,
    masks: dict[str, np.ndarray],
    results: dict[str, Any],
) -> dict[str, Any]:
    """Model against the raw crowd vote fraction on the subjects both scored, in one computed sentence."""
    n = int(shared.sum())
    pos = int((y_all[shared] == 1).sum())
    neg = n - pos
    base: dict[str, Any] = {"n": n, "positives": pos, "negatives": neg}
    if run.model_version_id is None:
        return {**base, "verdict": "single", "sentence": "Only the crowd was evaluated (no model)."}
    if not n:
        return {
            **base,
            "verdict": "single",
            "sentence": "No subject has both a model score and crowd votes, so they are not compared.",
        }
    # Where a scorer was already scored on exactly the shared subjects (every known subject voted on and
    # predicted, the usual case), its report is the comparison's: no second bootstrap.
    reports = {
        name: results[name]
        if name in results and np.array_equal(masks[name], shared)
        else score_report(
            values[name][shared], y_all[shared], threshold=run.threshold,
            resamples=run.bootstrap_resamples, seed=run.seed + 10 + k,
        )
        for k, name in enumerate(COMPARED)
    }  # fmt: skip
    for name, report in reports.items():
        base[name] = {"auc": report.get("auc"), "auc_ci": report.get("auc_ci") or [None, None]}
    m_auc, c_auc = base["model"]["auc"], base["crowd"]["auc"]
    if m_auc is None or c_auc is None:
        return {
            **base,
            "verdict": "undefined",
            "sentence": f"On the {n} subjects both scored ({pos} clusters, {neg} non-clusters) AUC is "
            "undefined: both classes are needed.",
        }
    m_lo, m_hi = base["model"]["auc_ci"]
    c_lo, c_hi = base["crowd"]["auc_ci"]
    overlap = None not in (m_lo, m_hi, c_lo, c_hi) and not (m_lo > c_hi or c_lo > m_hi)
    head = (
        f"On the {n} subjects both scored ({pos} clusters, {neg} non-clusters), model AUC "
        f"{m_auc:.3f} vs crowd {c_auc:.3f}"
    )
    if m_auc > c_auc:
        verdict = "model"
        tail = "the model ranks candidates better than the raw vote fraction"
    elif m_auc < c_auc:
        verdict = "crowd"
        tail = (
            "the raw vote fraction ranks these subjects better than the model. The model sees only the "
            "images and learns from the crowd's own consensus labels in other sky regions, so where "
            "several volunteers have voted their combined judgement is the stronger signal; the model's "
            "use is scoring the subjects no volunteer has classified yet"
        )
    else:
        verdict, tail = "tie", "they rank candidates equally well"
    if overlap:
        tail += " (the 95 % bootstrap intervals overlap, so the difference is not significant)"
    return {**base, "verdict": verdict, "sentence": f"{head}: {tail}."}
