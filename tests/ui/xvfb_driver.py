"""Run the real app on an X server (the test starts Xvfb), generate on the simulator, screenshot.

Usage: python -m tests.ui.xvfb_driver OUT.png  (with DISPLAY set, QT_QPA_PLATFORM=xcb)
Prints "rows=N" when the gallery has the images, then saves the X root window to OUT.png.
"""

from __future__ import annotations

import sys
import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication


def main(out: str) -> int:
    from leodesk.app import Launcher
    from leodesk.ui.main_window import MainWindow

    app = QApplication(sys.argv[:1])
    window = MainWindow(demo=True)
    window.resize(1400, 860)
    window.show()
    launcher = Launcher(window, demo=True)
    launcher.start()
    deadline = time.monotonic() + 60

    def wait(cond: object, what: str) -> None:
        while not cond():  # type: ignore[operator]
            if time.monotonic() > deadline:
                raise SystemExit(f"timed out waiting for {what}")
            app.processEvents()
            time.sleep(0.02)

    wait(lambda: window.browser is not None and window.browser.proxy.rowCount() > 3, "models")
    prompt = window.form.findChild(object, "promptEdit")
    prompt.setFocus()
    QTest.keyClicks(prompt, "a lighthouse on a cliff at dusk, oil painting")
    QTest.keyClick(prompt, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    wait(lambda: window.gallery.model().rowCount() >= 1, "images")
    model = window.gallery.model()
    keys = [model.thumb_key(model.record(r)) for r in range(model.rowCount())]
    wait(lambda: all(window.ctx.thumbs.pixmap(k) is not None for k in keys), "thumbnails")
    wait(lambda: window.balance_label.text().endswith("credits"), "balance")
    for _ in range(20):
        app.processEvents()
        time.sleep(0.02)
    print(f"rows={model.rowCount()}", flush=True)
    shot = app.primaryScreen().grabWindow(0)
    ok = shot.save(out)
    QTimer.singleShot(0, window.close)
    app.processEvents()
    launcher.shutdown()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
