"""Validation of ml.morphology: simulated clusters against their truth, and the real Abell 1835 / 907.

    .venv/bin/python -m bench.morphology [--clusters 150] [--resample 40] [--seed 19]

Draws clusters from the survey simulator's own cluster law (low and high redshift in the survey's
proportions), keeps those with at least ``--min-counts`` expected counts, renders each as a subject
(background, field AGN, vignetting, gaps, Poisson noise), measures it with its redshift and truth r500
(as a catalogue would give them), and compares with the truth of ml.simulate.morphology. Prints the
median relative error of both concentrations, the median |w - w_true|, the AUC of relaxed vs disturbed
(truth states from the documented thresholds on the true values; the score from the measured c and w),
then the real clusters; the last line is a one-line summary.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from ml.metrics import roc_auc
from ml.morphology import CONCENTRATION_SCC_MIN, disturbance_score, measure_morphology
from ml.morphology.measure import MorphologyImage
from ml.morphology.real import measure_abell_907, measure_abell_1835
from ml.simulate.candidate import DEFAULT_PARAMS, render_candidate
from ml.simulate.draw import draw_cluster, effective_exposure
from ml.simulate.morphology import true_morphology
from ml.simulate.params import DEFAULT_CLASS_MIX

TARGET_C = 0.10
TARGET_W = 0.005
TARGET_AUC = 0.85


def _fmt(value: float | None, err: float | None, digits: int = 4) -> str:
    if value is None:
        return "n/a"
    return f"{value:.{digits}f} +- {err:.{digits}f}" if err is not None else f"{value:.{digits}f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, default=150)
    parser.add_argument("--resample", type=int, default=40)
    parser.add_argument("--min-counts", type=float, default=1000.0)
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rng = np.random.default_rng(args.seed)
    params = DEFAULT_PARAMS
    high_share = DEFAULT_CLASS_MIX["cluster_high_z"] / (
        DEFAULT_CLASS_MIX["cluster_high_z"] + DEFAULT_CLASS_MIX["cluster_low_z"]
    )
    rel_santos, rel_maughan, dw, scores, disturbed = [], [], [], [], []
    in_1sigma = []
    n_drawn = n_measured = 0
    while n_measured < args.clusters:
        truth = draw_cluster(rng, params, high_z=bool(rng.random() < high_share))
        n_drawn += 1
        if truth.source_rate * effective_exposure(truth.pointing, params) < args.min_counts:
            continue
        true = true_morphology(truth, params)
        cand = render_candidate(rng, truth, params)
        measured = measure_morphology(
            MorphologyImage(cand.xray, cand.exposure, params.xray_pixel_arcsec),
            redshift=truth.redshift,
            r500_kpc=true["r500_kpc"],
            n_resample=args.resample,
            rng=rng,
        )
        if not measured.ok or measured.n_net_counts < args.min_counts:
            continue
        n_measured += 1
        if measured.c_santos is not None and true["c_santos"]:
            rel_santos.append(abs(measured.c_santos / true["c_santos"] - 1.0))
        if measured.c_maughan is not None and true["c_maughan"]:
            rel_maughan.append(abs(measured.c_maughan / true["c_maughan"] - 1.0))
        if measured.w is not None and true["w"] is not None:
            dw.append(abs(measured.w - true["w"]))
            if measured.w_err:
                in_1sigma.append(abs(measured.w - true["w"]) <= measured.w_err)
        if measured.c_santos is not None and measured.w is not None and true["dynamical_state"]:
            scores.append(disturbance_score(measured.c_santos, measured.w))
            disturbed.append(true["dynamical_state"] == "disturbed")
    med_c = float(np.median(rel_santos))
    med_cm = float(np.median(rel_maughan)) if rel_maughan else float("nan")
    med_w = float(np.median(dw))
    auc = roc_auc(np.asarray(scores), np.asarray(disturbed, dtype=np.int64))
    print(f"simulated clusters: {n_measured} measured with >= {args.min_counts:g} net counts "
          f"({n_drawn} drawn), {args.resample} Poisson resamplings each")  # fmt: skip
    print(
        f"  c_santos  median |c/c_true - 1| = {med_c:.3f}  (target <= {TARGET_C})  n={len(rel_santos)}"
    )
    print(f"  c_maughan median |c/c_true - 1| = {med_cm:.3f}  n={len(rel_maughan)}")
    print(f"  w         median |w - w_true|   = {med_w:.4f} (target <= {TARGET_W})  n={len(dw)}; "
          f"|w - w_true| <= w_err for {np.mean(in_1sigma):.0%}")  # fmt: skip
    print(f"  relaxed vs disturbed AUC from (c, w) = {auc:.3f} (target >= {TARGET_AUC}); "
          f"{sum(disturbed)} disturbed of {len(disturbed)}")  # fmt: skip
    a1835 = measure_abell_1835()
    m = a1835.morphology
    print(f"Abell 1835 (ObsID {a1835.cluster.obs_id}, z={a1835.cluster.redshift}, "
          f"r500={a1835.cluster.r500_kpc:.0f} kpc): {m.n_net_counts:.0f} net counts, "
          f"c_santos {_fmt(m.c_santos, m.c_santos_err)}, c_maughan {_fmt(m.c_maughan, m.c_maughan_err)}, "
          f"w {_fmt(m.w, m.w_err)}, P3/P0 {_fmt(m.p3p0 and m.p3p0 * 1e7, m.p3p0_err and m.p3p0_err * 1e7, 2)}e-7")  # fmt: skip
    for r in measure_abell_907():
        m = r.morphology
        print(f"Abell 907 (ObsID {r.cluster.obs_id}, z={r.cluster.redshift}, "
              f"r500={r.cluster.r500_kpc:.0f} kpc): {m.n_net_counts:.0f} net counts, "
              f"c_santos {_fmt(m.c_santos, m.c_santos_err)}, c_maughan {_fmt(m.c_maughan, m.c_maughan_err)}, "
              f"w {_fmt(m.w, m.w_err)}, P3/P0 {_fmt(m.p3p0 and m.p3p0 * 1e7, m.p3p0_err and m.p3p0_err * 1e7, 2)}e-7")  # fmt: skip
    scc = (
        a1835.morphology.c_santos is not None and a1835.morphology.c_santos > CONCENTRATION_SCC_MIN
    )
    met = med_c <= TARGET_C and med_w <= TARGET_W and auc >= TARGET_AUC and scc
    print(f"morphology: c_santos err {med_c:.3f} (<= {TARGET_C}), w err {med_w:.4f} (<= {TARGET_W}), "
          f"AUC {auc:.3f} (>= {TARGET_AUC}), A1835 c {a1835.morphology.c_santos or float('nan'):.3f} "
          f"(> {CONCENTRATION_SCC_MIN}) on {n_measured} clusters in {time.perf_counter() - started:.0f} s: "
          f"{'targets met' if met else 'TARGETS NOT MET'}")  # fmt: skip


if __name__ == "__main__":
    main()
