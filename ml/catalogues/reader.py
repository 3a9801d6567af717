"""Read a reference cluster catalogue into canonical columns, validating as it goes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ml.catalogues.files import DEFAULT_MAX_BYTES, file_sha256, read_table
from ml.catalogues.model import (
    CANONICAL_FIELDS,
    Catalogue,
    CatalogueError,
    CatalogueRows,
    JsonScalar,
)
from ml.catalogues.presets import PRESETS, Preset


def read_catalogue(
    path: Path,
    *,
    preset: str,
    mapping: Mapping[str, str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    apply_sample_filter: bool = False,
) -> Catalogue:
    """Read ``path`` (FITS, VOTable, ECSV or CSV) with a column preset.

    ``mapping`` ({canonical field: column}) is required for the ``custom`` preset and, for the
    others, overrides the preset's candidates field by field. ``apply_sample_filter`` keeps only
    the preset's published sub-sample (XXL-100-GC's Flag == 0); validation always covers every
    row of the file so that a reported row number is the row in the file.
    """
    path = Path(path)
    chosen = PRESETS.get(preset)
    if chosen is None:
        raise CatalogueError(
            f"{path.name}: unknown preset {preset!r}; choose one of {', '.join(sorted(PRESETS))}"
        )
    if chosen.key == "custom" and not mapping:
        raise CatalogueError(f"{path.name}: the custom preset needs a column mapping")
    if apply_sample_filter and chosen.sample_filter is None:
        raise CatalogueError(f"{path.name}: preset {preset!r} defines no sample filter")

    table, file_format = read_table(path, max_bytes=max_bytes)
    columns = tuple(str(name) for name in table.colnames)
    resolved = _resolve_columns(path.name, chosen, columns, mapping or {})
    if len(table) == 0:
        raise CatalogueError(f"{path.name}: the table has no rows")

    rows = _canonical_rows(path.name, chosen, table, resolved)
    sample_description = None
    if apply_sample_filter and chosen.sample_filter is not None:
        sample = chosen.sample_filter
        column = _find_column(sample.column, columns)
        if column is None:
            raise CatalogueError(
                f"{path.name}: preset {preset!r} filters on column {sample.column!r}, "
                f"which the file lacks; available columns: {', '.join(columns)}"
            )
        values = _strings_or_numbers(table[column])
        keep = np.array([value == sample.equals for value in values], dtype=bool)
        rows = rows.select(keep)
        sample_description = sample.description

    return Catalogue(
        preset=chosen.key,
        file_name=path.name,
        sha256=file_sha256(path),
        file_format=file_format,
        columns=columns,
        mapping=resolved,
        file_row_count=len(table),
        sample_filter=sample_description,
        rows=rows,
    )


def _find_column(candidate: str, columns: Sequence[str]) -> str | None:
    if candidate in columns:
        return candidate
    folded = [name for name in columns if name.casefold() == candidate.casefold()]
    return folded[0] if len(folded) == 1 else None


def _resolve_columns(
    file_name: str, preset: Preset, columns: Sequence[str], mapping: Mapping[str, str]
) -> dict[str, str]:
    unknown = sorted(set(mapping) - set(CANONICAL_FIELDS))
    if unknown:
        raise CatalogueError(
            f"{file_name}: mapping names unknown field(s) {', '.join(unknown)}; "
            f"canonical fields are {', '.join(CANONICAL_FIELDS)}"
        )
    resolved: dict[str, str] = {}
    missing: list[str] = []
    for canonical in CANONICAL_FIELDS:
        if canonical in mapping:
            # An explicit mapping is a promise about the file: hold the caller to it.
            wanted: tuple[str, ...] = (mapping[canonical],)
            needed = True
        else:
            wanted = preset.candidates.get(canonical, ())
            needed = canonical in preset.required
        found = next((c for c in (_find_column(w, columns) for w in wanted) if c), None)
        if found is not None:
            resolved[canonical] = found
        elif needed:
            missing.append(f"{canonical} (tried {', '.join(wanted) or 'no column'})")
    if missing:
        raise CatalogueError(
            f"{file_name}: preset {preset.key!r} cannot find column(s) for "
            f"{'; '.join(missing)}; available columns: {', '.join(columns)}"
        )
    return resolved


def _mask(column: Any) -> npt.NDArray[np.bool_]:
    mask = getattr(column, "mask", None)
    if mask is None:
        return np.zeros(len(column), dtype=bool)
    return np.broadcast_to(np.asarray(mask, dtype=bool), (len(column),)).copy()


def _strings_or_numbers(column: Any) -> list[Any]:
    """Python values of a scalar column: str (stripped) or numbers, None where masked."""
    mask = _mask(column)
    data = np.asarray(getattr(column, "data", column))
    if data.dtype.kind == "S":
        data = np.char.decode(data, "utf-8", errors="replace")
    values = data.tolist()
    out: list[Any] = []
    for value, masked in zip(values, mask.tolist(), strict=True):
        if masked:
            out.append(None)
        elif isinstance(value, str):
            out.append(value.strip())
        else:
            out.append(value)
    return out


def _float_column(
    file_name: str, column: Any, column_name: str
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Values in float64 and the mask; string cells must parse as numbers."""
    mask = _mask(column)
    data = np.asarray(getattr(column, "data", column))
    if data.dtype.kind in "fiub":
        values = data.astype(np.float64)
    else:
        strings = _strings_or_numbers(column)
        values = np.full(len(strings), np.nan)
        for index, text in enumerate(strings):
            if text is None or text == "":
                mask[index] = True
                continue
            try:
                values[index] = float(text)
            except (TypeError, ValueError):
                raise CatalogueError(
                    f"{file_name}: row {index + 1}, column {column_name!r}: "
                    f"{text!r} is not a number"
                ) from None
    values[mask] = np.nan
    return values, mask


def _angle_column(file_name: str, table: Any, column_name: str) -> npt.NDArray[np.float64]:
    from astropy import units as u

    column = table[column_name]
    values, _ = _float_column(file_name, column, column_name)
    unit = getattr(column, "unit", None)
    # Only convert units that are angles; a unit astropy can't parse is left to the preset's
    # promise that the column is in degrees.
    if unit is not None and unit != u.deg and unit.is_equivalent(u.deg):
        values = (values * unit).to_value(u.deg)
    return values


def _ids(file_name: str, column: Any, column_name: str) -> npt.NDArray[np.str_]:
    raw = _strings_or_numbers(column)
    ids: list[str] = []
    for index, value in enumerate(raw):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = "" if value is None else str(value).strip()
        if not text:
            raise CatalogueError(
                f"{file_name}: row {index + 1}, column {column_name!r}: source id is empty"
            )
        ids.append(text)
    seen: dict[str, int] = {}
    for index, text in enumerate(ids):
        first = seen.setdefault(text, index)
        if first != index:
            raise CatalogueError(
                f"{file_name}: duplicate source id {text!r} in rows {first + 1} and {index + 1} "
                f"(column {column_name!r})"
            )
    return np.array(ids, dtype=np.str_)


def _check_coordinates(
    file_name: str,
    ra: npt.NDArray[np.float64],
    dec: npt.NDArray[np.float64],
    names: Mapping[str, str],
) -> None:
    checks = (
        (ra, names["ra"], ~(np.isfinite(ra) & (ra >= 0.0) & (ra < 360.0)), "[0, 360)"),
        (dec, names["dec"], ~(np.isfinite(dec) & (dec >= -90.0) & (dec <= 90.0)), "[-90, 90]"),
    )
    for values, column_name, bad, allowed in checks:
        if bad.any():
            index = int(np.flatnonzero(bad)[0])
            value = float(values[index])
            problem = "missing or not finite" if not np.isfinite(value) else f"outside {allowed}"
            raise CatalogueError(
                f"{file_name}: row {index + 1}, column {column_name!r}: coordinate {value!r} "
                f"is {problem} (degrees expected); {int(bad.sum())} row(s) affected"
            )


def _normalise_class(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip().upper()
    # X-CLASS grades are C1/C2/C3; some exports keep only the digit.
    if text.isdigit():
        return f"C{int(text)}"
    return text


def _canonical_rows(
    file_name: str, preset: Preset, table: Any, resolved: Mapping[str, str]
) -> CatalogueRows:
    n_rows = len(table)
    source_id = _ids(file_name, table[resolved["source_id"]], resolved["source_id"])
    ra = _angle_column(file_name, table, resolved["ra"])
    dec = _angle_column(file_name, table, resolved["dec"])
    _check_coordinates(file_name, ra, dec, resolved)

    redshift: np.ndarray = np.full(n_rows, np.nan)
    if "redshift" in resolved:
        z_name = resolved["redshift"]
        redshift, _ = _float_column(file_name, table[z_name], z_name)
        for sentinel in preset.missing_values:
            redshift[redshift == sentinel] = np.nan
        bad = np.isinf(redshift) | (redshift < 0)
        if bad.any():
            index = int(np.flatnonzero(bad)[0])
            value = float(redshift[index])
            raise CatalogueError(
                f"{file_name}: row {index + 1}, column {z_name!r}: redshift {value!r} "
                "is negative or infinite (leave the cell empty when there is no redshift)"
            )

    if "cluster_class" in resolved:
        raw_classes = _strings_or_numbers(table[resolved["cluster_class"]])
        classes = np.array([_normalise_class(v) for v in raw_classes], dtype=np.str_)
    else:
        classes = np.full(n_rows, preset.default_class)  # dtype sized by the value

    names = np.full(n_rows, None, dtype=object)
    if "name" in resolved:
        for index, value in enumerate(_strings_or_numbers(table[resolved["name"]])):
            names[index] = str(value) if value not in (None, "") else None

    used = set(resolved.values())
    extras = _extras(table, [c for c in table.colnames if c not in used], preset.missing_values)
    return CatalogueRows(
        row_number=np.arange(1, n_rows + 1, dtype=np.int64),
        source_id=source_id,
        ra=ra,
        dec=dec,
        redshift=redshift,
        cluster_class=classes,
        name=names,
        extras=extras,
    )


def _json_column(column: Any, missing_values: tuple[float, ...]) -> list[JsonScalar]:
    """One scalar column as JSON-ready Python values, None wherever there is no measurement."""
    data = np.asarray(getattr(column, "data", column))
    if data.dtype.kind in "fiu":
        # NaN and infinities are not JSON; a missing-value sentinel is not a measurement.
        bad = _mask(column) | np.isin(data, missing_values)
        if data.dtype.kind == "f":
            bad |= ~np.isfinite(data)
        if data.dtype.kind == "f" and data.dtype.itemsize < 8:
            # Go through the shortest decimal form, so a float32 5.0297227 is stored as typed
            # in the catalogue, not as 5.029722690582275.
            values = [float(str(value)) for value in data]
        else:
            values = data.tolist()
        return [None if b else v for v, b in zip(values, bad.tolist(), strict=True)]
    if data.dtype.kind == "b":
        values = data.tolist()
        return [None if b else v for v, b in zip(values, _mask(column).tolist(), strict=True)]
    # Strings (and anything exotic, stringified): an empty cell and a masked one read the same,
    # because FITS writes blanks where CSV leaves the cell empty.
    return [
        None if v is None or v == "" else v if isinstance(v, str) else str(v)
        for v in _strings_or_numbers(column)
    ]


def _extras(
    table: Any, names: Sequence[str], missing_values: tuple[float, ...]
) -> tuple[dict[str, JsonScalar], ...]:
    """The remaining scalar columns per row (vector columns are skipped)."""
    kept = [str(name) for name in names if getattr(table[name], "ndim", 1) == 1]
    columns = [_json_column(table[name], missing_values) for name in kept]
    if not columns:
        return tuple({} for _ in range(len(table)))
    return tuple(dict(zip(kept, row, strict=True)) for row in zip(*columns, strict=True))
