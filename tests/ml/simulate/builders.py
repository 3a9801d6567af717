"""Hand-made truths for the simulator tests: one effect at a time."""

from __future__ import annotations

from ml.simulate.params import SimulationParams
from ml.simulate.truth import BetaComponent, CandidateTruth, Pointing, PointSource

# Only the source under test: no background, no field objects, no vignetting or gaps.
CLEAN = SimulationParams(
    background=False,
    field_sources=False,
    vignetting=False,
    detector_gaps=False,
    render_optical=False,
)


def on_axis(exposure_s: float = 20_000.0, off_axis: float = 0.0) -> Pointing:
    return Pointing(exposure_s=exposure_s, off_axis_arcmin=off_axis, axis_pa_deg=0.0, roll_deg=0.0)


def cluster_truth(
    *,
    rate: float = 2.0,
    rc_arcsec: float = 30.0,
    beta: float = 0.67,
    r_trunc_arcsec: float = 2000.0,
    exposure_s: float = 20_000.0,
) -> CandidateTruth:
    comp = BetaComponent(0.0, 0.0, rate, rc_arcsec, beta, 1.0, 0.0, r_trunc_arcsec)
    return CandidateTruth(
        label="cluster_low_z", pointing=on_axis(exposure_s), morphology="relaxed", extended=(comp,)
    )


def point_truth(
    *, rate: float = 1.0, off_axis: float = 0.0, x: float = 0.0, y: float = 0.0
) -> CandidateTruth:
    return CandidateTruth(
        label="point",
        pointing=on_axis(20_000.0, off_axis),
        morphology="agn",
        points=(PointSource(x, y, rate),),
    )
