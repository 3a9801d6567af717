"""The standing real-data benchmark: labelled sources in real X-ray images, never trained on.

Every source is cut out of its real image at the product's field of view (``ml.cnn.FIELD_ARCSEC``)
from the image's own WCS and pixel scale and rendered by :func:`ml.cnn.cnn_input`, exactly as a
subject would be served: counts and pixel scale only (no exposure or background map unless asked
for), no optical band (none of these fields has one).

| field | instrument | sources | role |
| --- | --- | --- | --- |
| Abell 907, ObsIDs 0201901401, 0201903501, 0404910601 | XMM EPIC merged 0.5-2 keV, 4.35"/px | XCS/XAPA: A907 itself (green) in all three; one other green; red points; magenta (PSF-sized extended) and blue (extended + point) | cluster / extended / point / ambiguous |
| Abell 1835, ObsID 0098010101 | XMM MOS2 1-2 keV, 4"/px | the cluster (MCXC centre) and 26 point sources | cluster / point |
| Centaurus cluster (A3526), 0046340101 | XMM EPIC 0.2-12 keV PPS, 4"/px | the cluster (MCXC centre) | cluster |
| NGC 4507, 0006220201 | same | the Seyfert 2 nucleus | point (hard negative) |
| HD 164794 star field, 0008820101 | same | 4XMM automatic detections (cyan) | point |
| Cygnus Loop XA knot, 0018140301; G16.7+0.1, 0004210201 | same | the target (brightest point of the smoothed image) | other (supernova remnant, hard negative) |
| NGC 4649 | Chandra ACIS, 0.49"/px, point sources removed | the galaxy | galaxy (hard negative) |

Repeat observations of one source (Abell 907 and its neighbours in three ObsIDs) share a
``group``: sources closer than :data:`GROUP_RADIUS_ARCSEC` on the sky are one group (friends of
friends), so a split or a bootstrap by group never puts one object on both sides.

Pure numpy/astropy; no Django. ``docs/model.md`` has the figures.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from astropy.nddata import Cutout2D
from astropy.wcs.utils import proj_plane_pixel_scales

from ml.cnn import CNN_CHANNELS, FIELD_ARCSEC, cnn_input
from ml.fitsio import FitsImage, read_fits_images
from ml.metrics import roc_auc
from ml.splits import repeat_groups

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
GROUP_RADIUS_ARCSEC = 60.0
THRESHOLD = 0.5

# Roles: what the source is, and how the report uses it.
CLUSTER = "cluster"  # a known galaxy cluster: must score >= 0.5; positive in the AUC
EXTENDED = "extended"  # XCS extended source of unknown nature: positive in the AUC
POINT = "point"  # point source: negative in the AUC
OTHER = "other"  # extended emission that is not a cluster (supernova remnant): must score < 0.5
GALAXY = "galaxy"  # a nearby galaxy: must score < 0.5
AMBIGUOUS = (
    "ambiguous"  # XCS PSF-sized extended or extended with a point contribution: reported only
)
ROLES = (CLUSTER, EXTENDED, POINT, OTHER, GALAXY, AMBIGUOUS)
# The Hunt's five classes for each role (ambiguous sources are not labelled).
HUNT_LABEL = {
    CLUSTER: "cluster_low_z",
    EXTENDED: "cluster_low_z",
    POINT: "point",
    OTHER: "other",
    GALAXY: "galaxy",
}

A907_OBSIDS = ("0201901401", "0201903501", "0404910601")
# Positions of the targets of the pipeline fields (degrees, ICRS). Cluster centres from MCXC
# (Piffaretti et al. 2011); NGC 4507 from its optical nucleus; the supernova remnants and
# NGC 4649 at the brightest point of the smoothed image, which is the observation's target.
PPS_TARGETS: tuple[tuple[str, str, str, float, float], ...] = (
    ("P0046340101", "Centaurus cluster (A3526)", CLUSTER, 192.2000, -41.3080),
    ("P0006220201", "NGC 4507 (Seyfert 2)", POINT, 188.9026, -39.9093),
    ("P0018140301", "Cygnus Loop XA knot (SNR)", OTHER, 314.3322, 31.0079),
    ("P0004210201", "G16.7+0.1 (SNR)", OTHER, 275.2408, -14.3332),
)
STAR_FIELD = "P0008820101"
NGC4649 = ("NGC 4649 (Chandra)", GALAXY, 190.9166, 11.5527)

_ELLIPSE = re.compile(r"ellipse\(([-\d.]+),([-\d.]+),")


@dataclass(frozen=True)
class RealSource:
    name: str
    field: str  # ObsID or image
    ra: float
    dec: float
    role: str
    group: int = -1
    # A named object the benchmark checks by name (a field's target), not one of many field sources.
    target: bool = False


@dataclass(frozen=True, eq=False)
class RealBenchmark:
    """Model-ready cutouts of the real sources, in ``sources`` order."""

    images: np.ndarray  # (N, len(CNN_CHANNELS), size, size) float32
    sources: list[RealSource]
    groups: np.ndarray  # (N,) int: repeat observations of one object share a group
    roles: np.ndarray  # (N,) str

    @property
    def hunt_labels(self) -> list[str | None]:
        return [HUNT_LABEL.get(role) for role in self.roles]

    @property
    def extended(self) -> np.ndarray:
        return np.isin(self.roles, (CLUSTER, EXTENDED))

    @property
    def point(self) -> np.ndarray:
        return np.asarray(self.roles == POINT)


def _pixel_scale(image: FitsImage) -> float:
    if image.wcs is None:
        raise ValueError("image without a celestial WCS")
    return float(np.mean(proj_plane_pixel_scales(image.wcs.celestial)) * 3600.0)


def _cutout(
    image: FitsImage, ra: float, dec: float, npix: int, fill: float
) -> tuple[np.ndarray, bool]:
    assert image.wcs is not None
    x, y = image.wcs.celestial.world_to_pixel_values(ra, dec)
    rows, cols = image.data.shape
    inside = 0 <= float(x) < cols and 0 <= float(y) < rows
    cut = Cutout2D(
        image.data, (float(x), float(y)), (npix, npix), mode="partial", fill_value=fill, copy=True
    )
    return np.asarray(cut.data, dtype=np.float32), inside


def _render(
    image: FitsImage,
    ra: float,
    dec: float,
    size: int,
    exposure: FitsImage | None,
    background: FitsImage | None,
) -> np.ndarray | None:
    scale = _pixel_scale(image)
    npix = math.ceil(FIELD_ARCSEC / scale) + 2
    counts, inside = _cutout(image, ra, dec, npix, np.nan)
    if not inside:
        return None
    expo = None if exposure is None else _cutout(exposure, ra, dec, npix, 0.0)[0]
    bkg = None if background is None else _cutout(background, ra, dec, npix, 0.0)[0]
    if expo is not None and not expo[npix // 2, npix // 2] > 0:
        return None
    return cnn_input(
        {"xray": counts}, size=size, xray_pixel_arcsec=scale, exposure=expo, background=bkg
    )


def _first(images: dict[str, FitsImage]) -> FitsImage:
    return next(iter(images.values()))


def _read(path: Path) -> FitsImage:
    return _first(read_fits_images(path))


@dataclass
class _Field:
    name: str
    image: FitsImage
    exposure: FitsImage | None
    background: FitsImage | None
    sources: list[RealSource] = field(default_factory=list)


def _a907_fields(data_dir: Path, with_maps: bool) -> Iterable[_Field]:
    folder = data_dir / "xmm" / "a907"
    with (folder / "sources.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    for obs in A907_OBSIDS:
        image = _read(folder / f"{obs}-0.50-2.00keVmerged_img.fits")
        exposure = _read(folder / f"{obs}-0.50-2.00keVmerged_expmap.fits") if with_maps else None
        found = _Field(f"A907 {obs}", image, exposure, None)
        for number, row in enumerate(r for r in rows if r["obs_id"] == obs):
            ra, dec = float(row["ra_deg"]), float(row["dec_deg"])
            label = row["label"]
            if label == "extended":
                is_a907 = math.hypot((ra - 149.592) * math.cos(math.radians(dec)), dec + 11.064)
                role = CLUSTER if is_a907 * 3600 < 60 else EXTENDED
                name = f"Abell 907 ({obs})" if role == CLUSTER else f"XCS extended {obs}-{number}"
            elif label == "point":
                role, name = POINT, f"XCS point {obs}-{number}"
            else:
                role, name = AMBIGUOUS, f"XCS {label} {obs}-{number}"
            found.sources.append(RealSource(name, obs, ra, dec, role))
        yield found


def _a1835_field(data_dir: Path, with_maps: bool) -> _Field:
    folder = data_dir / "xmm" / "a1835"
    image = _read(folder / "P0098010101M2U009IMAGE_3000.FTZ")
    exposure = _read(folder / "P0098010101M2U009EXPMAP3000.FTZ") if with_maps else None
    background = _read(folder / "P0098010101M2X000BKGMAP3000.FTZ") if with_maps else None
    found = _Field("A1835 0098010101", image, exposure, background)
    with (folder / "sources.csv").open(newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle)):
            cluster = row["label"] == "cluster"
            found.sources.append(
                RealSource(
                    "Abell 1835 (0098010101)" if cluster else f"A1835 field point {number}",
                    row["obs_id"],
                    float(row["ra_deg"]),
                    float(row["dec_deg"]),
                    CLUSTER if cluster else POINT,
                )
            )
    return found


def _star_field_points(path: Path, image: FitsImage) -> list[tuple[float, float]]:
    """4XMM automatic detections (cyan ellipses, 1-based image pixels) as (ra, dec)."""
    assert image.wcs is not None
    positions = []
    for line in path.read_text().splitlines():
        if "color=cyan" not in line or "tag=" in line:
            continue
        match = _ELLIPSE.search(line)
        if match:
            x, y = float(match[1]) - 1.0, float(match[2]) - 1.0
            ra, dec = image.wcs.celestial.pixel_to_world_values(x, y)
            positions.append((float(ra) % 360.0, float(dec)))
    return positions


def _pps_fields(data_dir: Path) -> Iterable[_Field]:
    folder = data_dir / "xmm" / "pps"
    for obs, name, role, ra, dec in PPS_TARGETS:
        image = _read(folder / f"{obs}EPX000OIMAGE8000.fits.gz")
        yield _Field(obs, image, None, None, [RealSource(name, obs, ra, dec, role, target=True)])
    image = _read(folder / f"{STAR_FIELD}EPX000OIMAGE8000.fits.gz")
    stars = _Field(STAR_FIELD, image, None, None)
    for number, (ra, dec) in enumerate(
        _star_field_points(folder / f"{STAR_FIELD}_poly.reg", image)
    ):
        stars.sources.append(
            RealSource(f"HD 164794 field point {number}", STAR_FIELD, ra, dec, POINT)
        )
    yield stars


def _chandra_field(data_dir: Path) -> _Field:
    image = _read(data_dir / "chandra" / "ngc4649" / "NGC4649.fits.gz")
    name, role, ra, dec = NGC4649
    source = RealSource(name, "NGC4649", ra, dec, role, target=True)
    return _Field("NGC4649", image, None, None, [source])


def group_sources(
    sources: Sequence[RealSource], radius_arcsec: float = GROUP_RADIUS_ARCSEC
) -> np.ndarray:
    """Friends-of-friends groups on the sky, numbered 0, 1, ... in order of first appearance."""
    if not sources:
        return np.zeros(0, dtype=np.int64)
    roots = repeat_groups(
        [s.ra for s in sources], [s.dec for s in sources], radius_arcsec=radius_arcsec
    )
    numbering = {int(r): k for k, r in enumerate(dict.fromkeys(roots.tolist()))}
    return np.array([numbering[int(r)] for r in roots], dtype=np.int64)


def load_real_benchmark(
    *, size: int = 64, data_dir: Path = DATA_DIR, with_maps: bool = False
) -> RealBenchmark:
    """Cut out and render every labelled real source; sources outside their image are dropped.

    ``with_maps=True`` also passes the exposure maps (Abell 907, Abell 1835) and the background
    map (Abell 1835) to the renderer; the default renders counts and pixel scale only, as the
    product serves a real subject.
    """
    fields: list[_Field] = [
        *_a907_fields(data_dir, with_maps),
        _a1835_field(data_dir, with_maps),
        *_pps_fields(data_dir),
        _chandra_field(data_dir),
    ]
    images: list[np.ndarray] = []
    kept: list[RealSource] = []
    for found in fields:
        for source in found.sources:
            cnn = _render(
                found.image, source.ra, source.dec, size, found.exposure, found.background
            )
            if cnn is not None:
                images.append(cnn)
                kept.append(source)
    groups = group_sources(kept)
    kept = [replace(s, group=int(g)) for s, g in zip(kept, groups, strict=True)]
    return RealBenchmark(
        images=np.stack(images).astype(np.float32)
        if images
        else np.zeros((0, len(CNN_CHANNELS), size, size), np.float32),
        sources=kept,
        groups=groups,
        roles=np.array([s.role for s in kept]),
    )


def _auc(scores: np.ndarray, positive: np.ndarray) -> float | None:
    """ROC AUC (ties count half); None without both classes."""
    auc = roc_auc(scores, positive.astype(np.int64))
    return None if np.isnan(auc) else auc


def real_report(
    sources: Sequence[RealSource],
    cluster_prob: npt.ArrayLike,
    model_prob: npt.ArrayLike | None = None,
) -> dict[str, Any]:
    """N extended, N point, extended-vs-point AUC (per source and per group), and named scores.

    ``known_clusters`` and ``hard_negatives`` list each source's p with whether it is on the
    right side of :data:`THRESHOLD`; ``targets_met`` says whether every known cluster is at or
    above it, every hard negative below it and the AUC at least 0.9. ``model_prob``, when given,
    is what the model said before the Galactic prior (``ml.galactic_prior``); each named row then
    carries it as ``p_model``.
    """
    p = np.asarray(cluster_prob, dtype=np.float64)
    if p.shape != (len(sources),):
        raise ValueError(f"{p.size} scores for {len(sources)} sources")
    alone = None if model_prob is None else np.asarray(model_prob, dtype=np.float64)
    if alone is not None and alone.shape != p.shape:
        raise ValueError(f"{alone.size} model scores for {len(sources)} sources")
    roles = np.asarray([s.role for s in sources], dtype=object)
    groups = np.asarray([s.group for s in sources], dtype=np.int64)
    ext, pnt = np.isin(roles, (CLUSTER, EXTENDED)), roles == POINT
    use = ext | pnt
    auc = _auc(p[use], ext[use])
    # Per group: one score per object (the mean over its observations), so repeats count once.
    group_ids = np.unique(groups[use])
    g_scores = np.array([p[use][groups[use] == g].mean() for g in group_ids])
    g_ext = np.array([ext[use][groups[use] == g].any() for g in group_ids])
    auc_groups = _auc(g_scores, g_ext)

    def named(want_high: bool, keep: Callable[[RealSource], bool]) -> list[dict[str, Any]]:
        return [
            {
                "name": s.name,
                "field": s.field,
                "group": s.group,
                "p": float(p[i]),
                "ok": bool(p[i] >= THRESHOLD) if want_high else bool(p[i] < THRESHOLD),
            }
            | ({} if alone is None else {"p_model": float(alone[i])})
            for i, s in enumerate(sources)
            if keep(s)
        ]

    # Hard negatives: real extended emission that is not a cluster, nearby galaxies, and the point
    # sources a field was pointed at (an AGN bright enough to look extended).
    clusters = named(True, lambda s: s.role == CLUSTER)
    hard = named(False, lambda s: s.role in (OTHER, GALAXY) or (s.role == POINT and s.target))
    return {
        "n_extended": int(ext.sum()),
        "n_point": int(pnt.sum()),
        "n_groups": int(group_ids.size),
        "auc_extended_vs_point": auc,
        "auc_extended_vs_point_by_group": auc_groups,
        # The same AUC from the model alone: the prior lowers the star field in the plane, which helps.
        "auc_extended_vs_point_model": None if alone is None else _auc(alone[use], ext[use]),
        "point_above_threshold": float(np.mean(p[pnt] >= THRESHOLD)) if pnt.any() else None,
        "known_clusters": clusters,
        "hard_negatives": hard,
        "targets_met": bool(
            all(c["ok"] for c in clusters)
            and all(h["ok"] for h in hard)
            and auc is not None
            and auc >= 0.9
        ),
    }


def _model_alone(row: dict[str, Any]) -> str:
    alone = row.get("p_model")
    return "" if alone is None or abs(alone - row["p"]) < 5e-4 else f" (model alone {alone:.3f})"


def _auc_alone(report: dict[str, Any]) -> str:
    alone = report.get("auc_extended_vs_point_model")
    return "" if alone is None else f"; model alone {alone:.3f}"


def format_report(report: dict[str, Any]) -> str:
    """The report as a few lines of text (for benchmarks and logs)."""
    auc = report["auc_extended_vs_point"]
    auc_g = report["auc_extended_vs_point_by_group"]
    lines = [
        f"real X-ray benchmark: {report['n_extended']} extended, {report['n_point']} point "
        f"({report['n_groups']} objects); extended-vs-point AUC "
        f"{'n/a' if auc is None else f'{auc:.3f}'} (by object "
        f"{'n/a' if auc_g is None else f'{auc_g:.3f}'}{_auc_alone(report)}); points at p >= 0.5: "
        f"{report['point_above_threshold']:.3f}",
    ]
    for title, key in (("known clusters (want p >= 0.5)", "known_clusters"),
                       ("hard negatives (want p < 0.5)", "hard_negatives")):  # fmt: skip
        cells = ", ".join(
            f"{row['name']} {row['p']:.3f}{_model_alone(row)}{'' if row['ok'] else ' (MISSED)'}"
            for row in report[key]
        )
        lines.append(f"  {title}: {cells}")
    lines.append(f"  all real-data targets met: {report['targets_met']}")
    return "\n".join(lines)
