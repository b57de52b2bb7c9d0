"""Run the demo app on an X server at the screen's own size, generate one image, select it, then
walk every visible widget of the main window: print the ones clipped by their parent or the window
(``clipped=N`` then one ``CLIP ...`` line each), the gallery's share of the window width
(``share=W:0.NN``, also at 1400 px when the screen is wide enough) and save screenshots.

Usage: python -m tests.ui.xvfb_layout_driver OUTDIR  (DISPLAY set, QT_QPA_PLATFORM=xcb); the
screenshots are named after the screen's width (layout-1366-none.png ...).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QScrollArea,
    QWidget,
)

CONTROLS = (QAbstractButton, QComboBox, QAbstractSpinBox, QLineEdit)


def _in_scroll_area(w: QWidget, top: QWidget) -> bool:
    """Inside a scroll area's viewport (content there scrolls into view: not clipped)."""
    p = w.parentWidget()
    while p is not None and p is not top:
        if isinstance(p, QAbstractScrollArea):
            return True
        p = p.parentWidget()
    return False


def _cut_off(area: QScrollArea) -> bool:
    """Content wider than the viewport while the area cannot scroll sideways."""
    inner = area.widget()
    off = area.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    return inner is not None and off and inner.width() > area.viewport().width()


def _window_rect(w: QWidget, top: QWidget) -> QRect:
    return QRect(w.mapTo(top, QPoint(0, 0)), w.size())


def clipped(top: QWidget) -> list[str]:
    """Visible widgets of ``top`` outside the window, outside their parent's rect, or (controls)
    narrower than they need to show their text."""
    out = []
    window = top.rect()
    for w in top.findChildren(QWidget):
        if not w.isVisible() or w.window() is not top or w.width() <= 0 or w.height() <= 0:
            continue
        if isinstance(w, QScrollArea) and _cut_off(w):
            inner = w.widget().width()  # type: ignore[union-attr]
            out.append(f"QScrollArea#{w.objectName()} cut off: {inner} > {w.viewport().width()}")
        if _in_scroll_area(w, top) or isinstance(w.parentWidget(), (QAbstractSpinBox, QComboBox)):
            continue  # scrolled into view, or a spin box's own editor
        name = f"{type(w).__name__}#{w.objectName() or '?'}"
        rect = _window_rect(w, top)
        parent = w.parentWidget()
        if not window.contains(rect):
            out.append(f"{name} outside the window {rect.getRect()} {window.getRect()}")
        elif parent is not None and not parent.rect().contains(w.geometry()):
            out.append(f"{name} outside its parent {w.geometry().getRect()} {parent.rect()}")
        elif isinstance(w, CONTROLS):
            need = min(w.sizeHint().width(), w.minimumSizeHint().width())
            if w.width() < need or w.height() < min(w.sizeHint().height(), 16):
                out.append(f"{name} cramped {w.width()}x{w.height()} < {need}")
    return out


def gallery_share(window: Any) -> float:
    return float(window.gallery_pane.width()) / float(window.width())


def settle(app: QApplication, rounds: int = 25) -> None:
    for _ in range(rounds):
        app.processEvents()
        time.sleep(0.02)


def wait(app: QApplication, cond: Any, what: str, deadline: float) -> None:
    while not cond():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        app.processEvents()
        time.sleep(0.02)


def report(app: QApplication, window: Any, out: Path, label: str) -> None:
    settle(app)
    problems = clipped(window)
    print(f"size={window.width()}x{window.height()} clipped={len(problems)}", flush=True)
    for line in problems:
        print(f"CLIP {line}", flush=True)
    key = "share-selected" if window.gallery.selectionModel().hasSelection() else "share"
    print(f"{key}={window.width()}:{gallery_share(window):.3f}", flush=True)
    app.primaryScreen().grabWindow(0).save(str(out / f"layout-{label}.png"))


def main(outdir: str) -> int:
    from leodesk.app import Launcher
    from leodesk.ui.main_window import MainWindow

    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    window = MainWindow(demo=True)  # its own default size: it must fit the screen
    window.show()
    launcher = Launcher(window, demo=True)
    launcher.start()
    deadline = time.monotonic() + 90
    avail = app.primaryScreen().availableGeometry()
    label = str(avail.width())
    fits = avail.contains(window.frameGeometry()) or avail.contains(window.geometry())
    print(f"screen={avail.width()}x{avail.height()} fits={fits}", flush=True)
    wait(
        app,
        lambda: window.browser is not None and window.browser.proxy.rowCount() > 3,
        "models",
        deadline,
    )
    prompt = window.form.findChild(QWidget, "promptEdit")
    prompt.setFocus()
    QTest.keyClicks(prompt, "a lighthouse on a cliff at dusk")
    QTest.keyClick(prompt, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    wait(app, lambda: window.gallery.model().rowCount() >= 1, "images", deadline)
    report(app, window, out, f"{label}-none")
    window.gallery.setCurrentIndex(window.gallery.model().index(0, 0))
    report(app, window, out, f"{label}-selected")
    # Filters open and the undo bar shown must not widen the window (nor clip anything)
    width = window.width()
    QTest.mouseClick(window.gallery_pane.filters_button, Qt.MouseButton.LeftButton)
    window.gallery_pane.show_undo("4 image(s) deleted. They leave your account in a few seconds.")
    report(app, window, out, f"{label}-filters")
    print(f"widened={window.width() - width}", flush=True)
    QTest.mouseClick(window.gallery_pane.filters_button, Qt.MouseButton.LeftButton)
    window.gallery_pane.hide_undo()
    window.gallery.clearSelection()
    for width in (1400, avail.width()):
        if avail.width() >= width and window.width() != width:
            window.resize(width, min(860, avail.height()))
            report(app, window, out, f"{label}-{width}")
    window.close()
    app.processEvents()
    launcher.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
