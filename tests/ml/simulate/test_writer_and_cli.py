"""The fast FITS writer matches astropy byte for byte; the command line writes a survey."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS

from ml.simulate.__main__ import main
from ml.simulate.candidate import simulate_candidate
from ml.simulate.params import CLASS_NAMES, SimulationParams
from ml.simulate.writer import candidate_hdulist, write_candidate_fits

PARAMS = SimulationParams()


@pytest.mark.parametrize("cls", CLASS_NAMES)
def test_written_file_is_what_astropy_would_write(tmp_path: Path, cls: str) -> None:
    cand = simulate_candidate(np.random.default_rng(1), cls)
    fast, slow = tmp_path / "fast.fits", tmp_path / "slow.fits"
    write_candidate_fits(fast, cand, "CH-000042", 150.1, -2.25, PARAMS)
    candidate_hdulist(cand, "CH-000042", 150.1, -2.25, PARAMS).writeto(slow)
    assert fast.read_bytes() == slow.read_bytes()
    with fits.open(fast) as hdul:
        assert np.array_equal(hdul["XRAY"].data, cand.xray)
        assert hdul["XRAY"].data.dtype == np.dtype(">f4")
        assert hdul["EXPOSURE"].header["BUNIT"] == "s"
        assert hdul["XRAY"].header["BAND"] == "0.5-2keV"
        assert hdul["OPTICAL"].header["BAND"] == "optical"
        assert hdul["XRAY"].header["EXPOSURE"] == pytest.approx(
            cand.truth.pointing.exposure_s, abs=0.1
        )
        for name, npix in (("XRAY", PARAMS.xray_npix), ("OPTICAL", PARAMS.optical_npix)):
            centre = WCS(hdul[name].header).pixel_to_world((npix - 1) / 2.0, (npix - 1) / 2.0)
            assert centre.ra.deg == pytest.approx(150.1)
            assert centre.dec.deg == pytest.approx(-2.25)
        # X-ray and optical cover the same patch of sky.
        corner_x = WCS(hdul["XRAY"].header).pixel_to_world(-0.5, -0.5)
        corner_o = WCS(hdul["OPTICAL"].header).pixel_to_world(-0.5, -0.5)
        assert corner_x.separation(corner_o).arcsec < 1e-6


def test_command_line_writes_a_survey(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main([str(tmp_path / "out"), "--size", "6", "--seed", "3", "--fields", "2", "--quiet"]) == 0
    )
    assert "wrote 6 candidates" in capsys.readouterr().out
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["seed"] == 3
    assert manifest["size"] == 6
    assert len(list((tmp_path / "out" / "candidates").glob("CH-*.fits"))) == 6
