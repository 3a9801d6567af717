"""The simulator's morphology truth (shape parameters, true c and w) and the real clusters in data/."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import numpy as np
import pytest

from ml.morphology import CONCENTRATION_SCC_MIN, MorphologyImage, measure_morphology
from ml.morphology.real import measure_abell_907, measure_abell_1835
from ml.simulate.candidate import DEFAULT_PARAMS, render_candidate
from ml.simulate.draw import draw_cluster
from ml.simulate.morphology import MORPHOLOGY_COLUMNS, cluster_shape, true_morphology
from ml.simulate.params import CLUSTER_CLASSES
from ml.simulate.survey import simulate_survey
from ml.simulate.truth import CandidateTruth


def _clusters(kind: str, count: int, seed: int = 4) -> list[CandidateTruth]:
    rng = np.random.default_rng(seed)
    found: list[CandidateTruth] = []
    while len(found) < count:
        truth = draw_cluster(rng, DEFAULT_PARAMS, high_z=False)
        if truth.morphology == kind:
            found.append(truth)
    return found


def test_shape_parameters_are_the_drawn_ones() -> None:
    truth = _clusters("cool_core", 1)[0]
    shape = cluster_shape(truth)
    assert shape["morphology"] == "cool_core"
    assert shape["beta"] == pytest.approx(truth.beta, abs=1e-4)
    assert shape["core_radius_kpc"] == pytest.approx(truth.core_radius_kpc, rel=1e-3)
    assert shape["second_fraction"] > 0.1
    assert shape["second_separation_kpc"] == pytest.approx(0.0, abs=1e-6)
    assert shape["r500_kpc"] > 300


def test_true_values_separate_relaxed_cool_cores_and_mergers() -> None:
    relaxed = [true_morphology(t, DEFAULT_PARAMS) for t in _clusters("relaxed", 6)]
    cores = [true_morphology(t, DEFAULT_PARAMS) for t in _clusters("cool_core", 6)]
    mergers = [true_morphology(t, DEFAULT_PARAMS) for t in _clusters("disturbed", 6)]
    assert np.median([m["c_santos"] for m in cores]) > np.median([m["c_santos"] for m in relaxed])
    assert np.median([m["w"] for m in mergers]) > 0.01 > np.median([m["w"] for m in relaxed])
    assert all(m["dynamical_state"] in ("relaxed", "disturbed") for m in relaxed + cores + mergers)


def test_a_bright_simulated_cluster_is_measured_close_to_its_truth() -> None:
    rng = np.random.default_rng(11)
    truth = _clusters("disturbed", 1, seed=11)[0]
    # Brighter than the survey would make it: 20,000 counts, so noise is not what is tested.
    scale = 20_000.0 / (truth.source_rate * truth.pointing.exposure_s)
    truth = dataclasses.replace(
        truth, extended=tuple(dataclasses.replace(c, rate=c.rate * scale) for c in truth.extended)
    )
    true = true_morphology(truth, DEFAULT_PARAMS)
    cand = render_candidate(rng, truth, DEFAULT_PARAMS)
    measured = measure_morphology(
        MorphologyImage(cand.xray, cand.exposure, DEFAULT_PARAMS.xray_pixel_arcsec),
        redshift=truth.redshift,
        r500_kpc=true["r500_kpc"],
        n_resample=20,
        rng=rng,
    )
    assert measured.ok
    assert measured.c_santos == pytest.approx(true["c_santos"], rel=0.15)
    assert measured.w is not None
    assert abs(measured.w - true["w"]) < 0.01


def test_the_survey_writes_the_morphology_truth_table(tmp_path: Path) -> None:
    simulate_survey(tmp_path, size=14, seed=3, write_images=False)
    with (tmp_path / "expert_labels.csv").open(newline="") as handle:
        clusters = {
            r["candidate_id"] for r in csv.DictReader(handle) if r["label"] in CLUSTER_CLASSES
        }
    with (tmp_path / "morphology.csv").open(newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == ["candidate_id", "label", "redshift", *MORPHOLOGY_COLUMNS]
        rows = list(reader)
    assert clusters
    assert {r["candidate_id"] for r in rows} == clusters
    for row in rows:
        assert float(row["core_radius_kpc"]) > 0
        assert 0.5 < float(row["beta"]) < 0.9
        assert row["dynamical_state"] in ("relaxed", "disturbed")
        assert float(row["c_santos"]) > 0


def test_abell_1835_is_a_strong_cool_core() -> None:
    a1835 = measure_abell_1835(n_resample=10)
    m = a1835.morphology
    assert m.ok
    assert m.n_masked_sources > 10
    assert m.c_santos is not None
    assert m.c_santos_err is not None
    assert m.c_santos - m.c_santos_err > CONCENTRATION_SCC_MIN
    assert m.c_maughan is not None
    assert m.w is not None
    assert m.w_err is not None


def test_abell_907_is_measured_in_each_observation_with_errors() -> None:
    results = measure_abell_907(n_resample=10)
    assert [r.cluster.obs_id for r in results] == ["0201901401", "0201903501", "0404910601"]
    for r in results:
        m = r.morphology
        assert m.ok
        assert m.n_net_counts > 5000
        assert m.c_santos_err is not None
        assert m.w_err is not None
        assert m.c_maughan_err is not None
