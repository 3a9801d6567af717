"""Seeded, reproducible simulator of XMM-Newton cluster candidates (XCLASS-like survey).

Five classes as in the Hunt for Galaxy Clusters: ``cluster_low_z``, ``cluster_high_z``, ``galaxy``,
``point`` and ``other``. The physics, its parameter ranges and references are in
``docs/simulator.md``.
"""

from ml.simulate.candidate import SimulatedCandidate, render_candidate, simulate_candidate
from ml.simulate.draw import draw_truth
from ml.simulate.params import (
    CLASS_NAMES,
    CLUSTER_CLASSES,
    DEFAULT_CLASS_MIX,
    SIMULATOR_VERSION,
    SimulationParams,
)
from ml.simulate.survey import SkyField, SurveyManifest, simulate_index, simulate_survey
from ml.simulate.truth import CandidateTruth

__all__ = [
    "CLASS_NAMES",
    "CLUSTER_CLASSES",
    "DEFAULT_CLASS_MIX",
    "SIMULATOR_VERSION",
    "CandidateTruth",
    "SimulatedCandidate",
    "SimulationParams",
    "SkyField",
    "SurveyManifest",
    "draw_truth",
    "render_candidate",
    "simulate_candidate",
    "simulate_index",
    "simulate_survey",
]
