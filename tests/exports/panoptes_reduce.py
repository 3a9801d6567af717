"""Run the Zooniverse's question extractor and reducer on a Panoptes-layout CSV; print the counts as JSON.

Runs in panoptes_aggregation's own environment (`make panoptes-env`, requirements/panoptes.txt), never in
the application's: that package caps `packaging`, and so astropy, below what the application runs. It
imports nothing of ours. Usage: python panoptes_reduce.py CSV WORKFLOW_ID TASK FOLDER
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from panoptes_aggregation.scripts import extract_csv, reduce_csv


def reduce_counts(
    csv_path: Path, workflow_id: int, task: str, folder: Path
) -> dict[str, dict[str, int]]:
    """Per subject id (a string: JSON keys), the reducer's count of each answer slug."""
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
    counts: dict[str, dict[str, int]] = {}
    for _, row in table.iterrows():
        counts[str(int(row["subject_id"]))] = {
            str(column).removeprefix("data."): int(value)
            for column, value in row.items()
            if str(column).startswith("data.")
            and column != "data.aggregation_version"
            and pd.notna(value)
        }
    return counts


if __name__ == "__main__":
    csv_arg, workflow_arg, task_arg, folder_arg = sys.argv[1:5]
    result = reduce_counts(Path(csv_arg), int(workflow_arg), task_arg, Path(folder_arg))
    print(json.dumps(result))
