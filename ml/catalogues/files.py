"""Turning an uploaded file into an astropy Table, defensively.

Catalogue files come from scientists' uploads and opt-in downloads, so the reader refuses
oversized files before parsing and checks a FITS table's declared size before its data is read:
a small ``.fits.gz`` can expand to gigabytes (see the engineering guide, section 7).
"""

from __future__ import annotations

import gzip
import hashlib
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ml.catalogues.model import CatalogueError

if TYPE_CHECKING:
    # astropy (~0.3 s) and astropy.table (~0.8 s, ~35 MB) are imported when a catalogue is read, not
    # when the web process imports the catalogue package for its constants.
    from astropy.table import Table

DEFAULT_MAX_BYTES = 200 * 1024 * 1024

_SUFFIX_FORMATS: tuple[tuple[str, str], ...] = (
    (".fits.gz", "fits"),
    (".fit.gz", "fits"),
    (".fts.gz", "fits"),
    (".fits", "fits"),
    (".fit", "fits"),
    (".fts", "fits"),
    (".vot", "votable"),
    (".votable", "votable"),
    (".xml", "votable"),
    (".ecsv", "ecsv"),
    (".csv", "csv"),
)

_ASTROPY_FORMAT = {"votable": "votable", "ecsv": "ascii.ecsv", "csv": "ascii.csv"}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def detect_format(path: Path, head: bytes) -> str:
    """The table format, from the file's first bytes where they are unambiguous, else its name.

    Content wins over the name because VizieR and browsers both rename downloads; a name is
    only trusted for CSV, which has no signature.
    """
    if head.startswith(b"SIMPLE  ="):
        return "fits"
    if head.startswith(b"\x1f\x8b"):
        # Only gzipped FITS is accepted compressed; anything else gzipped is refused below.
        return "fits"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"# %ECSV"):
        return "ecsv"
    if stripped.startswith(b"<?xml") or stripped[:200].lower().find(b"<votable") >= 0:
        return "votable"
    name = path.name.lower()
    for suffix, file_format in _SUFFIX_FORMATS:
        if name.endswith(suffix):
            return file_format
    raise CatalogueError(
        f"{path.name}: unrecognised table format; expected FITS (.fits, .fit, .fits.gz), "
        "VOTable (.vot, .votable, .xml), ECSV (.ecsv) or CSV (.csv)"
    )


def _check_gzip_is_fits(path: Path) -> None:
    try:
        with gzip.open(path, "rb") as handle:
            inner = handle.read(9)
    except (OSError, EOFError) as exc:
        raise CatalogueError(f"{path.name}: corrupt gzip stream ({exc})") from exc
    if inner != b"SIMPLE  =":
        raise CatalogueError(f"{path.name}: gzip-compressed file is not FITS")


def _read_fits(path: Path, max_bytes: int) -> Table:
    from astropy.io import fits
    from astropy.table import Table

    with fits.open(path, memmap=False, lazy_load_hdus=True) as hdul:
        declared = 0
        index = 0
        while True:
            try:
                hdu = hdul[index]
            except IndexError:
                raise CatalogueError(f"{path.name}: FITS file holds no table extension") from None
            # Reaching the next header of a gzipped file means inflating this HDU's data, so
            # every HDU on the way counts towards the cap, not only the table.
            declared += int(hdu.size)
            if declared > max_bytes:
                raise CatalogueError(
                    f"{path.name}: FITS header declares {declared:,} bytes of data, "
                    f"above the {max_bytes:,}-byte limit"
                )
            if isinstance(hdu, fits.BinTableHDU | fits.TableHDU):
                return Table.read(hdu, character_as_bytes=False)
            index += 1


def read_table(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[Table, str]:
    """Read the first table in ``path``; return it with the format name used."""
    from astropy.table import Table
    from astropy.utils.exceptions import AstropyWarning

    try:
        size = path.stat().st_size
    except OSError as exc:
        raise CatalogueError(f"{path.name}: cannot read file ({exc.strerror})") from exc
    if size > max_bytes:
        raise CatalogueError(
            f"{path.name}: file is {size:,} bytes, above the {max_bytes:,}-byte limit"
        )
    if size == 0:
        raise CatalogueError(f"{path.name}: file is empty")
    with path.open("rb") as handle:
        head = handle.read(512)
    file_format = detect_format(path, head)
    if head.startswith(b"\x1f\x8b"):
        _check_gzip_is_fits(path)

    table: Any
    with warnings.catch_warnings():
        # Unit strings such as VizieR's "10+14Msun" and VOTable schema nits are harmless here
        # and would otherwise flood the worker log for every upload.
        warnings.simplefilter("ignore", AstropyWarning)
        try:
            if file_format == "fits":
                table = _read_fits(path, max_bytes)
            else:
                table = Table.read(path, format=_ASTROPY_FORMAT[file_format])
        except CatalogueError:
            raise
        except Exception as exc:
            # astropy signals malformed input with many exception types (a truncated FITS
            # data section raises TypeError, bad CSV InconsistentTableError, bad XML
            # ValueError...); all of them mean the same thing to the uploader.
            raise CatalogueError(
                f"{path.name}: could not be read as {file_format.upper()}: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
    if not isinstance(table, Table):
        raise CatalogueError(f"{path.name}: no table found")
    return table, file_format
