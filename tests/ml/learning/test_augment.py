"""The eight flips/rotations used for augmentation and test-time averaging."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ml.learning.augment import N_DIHEDRAL, dihedral, random_dihedral
from tests.ml.learning.toy import N_CHANNELS


def _key(x: torch.Tensor) -> bytes:
    return x.numpy().tobytes()


def test_eight_distinct_symmetries_with_identity_first() -> None:
    image = torch.rand(1, N_CHANNELS, 6, 6)
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
    image = torch.rand(1, N_CHANNELS, 6, 6)
    image[:, 1] = image[:, 0]
    for k in range(N_DIHEDRAL):
        out = dihedral(image, k)
        assert torch.equal(out[:, 0], out[:, 1])


def test_random_symmetry_is_one_of_the_eight_per_image_and_seeded() -> None:
    batch = torch.rand(40, N_CHANNELS, 6, 6)
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


def test_modality_dropout_hides_the_optical_band_of_a_share_of_every_class() -> None:
    from ml.learning.augment import drop_optical_band
    from ml.render import CNN_CHANNELS

    optical, present = CNN_CHANNELS.index("optical"), CNN_CHANNELS.index("optical_present")
    images = torch.rand(2000, len(CNN_CHANNELS), 6, 6)
    images[:, present] = 1.0
    images[1000:, present] = 0.0  # half have no optical band to begin with
    images[1000:, optical] = 0.0
    labels = np.arange(2000) % 5

    out = drop_optical_band(images, np.random.default_rng(0), 0.4)

    lost = (out[:1000, present].amax(dim=(1, 2)) == 0).numpy()
    assert (out[:1000][lost][:, optical] == 0).all()
    for label in range(5):
        share = lost[labels[:1000] == label].mean()
        assert 0.3 < share < 0.5
    # Everything else is untouched, and the input is not modified.
    keep = [c for c in range(len(CNN_CHANNELS)) if c not in (optical, present)]
    assert torch.equal(out[:, keep], images[:, keep])
    assert torch.equal(out[1000:], images[1000:])
    assert (images[:1000, present] == 1.0).all()
    assert drop_optical_band(images, np.random.default_rng(0), 0.0) is images


def test_training_with_modality_dropout_is_still_deterministic() -> None:
    from ml.learning import train
    from tests.ml.learning.toy import tiny_config, toy_images

    images, labels = toy_images(120, seed=3)
    config = tiny_config(max_epochs=2, optical_dropout=0.5)
    a = train(images, labels, config=config)
    b = train(images, labels, config=config)
    for key, value in a.model.state_dict().items():
        assert torch.equal(value, b.model.state_dict()[key])
    assert a.config.optical_dropout == 0.5
