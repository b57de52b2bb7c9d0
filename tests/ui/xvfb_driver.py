"""Run the real app on an X server (the test starts Xvfb), generate on the simulator, screenshot.

Usage: python -m tests.ui.xvfb_driver OUT.png [THEME]  (with DISPLAY set, QT_QPA_PLATFORM=xcb)
THEME (``light`` or ``dark``) is chosen from View ▸ Theme first, as a user would. Three prompts
are generated one after another; prints "rows=N theme=THEME" when the gallery shows every image
with its thumbnail, then saves the main window to OUT.png.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest

from tests.ui.xvfb_app import DemoApp

PROMPTS = (
    "a red fox in a snowy birch forest, watercolour",
    "a tiny robot watering a bonsai tree, studio light",
    "a lighthouse on a cliff at dusk, oil painting",
)


def main(out: str, theme_name: str = "light") -> int:
    from leodesk.ui import theme

    demo = DemoApp(timeout=90)
    app, window, launcher, wait = demo.app, demo.window, demo.launcher, demo.wait

    wait(lambda: window.browser is not None and window.browser.proxy.rowCount() > 3, "models")
    action = window.findChild(object, f"theme{theme_name.capitalize()}Action")
    action.trigger()  # View ▸ Theme ▸ Light / Dark
    wait(lambda: theme.is_dark() == (theme_name == "dark"), "the theme")
    prompt = window.form.findChild(object, "promptEdit")
    model = window.gallery.model()
    for n, text in enumerate(PROMPTS, start=1):
        prompt.setFocus()
        prompt.selectAll()
        QTest.keyClicks(prompt, text)
        QTest.keyClick(prompt, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        wait(lambda n=n: model.rowCount() >= 4 * n, f"images of job {n}")
    keys = [model.thumb_key(model.record(r)) for r in range(model.rowCount())]
    wait(lambda: all(window.ctx.thumbs.pixmap(k) is not None for k in keys), "thumbnails")
    wait(lambda: window.balance_label.text().endswith("credits"), "balance")
    window.gallery.clearSelection()
    demo.settle(20)
    print(f"rows={model.rowCount()} theme={theme_name} dark={theme.is_dark()}", flush=True)
    ok = window.grab().save(out)
    QTimer.singleShot(0, window.close)
    app.processEvents()
    launcher.shutdown()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
