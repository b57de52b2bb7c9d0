"""Fixtures for GUI tests: the real app (window + launcher) on the simulator."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.conftest import SIM_KEY


def open_app(qtbot: Any, sim: Any) -> Any:
    """The main window on ``sim`` (this test's LEODESK_HOME), started and shown; the caller
    shuts ``window.launcher`` down."""
    from leodesk.app import Launcher
    from leodesk.core import paths
    from leodesk.runtime import Runtime
    from leodesk.ui.main_window import MainWindow

    runtime = Runtime(
        paths=paths.resolve().ensure(), base_url=sim.base_url, demo=True, demo_key=SIM_KEY
    )
    window = MainWindow(demo=True)
    qtbot.addWidget(window)
    launcher = Launcher(window, demo=True, runtime=runtime)
    window.launcher = launcher
    window.show()
    launcher.start()
    return window


@pytest.fixture
def app_window(qtbot: Any, sim: Any) -> Iterator[Any]:
    """The main window, attached to a context on the simulator, shown."""
    window = open_app(qtbot, sim)
    window.launcher.ctx.generation.poll_interval = 0.1
    yield window
    window.launcher.shutdown()


@pytest.fixture
def apps(qtbot: Any) -> Iterator[Any]:
    """Starts windows (``apps.start(runtime)``), several in a row for restart tests; every one
    is shut down at the end, even when the test fails."""
    from tests.ui.helpers import Apps

    started = Apps(qtbot)
    try:
        yield started
    finally:
        started.shutdown_all()


@pytest.fixture
def make_sim() -> Iterator[Callable[..., Any]]:
    """``make_sim(**config)``: a started simulator with the tests' key and no added latency
    (SimConfig fields override), stopped at the end of the test."""
    from leodesk.sim import SimConfig, SimServer

    servers: list[Any] = []

    def make(**config: Any) -> Any:
        config.setdefault("api_key", SIM_KEY)
        config.setdefault("latency_ms", 0)
        server = SimServer(SimConfig(**config)).start()
        servers.append(server)
        return server

    try:
        yield make
    finally:
        for server in servers:
            server.stop()
