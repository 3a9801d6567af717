"""The XCLASS-like catalogue lists clusters only, near their candidates, and reads back."""

from __future__ import annotations

import json
from pathlib import Path

import astropy.units as u
import numpy as np
from astropy.coordinates import SkyCoord
from astropy.table import Table

from ml.simulate.params import CLUSTER_CLASSES
from ml.simulate.survey import SurveyManifest


def test_catalogue_reads_back_with_units_and_only_clusters(
    small_survey: tuple[Path, SurveyManifest],
) -> None:
    out, manifest = small_survey
    catalogue = Table.read(out / "xclass_catalogue.fits")
    assert catalogue.colnames == ["XClass", "RAdeg", "DEdeg", "z", "Class"]
    assert catalogue["RAdeg"].unit == u.deg
    assert catalogue["DEdeg"].unit == u.deg
    assert set(catalogue["Class"]) <= {"C1", "C2"}
    assert len(set(catalogue["XClass"])) == len(catalogue) == manifest.n_catalogue > 0

    labels = Table.read(out / "expert_labels.csv", format="ascii.csv")
    listed = labels[~np.ma.getmaskarray(labels["xclass_id"])]
    assert sorted(listed["xclass_id"]) == sorted(catalogue["XClass"])
    assert set(listed["label"]) <= CLUSTER_CLASSES
    # Not every cluster made it into the catalogue (XCLASS is not complete).
    n_clusters = sum(label in CLUSTER_CLASSES for label in labels["label"])
    assert len(catalogue) <= n_clusters


def test_catalogue_positions_sit_a_few_arcsec_from_their_candidates(
    small_survey: tuple[Path, SurveyManifest],
) -> None:
    out, _ = small_survey
    catalogue = Table.read(out / "xclass_catalogue.fits")
    candidates = Table.read(out / "candidates.ecsv")
    labels = Table.read(out / "expert_labels.csv", format="ascii.csv")
    by_xclass = {
        int(x): cid for cid, x in zip(labels["candidate_id"], labels["xclass_id"], strict=True) if x
    }
    index = {cid: i for i, cid in enumerate(candidates["candidate_id"])}
    rows = [index[by_xclass[int(x)]] for x in catalogue["XClass"]]
    cat = SkyCoord(catalogue["RAdeg"], catalogue["DEdeg"])
    cand = SkyCoord(candidates["ra"][rows], candidates["dec"][rows])
    sep = cat.separation(cand).arcsec
    assert np.all(sep < 20.0)
    assert np.median(sep) > 0.5  # offset, not copied


def test_redshifts_only_for_clusters_and_manifest_records_the_run(
    small_survey: tuple[Path, SurveyManifest],
) -> None:
    out, manifest = small_survey
    labels = Table.read(out / "expert_labels.csv", format="ascii.csv")
    for label, z in zip(labels["label"], labels["redshift"].filled(-1.0), strict=True):
        if label in CLUSTER_CLASSES:
            assert 0.05 < z < 1.6
        else:
            assert z == -1.0
    recorded = json.loads((out / "manifest.json").read_text())
    assert recorded["seed"] == 11
    assert recorded["size"] == 60
    assert recorded["n_fields"] == 3
    assert recorded["version"] == manifest.version
    assert recorded["parameters"]["xray_pixel_arcsec"] == 3.2
    assert sum(recorded["class_counts"].values()) == 60
