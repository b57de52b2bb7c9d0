"""The gallery's cell fills are made in bands of fewer than 96 lines (Qt's raster engine hands
taller fills to its GUI thread pool and waits for it: long frames while scrolling on two busy
cores); banded, the fill covers exactly the rectangle."""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QImage, QPainter

from leodesk.ui.fills import FILL_BAND, fill_banded


def test_a_banded_fill_covers_exactly_its_rectangle(qapp: object) -> None:
    assert FILL_BAND < 96
    image = QImage(300, 400, QImage.Format.Format_RGB32)
    image.fill(QColor(0, 0, 0))
    painter = QPainter(image)
    rect = QRect(17, 5, 170, 3 * FILL_BAND + 11)  # not a whole number of bands
    fill_banded(painter, rect, QColor(200, 40, 10))
    painter.end()
    red = QColor(200, 40, 10).rgb()
    black = QColor(0, 0, 0).rgb()
    for y in range(0, 400):
        for x in (16, 17, 100, 186, 187):
            inside = rect.contains(x, y)
            assert image.pixel(x, y) == (red if inside else black), (x, y)
