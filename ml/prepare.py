"""Turn source files into rendered candidates, ready to store: the pure half of ingestion.

Each `prepare_*` function reads untrusted input through `ml.fitsio` (which raises `InputError` naming the file
and the problem) and renders it through `ml.render`, so the browser, the previews and the CNN all see the same
stretch. Functions take and return plain data, so ingestion can run them in a process pool.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ml.fitsio import FitsImage, InputError, kosiba_bands, read_fits_images, read_png_rgb
from ml.render import RenderedCandidate, render_candidate

if TYPE_CHECKING:
    # astropy.table, .wcs and .nddata (with scipy) cost ~1.5 s and ~50 MB at import: loaded by the
    # functions that read tables and cut images, not by the web process importing PreparedCandidate.
    from astropy.table import Table
    from astropy.wcs import WCS

XRAY_NAMES = ("XRAY", "PRIMARY")
OPTICAL_NAMES = ("OPTICAL",)


@dataclass(frozen=True)
class PreparedCandidate:
    """One candidate, rendered, with the volunteer-safe facts about it."""

    external_id: str
    ra: float | None
    dec: float | None
    rendered: RenderedCandidate
    pixel_scale_arcsec: dict[str, float | None]
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TruthRow:
    """What an expert (or the simulator) says a candidate is."""

    external_id: str
    label: str
    redshift: float | None = None
    catalogue_id: str = ""
    # What the source is known as ("Abell 907"): for scientists and benchmarks, never shown to volunteers.
    notes: str = ""


def _pixel_scale(wcs: WCS | None) -> float | None:
    if wcs is None or not wcs.has_celestial:
        return None
    from astropy.wcs.utils import proj_plane_pixel_scales

    return float(np.mean(proj_plane_pixel_scales(wcs.celestial)) * 3600.0)


def _header_pixel_scale(header: Any) -> float | None:
    """Pixel scale from CDELT or CD keywords, without building a WCS (which costs 1-2 ms per HDU)."""
    if "CD1_1" in header:
        cd = np.array([[header.get("CD1_1", 0.0), header.get("CD1_2", 0.0)],
                       [header.get("CD2_1", 0.0), header.get("CD2_2", 0.0)]])  # fmt: skip
        return float(np.sqrt(abs(np.linalg.det(cd))) * 3600.0)
    if "CDELT1" in header and "CDELT2" in header:
        return float(np.sqrt(abs(header["CDELT1"] * header["CDELT2"])) * 3600.0)
    return None


def _centre(image: FitsImage) -> tuple[float | None, float | None]:
    if image.wcs is None or not image.wcs.has_celestial:
        return None, None
    rows, cols = image.data.shape
    ra, dec = image.wcs.celestial.pixel_to_world_values((cols - 1) / 2, (rows - 1) / 2)
    return float(ra) % 360.0, float(dec)


def _mask_no_exposure(data: np.ndarray, exposure: np.ndarray | None) -> np.ndarray:
    """X-ray pixels the detector never saw (zero exposure: chip gaps, off the field) become NaN.

    The viewer hatches them and says why; renders and the CNN treat NaN as black, as they would
    a zero-count pixel.
    """
    if exposure is None or exposure.shape != data.shape:
        return data
    unseen = ~(np.nan_to_num(exposure) > 0)
    if not unseen.any() or unseen.all():
        return data
    return np.where(unseen, np.float32(np.nan), data).astype(np.float32)


def _pick(images: Mapping[str, FitsImage], names: Sequence[str]) -> FitsImage | None:
    for name in names:
        if name in images:
            return images[name]
    return None


# --- Per-candidate FITS files (the simulator's layout, or any FITS with one image per band) -----------


@dataclass(frozen=True)
class CandidateFile:
    path: Path
    external_id: str
    ra: float | None = None
    dec: float | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


def _exposure_keyword(path: Path, image: FitsImage) -> float | None:
    """The X-ray image's `EXPOSURE` (seconds): absent is fine, anything but a finite value >= 0 is not."""
    value = image.header.get("EXPOSURE")
    if value is None:
        return None
    # Never the value itself in the message: errors name the file and the problem, not its content.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(path, "EXPOSURE keyword is not a number")
    exposure = float(value)
    if not np.isfinite(exposure):
        raise InputError(path, "EXPOSURE keyword is not a finite number")
    if exposure < 0:
        raise InputError(path, "EXPOSURE keyword is negative (an exposure time is >= 0 s)")
    return exposure


def prepare_candidate_fits(item: CandidateFile) -> PreparedCandidate:
    """Read a per-candidate FITS file: an `XRAY` image (or the primary image) and an optional `OPTICAL`."""
    # A candidates table gives the position, so no WCS object is needed (the slowest part of reading).
    positioned = item.ra is not None and item.dec is not None
    images = read_fits_images(item.path, with_wcs=not positioned)
    exposure_map = images.pop("EXPOSURE", None)
    xray = _pick(images, XRAY_NAMES)
    if xray is None:
        # A file with unnamed extensions: the first image is the X-ray band.
        xray = next(iter(images.values()))
    optical = _pick(images, OPTICAL_NAMES)
    xray_data = _mask_no_exposure(xray.data, None if exposure_map is None else exposure_map.data)
    ra, dec = (item.ra, item.dec) if positioned else _centre(xray)
    metadata = dict(item.metadata)
    exposure = _exposure_keyword(item.path, xray)
    if exposure is not None and "exposure_s" not in metadata:
        metadata["exposure_s"] = exposure
    return PreparedCandidate(
        external_id=item.external_id,
        ra=ra,
        dec=dec,
        rendered=render_candidate(
            xray_data, None if optical is None else optical.data, cnn_size=None
        ),
        pixel_scale_arcsec={
            "xray": _header_pixel_scale(xray.header),
            "optical": None if optical is None else _header_pixel_scale(optical.header),
        },
        metadata=metadata,
    )


def _read_table(path: Path) -> Table:
    """ECSV keeps its declared types; CSV is read as text so identifiers keep leading zeros (ObsIDs)."""
    from astropy.io import ascii
    from astropy.table import Table

    try:
        if path.suffix == ".ecsv":
            return Table.read(path, format="ascii.ecsv")
        return Table.read(path, format="ascii.csv", converters={"*": [ascii.convert_numpy(str)]})
    except (OSError, ValueError, KeyError) as exc:
        # Never the parser's message: it may quote the file's lines (and the file may not be a table).
        raise InputError(path, f"cannot read the table ({type(exc).__name__})") from exc


def _require_columns(path: Path, table: Table, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in table.colnames]
    if missing:
        raise InputError(
            path,
            f"missing column(s) {', '.join(missing)} (found {len(table.colnames)} other columns)",
        )


def _coordinate(
    path: Path, row_number: int, name: str, value: Any, low: float, high: float
) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(path, f"row {row_number}: {name} is not a number") from None
    if not (low <= number <= high) or not np.isfinite(number):
        raise InputError(path, f"row {row_number}: {name}={number} is outside [{low}, {high}]")
    return number


def _plain(value: Any) -> Any:
    """A JSON-friendly scalar: numbers stay numbers (CSV text included), other text stays text."""
    value = value.item() if hasattr(value, "item") else value
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value.strip()
    return value


def candidate_files_in(folder: Path) -> list[CandidateFile]:
    """The candidates of a folder: from `candidates.ecsv`/`.csv` when present, else every FITS file.

    A candidates table gives ids and coordinates (columns `candidate_id`, `file`, optional `ra`, `dec` and
    volunteer-safe extras); without one, each file's stem is its id and its WCS centre its position.
    """
    for name in ("candidates.ecsv", "candidates.csv"):
        table_path = folder / name
        if table_path.exists():
            return _candidate_files_from_table(folder, table_path)
    files = sorted(
        p for p in folder.rglob("*") if p.suffix.lower() in {".fits", ".fit", ".fz", ".gz"}
    )
    if not files:
        raise InputError(folder, "no FITS files and no candidates table in this folder")
    return [CandidateFile(path=p, external_id=p.name.split(".")[0]) for p in files]


SAFE_CANDIDATE_COLUMNS = ("field", "exposure_s", "off_axis_arcmin")


def _candidate_files_from_table(folder: Path, table_path: Path) -> list[CandidateFile]:
    table = _read_table(table_path)
    _require_columns(table_path, table, ("candidate_id", "file"))
    has_coords = "ra" in table.colnames and "dec" in table.colnames
    seen: dict[str, int] = {}
    items = []
    for index, row in enumerate(table, start=1):
        external_id = str(row["candidate_id"]).strip()
        if not external_id:
            raise InputError(table_path, f"row {index}: empty candidate_id")
        if external_id in seen:
            raise InputError(
                table_path,
                f"row {index}: duplicate candidate_id {external_id!r} (first in row {seen[external_id]})",
            )
        seen[external_id] = index
        ra = dec = None
        if has_coords:
            ra = _coordinate(table_path, index, "ra", row["ra"], 0.0, 360.0)
            dec = _coordinate(table_path, index, "dec", row["dec"], -90.0, 90.0)
        metadata = {
            name: _plain(row[name]) for name in SAFE_CANDIDATE_COLUMNS if name in table.colnames
        }
        items.append(
            CandidateFile(
                path=folder / str(row["file"]),
                external_id=external_id,
                ra=ra,
                dec=dec,
                metadata=metadata,
            )
        )
    return items


def read_truth_table(path: Path, *, label_map: Mapping[str, str] | None = None) -> list[TruthRow]:
    """An expert-label table: `candidate_id,label[,redshift][,xclass_id|catalogue_id]`."""
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        missing = [c for c in ("candidate_id", "label") if c not in columns]
        if missing:
            raise InputError(
                path, f"missing column(s) {', '.join(missing)} (found {', '.join(columns)})"
            )
        rows = []
        for index, row in enumerate(reader, start=1):
            label = row["label"].strip()
            label = (label_map or {}).get(label, label)
            redshift = (row.get("redshift") or "").strip()
            rows.append(
                TruthRow(
                    external_id=row["candidate_id"].strip(),
                    label=label,
                    redshift=float(redshift) if redshift else None,
                    catalogue_id=(row.get("xclass_id") or row.get("catalogue_id") or "").strip(),
                )
            )
            if not rows[-1].external_id:
                raise InputError(path, f"row {index}: empty candidate_id")
    return rows


# --- Wide-field images with a source list (the real XMM fields) ----------------------------------------


@dataclass(frozen=True)
class FieldSource:
    external_id: str
    ra: float
    dec: float
    label: str = ""
    name: str = (
        ""  # optional `name` column: kept with the truth, never in volunteer-facing metadata
    )


def read_source_list(path: Path, *, image_wcs: WCS, obs_id: str | None = None) -> list[FieldSource]:
    """Sources to cut out: columns `ra_deg/dec_deg` (or `ra/dec`), or 1-based pixel `x_pix/y_pix`.

    Optional columns: `obs_id` (rows of other observations are skipped when `obs_id` is given), `label`.
    """
    table = _read_table(path)
    names = set(table.colnames)
    ra_col = next((c for c in ("ra_deg", "ra", "RA") if c in names), None)
    dec_col = next((c for c in ("dec_deg", "dec", "DEC", "Dec") if c in names), None)
    pixel = {"x_pix", "y_pix"} <= names
    if (ra_col is None or dec_col is None) and not pixel:
        raise InputError(
            path,
            f"needs ra_deg/dec_deg (or ra/dec) or x_pix/y_pix columns (found {len(table.colnames)} others)",
        )
    sources = []
    for index, row in enumerate(table, start=1):
        if obs_id is not None and "obs_id" in names and str(row["obs_id"]).strip() != obs_id:
            continue
        if ra_col is not None and dec_col is not None:
            ra = _coordinate(path, index, ra_col, row[ra_col], 0.0, 360.0)
            dec = _coordinate(path, index, dec_col, row[dec_col], -90.0, 90.0)
        else:
            x = _coordinate(path, index, "x_pix", row["x_pix"], -1e6, 1e6)
            y = _coordinate(path, index, "y_pix", row["y_pix"], -1e6, 1e6)
            # 1-based FITS/DS9 pixel coordinates to astropy's 0-based ones.
            ra_value, dec_value = image_wcs.celestial.pixel_to_world_values(x - 1.0, y - 1.0)
            ra, dec = float(ra_value) % 360.0, float(dec_value)
        label = str(row["label"]).strip() if "label" in names else ""
        # An empty cell reads back masked (printed "--"): no name.
        name = (
            "" if "name" not in names or np.ma.is_masked(row["name"]) else str(row["name"]).strip()
        )
        prefix = f"{obs_id}-" if obs_id else ""
        sources.append(
            FieldSource(
                external_id=f"{prefix}src{index:04d}", ra=ra, dec=dec, label=label, name=name
            )
        )
    if not sources:
        raise InputError(path, "no sources (for this observation) in the source list")
    return sources


def prepare_field_cutouts(
    image: FitsImage,
    sources: Sequence[FieldSource],
    *,
    size: int = 128,
    field_name: str,
    exposure_map: FitsImage | None = None,
) -> Iterator[PreparedCandidate]:
    """Cut each source out of a wide-field image with `Cutout2D` (WCS kept); no optical band exists."""
    if image.wcs is None or not image.wcs.has_celestial:
        raise InputError(field_name, "the image has no celestial WCS, so sources cannot be located")
    from astropy.nddata import Cutout2D
    from astropy.nddata.utils import NoOverlapError

    wcs = image.wcs.celestial
    scale = _pixel_scale(wcs)
    for source in sources:
        x, y = wcs.world_to_pixel_values(source.ra, source.dec)
        try:
            cutout = Cutout2D(
                image.data,
                (float(x), float(y)),
                (size, size),
                wcs=wcs,
                mode="partial",
                fill_value=np.nan,
            )
        except NoOverlapError:
            raise InputError(
                field_name,
                f"source {source.external_id} at ({source.ra:.5f}, {source.dec:.5f}) is outside the image",
            ) from None
        metadata: dict[str, Any] = {"field": field_name}
        xray_data = cutout.data
        if exposure_map is not None:
            exposure = Cutout2D(
                exposure_map.data, (float(x), float(y)), (1, 1), mode="partial", fill_value=0.0
            )
            metadata["exposure_s"] = float(np.nan_to_num(exposure.data).max())
            if exposure_map.data.shape == image.data.shape:
                around = Cutout2D(
                    exposure_map.data, (float(x), float(y)), (size, size), mode="partial",
                    fill_value=0.0,
                )  # fmt: skip
                xray_data = _mask_no_exposure(cutout.data, around.data)
        yield PreparedCandidate(
            external_id=source.external_id,
            ra=source.ra,
            dec=source.dec,
            rendered=render_candidate(xray_data, cnn_size=None),
            pixel_scale_arcsec={"xray": scale, "optical": None},
            metadata=metadata,
        )


# --- The Kosiba et al. 2020 PNG image set --------------------------------------------------------------


@dataclass(frozen=True)
class KosibaImage:
    path: Path
    external_id: str
    split: str


def kosiba_images_in(folder: Path) -> tuple[list[KosibaImage], list[TruthRow]]:
    """`train.csv`/`test.csv` (`image_id,class`) with `train_images/`, `test_images/` PNGs beside them."""
    images: list[KosibaImage] = []
    truth: list[TruthRow] = []
    seen: dict[str, str] = {}
    found_any = False
    for split in ("train", "test"):
        table_path = folder / f"{split}.csv"
        if not table_path.exists():
            continue
        found_any = True
        with table_path.open(newline="") as handle:
            reader = csv.DictReader(handle)
            columns = reader.fieldnames or []
            if not {"image_id", "class"} <= set(columns):
                raise InputError(
                    table_path, f"needs columns image_id,class (found {', '.join(columns)})"
                )
            for index, row in enumerate(reader, start=1):
                image_id = row["image_id"].strip()
                if image_id in seen:
                    raise InputError(
                        table_path,
                        f"row {index}: duplicate image_id {image_id!r} (also in {seen[image_id]}.csv)",
                    )
                seen[image_id] = split
                name = image_id if image_id.lower().endswith(".png") else f"{image_id}.png"
                images.append(
                    KosibaImage(
                        path=folder / f"{split}_images" / name,
                        external_id=Path(name).stem,
                        split=split,
                    )
                )
                truth.append(TruthRow(external_id=Path(name).stem, label=row["class"].strip()))
    if not found_any:
        raise InputError(folder, "no train.csv or test.csv: not the Kosiba+2020 layout")
    return images, truth


def prepare_kosiba_png(item: KosibaImage) -> PreparedCandidate:
    bands = kosiba_bands(read_png_rgb(item.path))
    return PreparedCandidate(
        external_id=item.external_id,
        ra=None,
        dec=None,
        rendered=render_candidate(bands["xray"], bands["optical"], cnn_size=None),
        pixel_scale_arcsec={"xray": None, "optical": None},
        metadata={"split": item.split},
    )
