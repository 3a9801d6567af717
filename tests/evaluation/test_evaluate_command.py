"""`manage.py evaluate` in the foreground, queued, and its refusals."""

import io
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
    assert "model AUC 1.000" in text
    assert "crowd AUC 1.000" in text
    assert "TPR 100.0 %" in text


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
