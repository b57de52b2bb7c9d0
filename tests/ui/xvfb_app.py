"""What the Xvfb drivers share: the demo app started as ``leodesk --demo`` starts it, in a
1400 × 860 window, and a wait that keeps the event loop turning."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QApplication


class DemoApp:
    def __init__(self, timeout: float = 60.0) -> None:
        from leodesk.app import Launcher
        from leodesk.ui.main_window import MainWindow

        self.app = QApplication(sys.argv[:1])
        self.window: Any = MainWindow(demo=True)
        self.window.resize(1400, 860)
        self.window.show()
        self.launcher = Launcher(self.window, demo=True)
        self.launcher.start()
        self.deadline = time.monotonic() + timeout

    def wait(self, cond: Callable[[], object], what: str) -> None:
        """Turn the event loop until ``cond()`` is true; exit the driver at the deadline."""
        while not cond():
            if time.monotonic() > self.deadline:
                raise SystemExit(f"timed out waiting for {what}")
            self.app.processEvents()
            time.sleep(0.02)

    def settle(self, rounds: int = 30) -> None:
        """Let the last paints and layouts happen before a screenshot."""
        for _ in range(rounds):
            self.app.processEvents()
            time.sleep(0.02)


def run_driver(module: str, display: str, home: Any, out: Any, timeout: int = 120) -> str:
    """Run ``python -m module OUT`` on ``display`` with its own LEODESK_HOME; its stdout (the
    run must succeed)."""
    import os
    import subprocess

    from tests.conftest import REPO

    env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb", LEODESK_HOME=str(home))
    r = subprocess.run(
        [sys.executable, "-m", module, str(out)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def check_shots(folder: Any, shots: dict[str, tuple[int, int]], spread: float = 10) -> None:
    """Each screenshot is at least its (width, height) and not blank (colour spread)."""
    from PIL import Image, ImageStat

    for name, (width, height) in shots.items():
        with Image.open(folder / name) as im:
            assert im.size[0] >= width and im.size[1] >= height, (name, im.size)
            assert max(ImageStat.Stat(im.convert("RGB")).stddev) > spread, name
