"""X-ray morphology of a cluster image: concentrations, centroid shift and power ratio, with errors.

* :mod:`ml.morphology.measure`: :func:`measure_morphology` on an exposure-corrected image with the
  background from an annulus (or a background map): the surface-brightness concentration of Santos
  et al. 2008 and of Maughan et al. 2012, the centroid shift ``w`` (Poole et al. 2006) and the power
  ratio P3/P0; point sources masked (a central one kept); errors by Poisson resampling, the noise bias
  of ``w`` and P3/P0 corrected; too few counts reported as such, never as a number.
* :mod:`ml.morphology.classes`: relaxed / disturbed and cool-core classes from documented thresholds.
* :mod:`ml.morphology.sources`: point sources from a source list or a simple detection.

Plain numpy/scipy: no Django here. Definitions, references and validation figures: docs/morphology.md.
"""

from ml.morphology.classes import (
    CONCENTRATION_NCC_MAX,
    CONCENTRATION_SCC_MIN,
    REFERENCES,
    W_DISTURBED_MIN,
    cool_core_class,
    disturbance_score,
    dynamical_class,
)
from ml.morphology.measure import (
    MEASURE_VERSION,
    MIN_NET_COUNTS,
    Morphology,
    MorphologyImage,
    measure_morphology,
)
from ml.morphology.sources import SourceMask, detect_point_sources

__all__ = [
    "CONCENTRATION_NCC_MAX",
    "CONCENTRATION_SCC_MIN",
    "MEASURE_VERSION",
    "MIN_NET_COUNTS",
    "REFERENCES",
    "W_DISTURBED_MIN",
    "Morphology",
    "MorphologyImage",
    "SourceMask",
    "cool_core_class",
    "detect_point_sources",
    "disturbance_score",
    "dynamical_class",
    "measure_morphology",
]
