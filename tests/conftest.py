"""Shared fixtures: every test gets its own LEODESK_HOME and a clean environment."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def leodesk_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "leodesk-home"
    monkeypatch.setenv("LEODESK_HOME", str(home))
    monkeypatch.delenv("LEONARDO_API_KEY", raising=False)
    monkeypatch.delenv("LEODESK_API_URL", raising=False)
    return home


@pytest.fixture
def memory_keyring() -> Iterator[object]:
    import keyring

    from tests.helpers.memkeyring import MemoryKeyring

    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


SIM_KEY = "test-sim-key"


@pytest.fixture
def sim() -> Iterator[object]:
    """The simulator over real HTTP on loopback, fast enough for tests."""
    from leodesk.sim import SimConfig, SimServer

    server = SimServer(
        SimConfig(seed=7, generation_seconds=0.2, api_key=SIM_KEY, latency_ms=0)
    ).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def no_dangling_workers(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail any Qt test that leaves workers running in any of leodesk's pools."""
    yield
    if "qtbot" not in request.fixturenames:
        return
    from PySide6.QtCore import QCoreApplication

    from leodesk.qt.workers import Pools

    leftovers: list[str] = []
    for pools in list(Pools.instances):
        try:
            for name in ("network", "db", "thumbs"):
                pool = getattr(pools, name)
                if not pool.waitForDone(5000):
                    leftovers.append(
                        f"{pool.activeThreadCount()} thread(s) busy in {name}: "
                        f"{pools.running_names()}"
                    )
        except RuntimeError:  # the C++ object is already gone: nothing can be running
            continue
    QCoreApplication.processEvents()
    assert not leftovers, f"workers still running after the test: {leftovers}"
