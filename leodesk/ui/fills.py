"""Fills that stay on the painting thread.

Qt's raster engine hands a fill of 96 lines or more to its GUI thread pool and waits for the
pool's threads (QT_THREAD_PARALLEL_FILLS in qdrawhelper.cpp): on two cores busy decoding
thumbnails, those waits are where a scrolling frame ran long (a native profile of the gallery
benchmark: the GUI thread in QLatch::wait under the cells' and the scroll bar's fills). Filled in
bands of fewer lines, the engine draws them on the painting thread.
"""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QPainter

__all__ = ["FILL_BAND", "fill_banded"]

FILL_BAND = 64


def fill_banded(painter: QPainter, rect: QRect, colour: QColor) -> None:
    """``painter.fillRect(rect, colour)``, in bands of at most FILL_BAND lines."""
    x, width, y, bottom = rect.x(), rect.width(), rect.top(), rect.bottom()
    while y <= bottom:
        lines = min(FILL_BAND, bottom - y + 1)
        painter.fillRect(x, y, width, lines, colour)
        y += lines
