"""The Blueprints window of the demo app on an X server: open it from the menu, choose the
blueprint with an image input, fill the form (a gallery image through Use selected), run it,
and save screenshots at 980 × 640 and 820 × 560.

Usage: python -m tests.ui.xvfb_blueprints_driver OUT_DIR  (DISPLAY set, QT_QPA_PLATFORM=xcb)
Prints, per size, "size=WxH clipped=N icons=N form=WxH".
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

from tests.ui.xvfb_app import DemoApp


def clipped(root: QWidget) -> list[str]:
    """Visible buttons and labels narrower than they need."""
    out = []
    for w in root.findChildren(QWidget):
        if not w.isVisible() or not isinstance(w, QAbstractButton | QLabel):
            continue
        if isinstance(w, QLabel) and (w.wordWrap() or w.minimumWidth() == w.maximumWidth()):
            continue  # wrapped text, or a fixed box (a thumbnail scaled into it)
        if w.width() < w.minimumSizeHint().width():
            out.append(w.objectName() or type(w).__name__)
    return out


def fill(demo: DemoApp, w: Any) -> None:
    """Choose Golden Hour Relight, take the gallery's image, type a mood, run."""
    items = [w.list.item(r) for r in range(w.list.count())]
    row = next(r for r, i in enumerate(items) if i.text().startswith("Golden Hour"))
    w.list.setCurrentRow(row)
    demo.wait(lambda: w.current_version() is not None, "versions")
    demo.wait(lambda: w.form.slots, "the form")
    window = demo.window
    window.gallery.setCurrentIndex(window.gallery.model().index(0, 0))
    use = w.form.findChild(QAbstractButton, "bpUseSelected_0")
    QTest.mouseClick(use, Qt.MouseButton.LeftButton)
    demo.wait(lambda: w.form.images, "the gallery image")
    mood = w.form.findChild(QWidget, "bpInput_1")
    mood.selectAll()
    QTest.keyClicks(mood, "hazy and warm")
    QTest.mouseClick(w.run_button, Qt.MouseButton.LeftButton)


def main(out_dir: str) -> int:
    out = Path(out_dir)
    demo = DemoApp()
    window = demo.window
    demo.wait(lambda: window.browser is not None and window.browser.proxy.rowCount() > 3, "models")
    prompt = window.form.findChild(QWidget, "promptEdit")
    prompt.setFocus()
    QTest.keyClicks(prompt, "a quiet harbour at sunset")
    QTest.keyClick(prompt, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    demo.wait(lambda: window.gallery.model().rowCount() > 0, "gallery")
    window.blueprint_link.action.trigger()
    w = window.blueprint_link.bp_window
    demo.wait(lambda: w.list.count() >= 3, "blueprints")
    demo.wait(
        lambda: all(not w.list.item(r).icon().isNull() for r in range(w.list.count())), "icons"
    )
    fill(demo, w)
    demo.wait(lambda: w.message.text().startswith("Queued"), "queued")
    for size in ((980, 640), (820, 560)):
        w.resize(*size)
        demo.settle(20)
        w.grab().save(str(out / f"blueprints-{size[0]}x{size[1]}.png"))
        icons = sum(not w.list.item(r).icon().isNull() for r in range(w.list.count()))
        form = w.form.size()
        print(
            f"size={size[0]}x{size[1]} clipped={len(clipped(w))} icons={icons} "
            f"form={form.width()}x{form.height()} {clipped(w)}",
            flush=True,
        )
    w.close()
    window.close()
    demo.launcher.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
