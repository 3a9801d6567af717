"""What an evaluation run computes: the subject table (truth, model score, crowd score, strata) and its metrics.

Kept apart from `services.py` (run bookkeeping) so a benchmark or a test can time and check the numbers alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hunt.classify.models import SubjectStatus
from hunt.evaluation.models import EvaluationRun
from hunt.evaluation.truth import expert_label_rows, subjects_truth
from hunt.learning.models import CLASSES, Prediction
from hunt.subjects.labels import Label
from ml.evaluation import multiclass_confusion, score_report, stratum_summary
from ml.splits import sky_split

# Kosiba et al. (2020) split the Hunt's clusters at z = 0.5; the simulator draws low-z clusters below it.
REDSHIFT_SPLIT = 0.5
EXPERT_TO_CLASS = {
    Label.CLUSTER_LOW_Z: "cluster_low_z",
    Label.CLUSTER_HIGH_Z: "cluster_high_z",
    Label.GALAXY: "galaxy",
    Label.POINT: "point",
    Label.OTHER: "other",
}


@dataclass
class SubjectTable:
    """Column-oriented, one entry per considered subject (those of the chosen split)."""

    subject_id: list[int] = field(default_factory=list)
    external_id: list[str] = field(default_factory=list)
    ra: list[float | None] = field(default_factory=list)
    dec: list[float | None] = field(default_factory=list)
    exposure_s: list[float | None] = field(default_factory=list)
    votes: list[int] = field(default_factory=list)
    crowd_fraction: list[float | None] = field(default_factory=list)
    crowd_class: list[str] = field(default_factory=list)
    model_probability: list[float | None] = field(default_factory=list)
    model_class: list[str] = field(default_factory=list)


def _crowd_class(counts: dict[str, int], low: int, high: int) -> str:
    """Plurality answer, ties in answer order (cluster first), as the label snapshot does."""
    if not any(counts.values()):
        return ""
    answer = max(counts, key=lambda key: counts[key])
    if answer == "cluster":
        return "cluster_high_z" if high > low else "cluster_low_z"
    return answer


def subject_table(run: EvaluationRun) -> SubjectTable:
    table = SubjectTable()
    statuses = (
        SubjectStatus.objects.filter(workflow=run.workflow)
        .order_by("subject_id")
        .values_list(
            "subject_id", "subject__external_id", "subject__subject_set_id", "subject__ra",
            "subject__dec", "subject__metadata", "classification_count", "cluster_count",
            "cluster_low_count", "cluster_high_count", "galaxy_count", "point_count", "other_count",
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
        (pk, external, set_id, ra, dec, meta, total, cluster, low, high, galaxy, point, other) = row
        if run.split == EvaluationRun.Split.HELDOUT:
            # The same sky-cell rule as the label snapshot: held-out regions were never trained on.
            split = sky_split(ra, dec, fallback_key=f"{set_id}:{external}")
            if split != "heldout":
                continue
        table.subject_id.append(pk)
        table.external_id.append(external)
        table.ra.append(ra)
        table.dec.append(dec)
        exposure = (meta or {}).get("exposure_s")
        table.exposure_s.append(float(exposure) if isinstance(exposure, int | float) else None)
        table.votes.append(total)
        table.crowd_fraction.append(cluster / total if total else None)
        counts = {"cluster": cluster, "galaxy": galaxy, "point": point, "other": other}
        table.crowd_class.append(_crowd_class(counts, low, high))
        prediction = predictions.get(pk)
        table.model_probability.append(prediction[0] if prediction else None)
        table.model_class.append(
            max(CLASSES, key=lambda c: prediction[1].get(c, 0.0)) if prediction else ""
        )
    return table


def _truth5(subject_ids: list[int], redshift: list[float | None], truth: np.ndarray) -> list[str]:
    """The five-class truth: an expert's class; a cluster of unknown redshift takes the catalogue's."""
    by_subject: dict[int, str] = {}  # the first expert label of each subject
    for pk, label in expert_label_rows(subject_ids, "subject_id", "label"):
        by_subject.setdefault(pk, label)
    out = []
    for i, pk in enumerate(subject_ids):
        label = by_subject.get(pk, "")
        z = redshift[i]
        if label in EXPERT_TO_CLASS:
            out.append(EXPERT_TO_CLASS[Label(label)])
        elif (label == Label.CLUSTER or truth[i] == 1) and z is not None:
            out.append("cluster_low_z" if z < REDSHIFT_SPLIT else "cluster_high_z")
        else:
            out.append("")
    return out


def _strata(
    scores: dict[str, np.ndarray],
    y: np.ndarray,
    cluster_class: np.ndarray,
    redshift: np.ndarray,
    exposure: np.ndarray,
    threshold: float,
) -> dict[str, Any]:
    """Metrics per stratum. Class and redshift describe clusters only: those strata keep their own
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
    out: dict[str, Any] = {}
    for kind, groups in masks.items():
        out[kind] = {}
        for name, mask in groups.items():
            if not mask.any():
                continue
            out[kind][name] = {
                scorer: stratum_summary(values[mask], y[mask], threshold=threshold)
                for scorer, values in scores.items()
            }
    return out


def _finite(values: list[float | None]) -> np.ndarray:
    return np.asarray([math.nan if v is None else v for v in values], dtype=np.float64)


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
    y_all = truth.truth.astype(np.int64)
    has_model = run.model_version_id is not None
    model = _finite(table.model_probability)
    crowd = _finite(table.crowd_fraction)
    votes = np.asarray(table.votes, dtype=np.int64)
    known = y_all >= 0
    voted = votes >= max(run.min_votes, 1)
    predicted = np.isfinite(model) if has_model else np.ones(len(y_all), dtype=bool)
    # One set of subjects for both scorers, so their numbers compare like with like.
    evaluated = known & voted & predicted
    same_subjects = True
    if has_model and not evaluated.any() and (known & predicted).any():
        # No crowd votes on any known subject yet: the model alone, on everything it can be scored on.
        evaluated, same_subjects = known & predicted, False
    counts = {
        "considered": len(y_all),
        "positive": int((y_all == 1).sum()),
        "negative": int((y_all == 0).sum()),
        "unknown": int((y_all == -1).sum()),
        "conflicts": int(truth.conflict.sum()),
        "without_votes": int((known & ~voted).sum()),
        "without_prediction": int((known & ~predicted).sum()) if has_model else 0,
        "evaluated": int(evaluated.sum()),
        "evaluated_positive": int((evaluated & (y_all == 1)).sum()),
        "evaluated_negative": int((evaluated & (y_all == 0)).sum()),
        "same_subjects": same_subjects,
    }
    if not evaluated.any():
        raise ValueError(
            f"no subject can be evaluated: of {counts['considered']} in the {run.split} split, "
            f"{counts['positive']} positive and {counts['negative']} negative, "
            f"{counts['without_votes']} of those without {max(run.min_votes, 1)} crowd vote(s)"
        )
    y = y_all[evaluated]
    scorers: dict[str, np.ndarray] = {}
    if has_model:
        scorers["model"] = model[evaluated]
    if same_subjects:
        scorers["crowd"] = crowd[evaluated]
    results: dict[str, Any] = {}
    for index, (name, values) in enumerate(scorers.items()):
        results[name] = score_report(
            values,
            y,
            threshold=run.threshold,
            resamples=run.bootstrap_resamples,
            seed=run.seed + index,
        )
    cluster_class = np.asarray(truth.cluster_class, dtype=object)[evaluated].astype(str)
    redshift = _finite(truth.redshift)[evaluated]
    exposure = _finite(table.exposure_s)[evaluated]
    results["strata"] = _strata(scorers, y, cluster_class, redshift, exposure, run.threshold)
    ids = [pk for pk, keep in zip(table.subject_id, evaluated, strict=True) if keep]
    truth5 = _truth5(table.subject_id, truth.redshift, truth.truth)
    five: dict[str, Any] = {"classes": list(CLASSES)}
    for name, predicted5 in (("model", table.model_class), ("crowd", table.crowd_class)):
        if name not in scorers:
            continue
        pairs = [
            (CLASSES.index(t), CLASSES.index(p))
            for t, p, keep in zip(truth5, predicted5, evaluated, strict=True)
            if keep and t and p
        ]
        five[name] = multiclass_confusion(
            [t for t, _ in pairs], [p for _, p in pairs], len(CLASSES)
        )
        five[f"{name}_n"] = len(pairs)
    results["confusion5"] = five
    results["comparison"] = comparison(results, counts)
    scores = {
        "columns": [
            "subject_id", "external_id", "truth", "evaluated", "model_probability", "crowd_fraction",
            "votes", "cluster_class", "redshift", "match_method", "separation_arcsec", "exposure_s",
            "conflict",
        ],
        "rows": [
            [
                pk, table.external_id[i], int(y_all[i]), bool(evaluated[i]), table.model_probability[i],
                table.crowd_fraction[i], table.votes[i], truth.cluster_class[i], truth.redshift[i],
                truth.method[i], truth.separation_arcsec[i], table.exposure_s[i], bool(truth.conflict[i]),
            ]
            for i, pk in enumerate(table.subject_id)
        ],
    }  # fmt: skip
    assert len(ids) == counts["evaluated"]
    return counts, results, scores


def comparison(results: dict[str, Any], counts: dict[str, Any]) -> dict[str, Any]:
    """Model against the raw crowd vote fraction, in one sentence computed from the numbers."""
    model, crowd = results.get("model"), results.get("crowd")
    n = counts["evaluated"]
    pos, neg = counts["evaluated_positive"], counts["evaluated_negative"]
    if model is None or crowd is None:
        which = "model" if model is not None else "crowd"
        return {
            "verdict": "single",
            "sentence": f"Only the {which} could be evaluated ({n} subjects: {pos} clusters, {neg} non-clusters).",
        }
    m_auc, c_auc = model.get("auc"), crowd.get("auc")
    if m_auc is None or c_auc is None:
        return {
            "verdict": "undefined",
            "sentence": f"AUC is undefined on these {n} subjects ({pos} clusters, {neg} non-clusters): "
            "both classes are needed.",
        }
    m_lo, m_hi = model.get("auc_ci") or [None, None]
    c_lo, c_hi = crowd.get("auc_ci") or [None, None]
    overlap = None not in (m_lo, m_hi, c_lo, c_hi) and not (m_lo > c_hi or c_lo > m_hi)
    head = (
        f"model AUC {m_auc:.3f} vs crowd {c_auc:.3f} on the same {n} subjects "
        f"({pos} clusters, {neg} non-clusters)"
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
    return {"verdict": verdict, "sentence": f"{head[0].upper()}{head[1:]}: {tail}."}
