"""GridScrollBar: the gallery's scroll bar, painted with opaque rectangle fills only.

While the gallery scrolls, its scroll bar repaints every frame. The style's scroll bar draws the
groove and handle with gradients and lines the height of the bar, which Qt hands to its GUI
thread pool and waits for (see :mod:`leodesk.ui.fills`). This bar draws its groove, edge and
handle as opaque rectangles, the tall ones in bands (:func:`~leodesk.ui.fills.fill_banded`),
with colours from the palette (light and dark themes), and leaves the geometry, the arrows and
the mouse to the style and QScrollBar.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QCursor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QScrollBar, QStyle, QStyleOptionSlider, QWidget

from leodesk.ui.fills import fill_banded

__all__ = ["GridScrollBar", "mix"]

_CC = QStyle.ComplexControl.CC_ScrollBar
_SC = QStyle.SubControl
_PE = QStyle.PrimitiveElement
#: (vertical, button) -> the arrow drawn in it
_ARROWS = {
    (True, _SC.SC_ScrollBarSubLine): _PE.PE_IndicatorArrowUp,
    (True, _SC.SC_ScrollBarAddLine): _PE.PE_IndicatorArrowDown,
    (False, _SC.SC_ScrollBarSubLine): _PE.PE_IndicatorArrowLeft,
    (False, _SC.SC_ScrollBarAddLine): _PE.PE_IndicatorArrowRight,
}
#: How far from the groove's colour towards the text's the handle is: at rest, under the
#: pointer, held.
HANDLE_TONE = (0.30, 0.42, 0.55)
INSET = 2  # the handle's margin to the groove's long sides (px)


def mix(a: QColor, b: QColor, t: float) -> QColor:
    """``a`` moved ``t`` of the way to ``b`` (opaque)."""
    return QColor(
        round(a.red() + (b.red() - a.red()) * t),
        round(a.green() + (b.green() - a.green()) * t),
        round(a.blue() + (b.blue() - a.blue()) * t),
    )


class GridScrollBar(QScrollBar):
    """A QScrollBar that paints its groove and handle itself (see the module's note)."""

    def __init__(self, orientation: Qt.Orientation, parent: QWidget | None = None) -> None:
        super().__init__(orientation, parent)
        self.setObjectName("galleryScrollBar")
        self.setAccessibleName(self.tr("Gallery position"))

    def colours(self, opt: QStyleOptionSlider) -> tuple[QColor, QColor, QColor]:
        """The groove's, its edge line's and the handle's colours, from the palette; the
        handle's as it is now (held, under the pointer, at rest)."""
        pal = self.palette()
        window = pal.color(QPalette.ColorRole.Window)
        groove = QColor(window.darker(106).rgb())  # 8 bits a channel, as painted
        if not self.isEnabled():
            tone = HANDLE_TONE[0] / 2
        elif self.isSliderDown():
            tone = HANDLE_TONE[2]
        elif self.underMouse() and self.handle_rect(opt).contains(
            self.mapFromGlobal(QCursor.pos())
        ):
            tone = HANDLE_TONE[1]
        else:
            tone = HANDLE_TONE[0]
        handle = mix(groove, pal.color(QPalette.ColorRole.WindowText), tone)
        return groove, QColor(window.darker(125).rgb()), handle

    def handle_rect(self, opt: QStyleOptionSlider) -> QRect:
        return self.style().subControlRect(_CC, opt, _SC.SC_ScrollBarSlider, self)

    def paintEvent(self, event: QPaintEvent) -> None:
        opt = QStyleOptionSlider()
        self.initStyleOption(opt)
        style = self.style()
        groove, edge, handle_colour = self.colours(opt)
        painter = QPainter(self)
        fill_banded(painter, self.rect(), groove)
        vertical = self.orientation() == Qt.Orientation.Vertical
        # the line between the bar and what it scrolls
        edge_line = QRect(0, 0, 1, self.height()) if vertical else QRect(0, 0, self.width(), 1)
        fill_banded(painter, edge_line, edge)
        handle = self.handle_rect(opt)
        if self.maximum() > self.minimum() and handle.isValid():
            self._paint_handle(painter, handle, handle_colour, vertical)
        for part in (_SC.SC_ScrollBarSubLine, _SC.SC_ScrollBarAddLine):
            button = style.subControlRect(_CC, opt, part, self)
            if not button.isEmpty():
                arrow_opt = QStyleOptionSlider(opt)
                arrow_opt.rect = button
                style.drawPrimitive(_ARROWS[vertical, part], arrow_opt, painter, self)
        painter.end()

    @staticmethod
    def _paint_handle(painter: QPainter, r: QRect, colour: QColor, vertical: bool) -> None:
        """The handle inset from the long sides, its ends rounded by two stepped lines: every
        part an opaque rectangle."""
        if vertical:
            x, w = r.x() + INSET + 1, r.width() - 2 * INSET - 1  # + 1: the edge line
            y, h = r.y() + 1, r.height() - 2
            fill_banded(painter, QRect(x, y + 2, w, h - 4), colour)
            painter.fillRect(x + 1, y + 1, w - 2, 1, colour)
            painter.fillRect(x + 1, y + h - 2, w - 2, 1, colour)
            painter.fillRect(x + 2, y, w - 4, 1, colour)
            painter.fillRect(x + 2, y + h - 1, w - 4, 1, colour)
        else:
            y, h = r.y() + INSET + 1, r.height() - 2 * INSET - 1
            x, w = r.x() + 1, r.width() - 2
            painter.fillRect(x + 2, y, w - 4, h, colour)
            painter.fillRect(x + 1, y + 1, 1, h - 2, colour)
            painter.fillRect(x + w - 2, y + 1, 1, h - 2, colour)
            painter.fillRect(x, y + 2, 1, h - 4, colour)
            painter.fillRect(x + w - 1, y + 2, 1, h - 4, colour)
