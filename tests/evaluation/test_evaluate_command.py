"""`manage.py evaluate` in the foreground, queued, and its refusals."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hunt.evaluation.models import EvaluationRun
from tests.evaluation.builders import Crafted, crafted_survey

RA, DEC = 150.0, 2.0
SUBJECTS = [
    Crafted("c1", RA, DEC, answers=["cluster", "cluster"], model=0.8),
    Crafted("p1", RA + 1, DEC, label="point", answers=["point", "cluster"], model=0.3),
]
CATALOGUE = [(1, RA, DEC, 0.2, "C1")]
EXTRA = [
    Crafted("o1", RA + 2, DEC, label="other", model=0.6),  # an artefact nobody voted on
    Crafted("u1", RA + 3, DEC, answers=["cluster"], model=0.9),  # unknown truth
]


@pytest.mark.django_db
def test_the_command_evaluates_model_and_crowd_and_prints_the_numbers(tmp_path: Path) -> None:
    _, _, version, _ = crafted_survey(tmp_path, SUBJECTS, CATALOGUE)
    assert version is not None
    out = io.StringIO()
    call_command(
        "evaluate", "--model", str(version.pk), "--split", "all", "--bootstrap", "20", stdout=out
    )
    run = EvaluationRun.objects.get()
    assert run.status == EvaluationRun.Status.SUCCEEDED
    text = out.getvalue()
    assert f"Evaluation #{run.pk} against X-CLASS crafted" in text
    assert "model AUC 1.000 vs crowd 1.000" in text
    assert "TPR 100.0 %" in text


@pytest.mark.django_db
def test_json_output_has_the_documented_keys_and_the_runs_numbers(tmp_path: Path) -> None:
    _, _, version, _ = crafted_survey(tmp_path, [*SUBJECTS, *EXTRA], CATALOGUE)
    assert version is not None
    out = tmp_path / "figures.json"
    call_command(
        "evaluate", "--model", str(version.pk), "--subject-set", "Crafted", "--split", "all",
        "--bootstrap", "20",
        "--json", str(out), stdout=io.StringIO(),
    )  # fmt: skip
    run = EvaluationRun.objects.get()
    figures = json.loads(out.read_text())
    assert figures["subject_set"] == "Crafted"
    assert figures["split"] == "all"
    for scorer in ("model", "crowd"):
        doc, result = figures[scorer], run.results[scorer]
        assert set(doc) >= {
            "n_positive", "n_negative", "n_unknown", "auc", "tpr", "fpr", "threshold", "ece",
            "tpr_at_fpr", "negatives_by_class",
        }  # fmt: skip
        assert set(doc["tpr_at_fpr"]) == {"0.01", "0.05", "0.10"}
        assert doc["tpr_at_fpr"]["0.05"] == result["tpr_at_fpr"]["fpr_05"]["tpr"]
        assert (doc["n_positive"], doc["n_negative"]) == (result["positives"], result["negatives"])
        assert doc["auc"] == result["auc"]
        assert doc["threshold"] == 0.5
    # The model faces the artefact the crowd never voted on.
    assert figures["model"]["negatives_by_class"]["other"]["n"] == 1
    assert figures["crowd"]["negatives_by_class"]["other"]["n"] == 0
    assert figures["model"]["n_unknown"] == 1


@pytest.mark.django_db
def test_an_unknown_subject_set_is_a_clear_error(tmp_path: Path) -> None:
    crafted_survey(tmp_path, SUBJECTS, CATALOGUE)
    with pytest.raises(CommandError, match="no subject set 'Nope'; there are: Crafted"):
        call_command("evaluate", "--subject-set", "Nope")


@pytest.mark.django_db
def test_unknown_catalogue_or_model_is_a_clear_error(tmp_path: Path) -> None:
    crafted_survey(tmp_path, SUBJECTS, CATALOGUE)
    with pytest.raises(
        CommandError, match="no reference catalogue 'Nope'; loaded: X-CLASS crafted"
    ):
        call_command("evaluate", "--catalogue", "Nope")
    with pytest.raises(CommandError, match="no model version 999"):
        call_command("evaluate", "--model", "999")
    with pytest.raises(CommandError, match="threshold"):
        call_command("evaluate", "--threshold", "3")
