"""End to end: simulated survey -> simulated volunteers -> retrain -> automatic evaluation, and the numbers
on the dashboard equal those recomputed independently from the run's own per-subject download, and from the
exports app's subject table (the scores and, through its catalogue-match and expert-label columns, the truth)."""

import csv
import io
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from django.urls import reverse
from sklearn.metrics import roc_auc_score

from hunt.catalogues.models import ReferenceCatalogue
from hunt.classify.models import Workflow
from hunt.evaluation.models import EvaluationRun
from hunt.evaluation.services import evaluation_run_execute
from hunt.evaluation.summary import evaluation_summary
from hunt.learning.models import ModelVersion
from hunt.learning.pipeline import training_run_execute
from hunt.learning.services import training_run_start
from tests.learning.conftest import TINY


def _independent(rows: list[dict[str, str]], column: str, threshold: float) -> dict[str, float]:
    y = np.array([int(r["truth"]) for r in rows])
    s = np.array([float(r[column]) for r in rows])
    called = s >= threshold
    tp, fp = int((called & (y == 1)).sum()), int((called & (y == 0)).sum())
    return {
        "tpr": tp / (y == 1).sum(),
        "fpr": fp / (y == 0).sum(),
        "auc": roc_auc_score(y, s),
        "tp": tp,
        "fp": fp,
    }


@pytest.mark.django_db
def test_retraining_is_followed_by_an_evaluation_whose_numbers_match_the_export(
    simulated_survey: Callable[..., tuple[Workflow, ReferenceCatalogue]],
    scientist_client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    workflow, catalogue = simulated_survey()
    run = training_run_start(user=None, workflow=workflow, params=TINY, queue=False)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        training_run_execute(run.pk)
    version = ModelVersion.objects.get(run=run)
    evaluation = EvaluationRun.objects.get()
    # The trained model's evaluation was queued once the run's success was committed (so at once, not on a
    # later commit), against the X-CLASS catalogue.
    assert len(queued) == 0
    assert evaluation.status == EvaluationRun.Status.QUEUED
    assert evaluation.trigger == EvaluationRun.Trigger.TRAINING
    assert evaluation.model_version == version
    assert evaluation.catalogue == catalogue
    assert evaluation.label_snapshot_sha256 == run.snapshot.sha256
    assert evaluation.match_radius_arcsec == catalogue.match_radius_arcsec == 30.0

    evaluation_run_execute(evaluation.pk)
    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationRun.Status.SUCCEEDED, evaluation.error
    counts = evaluation.counts
    assert counts["evaluated_positive"] >= 5
    assert counts["evaluated_negative"] >= 10
    assert counts["shared"] > 0
    assert evaluation.split == EvaluationRun.Split.TEST

    body = scientist_client.get(f"/science/evaluation/{evaluation.pk}/data/scores.csv")
    assert body.status_code == 200
    all_rows = list(csv.DictReader(io.StringIO(body.content.decode())))
    assert {r["split"] for r in all_rows} == {"test"}  # the locked test regions only
    rows = [r for r in all_rows if r["evaluated"] == "True"]
    assert len(rows) == counts["evaluated"]
    for scorer, column in (("model", "model_probability"), ("crowd", "crowd_fraction")):
        result = evaluation.results[scorer]
        mine = _independent(
            [r for r in rows if r[f"{scorer}_evaluated"] == "True"], column, evaluation.threshold
        )
        assert result["confusion"]["tp"] == mine["tp"]
        assert result["confusion"]["fp"] == mine["fp"]
        assert result["tpr"] == pytest.approx(mine["tpr"])
        assert result["fpr"] == pytest.approx(mine["fpr"])
        assert result["auc"] == pytest.approx(mine["auc"])
        assert result["auc_ci"][0] <= result["auc"] <= result["auc_ci"][1]
    # The subject table a scientist exports: the same scores, and the truth rule recomputed from its columns.
    exported = scientist_client.get(
        reverse("api-export-subjects"), {"catalogue": catalogue.pk, "workflow": workflow.slug}
    )
    assert exported.status_code == 200
    table = {
        int(r["subject_id"]): r
        for r in csv.DictReader(io.StringIO(b"".join(exported.streaming_content).decode()))
    }
    rejecting = {"galaxy", "point", "other"}
    for row in rows:
        subject = table[int(row["subject_id"])]
        assert subject["split"] == "test"
        truth = 1 if subject["catalogue_id"] else 0 if subject["expert_label"] in rejecting else -1
        assert truth == int(row["truth"])
        assert float(subject["model_cluster_probability"]) == pytest.approx(
            float(row["model_probability"])
        )
        if row["crowd_fraction"]:
            assert float(subject["fraction_cluster"]) == pytest.approx(float(row["crowd_fraction"]))
    # The simulator's artefacts in the test regions all count as negatives, votes or not.
    other = evaluation.results["model"]["negatives_by_class"]["other"]
    test_artefacts = [r for r in all_rows if r["truth_class"] == "other" and r["truth"] == "0"]
    assert other["n"] == len(test_artefacts) > 0
    # The JSON summary scientists' scripts read carries the same figures.
    summary = evaluation_summary(evaluation)
    for scorer in ("model", "crowd"):
        result = evaluation.results[scorer]
        assert summary[scorer]["auc"] == result["auc"]
        assert summary[scorer]["n_negative"] == result["negatives"]
        assert summary[scorer]["tpr_at_fpr"]["0.05"] == result["tpr_at_fpr"]["fpr_05"]["tpr"]
    # Both AUCs, side by side, in the sentence the dashboard shows.
    sentence = evaluation.results["comparison"]["sentence"]
    assert f"{evaluation.results['model']['auc']:.3f}" in sentence
    assert f"{evaluation.results['crowd']['auc']:.3f}" in sentence
    page = scientist_client.get("/science/evaluation/")
    assert page.status_code == 200
    assert sentence.encode() in page.content.replace(b"&#x27;", b"'")
