"""Pictures given to ``leodesk`` on the command line, as a file manager's Open With passes them
(the desktop entry's ``Exec=leodesk %F``): they land in the form's Image to image slots, uploaded
to the simulator like a drop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PIL import Image
from PySide6.QtWidgets import QWidget

from tests.ui.helpers import Apps, child, fast_polls, sim_runtime, wait_idle


def _start_with_files(qtbot: Any, apps: Apps, sim: Any, files: list[Path]) -> Any:
    """What ``leodesk.app.main`` does with ``open_files``, on the test's simulator."""
    from leodesk.app import Launcher
    from leodesk.ui.main_window import MainWindow

    runtime = sim_runtime(sim)
    window = MainWindow(demo=True)
    qtbot.addWidget(window, before_close_func=lambda w: wait_idle(qtbot, w, 20000))
    launcher = Launcher(window, demo=True, runtime=runtime, open_files=files)
    window.launcher = launcher  # type: ignore[attr-defined]
    apps.launchers.append(launcher)
    window.show()
    qtbot.waitExposed(window)
    launcher.start()
    fast_polls(launcher)
    return window


def test_opened_pictures_fill_the_image_slots(
    qtbot: Any, apps: Apps, sim: Any, tmp_path: Path
) -> None:
    jpeg, webp = tmp_path / "harbour.jpg", tmp_path / "sky.webp"
    Image.new("RGB", (96, 64), (20, 90, 160)).save(jpeg, "JPEG")
    Image.new("RGB", (64, 96), (230, 180, 40)).save(webp, "WEBP")
    window = _start_with_files(qtbot, apps, sim, [jpeg, webp])
    init = child(window.form, QWidget, "initImageSlot")
    prompt0 = child(window.form, QWidget, "imagePromptSlot0")
    qtbot.waitUntil(lambda: init.value() is not None and prompt0.value() is not None, timeout=15000)
    assert init.source_label.text() == "harbour.jpg"
    assert prompt0.source_label.text() == "sky.webp"
    assert init.error() == "" and prompt0.error() == ""
    assert sim.count("POST", "/init-image") == 2  # both uploaded
    assert window.form.generate_button.text().startswith("Generate from image")
    assert window.launcher.open_files == []  # opened once, not again on a later attach


FINDER_DRIVER = """
import sys
import time
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFileOpenEvent
from PySide6.QtWidgets import QApplication, QWidget

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
    slots = [window.form.findChild(QWidget, n) for n in ("initImageSlot", "imagePromptSlot0")]
    if any(s.value() is None for s in slots) and time.monotonic() < deadline:
        QTimer.singleShot(50, step)
        return
    extra = window.form.findChild(QWidget, "imagePromptSlot1")
    report.write_text(
        " | ".join(s.source_label.text() for s in slots) + f" | empty={extra.is_empty()}",
        encoding="utf-8",
    )
    window.close()


QTimer.singleShot(0, lambda: finder_opens(first))  # while the app is starting
QTimer.singleShot(0, step)
sys.exit(main(demo=True))
"""


def test_pictures_opened_from_finder_while_starting_and_running(tmp_path: Path) -> None:
    """macOS sends Open With to the running app as a QFileOpenEvent: one while the app starts
    waits for the library, one later goes straight to the next free slot, and a file that is no
    picture is left alone."""
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
    assert report.read_text(encoding="utf-8") == "dune.png | moon.jpeg | empty=True"
