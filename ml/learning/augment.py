"""The eight symmetries of a square (the dihedral group D4) applied to image batches.

The sky has no up and no handedness in a cutout, so a cluster rotated by 90 degrees or mirrored
is still a cluster: training samples one of the eight at random per image, and test-time
augmentation averages over all of them. Index k: rotate by ``k % 4`` quarter turns, then mirror
left-right when ``k >= 4``.
"""

from __future__ import annotations

import numpy as np
import torch

from ml.render import CNN_CHANNELS

N_DIHEDRAL = 8
_OPTICAL = CNN_CHANNELS.index("optical")
_OPTICAL_PRESENT = CNN_CHANNELS.index("optical_present")


def dihedral(images: torch.Tensor, k: int) -> torch.Tensor:
    """Symmetry ``k`` (0..7) of a (N, C, H, W) batch with H == W; k = 0 is the identity."""
    if not 0 <= k < N_DIHEDRAL:
        raise ValueError(f"k must lie in 0..7, got {k}")
    out = torch.rot90(images, k % 4, dims=(2, 3)) if k % 4 else images
    return torch.flip(out, dims=(3,)) if k >= 4 else out


def random_dihedral(images: torch.Tensor, rng: np.random.Generator) -> torch.Tensor:
    """Each image of the batch under its own random symmetry, drawn from ``rng``.

    Images are grouped by the symmetry they drew, so this costs eight batched copies rather than
    one small one per image.
    """
    choice = rng.integers(0, N_DIHEDRAL, size=images.shape[0])
    out = torch.empty_like(images)
    for k in range(N_DIHEDRAL):
        idx = np.flatnonzero(choice == k)
        if idx.size:
            index = torch.from_numpy(idx)
            out[index] = dihedral(images[index], k)
    return out


def drop_optical_band(images: torch.Tensor, rng: np.random.Generator, rate: float) -> torch.Tensor:
    """Modality dropout: each image with an optical band loses it with probability ``rate``.

    The optical channel and its ``optical_present`` mask go to 0 together, exactly what
    ``cnn_input`` produces for a subject without an optical image. The draw is independent of the
    class, so every class is seen without its optical band about equally often. Returns a new
    tensor only when something was dropped.
    """
    draws = rng.random(images.shape[0])
    if rate <= 0 or images.shape[1] <= _OPTICAL_PRESENT:
        return images
    present = images[:, _OPTICAL_PRESENT].flatten(1).amax(dim=1).numpy() > 0.5
    chosen = np.flatnonzero(present & (draws < rate))
    if not chosen.size:
        return images
    out = images.clone()
    index = torch.from_numpy(chosen)
    out[index, _OPTICAL] = 0.0
    out[index, _OPTICAL_PRESENT] = 0.0
    return out
