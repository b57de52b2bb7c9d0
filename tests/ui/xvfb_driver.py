"""Run the real app on an X server (the test starts Xvfb), generate on the simulator, screenshot.

Usage: python -m tests.ui.xvfb_driver OUT.png  (with DISPLAY set, QT_QPA_PLATFORM=xcb)
Prints "rows=N" when the gallery has the images, then saves the X root window to OUT.png.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest

from tests.ui.xvfb_app import DemoApp


def main(out: str) -> int:
    demo = DemoApp()
    app, window, launcher, wait = demo.app, demo.window, demo.launcher, demo.wait

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
    demo.settle(20)
    print(f"rows={model.rowCount()}", flush=True)
    shot = app.primaryScreen().grabWindow(0)
    ok = shot.save(out)
    QTimer.singleShot(0, window.close)
    app.processEvents()
    launcher.shutdown()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
