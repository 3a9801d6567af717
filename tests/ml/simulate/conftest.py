"""Shared fixtures for the simulator tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from ml.simulate.survey import SurveyManifest, simulate_survey


@pytest.fixture(scope="session")
def small_survey(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SurveyManifest]:
    """A 60-candidate survey shared by the read-only output tests."""
    out = tmp_path_factory.mktemp("survey")
    return out, simulate_survey(out, size=60, seed=11, n_fields=3)
