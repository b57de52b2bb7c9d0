"""Brush dabs for the canvas: round stamps with a soft edge, cached, spaced along a stroke."""

from __future__ import annotations

import math
from collections import OrderedDict

from PySide6.QtCore import QPointF, QRect, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QRadialGradient

__all__ = ["DabCache", "dab_positions", "make_dab"]

SPACING = 0.12  # of the brush's diameter, between two dabs of a stroke


def make_dab(size: int, hardness: float, colour: QColor) -> QImage:
    """A ``size`` × ``size`` round stamp of ``colour``: opaque up to ``hardness`` of its radius,
    then fading to nothing at its edge (a hardness of 1 leaves a one-pixel anti-aliased rim)."""
    size = max(1, size)
    dab = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    dab.fill(Qt.GlobalColor.transparent)
    r = size / 2
    p = QPainter(dab)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    if size <= 2:
        p.fillRect(dab.rect(), colour)
    elif hardness >= 0.999:
        p.setBrush(colour)
        p.drawEllipse(QPointF(r, r), r, r)
    else:
        g = QRadialGradient(QPointF(r, r), r)
        clear = QColor(colour)
        clear.setAlpha(0)
        g.setColorAt(0.0, colour)
        g.setColorAt(max(0.0, min(hardness, 0.99)), colour)
        g.setColorAt(1.0, clear)
        p.setBrush(g)
        p.drawEllipse(QPointF(r, r), r, r)
    p.end()
    return dab


class DabCache:
    """The last few dabs made (size, hardness and colour are the key)."""

    def __init__(self, keep: int = 8) -> None:
        self.keep = keep
        self._dabs: OrderedDict[tuple[int, int, int], QImage] = OrderedDict()

    def get(self, size: int, hardness: float, colour: QColor) -> QImage:
        key = (size, round(hardness * 100), colour.rgba())
        dab = self._dabs.get(key)
        if dab is None:
            dab = make_dab(size, hardness, colour)
            self._dabs[key] = dab
            while len(self._dabs) > self.keep:
                self._dabs.popitem(last=False)
        else:
            self._dabs.move_to_end(key)
        return dab


def dab_positions(
    start: QPointF, end: QPointF, spacing: float, carry: float
) -> tuple[list[QPointF], float]:
    """Where the dabs go on the segment ``start`` → ``end`` (the dab at ``start`` is already
    down), one every ``spacing`` pixels, ``carry`` pixels already covered since the last dab.
    Returns the positions and the distance left over after the last one."""
    dx, dy = end.x() - start.x(), end.y() - start.y()
    length = math.hypot(dx, dy)
    spacing = max(spacing, 0.5)
    if length == 0:
        return [], carry
    out = []
    d = spacing - carry
    while d <= length:
        t = d / length
        out.append(QPointF(start.x() + dx * t, start.y() + dy * t))
        d += spacing
    return out, length - (d - spacing)


def dab_rect(centre: QPointF, size: int) -> QRect:
    """The pixels a dab of ``size`` centred on ``centre`` covers."""
    left = math.floor(centre.x() - size / 2 + 0.5)
    top = math.floor(centre.y() - size / 2 + 0.5)
    return QRect(left, top, max(1, size), max(1, size))
