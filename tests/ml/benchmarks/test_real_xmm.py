"""The real-data benchmark reads the shipped XMM-Newton and Chandra files and labels them."""

from __future__ import annotations

import numpy as np
import pytest

from ml.benchmarks.real_xmm import (
    CLUSTER,
    GALAXY,
    OTHER,
    POINT,
    RealBenchmark,
    format_report,
    group_sources,
    load_real_benchmark,
    real_report,
)
from ml.cnn import CNN_CHANNELS


@pytest.fixture(scope="module")
def bench() -> RealBenchmark:
    return load_real_benchmark(size=32)


def test_every_labelled_source_is_rendered_for_the_model(bench: RealBenchmark) -> None:
    assert bench.images.shape == (len(bench.sources), len(CNN_CHANNELS), 32, 32)
    assert np.isfinite(bench.images).all()
    # No optical band anywhere, and the X-ray channels hold signal.
    assert not bench.images[:, CNN_CHANNELS.index("optical_present")].any()
    assert bench.images[:, CNN_CHANNELS.index("xray")].max() > 1.0
    names = {s.name for s in bench.sources}
    for cluster in (
        "Abell 907 (0201901401)",
        "Abell 907 (0201903501)",
        "Abell 907 (0404910601)",
        "Abell 1835 (0098010101)",
        "Centaurus cluster (A3526)",
    ):
        assert cluster in names
    roles = {s.name: s.role for s in bench.sources}
    assert roles["NGC 4649 (Chandra)"] == GALAXY
    assert roles["NGC 4507 (Seyfert 2)"] == POINT
    assert roles["Cygnus Loop XA knot (SNR)"] == roles["G16.7+0.1 (SNR)"] == OTHER
    assert (bench.roles == POINT).sum() > 150
    assert (bench.roles == CLUSTER).sum() == 5


def test_repeat_observations_of_one_source_share_a_group(bench: RealBenchmark) -> None:
    a907 = {bench.groups[i] for i, s in enumerate(bench.sources) if s.name.startswith("Abell 907")}
    assert len(a907) == 1
    others = {
        bench.groups[i] for i, s in enumerate(bench.sources) if not s.name.startswith("Abell 907")
    }
    assert a907.isdisjoint(others) or len(others) > 100
    # A907's point sources seen in several ObsIDs are grouped too: fewer objects than sources.
    assert len(set(bench.groups)) < len(bench.sources)


def test_the_centaurus_cutout_is_at_the_products_field_of_view() -> None:
    """The Chandra image is 0.49"/px: its 259" image fills only the middle of the 409.6" field."""
    bench = load_real_benchmark(size=64)
    index = next(i for i, s in enumerate(bench.sources) if s.role == GALAXY)
    coverage = bench.images[index, CNN_CHANNELS.index("xray_coverage")]
    assert 0.3 < coverage.mean() < 0.5  # (259 / 409.6)^2
    assert coverage[32, 32] == 1.0
    assert coverage[0, 0] == 0.0


def test_grouping_is_friends_of_friends_on_the_sky() -> None:
    from ml.benchmarks.real_xmm import RealSource

    sources = [
        RealSource("a", "1", 10.0, 0.0, POINT),
        RealSource("b", "2", 10.0 + 40 / 3600, 0.0, POINT),  # 40" from a
        RealSource("c", "3", 10.0 + 80 / 3600, 0.0, POINT),  # 40" from b: chained to a
        RealSource("d", "3", 11.0, 0.0, POINT),
    ]
    groups = group_sources(sources, radius_arcsec=60.0)
    assert groups[0] == groups[1] == groups[2] != groups[3]


def test_report_counts_the_classes_and_names_the_known_clusters(bench: RealBenchmark) -> None:
    perfect = np.where(bench.extended, 0.9, 0.1)
    report = real_report(bench.sources, perfect)
    assert report["auc_extended_vs_point"] == 1.0
    assert report["n_extended"] == int(bench.extended.sum()) >= 6
    assert report["n_point"] == int(bench.point.sum())
    assert all(row["ok"] for row in report["known_clusters"])
    assert {row["name"] for row in report["hard_negatives"]} == {
        "NGC 4507 (Seyfert 2)",
        "Cygnus Loop XA knot (SNR)",
        "G16.7+0.1 (SNR)",
        "NGC 4649 (Chandra)",
    }
    assert report["targets_met"]
    assert "Abell 1835" in format_report(report)
    inverted = real_report(bench.sources, 1.0 - perfect)
    assert inverted["auc_extended_vs_point"] == 0.0
    assert not inverted["targets_met"]
    with pytest.raises(ValueError, match="scores"):
        real_report(bench.sources, perfect[:-1])
