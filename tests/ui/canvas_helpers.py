"""Helpers for the canvas tests: an open canvas window, mouse strokes on the view, mask reads."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QWidget

from tests.ui.helpers import child


def open_canvas(qtbot: Any, w: int = 512, h: int = 384) -> Any:
    """A shown canvas window on a flat grey ``w`` × ``h`` picture."""
    from leodesk.ui.canvas_window import CanvasWindow

    window = CanvasWindow()
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    picture = QImage(w, h, QImage.Format.Format_RGB32)
    picture.fill(QColor(90, 90, 90))
    window.open_image(picture, "img-1")
    return window


def view_of(window: QWidget) -> Any:
    return child(window, QWidget, "canvasView")


def drag(qtbot: Any, widget: QWidget, points: list[QPoint], button: Any = None) -> None:
    """Press at the first point, move through the others, release at the last: real mouse
    events, as a hand does."""
    button = button or Qt.MouseButton.LeftButton
    qtbot.mousePress(widget, button, pos=points[0])
    for p in points[1:]:
        qtbot.mouseMove(widget, p)
    qtbot.mouseRelease(widget, button, pos=points[-1])


def line(a: QPoint, b: QPoint, steps: int = 12) -> list[QPoint]:
    return [a + (b - a) * (k / steps) for k in range(steps + 1)]


def at_image(view: Any, x: float, y: float) -> QPoint:
    """The widget point over image pixel (x, y)."""
    return view.map_from_image(QPointF(x + 0.5, y + 0.5)).toPoint()


def mask_at(window: Any, x: int, y: int) -> int:
    return int(window.doc.export_mask().pixelColor(x, y).red())


def mask_bytes(window: Any) -> bytes:
    m = window.doc.export_mask()
    return bytes(m.constBits())
