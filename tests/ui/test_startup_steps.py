"""The app opens in short steps (one per turn of the event loop), and the window is usable as
soon as its panes are in: typing in the prompt, the gallery showing the library."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtTest import QTest

from leodesk.core.api.models import GeneratedImage, Generation
from leodesk.core.library import Library
from tests.ui.helpers import sim_runtime, wait_idle


def _fill_library(n: int) -> None:
    from leodesk.core import paths

    lib = Library.open(paths.resolve().ensure().library_db)
    lib.upsert_generations(
        [
            Generation(
                id=f"gen-{k:04d}",
                status="COMPLETE",
                prompt=f"lighthouse number {k}",
                created_at=f"2026-01-0{1 + k // 1000}T00:{k // 60 % 60:02d}:{k % 60:02d}.000Z",
                images=(GeneratedImage(id=f"img-{k:04d}", url=None),),
            )
            for k in range(n)
        ]
    )
    lib.close()


def test_the_window_opens_in_steps_and_is_usable_before_the_last(qtbot: Any, sim: Any) -> None:
    from leodesk.app import Launcher
    from leodesk.ui.main_window import MainWindow

    _fill_library(1200)
    window = MainWindow(demo=True)
    qtbot.addWidget(window, before_close_func=lambda w: wait_idle(qtbot, w, 20000))
    launcher = Launcher(window, demo=True, runtime=sim_runtime(sim))
    launcher.stepped = True
    window.launcher = launcher
    # the event loop's turns while the app opens: a 2 ms timer, each gap measured
    gaps: list[float] = []
    last = [time.perf_counter()]

    def beat() -> None:
        now = time.perf_counter()
        gaps.append((now - last[0]) * 1000)
        last[0] = now

    heart = QTimer()
    heart.setInterval(2)
    heart.timeout.connect(beat)
    # what the window holds at each turn of the event loop while it opens
    seen: list[tuple[bool, bool]] = []
    probe = QTimer()
    probe.setInterval(0)
    probe.timeout.connect(
        lambda: seen.append((window.form is not None, hasattr(window, "help_link")))
    )
    try:
        window.show()
        qtbot.waitExposed(window)
        heart.start()
        probe.start()
        launcher.start()
        assert window.form is None  # not all at once
        qtbot.waitUntil(lambda: window.form is not None and window.form.isVisible(), timeout=10000)
        QTest.keyClicks(window.form.prompt_edit, "a lighthouse")  # typing works
        assert window.form.prompt_edit.toPlainText() == "a lighthouse"
        model = window.gallery.model()
        assert model.rowCount() > 0
        qtbot.waitUntil(lambda: hasattr(window, "help_link"), timeout=10000)
        probe.stop()
        # the event loop turned while the form was in and the last step had not run yet
        assert (True, False) in seen
        assert seen.count((True, False)) >= 5  # several steps, each its own turn
        qtbot.waitUntil(lambda: model.rowCount() == 1200, timeout=10000)  # the whole library
        assert window.gallery_pane.count_label.text() == "1,200 images"
        heart.stop()
        assert len(gaps) > 10  # the loop kept turning while the app opened
    finally:
        heart.stop()
        probe.stop()
        launcher.shutdown()
