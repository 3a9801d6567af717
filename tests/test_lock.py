"""The lock files: production and tests pin the same versions, torch is the CPU build, and the tests run
the versions the lock names (so they test what production runs)."""

import re
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = ROOT / "requirements"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)")


def _pins(name: str) -> dict[str, str]:
    pins = {}
    for line in (REQUIREMENTS / name).read_text().splitlines():
        match = PIN.match(line)
        if match:
            pins[match[1].lower().replace("_", "-")] = match[2]
    return pins


def test_development_pins_every_production_package_at_the_production_version() -> None:
    prod, dev = _pins("prod.txt"), _pins("dev.txt")
    assert {"astropy", "numpy", "django", "torch"} <= set(prod)
    assert {name: dev.get(name) for name in prod} == prod


def test_torch_is_the_cpu_build_without_cuda_packages() -> None:
    for lock in ("prod.txt", "dev.txt"):
        pins = _pins(lock)
        assert pins["torch"] == "2.13.0+cpu"
        assert [name for name in pins if name.startswith(("nvidia-", "triton"))] == []


def test_panoptes_aggregation_is_locked_apart_from_the_application() -> None:
    assert "panoptes-aggregation" in _pins("panoptes.txt")
    assert "panoptes-aggregation" not in _pins("dev.txt")


@pytest.mark.parametrize("package", ["astropy", "numpy", "scipy", "torch", "django"])
def test_the_tests_run_the_locked_versions(package: str) -> None:
    # A stale virtualenv fails here: `make install` re-installs from the lock whenever it changes.
    assert metadata.version(package) == _pins("dev.txt")[package]
