"""The player's button icons, drawn light on the dark control bar (the style's media icons are
drawn for light backgrounds)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap, QPolygonF

LIGHT = QColor(230, 230, 236)
DIM = QColor(105, 105, 114)
SIZE = 40  # drawn at 2× for sharp edges on high-density screens


def _triangle(x0: float, x1: float, top: float = 8, bottom: float = 32) -> QPolygonF:
    mid = (top + bottom) / 2
    return QPolygonF([QPointF(x0, top), QPointF(x1, mid), QPointF(x0, bottom)])


def _paths(name: str) -> tuple[list[QPolygonF], list[QRectF]]:
    if name == "play":
        return [_triangle(12, 32)], []
    if name == "pause":
        return [], [QRectF(11, 8, 6, 24), QRectF(23, 8, 6, 24)]
    if name == "forward":
        return [_triangle(10, 26)], [QRectF(27, 8, 4, 24)]
    if name == "back":
        return [_triangle(30, 14)], [QRectF(9, 8, 4, 24)]
    if name == "sound":
        speaker = QPolygonF(
            [QPointF(6, 15), QPointF(12, 15), QPointF(20, 8), QPointF(20, 32), QPointF(12, 25)]
        )
        return [speaker, QPolygonF([QPointF(6, 15), QPointF(6, 25), QPointF(12, 25)])], []
    raise ValueError(name)


def _pixmap(name: str, colour: QColor) -> QPixmap:
    pixmap = QPixmap(SIZE, SIZE)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    polygons, rects = _paths(name)
    path = QPainterPath()
    for polygon in polygons:
        path.addPolygon(polygon)
    for rect in rects:
        path.addRect(rect)
    painter.drawPath(path.simplified())
    if name == "sound":  # a cross: no sound
        painter.setPen(QPen(colour, 3, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        painter.drawLine(QPointF(25, 15), QPointF(34, 25))
        painter.drawLine(QPointF(34, 15), QPointF(25, 25))
    painter.end()
    pixmap.setDevicePixelRatio(2.0)
    return pixmap


def media_icon(name: str) -> QIcon:
    """``play``, ``pause``, ``back``, ``forward`` or ``sound`` (struck out): light, dim when
    disabled."""
    icon = QIcon()
    icon.addPixmap(_pixmap(name, LIGHT), QIcon.Mode.Normal)
    icon.addPixmap(_pixmap(name, DIM), QIcon.Mode.Disabled)
    return icon


__all__ = ["media_icon"]
