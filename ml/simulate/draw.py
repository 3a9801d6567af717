"""Draw the physical scenario of one candidate of a given class (no pixels yet)."""

from __future__ import annotations

import math

import numpy as np

from ml.simulate import physics
from ml.simulate.params import CLASS_NAMES, SimulationParams
from ml.simulate.truth import (
    BetaComponent,
    CandidateTruth,
    CatalogueEntry,
    HotPixel,
    OpticalSources,
    Pointing,
    PointSource,
    ShellArc,
    ShockFront,
    Streak,
    vignetting,
)

LOW_Z_RANGE = (0.08, 0.5)
LOW_Z_FADE = 0.15
NEARBY_Z_RANGE = (0.01, 0.08)
NEARBY_RC_SCALE = 0.3  # nearby clusters' core radii: 30-90 kpc, cool cores all
HIGH_Z_RANGE = (0.5, 1.5)
HIGH_Z_SCALE = 0.3  # e-folding of the high-z tail above the boundary
GALAXY_Z_RANGE = (0.002, 0.02)
CLUSTER_RC_KPC = (100.0, 300.0)
CLUSTER_BETA = (0.55, 0.8)
CLUSTER_LX_RANGE = (10**42.8, 10**45.0)
CLUSTER_TRUNCATION_KPC = 1000.0
# pn CCD length along the readout direction, over which out-of-time events spread.
OOT_STREAK_LENGTH_ARCSEC = 820.0


def draw_pointing(rng: np.random.Generator, params: SimulationParams) -> Pointing:
    # Candidates are spread evenly over the detector area, so theta^2 is uniform.
    theta = params.off_axis_max_arcmin * math.sqrt(rng.random())
    return Pointing(
        exposure_s=float(rng.uniform(params.exposure_min_s, params.exposure_max_s)),
        off_axis_arcmin=theta,
        axis_pa_deg=float(rng.uniform(0.0, 360.0)),
        roll_deg=float(rng.uniform(0.0, 360.0)),
    )


def effective_exposure(pointing: Pointing, params: SimulationParams) -> float:
    v = (
        vignetting(pointing.off_axis_arcmin, params.vignetting_scale_arcmin)
        if params.vignetting
        else 1.0
    )
    return float(pointing.exposure_s * v)


def detection_floor_counts(
    params: SimulationParams, pointing: Pointing, base: float, radius_arcsec: float
) -> float:
    """Counts a source needs to have been detected: ``base``, or ``detection_sigma`` times the
    square root of the background counts within ``radius_arcsec``, whichever is more."""
    if params.detection_sigma <= 0:
        return base
    area = math.pi * (radius_arcsec / 60.0) ** 2
    v = effective_exposure(pointing, params) / max(pointing.exposure_s, 1e-9)
    background = (params.sky_background * v + params.particle_background) * area
    counts = background * pointing.exposure_s
    return max(base, params.detection_sigma * math.sqrt(counts))


def _volume_weighted_z(
    rng: np.random.Generator, lo: float, hi: float, fade: float | None = None
) -> float:
    """p(z) ~ z^2 (the volume of a thin shell), times exp(-z/fade) for a flux-limited survey."""
    while True:
        z = float((lo**3 + rng.random() * (hi**3 - lo**3)) ** (1.0 / 3.0))
        if fade is None or rng.random() < math.exp(-(z - lo) / fade):
            return z


def _catalogue_entry(
    rng: np.random.Generator, z: float, counts: float, rc_arcsec: float
) -> CatalogueEntry | None:
    secure = counts >= 300.0 and rc_arcsec >= 10.0
    if rng.random() > (0.92 if secure else 0.70):
        return None
    if rng.random() < 0.6:
        z_measured = z + rng.normal(0.0, 0.001)
    else:
        z_measured = z + rng.normal(0.0, 0.03 * (1.0 + z))
    return CatalogueEntry(
        class_code="C1" if secure else "C2",
        dx_arcsec=float(rng.normal(0.0, 3.0)),
        dy_arcsec=float(rng.normal(0.0, 3.0)),
        z_measured=round(float(max(z_measured, 0.01)), 4),
    )


def _cluster_members(
    rng: np.random.Generator, params: SimulationParams, z: float, lx: float, x0: float, y0: float
) -> OpticalSources:
    """Red-sequence galaxies of the cluster: a Schechter function seen through the plate limit."""
    kpc = physics.kpc_per_arcsec(z)
    m_star = -21.6 - 1.0 * z  # passive brightening of the characteristic magnitude
    offset = physics.distance_modulus(z) + physics.red_k_correction_r(z)
    m_faint = params.optical_limit_mag + params.optical_render_depth_mag
    x_min = max(10 ** (-0.4 * (m_faint - offset - m_star)), 0.005)
    richness = float(np.clip(30.0 * (lx / 1e44) ** 0.5 * params.richness_scale, 8.0, 150.0))
    x_norm = 10 ** (-0.4 * 2.0)  # richness counts members brighter than M* + 2
    expected = richness * physics.schechter_tail(x_min) / physics.schechter_tail(x_norm)
    n = int(rng.poisson(expected)) if x_min < 20.0 else 0
    lum = physics.sample_schechter(rng, x_min, n)
    # Projected density ~ (1 + R^2/a^2)^-1 out to 1.5 Mpc, inverted analytically.
    a_kpc, r_max = 150.0, 1500.0
    u = rng.random(n)
    radius = a_kpc * np.sqrt(np.expm1(u * np.log1p((r_max / a_kpc) ** 2))) / kpc
    phi = rng.uniform(0.0, 2.0 * np.pi, n)
    r_e = np.clip(3.0 * lum**0.6, 0.5, 20.0) / kpc
    profile = np.where(rng.random(n) < 0.8, 2, 1).astype(np.int8)
    bcg_mag = m_star + params.bcg_mag_offset + rng.normal(0.0, 0.3) + offset
    return OpticalSources(
        x_arcsec=np.concatenate([[x0 + rng.normal(0.0, 2.0)], x0 + radius * np.cos(phi)]),
        y_arcsec=np.concatenate([[y0 + rng.normal(0.0, 2.0)], y0 + radius * np.sin(phi)]),
        mag=np.concatenate([[bcg_mag], m_star + offset - 2.5 * np.log10(lum)]),
        r_e_arcsec=np.concatenate([[rng.uniform(10.0, 25.0) / kpc], r_e]),
        axis_ratio=np.concatenate([[rng.uniform(0.6, 1.0)], rng.uniform(0.5, 1.0, n)]),
        pa_deg=rng.uniform(0.0, 180.0, n + 1),
        profile=np.concatenate([[2], profile]).astype(np.int8),
    )


def draw_cluster(
    rng: np.random.Generator, params: SimulationParams, high_z: bool
) -> CandidateTruth:
    pointing = draw_pointing(rng, params)
    nearby = False
    if high_z:
        lo, hi = HIGH_Z_RANGE
        # Truncated exponential: distant clusters get rarer in a flux-limited survey.
        u = rng.random() * (1.0 - math.exp(-(hi - lo) / HIGH_Z_SCALE))
        z = lo - HIGH_Z_SCALE * math.log1p(-u)
    elif params.nearby_cluster_share and rng.random() < params.nearby_cluster_share:
        # A pointed observation of a nearby cluster (Centaurus, Virgo, Coma): bigger than the
        # cutout, its cool core at the centre. Drawn only when the share is set, so that surveys
        # without it keep their random stream.
        z = physics.sample_log_uniform(rng, *NEARBY_Z_RANGE)
        nearby = True
    else:
        # Volume growth against the flux limit: the low-z sample peaks near z = 0.3.
        z = _volume_weighted_z(rng, *LOW_Z_RANGE, fade=LOW_Z_FADE)
    kpc = physics.kpc_per_arcsec(z)
    rc_kpc = float(rng.uniform(*CLUSTER_RC_KPC))
    if nearby:
        # The nearby clusters a detection pipeline picks out of a field are the peaked, cool-core
        # ones (Centaurus, Perseus, A2199); a flat 300 kpc core at z = 0.01 spans several fields
        # and is no candidate of any detector.
        rc_kpc *= NEARBY_RC_SCALE
    beta = float(rng.uniform(*CLUSTER_BETA))
    t_eff = effective_exposure(pointing, params)
    # A candidate exists only if XAmin detected it: the luminosity floor is the detection limit.
    floor = detection_floor_counts(
        params, pointing, params.detection_counts_extended, params.detection_radius_extended_arcsec
    )
    rate_det = floor / t_eff
    l_det = physics.rate_to_luminosity(
        rate_det, z, params.ecf_counts_per_erg_cm2, physics.cluster_temperature_kev(1e44)
    )
    l_lo = max(CLUSTER_LX_RANGE[0], l_det)
    l_hi = max(CLUSTER_LX_RANGE[1], 1.5 * l_lo)
    lx = physics.sample_power_law(rng, l_lo, l_hi, -1.8)
    kt = physics.cluster_temperature_kev(lx)
    rate = physics.luminosity_to_rate(lx, z, params.ecf_counts_per_erg_cm2, kt)

    rc = rc_kpc / kpc
    r_trunc = CLUSTER_TRUNCATION_KPC / kpc
    q = float(rng.uniform(0.65, 1.0))
    pa = float(rng.uniform(0.0, 180.0))
    x0, y0 = rng.normal(0.0, 3.0, 2)
    roll = 0.5 if nearby else rng.random()  # 0.5: the cool-core branch
    components: list[BetaComponent]
    if roll < 0.45:
        morphology = "relaxed"
        components = [BetaComponent(x0, y0, rate, rc, beta, q, pa, r_trunc)]
    elif roll < 0.70:
        morphology = "cool_core"
        f_core = float(rng.uniform(0.15, 0.35))
        components = [
            BetaComponent(x0, y0, rate * (1 - f_core), rc, beta, q, pa, r_trunc),
            BetaComponent(x0, y0, rate * f_core, 0.2 * rc, beta, q, pa, 0.5 * r_trunc),
        ]
    else:
        morphology = "disturbed"
        f_sub = float(rng.uniform(0.2, 0.5))
        sep = float(rng.uniform(0.6, 1.5)) * rc
        ang = rng.uniform(0.0, 2.0 * np.pi)
        dx, dy = sep * math.cos(ang), sep * math.sin(ang)
        # The detection centre sits near the flux-weighted centroid of the pair.
        components = [
            BetaComponent(
                x0 - f_sub * dx, y0 - f_sub * dy, rate * (1 - f_sub), rc, beta, q, pa, r_trunc
            ),
            BetaComponent(
                x0 + (1 - f_sub) * dx,
                y0 + (1 - f_sub) * dy,
                rate * f_sub,
                float(rng.uniform(0.4, 0.8)) * rc,
                beta,
                float(rng.uniform(0.7, 1.0)),
                float(rng.uniform(0.0, 180.0)),
                0.5 * r_trunc,
            ),
        ]
    optical = _cluster_members(rng, params, z, lx, components[0].x_arcsec, components[0].y_arcsec)
    catalogue = _catalogue_entry(rng, z, rate * t_eff, rc)
    points: tuple[PointSource, ...] = ()
    if params.cluster_agn_fraction > 0 and rng.random() < params.cluster_agn_fraction:
        # An AGN in the cluster: in the BCG (60 %) or in a member within a core radius.
        agn_rate = rate * 10 ** rng.uniform(-1.5, -0.3)
        if rng.random() < 0.6:
            ax, ay = float(optical.x_arcsec[0]), float(optical.y_arcsec[0])
        else:
            r, ang = rc * math.sqrt(rng.random()), rng.uniform(0.0, 2.0 * np.pi)
            ax, ay = float(x0 + r * math.cos(ang)), float(y0 + r * math.sin(ang))
        points = (PointSource(ax, ay, agn_rate),)
    return CandidateTruth(
        label="cluster_high_z" if high_z else "cluster_low_z",
        pointing=pointing,
        morphology=morphology,
        redshift=round(z, 4),
        lx_erg_s=lx,
        core_radius_kpc=rc_kpc,
        beta=beta,
        extended=tuple(components),
        points=points,
        optical=optical,
        catalogue=catalogue,
    )


def draw_galaxy(rng: np.random.Generator, params: SimulationParams) -> CandidateTruth:
    """A nearby galaxy: big and bright in the optical, faint hot-gas halo in X-rays."""
    pointing = draw_pointing(rng, params)
    z = _volume_weighted_z(rng, *GALAXY_Z_RANGE)
    kpc = physics.kpc_per_arcsec(z)
    abs_mag = float(rng.uniform(-22.5, -19.0))
    lum = 10 ** (-0.4 * (abs_mag + 21.0))
    spheroid = rng.random() < 0.45
    r_e_kpc = 4.0 * lum**0.5 * 10 ** rng.normal(0.0, 0.15)
    q_opt = float(rng.uniform(0.6, 1.0) if spheroid else rng.uniform(0.3, 1.0))
    pa = float(rng.uniform(0.0, 180.0))
    t_eff = effective_exposure(pointing, params)
    floor = detection_floor_counts(
        params, pointing, params.detection_counts_point, params.detection_radius_point_arcsec
    )
    l_det = physics.rate_to_luminosity(floor / t_eff, z, params.ecf_counts_per_erg_cm2)
    l_lo = max(10**39.3, l_det)
    lx = physics.sample_power_law(rng, l_lo, max(10**41.5, 3.0 * l_lo), -1.5)
    # Drawn only when the share is set, so that surveys without it keep their random stream.
    if (
        spheroid
        and params.galaxy_luminous_halo_share
        and rng.random() < params.galaxy_luminous_halo_share
    ):
        lx = max(10 ** float(rng.uniform(41.0, 42.3)), l_lo)
    rate = physics.luminosity_to_rate(lx, z, params.ecf_counts_per_erg_cm2)
    x0, y0 = rng.normal(0.0, 2.0, 2)
    r_e = r_e_kpc / kpc
    halo_q = math.sqrt(q_opt)
    points: tuple[PointSource, ...] = ()
    if rng.random() < 0.4:
        # Nuclear emission (low-luminosity AGN or X-ray binaries) on top of the gas.
        points = (PointSource(x0, y0, rate * float(rng.uniform(0.1, 0.5))),)
    halo = BetaComponent(
        x0,
        y0,
        rate,
        r_e * float(rng.uniform(*params.galaxy_halo_core_re)),
        float(rng.uniform(*params.galaxy_halo_beta)),
        halo_q,
        pa,
        10.0 * r_e,
    )
    optical = OpticalSources(
        x_arcsec=np.array([x0]),
        y_arcsec=np.array([y0]),
        mag=np.array([abs_mag + physics.distance_modulus(z)]),
        r_e_arcsec=np.array([r_e]),
        axis_ratio=np.array([q_opt]),
        pa_deg=np.array([pa]),
        profile=np.array([2 if spheroid else 1], dtype=np.int8),
    )
    return CandidateTruth(
        label="galaxy",
        pointing=pointing,
        morphology="spheroid" if spheroid else "disk",
        lx_erg_s=lx,
        extended=(halo,),
        points=points,
        optical=optical,
    )


def _fx_fo_mag(flux: float, log_ratio: float) -> float:
    # log(fx/fo) = log fx + m/2.5 + 5.37 (Maccacaro et al. 1988), solved for m.
    return float(np.clip(2.5 * (log_ratio - math.log10(flux) - 5.37), 8.0, 26.0))


def draw_point(rng: np.random.Generator, params: SimulationParams) -> CandidateTruth:
    """An AGN (80 %) or an X-ray active star: a PSF in X-rays, a point in the optical."""
    pointing = draw_pointing(rng, params)
    t_eff = effective_exposure(pointing, params)
    floor = detection_floor_counts(
        params, pointing, params.detection_counts_point, params.detection_radius_point_arcsec
    )
    r_det = floor / t_eff
    # A pointed observation's target: a bright AGN whose PSF wings reach across the cutout (drawn
    # only when the share is set, so that surveys without it keep their random stream).
    target = bool(params.bright_target_share) and rng.random() < params.bright_target_share
    star = not target and rng.random() < 0.2
    if target:
        rate = max(min(physics.sample_log_uniform(rng, 2e3, 2e5) / t_eff, 20.0), r_det)
    else:
        # Counts above the detection limit follow the source counts: N(>S) ~ S^-1.5 (stars steeper).
        rate = min(r_det * rng.random() ** (-1.0 / (2.0 if star else 1.5)), 2.0)
    flux = rate / params.ecf_counts_per_erg_cm2
    log_ratio = rng.uniform(-4.0, -1.5) if star else rng.normal(0.0, 0.5)
    x0, y0 = rng.normal(0.0, 1.5, 2)
    optical = OpticalSources(
        x_arcsec=np.array([x0]),
        y_arcsec=np.array([y0]),
        mag=np.array([_fx_fo_mag(flux, float(log_ratio))]),
        r_e_arcsec=np.zeros(1),
        axis_ratio=np.ones(1),
        pa_deg=np.zeros(1),
        profile=np.zeros(1, dtype=np.int8),
    )
    return CandidateTruth(
        label="point",
        pointing=pointing,
        morphology="star" if star else ("bright_agn" if target else "agn"),
        points=(PointSource(x0, y0, rate),),
        optical=optical,
    )


def _pointing_with_gap_at_centre(
    rng: np.random.Generator, pointing: Pointing, params: SimulationParams
) -> Pointing:
    """Move the optical axis so that a CCD gap passes within a few arcsec of the candidate."""
    theta, phi = pointing.off_axis_arcmin, math.radians(pointing.axis_pa_deg)
    roll = math.radians(pointing.roll_deg)
    d = np.array([theta * math.cos(phi), theta * math.sin(phi)])  # candidate minus axis, arcmin
    u_dir = np.array([math.cos(roll), math.sin(roll)])
    v_dir = np.array([-math.sin(roll), math.cos(roll)])
    miss = rng.uniform(-6.0, 6.0) / 60.0
    width = params.ccd_width_arcmin
    if rng.random() < 0.6:
        u = float(d @ u_dir)
        target = (round(u / width - 0.5) + 0.5) * width + miss
        d = d + (target - u) * u_dir
    else:
        d = d + (params.ccd_row_gap_arcmin + miss - float(d @ v_dir)) * v_dir
    return Pointing(
        exposure_s=pointing.exposure_s,
        off_axis_arcmin=float(np.hypot(*d)),
        axis_pa_deg=float(np.degrees(np.arctan2(d[1], d[0])) % 360.0),
        roll_deg=pointing.roll_deg,
    )


def draw_other(rng: np.random.Generator, params: SimulationParams) -> CandidateTruth:
    """An artefact the detection pipeline mistook for an extended source."""
    pointing = draw_pointing(rng, params)
    kind = params.artefact_kinds[int(rng.integers(len(params.artefact_kinds)))]
    t_eff = effective_exposure(pointing, params)
    points: list[PointSource] = []
    streaks: list[Streak] = []
    hot: list[HotPixel] = []
    extended: list[BetaComponent] = []
    shells: list[ShellArc] = []
    optical = OpticalSources()
    readout_angle = (pointing.roll_deg + 90.0) % 180.0
    if kind == "detector_gap":
        pointing = _pointing_with_gap_at_centre(rng, pointing, params)
        if rng.random() < 0.5:
            # A source cut in two by the gap is the classic spurious "extended" detection.
            counts = physics.sample_power_law(rng, 40.0, 400.0, -1.5)
            x, y = rng.normal(0.0, 4.0, 2)
            points.append(PointSource(float(x), float(y), counts / t_eff))
    elif kind == "bright_wings":
        counts = physics.sample_power_law(rng, 5e3, 1e5, -1.5)
        r = rng.uniform(45.0, 150.0)
        ang = rng.uniform(0.0, 2.0 * np.pi)
        x, y = r * math.cos(ang), r * math.sin(ang)
        rate = counts / t_eff
        points.append(PointSource(x, y, rate))
        is_star = rng.random() < 0.6
        optical = OpticalSources(
            x_arcsec=np.array([x]),
            y_arcsec=np.array([y]),
            mag=np.array([rng.uniform(8.0, 12.0) if is_star else rng.uniform(15.0, 18.0)]),
            r_e_arcsec=np.zeros(1),
            axis_ratio=np.ones(1),
            pa_deg=np.zeros(1),
            profile=np.zeros(1, dtype=np.int8),
        )
        if rng.random() < 0.4:
            per_arcsec = params.oot_fraction * rate / OOT_STREAK_LENGTH_ARCSEC
            streaks.append(Streak(x, y, readout_angle, per_arcsec))
    elif kind == "oot_streak":
        # A very bright source elsewhere on the same CCD column; only its streak crosses the cutout.
        rate = physics.sample_power_law(rng, 1.0, 30.0, -1.5)
        per_arcsec = params.oot_fraction * rate / OOT_STREAK_LENGTH_ARCSEC
        offset = rng.uniform(-10.0, 10.0)
        normal = math.radians(readout_angle + 90.0)
        streaks.append(
            Streak(offset * math.cos(normal), offset * math.sin(normal), readout_angle, per_arcsec)
        )
    elif kind == "shell_arc":
        # A supernova-remnant rim passing near the candidate: the shell's centre lies one radius
        # away, so the arc crosses the cutout centre.
        counts = physics.sample_power_law(rng, 150.0, 20_000.0, -1.5)
        radius = float(rng.uniform(60.0, 600.0))
        ang = rng.uniform(0.0, 2.0 * np.pi)
        miss = float(rng.normal(0.0, 10.0))
        shells.append(
            ShellArc(
                x_arcsec=-(radius + miss) * math.cos(ang),
                y_arcsec=-(radius + miss) * math.sin(ang),
                radius_arcsec=radius,
                width_arcsec=float(rng.uniform(4.0, 30.0)),
                pa_deg=math.degrees(ang),
                half_angle_deg=float(rng.uniform(20.0, 90.0)),
                rate=counts / t_eff,
            )
        )
    elif kind == "remnant":
        # A whole remnant centred on the candidate: a limb-brightened shell, half of them
        # around a compact nebula (a composite remnant such as G16.7+0.1).
        counts = physics.sample_power_law(rng, 200.0, 30_000.0, -1.5)
        radius = float(rng.uniform(30.0, 240.0))
        x, y = rng.normal(0.0, 5.0, 2)
        nebula = float(rng.uniform(0.2, 0.7)) if rng.random() < 0.5 else 0.0
        shells.append(
            ShellArc(
                x_arcsec=float(x),
                y_arcsec=float(y),
                radius_arcsec=radius,
                width_arcsec=radius * float(rng.uniform(0.08, 0.3)),
                pa_deg=float(rng.uniform(0.0, 360.0)),
                half_angle_deg=float(rng.uniform(60.0, 180.0)),
                rate=counts * (1.0 - nebula) / t_eff,
            )
        )
        if nebula:
            rc_neb = float(rng.uniform(2.0, 15.0))
            extended.append(
                BetaComponent(
                    float(x), float(y), counts * nebula / t_eff, rc_neb, float(rng.uniform(0.6, 1.0)),
                    float(rng.uniform(0.5, 1.0)), float(rng.uniform(0.0, 180.0)), 20.0 * rc_neb,
                )
            )  # fmt: skip
    elif kind == "filaments":
        # Clumpy, elongated knots (SNR filaments, Galactic diffuse emission): thin beta models.
        total = physics.sample_power_law(rng, 150.0, 20_000.0, -1.5) / t_eff
        n_knots = int(rng.integers(2, 7))
        shares = rng.dirichlet(np.ones(n_knots))
        base_pa = float(rng.uniform(0.0, 180.0))
        for share in shares:
            x, y = rng.normal(0.0, 40.0, 2)
            rc_knot = float(rng.uniform(4.0, 30.0))
            extended.append(
                BetaComponent(
                    float(x), float(y), float(total * share), rc_knot,
                    float(rng.uniform(0.6, 1.0)), float(rng.uniform(0.08, 0.35)),
                    base_pa + float(rng.normal(0.0, 25.0)), 15.0 * rc_knot,
                )
            )  # fmt: skip
    elif kind == "diffuse":
        # Emission larger than the cutout (a remnant's interior, the Galactic ridge): a broad,
        # flattened beta model centred up to 5' away, its surface brightness 0.5-200 times the
        # background's, clumpy on 8-60" scales (log-normal, sigma 0.3-1.2: real remnants are
        # filamentary, clusters smooth), with a brighter knot at the candidate in 60 % of cases
        # (the Cygnus Loop). In 70 % the candidate lies inside a remnant near its limb, where the
        # shock front cuts the emission off sharply.
        bkg_per_arcsec2 = (params.sky_background + params.particle_background) / 3600.0
        sb = bkg_per_arcsec2 * physics.sample_log_uniform(rng, 0.5, 200.0)
        rc = float(rng.uniform(150.0, 1200.0))
        beta = float(rng.uniform(0.4, 0.8))
        q = float(rng.uniform(0.3, 1.0))
        ang = float(rng.uniform(0.0, 2.0 * np.pi))
        front: ShockFront | None = None
        if rng.random() < 0.7:
            # Inside a remnant near its limb (the Cygnus Loop's knots): the emission is centred on
            # the remnant, whose shock front passes 200" inside to 60" outside the candidate.
            radius = physics.sample_log_uniform(rng, 300.0, 3000.0)
            r = radius + float(rng.uniform(-200.0, 60.0))
            front = ShockFront(
                -r * math.cos(ang), -r * math.sin(ang), radius,
                float(rng.uniform(3.0, 20.0)), float(rng.uniform(0.0, 0.2)),
            )  # fmt: skip
            rc = radius * float(rng.uniform(0.5, 1.5))
            beta_centre = (front.x_arcsec, front.y_arcsec)
        else:
            r = float(rng.uniform(0.0, 300.0))
            beta_centre = (r * math.cos(ang), r * math.sin(ang))
        r_trunc = 3.0 * rc
        extended.append(
            BetaComponent(
                beta_centre[0], beta_centre[1], sb * physics.beta_area(rc, beta, q, r_trunc), rc, beta, q,
                float(rng.uniform(0.0, 180.0)), r_trunc,
                texture=float(rng.uniform(0.3, 1.2)),
                texture_scale_arcsec=physics.sample_log_uniform(rng, 8.0, 60.0),
                texture_seed=int(rng.integers(2**31)),
                front=front,
            )
        )  # fmt: skip
        if rng.random() < 0.6:
            x, y = rng.normal(0.0, 8.0, 2)
            rc_knot = float(rng.uniform(8.0, 40.0))
            extended.append(
                BetaComponent(
                    float(x), float(y), physics.sample_log_uniform(rng, 100.0, 5000.0) / t_eff, rc_knot,
                    float(rng.uniform(0.6, 1.0)), float(rng.uniform(0.3, 1.0)),
                    float(rng.uniform(0.0, 180.0)), 10.0 * rc_knot,
                )
            )  # fmt: skip
    else:
        centre = (params.xray_npix - 1) / 2.0
        n_hot = int(rng.integers(1, 5))
        for _ in range(n_hot):
            col, row = (centre + rng.uniform(-10.0, 10.0, 2)).astype(int)
            counts = physics.sample_power_law(rng, 20.0, 400.0, -1.5)
            length = int(rng.integers(5, 31)) if rng.random() < 0.3 else 1
            hot.append(HotPixel(int(col), int(row), counts / pointing.exposure_s / length, length))
    return CandidateTruth(
        label="other",
        pointing=pointing,
        morphology=kind,
        extended=tuple(extended),
        points=tuple(points),
        streaks=tuple(streaks),
        hot_pixels=tuple(hot),
        shells=tuple(shells),
        optical=optical,
    )


def draw_truth(rng: np.random.Generator, cls: str, params: SimulationParams) -> CandidateTruth:
    """Draw the scenario of one candidate of class ``cls`` (one of :data:`CLASS_NAMES`)."""
    if cls == "cluster_low_z":
        return draw_cluster(rng, params, high_z=False)
    if cls == "cluster_high_z":
        return draw_cluster(rng, params, high_z=True)
    if cls == "galaxy":
        return draw_galaxy(rng, params)
    if cls == "point":
        return draw_point(rng, params)
    if cls == "other":
        return draw_other(rng, params)
    raise ValueError(f"unknown class {cls!r}; expected one of {CLASS_NAMES}")
