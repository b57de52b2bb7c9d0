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
