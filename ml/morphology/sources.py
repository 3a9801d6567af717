"""Point sources to mask before measuring a cluster: from a source list, or a simple detection.

The detection compares the counts in a 3x3-pixel box with the local level from a surrounding ring
(pixels 3 to 6 away) and keeps local maxima whose Poisson probability under that level is below
``DETECTION_PROBABILITY`` (about 4.9 sigma; each pixel is a trial) and that are compact: at least ``COMPACTNESS`` of the
box's counts above that level (a cluster's own clumps rise above their ring far less steeply). Sources within ``keep_radius`` of the cluster centre are
never masked: a cool core is a bright, compact peak and must not be masked away.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

DETECTION_PROBABILITY = 1e-6
MIN_SOURCE_COUNTS = 4.0
COMPACTNESS = 0.6
# Mask radius: this much around a faint source, growing with its counts (PSF wings).
MASK_RADIUS_ARCSEC = 12.0


@dataclass(frozen=True)
class SourceMask:
    """Circles to mask, in 0-based pixel coordinates (x = column, y = row) and pixel radii."""

    x: tuple[float, ...] = ()
    y: tuple[float, ...] = ()
    radius: tuple[float, ...] = ()

    def __len__(self) -> int:
        return len(self.x)

    @staticmethod
    def from_circles(circles: Sequence[tuple[float, float, float]]) -> SourceMask:
        return SourceMask(
            x=tuple(float(c[0]) for c in circles),
            y=tuple(float(c[1]) for c in circles),
            radius=tuple(float(c[2]) for c in circles),
        )

    def without_centre(self, cx: float, cy: float, keep_radius: float) -> SourceMask:
        """The sources farther than ``keep_radius`` pixels from (cx, cy)."""
        kept = [
            (x, y, r)
            for x, y, r in zip(self.x, self.y, self.radius, strict=True)
            if math.hypot(x - cx, y - cy) > keep_radius
        ]
        return SourceMask.from_circles(kept)

    def mask(self, shape: tuple[int, int]) -> np.ndarray:
        """Boolean image, True inside any circle."""
        rows, cols = np.indices(shape, dtype=np.float64)
        out = np.zeros(shape, dtype=bool)
        for x, y, r in zip(self.x, self.y, self.radius, strict=True):
            out |= (cols - x) ** 2 + (rows - y) ** 2 <= r * r
        return out


def _box_sum(image: np.ndarray, half: int) -> np.ndarray:
    from scipy.ndimage import uniform_filter

    size = 2 * half + 1
    return np.asarray(uniform_filter(image, size=size, mode="constant") * size * size)


def detect_point_sources(
    counts: np.ndarray, exposure: np.ndarray, pixel_arcsec: float
) -> SourceMask:
    """Compact excesses over the local level (see the module docstring), with a mask radius each."""
    from scipy.ndimage import maximum_filter
    from scipy.stats import poisson

    c = np.where(exposure > 0, counts, 0.0).astype(np.float64)
    seen = (exposure > 0).astype(np.float64)
    found = np.zeros(c.shape, dtype=bool)
    excess_at = np.zeros(c.shape)
    # Two box sizes: a faint source's PSF core (3x3) and a brighter or off-axis one's (5x5), each
    # against a ring a few pixels beyond it.
    for half, ring_in, ring_out in ((1, 2, 6), (2, 3, 7)):
        box = (2 * half + 1) ** 2
        inner = _box_sum(c, half)
        covered = _box_sum(seen, half) >= box - 0.5
        # The ring's mean over its exposed pixels only: gaps and the image edge must not lower it.
        ring_seen = _box_sum(seen, ring_out) - _box_sum(seen, ring_in)
        ring_area = (2 * ring_out + 1) ** 2 - (2 * ring_in + 1) ** 2
        ring = (_box_sum(c, ring_out) - _box_sum(c, ring_in)) / np.maximum(ring_seen, 1.0)
        covered &= ring_seen >= 0.5 * ring_area
        expected = np.maximum(ring * box, 0.05)
        probability = poisson.sf(inner - 1.0, expected)
        peak = (inner == maximum_filter(inner, size=2 * half + 3)) & covered
        excess = inner - expected
        # Compact: most of the box's counts are the source's, not the smooth level around it (a
        # cluster's own clumps rise above their surroundings too, but far less steeply).
        hit = (
            peak
            & (probability < DETECTION_PROBABILITY)
            & (excess >= MIN_SOURCE_COUNTS)
            & (excess >= COMPACTNESS * inner)
        )
        found |= hit
        excess_at = np.where(hit, np.maximum(excess_at, inner - expected), excess_at)
    # One source seen at both scales is one detection: keep the brightest pixel within 2 pixels.
    found &= excess_at == maximum_filter(excess_at, size=5)
    rows, cols = np.nonzero(found)
    circles = []
    for row, col in zip(rows.tolist(), cols.tolist(), strict=True):
        excess = float(excess_at[row, col])
        radius_arcsec = MASK_RADIUS_ARCSEC * (1.0 + 0.5 * math.log10(max(excess / 10.0, 1.0)))
        circles.append((float(col), float(row), radius_arcsec / pixel_arcsec))
    return SourceMask.from_circles(circles)
