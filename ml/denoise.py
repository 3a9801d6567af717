"""A denoised X-ray preview for volunteers: Anscombe transform + wavelet shrinkage (PyWavelets).

A *visual aid*, computed once at ingestion and stored beside the cutout; the CNN and every measurement
keep reading the raw counts. The recipe is the classic one for photon-limited images:

1. Anscombe's transform ``A(x) = 2 sqrt(x + 3/8)`` makes Poisson counts approximately Gaussian with unit
   variance, so a single, known noise level holds everywhere in the image;
2. a translation-averaged ("cycle-spun") orthogonal wavelet decomposition, whose detail coefficients are
   soft-thresholded at the universal threshold ``sigma * sqrt(2 ln N)`` (Donoho & Johnstone 1994) with
   ``sigma = 1``;
3. the closed-form approximation of the exact unbiased inverse Anscombe transform (Makitalo & Foi 2011),
   which keeps the flux of faint diffuse emission (the simple algebraic inverse loses a large fraction of
   it at a few counts per pixel).

Data that are not counts (non-integer or negative values, e.g. an exposure-corrected rate image) skip the
Anscombe step: the noise level is then estimated from the finest diagonal coefficients (median absolute
deviation / 0.6745). Non-finite pixels (no exposure) stay non-finite.
"""

from __future__ import annotations

import numpy as np
import pywt  # type: ignore[import-untyped]

WAVELET = "db2"
LEVELS = 4
# Shifts averaged over (cycle spinning): removes the blocky artefacts of a decimated transform.
SHIFTS = ((0, 0), (1, 1), (2, 0), (0, 2), (3, 1), (1, 3))
DENOISE_VERSION = (
    f"anscombe+{WAVELET}/L{LEVELS}/soft-universal/spin{len(SHIFTS)}/inverse=makitalo-foi"
)


def is_counts(values: np.ndarray) -> bool:
    """True when the finite values are non-negative integers, as photon-count images are."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return False
    return bool(finite.min() >= 0 and np.all(np.abs(finite - np.round(finite)) < 1e-3))


def anscombe(counts: np.ndarray) -> np.ndarray:
    return 2.0 * np.sqrt(np.maximum(counts, 0.0) + 3.0 / 8.0)


def inverse_anscombe(y: np.ndarray) -> np.ndarray:
    """Makitalo & Foi (2011) closed-form approximation of the exact unbiased inverse."""
    y = np.maximum(y, 1.0)  # below 1 the expansion diverges; A(0) = 1.22 is the smallest real value
    s = np.sqrt(1.5)
    out = 0.25 * y**2 + 0.25 * s / y - 11.0 / 8.0 / y**2 + 0.625 * s / y**3 - 0.125
    return np.maximum(out, 0.0)


def _levels(shape: tuple[int, int]) -> int:
    return max(1, min(LEVELS, pywt.dwt_max_level(min(shape), pywt.Wavelet(WAVELET).dec_len)))


def _shrink(image: np.ndarray, sigma: float) -> np.ndarray:
    """Soft-threshold every detail coefficient at the universal threshold; approximation untouched."""
    threshold = sigma * np.sqrt(2.0 * np.log(image.size))
    out = np.zeros_like(image)
    for dy, dx in SHIFTS:
        shifted = np.roll(image, (dy, dx), axis=(0, 1))
        coeffs = pywt.wavedec2(shifted, WAVELET, mode="periodization", level=_levels(image.shape))
        kept = [coeffs[0]] + [
            tuple(pywt.threshold(band, threshold, mode="soft") for band in detail)
            for detail in coeffs[1:]
        ]
        rebuilt = pywt.waverec2(kept, WAVELET, mode="periodization")[
            : image.shape[0], : image.shape[1]
        ]
        out += np.roll(rebuilt, (-dy, -dx), axis=(0, 1))
    return out / len(SHIFTS)


def _noise_sigma(image: np.ndarray) -> float:
    """Noise of white Gaussian noise from the finest diagonal wavelet coefficients (MAD / 0.6745)."""
    _, (_, _, diagonal) = pywt.dwt2(image, "haar", mode="periodization")
    return float(np.median(np.abs(diagonal)) / 0.6745)


def denoise(data: np.ndarray) -> np.ndarray:
    """A denoised copy of a 2-D image (float32, same orientation and shape, NaN where the input was)."""
    values = np.asarray(data, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError(f"expected a 2-D image, got shape {values.shape}")
    finite = np.isfinite(values)
    if not finite.any() or min(values.shape) < 4:
        return values.astype(np.float32)
    counts = is_counts(values)
    # Pixels without data take the mean of the rest so that they don't ring into their surroundings.
    filled = np.where(finite, values, float(values[finite].mean()))
    if counts:
        result = inverse_anscombe(_shrink(anscombe(filled), 1.0))
    else:
        sigma = _noise_sigma(filled)
        result = _shrink(filled, sigma) if sigma > 0 else filled
    result = result.astype(np.float32)
    result[~finite] = np.nan
    return result
