"""The eight flips/rotations used for augmentation and test-time averaging."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ml.learning.augment import N_DIHEDRAL, dihedral, random_dihedral


def _key(x: torch.Tensor) -> bytes:
    return x.numpy().tobytes()


def test_eight_distinct_symmetries_with_identity_first() -> None:
    image = torch.rand(1, 4, 6, 6)
    images = [dihedral(image, k) for k in range(N_DIHEDRAL)]
    assert torch.equal(images[0], image)
    assert len({_key(x) for x in images}) == N_DIHEDRAL


def test_symmetries_form_a_group() -> None:
    """Applying any symmetry to the whole orbit gives back the same orbit (needed for exact TTA)."""
    image = torch.rand(1, 2, 5, 5)
    orbit = {_key(dihedral(image, k)) for k in range(N_DIHEDRAL)}
    for j in range(N_DIHEDRAL):
        assert {_key(dihedral(dihedral(image, k), j)) for k in range(N_DIHEDRAL)} == orbit


def test_channels_move_together() -> None:
    image = torch.rand(1, 4, 6, 6)
    image[:, 1] = image[:, 0]
    for k in range(N_DIHEDRAL):
        out = dihedral(image, k)
        assert torch.equal(out[:, 0], out[:, 1])


def test_random_symmetry_is_one_of_the_eight_per_image_and_seeded() -> None:
    batch = torch.rand(40, 4, 6, 6)
    out = random_dihedral(batch, np.random.default_rng(3))
    chosen = set()
    for i in range(batch.shape[0]):
        matches = [
            k for k in range(N_DIHEDRAL) if torch.equal(out[i], dihedral(batch[i : i + 1], k)[0])
        ]
        assert matches
        chosen.add(matches[0])
    assert len(chosen) > 4  # forty images draw more than a few different symmetries
    assert torch.equal(out, random_dihedral(batch, np.random.default_rng(3)))


def test_out_of_range_symmetry_is_refused() -> None:
    with pytest.raises(ValueError, match=r"0\.\.7"):
        dihedral(torch.zeros(1, 1, 2, 2), 8)
