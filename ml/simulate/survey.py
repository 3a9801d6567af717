"""Simulate a whole survey: candidates in a few sky fields, their FITS cutouts and the truth tables.

Reproducibility does not depend on chunking or on the number of worker processes: candidate ``i``
draws everything from generators seeded by ``SeedSequence(seed, spawn_key=(0, i))`` (physics and
images) and ``(1, i)`` (sky position); survey-wide choices (the class of each index, the field
centres, catalogue identifiers) use their own spawn keys.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ml.simulate.candidate import DEFAULT_PARAMS, SimulatedCandidate, simulate_candidate
from ml.simulate.morphology import true_morphology
from ml.simulate.params import (
    CLASS_NAMES,
    CLUSTER_CLASSES,
    DEFAULT_CLASS_MIX,
    SIMULATOR_VERSION,
    SimulationParams,
)
from ml.simulate.tables import CandidateRow, write_tables
from ml.simulate.writer import write_candidate_fits

ID_PREFIX = "CH-"
FIELD_RADIUS_DEG = 1.2
_KEY_CANDIDATE, _KEY_SKY, _KEY_CLASSES, _KEY_FIELDS, _KEY_CATALOGUE = 0, 1, 2, 3, 4


@dataclass(frozen=True)
class SkyField:
    name: str
    ra_deg: float
    dec_deg: float
    radius_deg: float = FIELD_RADIUS_DEG


@dataclass(frozen=True)
class SurveyManifest:
    out_dir: Path
    seed: int
    size: int
    fields: tuple[SkyField, ...]
    class_counts: dict[str, int]
    n_catalogue: int
    elapsed_s: float
    version: str = SIMULATOR_VERSION
    parameters: dict[str, Any] = field(default_factory=dict)

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "simulator": "ml.simulate",
            "version": self.version,
            "seed": self.seed,
            "size": self.size,
            "n_fields": len(self.fields),
            "fields": [asdict(f) for f in self.fields],
            "class_mix": DEFAULT_CLASS_MIX,
            "class_counts": self.class_counts,
            "n_catalogue": self.n_catalogue,
            "elapsed_s": round(self.elapsed_s, 3),
            "files": {
                "candidates": "candidates.ecsv",
                "labels": "expert_labels.csv",
                "catalogue": "xclass_catalogue.fits",
                "domain": "domain.csv",
                "morphology": "morphology.csv",
                "cutouts": "candidates/",
            },
            "parameters": self.parameters,
        }


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


def candidate_rng(seed: int, index: int) -> np.random.Generator:
    """The generator that draws candidate ``index``'s physics and images."""
    return _rng(seed, _KEY_CANDIDATE, index)


def plan_classes(size: int, seed: int, mix: dict[str, float] | None = None) -> list[str]:
    """Exact class counts for ``size`` (largest remainder), shuffled so that ids carry no class."""
    mix = mix or DEFAULT_CLASS_MIX
    total = sum(mix.values())
    quotas = {c: size * mix.get(c, 0.0) / total for c in CLASS_NAMES}
    counts = {c: math.floor(q) for c, q in quotas.items()}
    by_remainder = sorted(CLASS_NAMES, key=lambda c: quotas[c] - counts[c], reverse=True)
    for c in by_remainder[: size - sum(counts.values())]:
        counts[c] += 1
    labels = [c for c in CLASS_NAMES for _ in range(counts[c])]
    order = _rng(seed, _KEY_CLASSES).permutation(size)
    return [labels[i] for i in order]


def make_fields(n_fields: int, seed: int) -> tuple[SkyField, ...]:
    """Field centres spread in RA at moderate declination, well apart from each other."""
    rng = _rng(seed, _KEY_FIELDS)
    start = rng.uniform(0.0, 360.0)
    fields = []
    for k in range(n_fields):
        ra = (start + k * 360.0 / n_fields + rng.uniform(-5.0, 5.0)) % 360.0
        dec = float(np.degrees(np.arcsin(rng.uniform(-0.8, 0.8))))
        fields.append(SkyField(name=f"SIMF{k + 1:02d}", ra_deg=round(ra, 5), dec_deg=round(dec, 5)))
    return tuple(fields)


def offset_position(
    ra: float, dec: float, east_arcsec: float, north_arcsec: float
) -> tuple[float, float]:
    """Exact spherical offset of (ra, dec) by a separation and position angle (degrees out)."""
    sep = math.radians(math.hypot(east_arcsec, north_arcsec) / 3600.0)
    pa = math.atan2(east_arcsec, north_arcsec)
    d0, a0 = math.radians(dec), math.radians(ra)
    sin_dec = math.sin(d0) * math.cos(sep) + math.cos(d0) * math.sin(sep) * math.cos(pa)
    new_dec = math.asin(max(-1.0, min(1.0, sin_dec)))
    new_ra = a0 + math.atan2(
        math.sin(pa) * math.sin(sep) * math.cos(d0), math.cos(sep) - math.sin(d0) * sin_dec
    )
    return math.degrees(new_ra) % 360.0, math.degrees(new_dec)


def candidate_position(seed: int, index: int, sky_field: SkyField) -> tuple[float, float]:
    rng = _rng(seed, _KEY_SKY, index)
    r = sky_field.radius_deg * 3600.0 * math.sqrt(rng.random())
    ang = rng.uniform(0.0, 2.0 * math.pi)
    return offset_position(
        sky_field.ra_deg, sky_field.dec_deg, r * math.sin(ang), r * math.cos(ang)
    )


def candidate_id(index: int, size: int) -> str:
    return f"{ID_PREFIX}{index:0{max(6, len(str(size - 1)))}d}"


@dataclass(frozen=True)
class _Job:
    out_dir: Path
    seed: int
    size: int
    indices: tuple[int, ...]
    classes: tuple[str, ...]
    fields: tuple[SkyField, ...]
    params: SimulationParams
    write_images: bool


def simulate_index(
    seed: int, index: int, cls: str, params: SimulationParams = DEFAULT_PARAMS
) -> SimulatedCandidate:
    """Candidate ``index`` of a survey with ``seed``, exactly as ``simulate_survey`` renders it."""
    return simulate_candidate(candidate_rng(seed, index), cls, params)


def _run_job(job: _Job) -> list[CandidateRow]:
    rows = []
    for index, cls in zip(job.indices, job.classes, strict=True):
        cand = simulate_index(job.seed, index, cls, job.params)
        sky_field = job.fields[index % len(job.fields)]
        ra, dec = candidate_position(job.seed, index, sky_field)
        cid = candidate_id(index, job.size)
        rel = f"candidates/{cid}.fits"
        if job.write_images:
            write_candidate_fits(job.out_dir / rel, cand, cid, ra, dec, job.params)
        cat = cand.truth.catalogue
        cat_pos = offset_position(ra, dec, -cat.dx_arcsec, cat.dy_arcsec) if cat else None
        rows.append(
            CandidateRow(
                candidate_id=cid,
                ra=ra,
                dec=dec,
                field=sky_field.name,
                file=rel,
                exposure_s=cand.truth.pointing.exposure_s,
                off_axis_arcmin=cand.truth.pointing.off_axis_arcmin,
                label=cls,
                redshift=cand.truth.redshift if cls in CLUSTER_CLASSES else None,
                catalogue=cat,
                catalogue_position=cat_pos,
                settings=cand.settings,
                morphology=cand.truth.morphology,
                shape=true_morphology(cand.truth, cand.params) if cls in CLUSTER_CLASSES else {},
            )
        )
    return rows


def _chunks(
    size: int, classes: list[str], chunk: int
) -> Iterator[tuple[tuple[int, ...], tuple[str, ...]]]:
    for start in range(0, size, chunk):
        idx = tuple(range(start, min(start + chunk, size)))
        yield idx, tuple(classes[i] for i in idx)


def simulate_survey(
    out_dir: Path,
    *,
    size: int = 2000,
    seed: int = 42,
    n_fields: int = 4,
    progress: Callable[[int, int], None] | None = None,
    params: SimulationParams | None = None,
    workers: int = 1,
    write_images: bool = True,
    chunk_size: int = 100,
) -> SurveyManifest:
    """Simulate ``size`` candidates into ``out_dir`` and write the truth tables beside them.

    ``workers`` > 1 renders chunks in separate processes (spawned, so it is safe inside threaded
    hosts, but not possible from a daemonic process such as a Celery prefork child: keep the
    default there); the output is byte-for-byte the same whatever ``workers`` and ``chunk_size``
    are.
    """
    if size < 1:
        raise ValueError("size must be at least 1")
    if n_fields < 1:
        raise ValueError("n_fields must be at least 1")
    params = params or DEFAULT_PARAMS
    started = time.perf_counter()
    out_dir = Path(out_dir)
    (out_dir / "candidates").mkdir(parents=True, exist_ok=True)
    classes = plan_classes(size, seed)
    fields = make_fields(n_fields, seed)
    jobs = [
        _Job(out_dir, seed, size, idx, cls, fields, params, write_images)
        for idx, cls in _chunks(size, classes, chunk_size)
    ]
    rows: list[CandidateRow] = []
    if workers <= 1:
        for job in jobs:
            rows.extend(_run_job(job))
            if progress:
                progress(len(rows), size)
    else:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            for chunk_rows in pool.map(_run_job, jobs):
                rows.extend(chunk_rows)
                if progress:
                    progress(len(rows), size)
    n_catalogue = write_tables(out_dir, rows, _rng(seed, _KEY_CATALOGUE))
    manifest = SurveyManifest(
        out_dir=out_dir,
        seed=seed,
        size=size,
        fields=fields,
        class_counts={c: classes.count(c) for c in CLASS_NAMES},
        n_catalogue=n_catalogue,
        elapsed_s=time.perf_counter() - started,
        parameters=params.summary(),
    )
    # The manifest records the run, not the clock: leave the timing out so reruns are identical.
    payload = manifest.to_json_dict()
    payload.pop("elapsed_s")
    (out_dir / "manifest.json").write_text(json.dumps(payload, indent=2, sort_keys=False) + "\n")
    return manifest
