"""Domain randomisation: seeded per-candidate settings, recorded, and held out on request."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from ml.simulate.domain import (
    DEFAULT_HOLDOUT,
    SETTING_COLUMNS,
    DomainRandomisation,
    Holdout,
    randomised_params,
)
from ml.simulate.params import CLASS_NAMES, EXTENDED_ARTEFACT_KINDS, SimulationParams
from ml.simulate.survey import simulate_index, simulate_survey
from ml.simulate.xray import psf_transfer

RANDOMISED = randomised_params()


def test_same_seed_same_settings_and_pixels_and_the_settings_vary() -> None:
    a = [simulate_index(4, i, "cluster_low_z", RANDOMISED) for i in range(6)]
    b = [simulate_index(4, i, "cluster_low_z", RANDOMISED) for i in range(6)]
    for x, y in zip(a, b, strict=True):
        assert x.settings == y.settings
        assert np.array_equal(x.xray, y.xray)
        assert np.array_equal(x.optical, y.optical)
    assert len({c.settings["pixel_arcsec"] for c in a} | {c.xray.shape for c in a}) > 2


def test_a_candidate_is_rendered_with_the_settings_it_records() -> None:
    for i in range(8):
        cand = simulate_index(9, i, CLASS_NAMES[i % 5], RANDOMISED)
        s = cand.settings
        assert set(SETTING_COLUMNS) <= set(s)
        assert cand.xray.shape == (s["npix"], s["npix"])
        assert cand.xray_pixel_arcsec == s["pixel_arcsec"]
        assert cand.params.psf_family == s["psf_family"]
        assert cand.truth.pointing.exposure_s == pytest.approx(s["exposure_s"], abs=0.1)
        assert 5_000 <= s["exposure_s"] <= 100_000
        assert -1.5 <= s["background_log10"] <= 1.0
        # The optical plate keeps its ~2.13" pixels over the same field.
        assert cand.optical_pixel_arcsec == pytest.approx(2.13, rel=0.02)


def test_without_a_domain_the_simulator_is_unchanged() -> None:
    cand = simulate_index(3, 0, "point")
    assert cand.params == SimulationParams()
    assert cand.xray.shape == (128, 128)
    assert cand.settings["psf_family"] == "king"


def test_the_three_psf_families_differ_and_conserve_flux() -> None:
    transfers = {
        family: psf_transfer(64, 5.0, 30.0, SimulationParams(psf_family=family))
        for family in ("king", "gauss_wings", "gauss")
    }
    for transfer in transfers.values():
        assert transfer[0, 0] == pytest.approx(1.0)  # unit flux
    # Broad power-law wings take power from the lowest frequencies, where a Gaussian keeps it.
    assert transfers["gauss_wings"][0, 2] < transfers["gauss"][0, 2]
    names = list(transfers)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert np.abs(transfers[a] - transfers[b]).max() > 0.02


def test_holdout_removes_settings_from_training_and_held_out_surveys_use_them() -> None:
    base = DomainRandomisation()
    training = base.training(DEFAULT_HOLDOUT)
    assert DEFAULT_HOLDOUT.psf_family not in training.psf_families
    assert DEFAULT_HOLDOUT.pixel_scale_arcsec not in training.pixel_scales_arcsec
    assert training.background_log10 == (-0.5, 1.0)
    params = randomised_params(training)
    seen = [simulate_index(1, i, CLASS_NAMES[i % 5], params).settings for i in range(30)]
    assert all(s["psf_family"] != "gauss" for s in seen)
    assert all(s["pixel_arcsec"] != 3.0 for s in seen)
    assert all(s["background_log10"] >= -0.5 for s in seen)

    for which, check in (
        ("psf_family", lambda s: s["psf_family"] == "gauss"),
        ("pixel_scale", lambda s: s["pixel_arcsec"] == 3.0),
        ("background", lambda s: s["background_log10"] < -0.5),
    ):
        held = randomised_params(base.held_out(which, DEFAULT_HOLDOUT))
        drawn = [simulate_index(2, i, "cluster_high_z", held).settings for i in range(6)]
        assert all(check(s) for s in drawn), which
    with pytest.raises(ValueError, match="one end"):
        base.training(Holdout(background_log10=(0.0, 0.5)))


def test_randomised_surveys_grow_the_new_kinds_of_candidate() -> None:
    kinds = {simulate_index(5, i, "other", RANDOMISED).truth.morphology for i in range(40)}
    assert set(EXTENDED_ARTEFACT_KINDS) <= kinds
    with_agn = [simulate_index(6, i, "cluster_low_z", RANDOMISED).truth.points for i in range(40)]
    assert 0 < sum(bool(p) for p in with_agn) < 40


def test_a_randomised_survey_records_every_candidates_settings(tmp_path: Path) -> None:
    manifest = simulate_survey(tmp_path, size=12, seed=2, n_fields=1, params=RANDOMISED)
    with (tmp_path / "domain.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == manifest.size == 12
    assert {"candidate_id", "label", "morphology", *SETTING_COLUMNS} <= set(rows[0])
    written = json.loads((tmp_path / "manifest.json").read_text())
    assert written["parameters"]["domain"]["psf_families"] == ["king", "gauss_wings", "gauss"]
    assert written["files"]["domain"] == "domain.csv"
    # Each FITS file carries its own pixel scale; nothing in the public table names a setting.
    from astropy.io import fits

    for row in rows[:4]:
        with fits.open(tmp_path / "candidates" / f"{row['candidate_id']}.fits") as hdul:
            scale = abs(hdul["XRAY"].header["CDELT1"]) * 3600
            assert scale == pytest.approx(float(row["pixel_arcsec"]))
            assert hdul["XRAY"].data.shape == (int(row["npix"]),) * 2
    public = (tmp_path / "candidates.ecsv").read_text()
    assert "psf_family" not in public
