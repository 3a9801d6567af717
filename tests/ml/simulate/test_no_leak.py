"""The truth lives only in expert_labels.csv and the catalogue: not in names, headers or the list."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from astropy.io import fits
from astropy.table import Table

from ml.simulate.params import CLASS_NAMES
from ml.simulate.survey import SurveyManifest

# Class names and truth words; plain "point" is left out because WCS comments say "reference point".
LEAKY_WORDS = (*CLASS_NAMES[:3], "other", "artefact", "redshift", "agn", "star")
VARIABLE_KEYS = ("CRVAL1", "CRVAL2", "OBJECT", "EXPOSURE")


def _labels(out: Path) -> dict[str, str]:
    table = Table.read(out / "expert_labels.csv", format="ascii.csv")
    return dict(zip(table["candidate_id"], table["label"], strict=True))


def test_file_names_are_opaque_and_share_one_prefix(
    small_survey: tuple[Path, SurveyManifest],
) -> None:
    out, _ = small_survey
    names = sorted(p.name for p in (out / "candidates").iterdir())
    assert len(names) == 60
    assert all(re.fullmatch(r"CH-\d{6}\.fits", n) for n in names)
    labels = _labels(out)
    # Every class appears, interleaved in id order rather than in blocks.
    ordered = [labels[n.removesuffix(".fits")] for n in names]
    assert set(ordered) == set(CLASS_NAMES)
    runs = 1 + sum(a != b for a, b in itertools.pairwise(ordered))
    assert runs > 20


def test_headers_say_nothing_about_the_class(small_survey: tuple[Path, SurveyManifest]) -> None:
    out, _ = small_survey
    labels = _labels(out)
    seen: dict[str, set[str]] = {}
    for path in sorted((out / "candidates").iterdir()):
        with fits.open(path) as hdul:
            hdul.verify("exception")
            assert [h.name for h in hdul] == ["PRIMARY", "XRAY", "OPTICAL", "EXPOSURE"]
            assert hdul[0].header["OBJECT"] == path.stem
            assert hdul["XRAY"].header["TELESCOP"] == "XMM-SIM"
            assert "simulated" in hdul["XRAY"].header.comments["TELESCOP"]
            text = "".join(h.header.tostring() for h in hdul).lower()
            assert not any(word in text for word in LEAKY_WORDS), path.name
            # Apart from position, identifier and exposure, every header is the same text.
            for h in hdul:
                for key in VARIABLE_KEYS:
                    if key in h.header:
                        h.header[key] = 0
            fixed = "".join(h.header.tostring() for h in hdul)
        seen.setdefault(fixed, set()).add(labels[path.stem])
    assert len(seen) == 1
    assert next(iter(seen.values())) == set(CLASS_NAMES)


def test_candidate_list_has_no_truth_columns(small_survey: tuple[Path, SurveyManifest]) -> None:
    out, _ = small_survey
    table = Table.read(out / "candidates.ecsv")
    assert table.colnames == [
        "candidate_id",
        "ra",
        "dec",
        "field",
        "file",
        "exposure_s",
        "off_axis_arcmin",
    ]
    assert str(table["ra"].unit) == "deg"
    for row in table:
        assert (out / row["file"]).is_file()
