"""Shared fixtures: every test gets its own LEODESK_HOME and a clean environment."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.keychain import RealKeychain

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def leodesk_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "leodesk-home"
    monkeypatch.setenv("LEODESK_HOME", str(home))
    monkeypatch.delenv("LEONARDO_API_KEY", raising=False)
    monkeypatch.delenv("LEODESK_API_URL", raising=False)
    return home


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "real_keychain" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.keychain)


# Set by packaging/dev.sh, which starts a keychain: without one the keychain tests fail there.
KEYCHAIN_REQUIRED_ENV = "LEODESK_TEST_KEYCHAIN"


@pytest.fixture
def real_keychain(monkeypatch: pytest.MonkeyPatch) -> Iterator[RealKeychain]:
    """The real OS keychain (gnome-keyring under dbus-run-session, as ``packaging/dev.sh test``
    starts it) under a service name of this test's own, so a user's leodesk key is never read
    or changed. Afterwards what the test stored is deleted and the active keyring backend is put
    back. Skipped where no Secret Service runs, unless ``LEODESK_TEST_KEYCHAIN=1`` says one
    must."""
    import keyring
    from keyring.backends import SecretService

    from leodesk.core import secrets

    backend = keyring.get_keyring()
    if not isinstance(backend, SecretService.Keyring):
        why = f"no Secret Service keychain here (active backend: {type(backend).__name__})"
        if os.environ.get(KEYCHAIN_REQUIRED_ENV):
            pytest.fail(why)
        pytest.skip(why)
    chain = RealKeychain(backend, f"leodesk-test-{uuid.uuid4().hex}", secrets.DEFAULT_ACCOUNT)
    monkeypatch.setattr(secrets, "SERVICE", chain.service)
    try:
        yield chain
    finally:
        keyring.set_keyring(backend)
        chain.clear()
    assert chain.store == {}


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
