"""Sky geometry and the sampling laws behind the survey (pure maths, checked against astropy)."""

from __future__ import annotations

import astropy.units as u
import numpy as np
from astropy.coordinates import SkyCoord
from hypothesis import given, settings
from hypothesis import strategies as st

from ml.simulate import physics
from ml.simulate.survey import make_fields, offset_position, plan_classes

angles = st.floats(-300.0, 300.0, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(
    ra=st.floats(0.0, 359.99),
    dec=st.floats(-85.0, 85.0),
    east=angles,
    north=angles,
)
def test_offset_position_agrees_with_astropy(
    ra: float, dec: float, east: float, north: float
) -> None:
    got = SkyCoord(*offset_position(ra, dec, east, north), unit="deg")
    start = SkyCoord(ra, dec, unit="deg")
    sep = np.hypot(east, north) * u.arcsec
    want = start.directional_offset_by(np.arctan2(east, north) * u.rad, sep)
    assert got.separation(want).arcsec < 1e-6


def test_class_plan_has_exact_counts_and_is_seeded() -> None:
    plan = plan_classes(1000, seed=1)
    assert plan.count("point") == 350
    assert plan.count("cluster_low_z") == 200
    assert plan == plan_classes(1000, seed=1)
    assert plan != plan_classes(1000, seed=2)
    assert sorted(plan) == sorted(plan_classes(1000, seed=2))


def test_fields_are_distinct_and_seeded() -> None:
    fields = make_fields(4, seed=3)
    assert fields == make_fields(4, seed=3)
    coords = SkyCoord([f.ra_deg for f in fields], [f.dec_deg for f in fields], unit="deg")
    for i in range(4):
        for j in range(i + 1, 4):
            assert coords[i].separation(coords[j]).deg > 5.0


def test_schechter_draws_follow_the_tail_integral() -> None:
    rng = np.random.default_rng(0)
    x = physics.sample_schechter(rng, 0.05, 20_000)
    assert x.min() >= 0.05
    # Fraction above L* must equal E1(1) / E1(0.05).
    expected = physics.schechter_tail(1.0) / physics.schechter_tail(0.05)
    assert abs(np.mean(x > 1.0) - expected) < 0.01


def test_field_agn_counts_follow_the_log_n_log_s() -> None:
    rng = np.random.default_rng(1)
    fluxes = physics.sample_field_agn_fluxes(rng, area_deg2=50.0, flux_min=1e-15)
    # N(>1e-14) = 80 per deg^2 by construction of the broken power law.
    assert abs(np.sum(fluxes > 1e-14) / 50.0 - 80.0) < 5.0
    assert fluxes.min() >= 1e-15


def test_cosmology_tables_match_astropy() -> None:
    from astropy.cosmology import FlatLambdaCDM

    cosmo = FlatLambdaCDM(H0=70, Om0=0.3)
    for z in (0.01, 0.3, 1.2):
        assert (
            abs(physics.kpc_per_arcsec(z) / (cosmo.kpc_proper_per_arcmin(z).value / 60) - 1) < 1e-4
        )
        d_l = cosmo.luminosity_distance(z).to("cm").value
        assert abs(physics.luminosity_distance_cm(z) / d_l - 1) < 1e-4
