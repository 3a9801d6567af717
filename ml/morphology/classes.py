"""Relaxed / disturbed and cool-core classes from the thresholds the literature documents.

* Santos et al. 2008 (A&A 483, 35), concentration c = S(<40 kpc) / S(<400 kpc): c < 0.075
  non-cool-core, 0.075 <= c < 0.155 weak (moderate) cool core, c >= 0.155 strong cool core.
* Pratt et al. 2009 (A&A 498, 361), centroid shift w within r500: w > 0.01 disturbed.

A cluster is *relaxed* when it is neither disturbed by its centroid shift nor a non-cool-core by its
concentration; :func:`disturbance_score` orders clusters along that same rule (the larger, the more
disturbed), so that relaxed vs disturbed can be scored by a ROC AUC.
"""

from __future__ import annotations

import math

CONCENTRATION_NCC_MAX = 0.075
CONCENTRATION_SCC_MIN = 0.155
W_DISTURBED_MIN = 0.01

REFERENCES: dict[str, str] = {
    "c_santos": "Santos et al. 2008, A&A 483, 35: c = S(<40 kpc)/S(<400 kpc); "
    "c < 0.075 non-cool-core, c > 0.155 strong cool core",
    "c_maughan": "Maughan et al. 2012, MNRAS 421, 1583: c = S(<0.15 r500)/S(<r500)",
    "w": "Poole et al. 2006, MNRAS 373, 881 (definition); Pratt et al. 2009, A&A 498, 361: "
    "w > 0.01 disturbed",
    "p3p0": "Buote & Tsai 1995, ApJ 452, 522; Boehringer et al. 2010, A&A 514, A32: power ratio P3/P0",
}

COOL_CORE_CLASSES = ("non_cool_core", "weak_cool_core", "strong_cool_core")
DYNAMICAL_CLASSES = ("relaxed", "disturbed")


def cool_core_class(c_santos: float | None) -> str | None:
    """Santos et al. 2008's class of a concentration; None when there is no value."""
    if c_santos is None or not math.isfinite(c_santos):
        return None
    if c_santos < CONCENTRATION_NCC_MAX:
        return "non_cool_core"
    if c_santos < CONCENTRATION_SCC_MIN:
        return "weak_cool_core"
    return "strong_cool_core"


def dynamical_class(c_santos: float | None, w: float | None) -> str | None:
    """``disturbed`` when w > 0.01 (Pratt et al. 2009) or c < 0.075 (Santos et al. 2008), else
    ``relaxed``; None when either value is missing."""
    if c_santos is None or w is None or not (math.isfinite(c_santos) and math.isfinite(w)):
        return None
    disturbed = w > W_DISTURBED_MIN or c_santos < CONCENTRATION_NCC_MAX
    return "disturbed" if disturbed else "relaxed"


def disturbance_score(c_santos: float, w: float) -> float:
    """How far past the relaxed corner (c >= 0.075, w <= 0.01) a cluster lies, in log units of each
    threshold: positive exactly when :func:`dynamical_class` says ``disturbed``."""
    floor = 1e-6
    return max(
        math.log(max(w, floor) / W_DISTURBED_MIN),
        math.log(CONCENTRATION_NCC_MAX / max(c_santos, floor)),
    )
