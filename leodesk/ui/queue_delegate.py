"""QueueDelegate: the queue panel's rows, with a header line above each batch of jobs."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QFont, QPainter, QPalette
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

from leodesk.qt.models.queue_model import HEADER_ROLE

_Index = QModelIndex | QPersistentModelIndex


class QueueDelegate(QStyledItemDelegate):
    """Paints a row as usual, below a bold "Batch · … · N jobs" line when it starts a batch."""

    def _header_height(self, option: QStyleOptionViewItem) -> int:
        return int(option.fontMetrics.height() + 6)

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        size = super().sizeHint(option, index)
        if index.data(HEADER_ROLE):
            size.setHeight(size.height() + self._header_height(option))
        return size

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        header = index.data(HEADER_ROLE)
        if not header:
            super().paint(painter, option, index)
            return
        rect: QRect = option.rect
        height = self._header_height(option)
        top = QRect(rect.left(), rect.top(), rect.width(), height)
        painter.save()
        font = QFont(option.font)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(option.palette.color(QPalette.ColorRole.PlaceholderText))
        painter.drawText(
            top.adjusted(4, 3, -4, 0),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            option.fontMetrics.elidedText(
                str(header), Qt.TextElideMode.ElideRight, max(0, top.width() - 8)
            ),
        )
        painter.restore()
        row = QStyleOptionViewItem(option)
        row.rect = QRect(rect.left(), rect.top() + height, rect.width(), rect.height() - height)
        super().paint(painter, row, index)


def header_text(model: Any, row: int) -> str | None:
    """The batch header shown above ``row`` (for tests and accessibility)."""
    value = model.index(row, 0).data(HEADER_ROLE)
    return str(value) if value else None
