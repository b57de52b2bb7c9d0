"""Run the real demo app on an X server, choose a model in the browser once its facts are in,
open the form's Advanced section and save a screenshot of the window.

Usage: python -m tests.ui.xvfb_form_driver "MODEL NAME" OUT.png  (DISPLAY set, QT_QPA_PLATFORM=xcb)
Prints "chosen=NAME version=SD_VERSION" before saving.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtTest import QTest

from tests.ui.xvfb_app import DemoApp


def main(name: str, out: str) -> int:
    from PySide6.QtCore import Qt

    demo = DemoApp()
    app, window, launcher, wait = demo.app, demo.window, demo.launcher, demo.wait

    def listed() -> object:
        models = window.ctx.platform_models.models() if window.ctx else []
        return next((m for m in models if m.name == name and m.facts_known), None)

    wait(lambda: window.browser is not None and listed() is not None, "the model's facts")
    proxy, view = window.browser.proxy, window.browser.view
    row = next(r for r in range(proxy.rowCount()) if proxy.index(r, 0).data() == name)
    index = proxy.index(row, 0)
    view.scrollTo(index)
    app.processEvents()
    QTest.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center()
    )
    form = window.form
    wait(lambda: form.model() is not None and form.model().name == name, "the choice")
    prompt = form.findChild(object, "promptEdit")
    prompt.setFocus()
    QTest.keyClicks(prompt, "a lighthouse on a cliff at dusk, oil painting")
    toggle = form.findChild(object, "advancedSectionToggle")
    if not toggle.isChecked():
        QTest.mouseClick(toggle, Qt.MouseButton.LeftButton)
    wait(lambda: window.balance_label.text().endswith("credits"), "balance")
    demo.settle()
    print(f"chosen={form.model().name} version={form.model().sd_version}", flush=True)
    ok = window.grab().save(out)
    QTimer.singleShot(0, window.close)
    app.processEvents()
    launcher.shutdown()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
