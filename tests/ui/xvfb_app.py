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
