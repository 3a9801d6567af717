"""The simulation-pretrained network a Retrain starts from (``ml.learning.pretrain``).

Light to import (the API and the command read INIT_CHOICES; torch loads only when a run reads the base). Read
once per process and file version: a worker retraining every hour should not re-read it, and a rebuilt
file (another modification time) is picked up without a restart.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from ml.learning.model import ClusterNet

INIT_CHOICES = ("simulation", "random")

_cache: dict[tuple[str, int], tuple[ClusterNet, str]] = {}


class BaseModelUnavailable(ValueError):
    """The configured base network cannot be used; the message says why and what to do."""


def base_network() -> tuple[ClusterNet, str]:
    """(the base network, its file's SHA-256); raises BaseModelUnavailable naming the file and the problem."""
    path = Path(settings.BASE_MODEL_PATH)
    rebuild = f"rebuild it with `python -m ml.learning.pretrain --out {path}`, or retrain with init 'random'"
    try:
        key = (str(path), path.stat().st_mtime_ns)
    except OSError as error:
        raise BaseModelUnavailable(
            f"the base network {path} cannot be read ({error}); {rebuild}"
        ) from error
    if key not in _cache:
        from ml.learning.pretrain import load_base

        try:
            data = path.read_bytes()  # once: the checksum and the network from the same bytes
            network = load_base(data)
        except (OSError, ValueError) as error:
            raise BaseModelUnavailable(
                f"the base network {path} is unusable: {error}; {rebuild}"
            ) from error
        _cache.clear()
        _cache[key] = (network, hashlib.sha256(data).hexdigest())
    return _cache[key]
