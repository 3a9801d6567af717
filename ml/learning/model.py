"""A small CNN with a cluster-vs-not head and a 5-class head, described by a JSON-ready config.

Four conv blocks (3x3 conv, batch norm, ReLU, 2x2 max pool) turn a (4, S, S) cutout into a
feature map, which is pooled twice: over the whole map and over its central square (the middle
half in each direction, where the candidate sits), each by mean (extended emission) and by maximum
(a point source's peak). Whole-map pooling alone can't tell the candidate from an unrelated field
AGN near the edge; the central square can. Both regions are unchanged by flips and quarter turns,
so the pooled features respect the sky's lack of a preferred "up" as far as the conv features do,
and training augments with all eight symmetries to teach the convolutions the rest.

Dropout lives only in the head, after the conv features. That is deliberate: Monte Carlo dropout
(:mod:`ml.learning.predict`) can then compute the expensive conv features once per cutout and
resample only the head, so N uncertainty samples cost little more than one forward pass.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

import torch
from torch import nn

from ml.learning.labels import N_CLASSES
from ml.render import CNN_CHANNELS


@dataclass(frozen=True)
class ModelConfig:
    """Everything needed to rebuild the architecture (the weights are stored separately)."""

    in_channels: int = len(CNN_CHANNELS)
    input_size: int = 64
    widths: tuple[int, ...] = (16, 32, 48, 64)
    hidden: int = 64
    dropout: float = 0.3
    n_classes: int = N_CLASSES

    def __post_init__(self) -> None:
        if self.in_channels < 1 or self.n_classes < 2 or self.hidden < 1:
            raise ValueError(f"invalid model config {self}")
        if not self.widths or any(w < 1 for w in self.widths):
            raise ValueError(f"widths must be positive, got {self.widths}")
        if self.input_size < 2 ** len(self.widths):
            raise ValueError(
                f"input_size {self.input_size} is too small for {len(self.widths)} poolings"
            )
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must lie in [0, 1), got {self.dropout}")

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["widths"] = list(self.widths)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModelConfig:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown model config field(s) {sorted(unknown)}")
        values = dict(data)
        if "widths" in values:
            values["widths"] = tuple(int(w) for w in values["widths"])
        return cls(**values)


class ClusterNet(nn.Module):
    """CNN over (N, C, S, S) cutouts returning (cluster logit (N,), class logits (N, n_classes))."""

    def __init__(self, config: ModelConfig | None = None) -> None:
        super().__init__()
        self.config = config or ModelConfig()
        # Binary-head temperature from calibration; saved beside the weights, not in them.
        self.temperature = 1.0
        blocks: list[nn.Module] = []
        channels = self.config.in_channels
        for width in self.config.widths:
            blocks += [
                # No conv bias: the batch norm that follows has its own shift.
                nn.Conv2d(channels, width, kernel_size=3, padding=1, bias=False),
                nn.BatchNorm2d(width),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(2),
            ]
            channels = width
        self.body = nn.Sequential(*blocks)
        self.head = nn.Sequential(
            nn.Dropout(self.config.dropout),
            nn.Linear(4 * channels, self.config.hidden),
            nn.ReLU(inplace=True),
            nn.Dropout(self.config.dropout),
        )
        self.cluster_head = nn.Linear(self.config.hidden, 1)
        self.class_head = nn.Linear(self.config.hidden, self.config.n_classes)
        # Channels-last convolutions run about 1.5x faster on CPU (oneDNN) for these shapes.
        # (torch's type stubs omit the memory_format keyword of Module.to.)
        self.to(memory_format=torch.channels_last)  # type: ignore[call-overload]

    @property
    def n_features(self) -> int:
        return 4 * self.config.widths[-1]

    def features(self, images: torch.Tensor) -> torch.Tensor:
        """Pooled features (N, 4 * widths[-1]): mean, max over the map; mean, max over its centre."""
        maps = self.body(images)
        rows, cols = maps.shape[2], maps.shape[3]
        # The middle half (2x2 of a 4x4 map); a map of 1 or 2 cells is all centre.
        centre = maps[:, :, rows // 4 : rows - rows // 4, cols // 4 : cols - cols // 4]
        return torch.cat(
            [
                maps.mean(dim=(2, 3)),
                maps.amax(dim=(2, 3)),
                centre.mean(dim=(2, 3)),
                centre.amax(dim=(2, 3)),
            ],
            dim=1,
        )

    def embed(self, features: torch.Tensor) -> torch.Tensor:
        """The penultimate layer (N, hidden): what both heads read, so what the network thinks matters.

        In eval mode the head's dropout is the identity, so this is the deterministic embedding that
        ``ml.latent`` indexes for "more like this" and projects for the latent map.
        """
        return self.head(features)

    def heads(self, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(cluster logit, class logits) from pooled features; dropout applies here only."""
        hidden = self.embed(features)
        return self.cluster_head(hidden).squeeze(1), self.class_head(hidden)

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.heads(self.features(images))


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def check_images(images: Any, config: ModelConfig) -> None:
    """Refuse arrays a model wasn't built for, naming the expected shape."""
    shape = tuple(images.shape)
    expected = (config.in_channels, config.input_size, config.input_size)
    if len(shape) != 4 or shape[1:] != expected:
        raise ValueError(
            f"images must have shape (N, {', '.join(map(str, expected))}), got {shape}"
        )
