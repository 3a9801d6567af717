"""Process-wide torch settings for one training or inference call, restored afterwards.

Thread count, deterministic-algorithm mode and the global RNG are process state. A Celery worker
or a web process that calls into ``ml.learning`` must get them back as they were, or one training
run would change how every later request computes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch


@contextmanager
def torch_session(
    *, threads: int | None = None, deterministic: bool = False, seed: int | None = None
) -> Iterator[None]:
    """Set threads, deterministic mode and (if ``seed`` is given) a private seeded global RNG."""
    if threads is not None and threads < 1:
        raise ValueError(f"threads must be positive, got {threads}")
    old_threads = torch.get_num_threads()
    old_deterministic = torch.are_deterministic_algorithms_enabled()
    old_warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    try:
        if threads is not None:
            torch.set_num_threads(threads)
        if deterministic:
            torch.use_deterministic_algorithms(True)
        # fork_rng restores the caller's global generator; devices=[] because this is CPU only.
        with torch.random.fork_rng(devices=[], enabled=seed is not None):
            if seed is not None:
                torch.manual_seed(seed)
            yield
    finally:
        torch.set_num_threads(old_threads)
        torch.use_deterministic_algorithms(old_deterministic, warn_only=old_warn_only)
