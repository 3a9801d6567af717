from collections.abc import Callable
from pathlib import Path

import pytest
from astropy.table import Table

from tests.ml.catalogues.tables import SUFFIX, WRITE_FORMAT


@pytest.fixture
def write_table(tmp_path: Path) -> Callable[..., Path]:
    def write(table: Table, file_format: str, stem: str = "catalogue") -> Path:
        path = tmp_path / f"{stem}{SUFFIX[file_format]}"
        table.write(path, format=WRITE_FORMAT[file_format], overwrite=True)
        return path

    return write
