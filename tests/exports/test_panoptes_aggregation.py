"""The Zooniverse's own aggregation code runs on our Panoptes-layout export, and agrees with our counts."""

import io
import json
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from django.urls import reverse
from panoptes_aggregation.scripts import extract_csv, reduce_csv

from hunt.classify.models import SubjectStatus
from hunt.learning.snapshots import consensus_label
from tests.exports.conftest import World
from tests.exports.helpers import body

# Slugs the question extractor makes of our answer labels, back to our answer keys.
SLUGS = {
    "galaxy-cluster": "cluster",
    "nearby-galaxy": "galaxy",
    "point-source-star-or-agn": "point",
    "other-artefact": "other",
}


def _reduce(export: bytes, workflow_id: int, task: str, folder: Path) -> dict[int, dict[str, int]]:
    csv_path = folder / "classifications.csv"
    csv_path.write_bytes(export)
    config = {
        "workflow_id": workflow_id,
        "workflow_version": "1",
        "extractor_config": {"question_extractor": [{"task": task}]},
    }
    [extracts] = extract_csv(
        str(csv_path), io.StringIO(yaml.safe_dump(config)), output_dir=str(folder),
        output_name=f"{task}.csv", hide_progressbar=True,
    )  # fmt: skip
    reducer: dict[str, Any] = {"reducer_config": {"question_reducer": {}}}
    reduced = reduce_csv(
        extracts, io.StringIO(yaml.safe_dump(reducer)), output_dir=str(folder),
        output_name=f"{task}.csv", hide_progressbar=True,
    )  # fmt: skip
    table = pd.read_csv(reduced)
    counts: dict[int, dict[str, int]] = {}
    for _, row in table.iterrows():
        counts[int(row["subject_id"])] = {
            column.removeprefix("data."): int(value)
            for column, value in row.items()
            if str(column).startswith("data.")
            and column != "data.aggregation_version"
            and pd.notna(value)
        }
    return counts


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
