"""One simulated candidate: the drawn truth plus its X-ray, exposure and optical images."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ml.simulate.domain import default_settings, draw_domain
from ml.simulate.draw import draw_truth
from ml.simulate.optical import render_optical
from ml.simulate.params import SimulationParams
from ml.simulate.truth import CandidateTruth
from ml.simulate.xray import render_xray

DEFAULT_PARAMS = SimulationParams()


@dataclass(frozen=True, eq=False)
class SimulatedCandidate:
    truth: CandidateTruth
    xray: np.ndarray  # float32 counts, 0.5-2 keV
    exposure: np.ndarray  # float32 seconds (vignetted)
    optical: np.ndarray  # float32 ADU; empty (0, 0) when optical rendering is off
    xray_source_model: np.ndarray  # float32 expected source counts (noiseless)
    xray_background_model: np.ndarray  # float32 expected background counts
    seeing_fwhm_arcsec: float
    # The parameters this candidate was rendered with (its own under domain randomisation) and
    # the drawn settings worth recording (ml.simulate.domain.SETTING_COLUMNS).
    params: SimulationParams = DEFAULT_PARAMS
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def xray_pixel_arcsec(self) -> float:
        return self.params.xray_pixel_arcsec

    @property
    def optical_pixel_arcsec(self) -> float:
        return self.params.optical_pixel_arcsec

    @property
    def label(self) -> str:
        return self.truth.label


def render_candidate(
    rng: np.random.Generator,
    truth: CandidateTruth,
    params: SimulationParams = DEFAULT_PARAMS,
    settings: dict[str, Any] | None = None,
) -> SimulatedCandidate:
    """Render the images of an already drawn ``truth`` (tests build truths by hand)."""
    settings = settings or {}
    xray = render_xray(rng, truth, params)
    if params.render_optical:
        optical, seeing = render_optical(rng, truth, params)
    else:
        optical, seeing = np.zeros((0, 0), dtype=np.float32), float("nan")
    return SimulatedCandidate(
        truth=truth,
        xray=xray.counts,
        exposure=xray.exposure,
        optical=optical,
        xray_source_model=xray.source_model,
        xray_background_model=xray.background_model,
        seeing_fwhm_arcsec=seeing,
        params=params,
        settings={
            **default_settings(params),
            "exposure_s": round(truth.pointing.exposure_s, 1),
            **settings,
        },
    )


def simulate_candidate(
    rng: np.random.Generator, cls: str, params: SimulationParams = DEFAULT_PARAMS
) -> SimulatedCandidate:
    """Draw a candidate of class ``cls`` and render it; all randomness comes from ``rng``.

    Under domain randomisation (``params.domain``) the candidate first draws its own settings.
    """
    settings: dict[str, Any] = {}
    if params.domain is not None:
        drawn = draw_domain(rng, params.domain, params)
        params, settings = drawn.params, drawn.settings
    truth = draw_truth(rng, cls, params)
    return render_candidate(rng, truth, params, settings)
