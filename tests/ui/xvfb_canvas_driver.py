"""The canvas window on an X server: open a picture, paint a mask and a sketch with real mouse
events, and save screenshots at 1400 × 860 and 1366 × 768.

Usage: python -m tests.ui.xvfb_canvas_driver OUT_DIR  (DISPLAY set, QT_QPA_PLATFORM=xcb)
Prints, per size, "size=WxH view=WxH clipped=N masked=R,G,B sketched=R,G,B".
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QLinearGradient, QPainter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication


def picture() -> QImage:
    image = QImage(1024, 1024, QImage.Format.Format_RGB32)
    p = QPainter(image)
    g = QLinearGradient(QPointF(0, 0), QPointF(1024, 1024))
    g.setColorAt(0, QColor(40, 80, 140))
    g.setColorAt(1, QColor(230, 190, 100))
    p.fillRect(image.rect(), g)
    p.end()
    return image


def settle(app: QApplication, rounds: int = 30) -> None:
    for _ in range(rounds):
        app.processEvents()
        time.sleep(0.01)


def stroke(view: Any, points: list[tuple[int, int]]) -> None:
    def at(x: int, y: int) -> QPoint:
        return view.map_from_image(QPointF(x, y)).toPoint()

    QTest.mousePress(view, Qt.MouseButton.LeftButton, pos=at(*points[0]))
    for x, y in points[1:]:
        QTest.mouseMove(view, at(x, y))
    QTest.mouseRelease(view, Qt.MouseButton.LeftButton, pos=at(*points[-1]))


def shoot(app: QApplication, w: int, h: int, out: Path) -> str:
    from leodesk.ui.canvas_window import CanvasWindow

    window = CanvasWindow()
    window.resize(w, h)
    window.show()
    window.open_image(picture(), "img-1")
    settle(app)
    view = window.view
    window.doc.set_brush_size(80)
    stroke(view, [(300 + 12 * k, 300 + (k % 10) * 12) for k in range(40)])
    window.set_colour(QColor("#3c9a46"))
    window.doc.set_brush_size(30)
    stroke(view, [(600 + 8 * k, 700 - 4 * k) for k in range(40)])
    window.panel.prompt_edit.setText("a lantern in the fog")
    window.set_tool("mask-brush")
    settle(app)
    shot = window.grab()
    shot.save(str(out / f"canvas-{w}x{h}.png"))
    image = view.grab().toImage()
    masked = image.pixelColor(view.map_from_image(QPointF(420, 360)).toPoint())
    sketched = image.pixelColor(view.map_from_image(QPointF(760, 620)).toPoint())
    clipped = [
        b.objectName()
        for b in window.findChildren(QAbstractButton)
        if b.isVisible() and b.width() < b.minimumSizeHint().width()
    ]
    window.close()
    rgb = "{},{},{}"
    return (
        f"size={w}x{h} view={view.width()}x{view.height()} clipped={len(clipped)} "
        f"masked={rgb.format(masked.red(), masked.green(), masked.blue())} "
        f"sketched={rgb.format(sketched.red(), sketched.green(), sketched.blue())}"
    )


def main(out: str) -> int:
    app = QApplication(sys.argv[:1])
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    for w, h in ((1400, 860), (1366, 768)):
        print(shoot(app, w, h, folder), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
