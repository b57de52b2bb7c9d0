"""Pictures given to ``leodesk`` on the command line, as a file manager's Open With passes them
(the desktop entry's ``Exec=leodesk %F``), and Finder's open events on macOS: each picture opens
in a canvas window of its own once the app works; a file that is no picture is named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PIL import Image
from PySide6.QtCore import QSize

from tests.ui.helpers import Apps, fast_polls, sim_runtime, wait_idle


def _start_with_files(qtbot: Any, apps: Apps, sim: Any, files: list[Path]) -> Any:
    """What ``leodesk.app.main`` does with ``files``, on the test's simulator."""
    from leodesk.app import Launcher
    from leodesk.ui.main_window import MainWindow

    runtime = sim_runtime(sim)
    window = MainWindow(demo=True)
    qtbot.addWidget(window, before_close_func=lambda w: wait_idle(qtbot, w, 20000))
    launcher = Launcher(window, demo=True, runtime=runtime)
    window.launcher = launcher  # type: ignore[attr-defined]
    apps.launchers.append(launcher)
    launcher.open_files([str(f) for f in files])  # before the app works: they wait
    window.show()
    qtbot.waitExposed(window)
    launcher.start()
    fast_polls(launcher)
    return window


def test_opened_pictures_open_in_canvases(qtbot: Any, apps: Apps, sim: Any, tmp_path: Path) -> None:
    jpeg, webp = tmp_path / "harbour.jpg", tmp_path / "sky.webp"
    Image.new("RGB", (96, 64), (20, 90, 160)).save(jpeg, "JPEG")
    Image.new("RGB", (64, 96), (230, 180, 40)).save(webp, "WEBP")
    notes = tmp_path / "notes.txt"
    notes.write_text("not a picture", encoding="utf-8")
    window = _start_with_files(qtbot, apps, sim, [jpeg, notes, webp])
    link = window.canvas_link
    qtbot.waitUntil(lambda: len(link.canvases) == 2, timeout=15000)
    canvases = [entry[0] for entry in link.canvases]
    try:
        titles = sorted(c.windowTitle().split(" — ")[0] for c in canvases)
        assert titles == ["harbour.jpg", "sky.webp"]
        sizes = sorted((c.doc.size().width(), c.doc.size().height()) for c in canvases)
        assert sizes == [(64, 96), (96, 64)]
        assert all(c.isVisible() for c in canvases)
        assert "notes.txt" in window.statusBar().currentMessage()
        assert window.launcher.pending_files == []  # opened once, not again on a later attach
        assert QSize(96, 64) in [c.doc.size() for c in canvases]
    finally:
        for c in canvases:
            c.close()


FINDER_DRIVER = """
import sys
import time
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFileOpenEvent
from PySide6.QtWidgets import QApplication

from leodesk.app import LeodeskApplication, main

report, first, second, other = (Path(a) for a in sys.argv[1:5])
app = LeodeskApplication(["leodesk"])
sent_second = []
deadline = time.monotonic() + 60


def finder_opens(path):
    QApplication.sendEvent(app, QFileOpenEvent(str(path)))


def step():
    window = next((w for w in app.topLevelWidgets() if hasattr(w, "ctx") and w.isVisible()), None)
    if window is None or window.ctx is None or window.browser is None:
        QTimer.singleShot(50, step)
        return
    if not sent_second:  # the app is running now
        sent_second.append(True)
        finder_opens(second)
        finder_opens(other)
    canvases = [entry[0] for entry in window.canvas_link.canvases]
    if len(canvases) < 2 and time.monotonic() < deadline:
        QTimer.singleShot(50, step)
        return
    titles = sorted(c.windowTitle().split(" — ")[0] for c in canvases)
    report.write_text(
        " | ".join(titles) + f" | status={window.statusBar().currentMessage()}",
        encoding="utf-8",
    )
    for c in canvases:
        c.close()
    window.close()


QTimer.singleShot(0, lambda: finder_opens(first))  # while the app is starting
QTimer.singleShot(0, step)
sys.exit(main(demo=True))
"""


def test_pictures_opened_from_finder_while_starting_and_running(tmp_path: Path) -> None:
    """macOS sends Open With to the running app as a QFileOpenEvent: one while the app starts
    waits for the library, one later opens at once, and a file that is no picture is named."""
    import subprocess
    import sys

    from tests.conftest import REPO

    first, second = tmp_path / "dune.png", tmp_path / "moon.jpeg"
    Image.new("RGB", (80, 80), (200, 160, 90)).save(first, "PNG")
    Image.new("RGB", (80, 80), (30, 30, 60)).save(second, "JPEG")
    other = tmp_path / "notes.txt"
    other.write_text("not a picture", encoding="utf-8")
    report = tmp_path / "report.txt"
    run = subprocess.run(
        [sys.executable, "-c", FINDER_DRIVER, str(report), str(first), str(second), str(other)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert report.read_text(encoding="utf-8") == (
        "dune.png | moon.jpeg | status=Not a picture leodesk can open: notes.txt"
    )


def test_a_picture_handed_over_between_any_two_start_up_steps_opens_once_the_app_works(
    qtbot: Any, apps: Apps, sim: Any, tmp_path: Path
) -> None:
    """A second launch may hand its files over at any moment of the start-up, including when
    the services exist but the window is not yet attached to them (CI found that one)."""
    from leodesk.app import Launcher
    from leodesk.ui.main_window import MainWindow

    pic = tmp_path / "tide.png"
    Image.new("RGB", (40, 30), (10, 120, 140)).save(pic, "PNG")
    runtime = sim_runtime(sim)
    window = MainWindow(demo=True)
    qtbot.addWidget(window, before_close_func=lambda w: wait_idle(qtbot, w, 20000))
    launcher = Launcher(window, demo=True, runtime=runtime)
    apps.launchers.append(launcher)
    steps = launcher._open_steps
    handed: list[tuple[bool, bool]] = []  # (services built, window attached) at each hand-over

    def handing_over(key: str | None) -> Any:
        for step in steps(key):
            handed.append((launcher.ctx is not None, window.ctx is not None))
            launcher.handed_over([str(pic)])
            yield step

    launcher._open_steps = handing_over  # type: ignore[method-assign]
    window.show()
    qtbot.waitExposed(window)
    launcher.start()
    fast_polls(launcher)
    canvases = [entry[0] for entry in window.canvas_link.canvases]
    try:
        assert (True, False) in handed  # the moment CI met: services up, window not attached
        assert len(canvases) == len(handed)  # each hand-over opened its picture, once
        assert {c.doc.size() for c in canvases} == {QSize(40, 30)}
        assert launcher.pending_files == []
    finally:
        for c in canvases:
            c.close()
