"""Per-candidate FITS files as ingestion reads them: keywords that make no physical sense are refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from ml.fitsio import InputError
from ml.prepare import CandidateFile, PreparedCandidate, prepare_candidate_fits


def _candidate(path: Path, exposure: object) -> Path:
    rng = np.random.default_rng(3)
    xray = fits.ImageHDU(rng.poisson(0.5, (128, 128)).astype(np.float32), name="XRAY")
    xray.header["EXPOSURE"] = exposure
    fits.HDUList([fits.PrimaryHDU(), xray]).writeto(path)
    return path


def _prepare(path: Path) -> PreparedCandidate:
    return prepare_candidate_fits(CandidateFile(path=path, external_id="c1", ra=150.0, dec=2.0))


def test_a_negative_exposure_keyword_is_refused_naming_the_file_and_the_keyword(
    tmp_path: Path,
) -> None:
    # A19: this file of the malformed corpus was ingested with exposure_s = -1500.
    path = _candidate(tmp_path / "negative.fits", -1500.0)
    with pytest.raises(InputError) as caught:
        _prepare(path)
    assert caught.value.path == str(path)
    assert "EXPOSURE" in caught.value.message
    assert "negative" in caught.value.message
    assert "-1500" not in str(caught.value)  # the problem, not the file's content


def test_a_text_exposure_keyword_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="EXPOSURE keyword is not a number"):
        _prepare(_candidate(tmp_path / "text.fits", "long"))


@pytest.mark.parametrize("exposure", [0.0, 1500, 2.5e4])
def test_a_sensible_exposure_keyword_is_kept_in_seconds(tmp_path: Path, exposure: float) -> None:
    prepared = _prepare(_candidate(tmp_path / "good.fits", exposure))
    assert prepared.metadata["exposure_s"] == pytest.approx(float(exposure))
