"""The lock files (packaging/requirements*.lock): every package pinned with hashes, the two locks
agreeing, every dependency of pyproject.toml covered within its range, and this very test run
using the locked versions (``./packaging/dev.sh test`` installs them)."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from dataclasses import dataclass

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import REPO

RUNTIME = REPO / "packaging" / "requirements.lock"
DEV = REPO / "packaging" / "requirements-dev.lock"


@dataclass(frozen=True)
class Pin:
    name: str
    version: str
    marker: Marker | None
    hashes: int


def _pins(path: object) -> dict[str, Pin]:
    text = open(str(path), encoding="utf-8").read()  # noqa: SIM115
    pins: dict[str, Pin] = {}
    # One requirement: "name==version[ ; marker] \" then its "--hash=sha256:..." lines.
    for block in re.split(r"\n(?=[A-Za-z0-9])", "\n" + text):
        lines = [ln.strip() for ln in block.strip().splitlines() if ln.strip()]
        if not lines or lines[0].startswith("#"):
            continue
        head = lines[0].rstrip(" \\")
        spec, _, marker = head.partition(";")
        name, _, version = spec.strip().partition("==")
        assert version, f"{path}: {head!r} is not pinned with =="
        hashes = sum(1 for ln in lines if re.match(r"--hash=sha256:[0-9a-f]{64}", ln))
        pins[canonicalize_name(name)] = Pin(
            canonicalize_name(name), version, Marker(marker) if marker.strip() else None, hashes
        )
    return pins


def _project() -> dict[str, object]:
    with open(REPO / "pyproject.toml", "rb") as f:
        return tomllib.load(f)


def test_every_package_is_pinned_with_hashes() -> None:
    for path in (RUNTIME, DEV):
        pins = _pins(path)
        assert len(pins) > 20, path
        unhashed = [p.name for p in pins.values() if p.hashes == 0]
        assert unhashed == [], f"{path.name}: no hash for {unhashed}"


def test_the_app_lock_is_the_dev_lock_without_the_tools() -> None:
    runtime, dev = _pins(RUNTIME), _pins(DEV)
    assert set(runtime) < set(dev)
    differ = {
        n: (p.version, dev[n].version) for n, p in runtime.items() if p.version != dev[n].version
    }
    assert differ == {}


@pytest.mark.parametrize("which", ["runtime", "dev"])
def test_every_dependency_is_locked_within_its_range(which: str) -> None:
    project = _project()["project"]
    assert isinstance(project, dict)
    wanted = [*project["dependencies"], "pip", "setuptools>=77"]
    pins = _pins(RUNTIME)
    if which == "dev":
        wanted += project["optional-dependencies"]["dev"]
        pins = _pins(DEV)
    for text in wanted:
        req = Requirement(text)
        pin = pins.get(canonicalize_name(req.name))
        assert pin is not None, f"{req.name} is not in the {which} lock"
        assert req.specifier.contains(pin.version, prereleases=True), (text, pin.version)


def test_this_run_uses_the_locked_versions() -> None:
    """What ``dev.sh test`` installed is what the dev lock says (for this platform's markers)."""
    wrong = {}
    for pin in _pins(DEV).values():
        if pin.marker is not None and not pin.marker.evaluate():
            continue
        try:
            installed = importlib.metadata.version(pin.name)
        except importlib.metadata.PackageNotFoundError:
            installed = "missing"
        if installed != pin.version:
            wrong[pin.name] = (installed, pin.version)
    assert wrong == {}, f"installed vs locked (run ./packaging/dev.sh test): {wrong}"
