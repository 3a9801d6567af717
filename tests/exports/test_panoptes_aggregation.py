"""The Zooniverse's own aggregation code runs on our Panoptes-layout export, and agrees with our counts.

panoptes_aggregation lives in an environment of its own (it caps astropy below what we run): the test
writes the export and runs `panoptes_reduce.py` with that environment's interpreter.
"""

import io
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from django.urls import reverse

from hunt.classify.models import SubjectStatus
from hunt.learning.snapshots import consensus_label
from tests.exports.conftest import World
from tests.exports.helpers import body

ROOT = Path(__file__).resolve().parents[2]
REDUCER = Path(__file__).with_name("panoptes_reduce.py")

# Slugs the question extractor makes of our answer labels, back to our answer keys.
SLUGS = {
    "galaxy-cluster": "cluster",
    "nearby-galaxy": "galaxy",
    "point-source-star-or-agn": "point",
    "other-artefact": "other",
}


def _panoptes_python() -> Path:
    """The interpreter of panoptes_aggregation's own environment; `make test` builds it first."""
    configured = os.environ.get("PANOPTES_PYTHON")
    python = Path(configured) if configured else ROOT / ".venv-panoptes" / "bin" / "python"
    if not python.exists():
        if configured:
            pytest.fail(f"PANOPTES_PYTHON={configured} does not exist: run `make panoptes-env`")
        pytest.skip("panoptes_aggregation's environment is not built: run `make panoptes-env`")
    return python


def _reduce(export: bytes, workflow_id: int, task: str, folder: Path) -> dict[int, dict[str, int]]:
    csv_path = folder / "classifications.csv"
    csv_path.write_bytes(export)
    run = subprocess.run(
        [str(_panoptes_python()), str(REDUCER), str(csv_path), str(workflow_id), task, str(folder)],
        capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    counts: dict[str, dict[str, int]] = json.loads(run.stdout.strip().splitlines()[-1])
    return {int(subject): answers for subject, answers in counts.items()}


def test_question_extractor_and_reducer_reproduce_our_votes_and_consensus(
    scientist_client: Any, world: World, tmp_path: Path
) -> None:
    export = body(
        scientist_client.get(reverse("api-export-classifications"), {"layout": "panoptes"})
    )
    assert json.loads(pd.read_csv(io.BytesIO(export))["annotations"][0])[0]["task"] == "T0"
    answers = _reduce(export, world.workflow.pk, "T0", tmp_path)
    redshifts = _reduce(export, world.workflow.pk, "T1", tmp_path)
    statuses = SubjectStatus.objects.filter(workflow=world.workflow, classification_count__gt=0)
    assert set(answers) == {status.subject_id for status in statuses}
    for status in statuses:
        theirs = {SLUGS[slug]: count for slug, count in answers[status.subject_id].items()}
        ours = {answer: count for answer, count in status.answer_counts().items() if count}
        assert theirs == ours, status.subject_id
        # Consensus: their majority answer (our tie rule: ANSWERS order) and redshift split give our label.
        split = redshifts.get(status.subject_id, {})
        low, high = split.get("low-redshift", 0), split.get("high-redshift", 0)
        assert (low, high) == (status.cluster_low_count, status.cluster_high_count)
        top = max(ours.values())
        answer = next(a for a in ("cluster", "galaxy", "point", "other") if theirs.get(a) == top)
        label = (
            ("cluster_high_z" if high > low else "cluster_low_z") if answer == "cluster" else answer
        )
        assert label == consensus_label(status)[0]
