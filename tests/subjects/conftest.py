from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest

from tests.builders import build_candidate_folder


@pytest.fixture
def candidate_folder(tmp_path: Path) -> Callable[..., Path]:
    return partial(build_candidate_folder, tmp_path)
