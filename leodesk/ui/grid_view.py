"""GridView: an item view of equal square cells in rows that fill the width.

Where a row is drawn is arithmetic (row → column and line), so nothing is laid out: a library
of any size spans its scroll bar as soon as it is counted, a jump lands at once, and a change
to many rows costs the rows on screen only. ``QListView`` lays every row out first, asking
the model about each (in Python: ~1.2 µs a row, ~0.2 s for 100k rows), and re-lays them out
in batches after every insert, which left a jump made meanwhile at the wrong place.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import (
    QAbstractItemModel,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
)
from PySide6.QtGui import QMouseEvent, QPainter, QPaintEvent, QPalette, QRegion
from PySide6.QtWidgets import (
    QAbstractItemView,
    QStyle,
    QStyleOptionViewItem,
    QWidget,
)

from leodesk.ui.grid_scroll_bar import GridScrollBar

__all__ = ["GridView"]

_Index = QModelIndex | QPersistentModelIndex
_Action = QAbstractItemView.CursorAction


class GridView(QAbstractItemView):
    """Cells of ``gridSize()`` from the top left, left to right, as many to a line as fit."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # The viewport is made here rather than by Qt: the first viewport() call would hand
        # Python a widget Qt made, and PySide works out the class of such a widget by setting
        # up every widget class of QtWidgets that has enums (~33 enums, ~5 ms), on the way to
        # the gallery's first paint. What Qt's own viewport has is set on this one.
        viewport = QWidget()
        viewport.setObjectName("qt_scrollarea_viewport")
        viewport.setBackgroundRole(QPalette.ColorRole.Base)
        viewport.setAutoFillBackground(True)
        self.setViewport(viewport)
        self.setVerticalScrollBar(GridScrollBar(Qt.Orientation.Vertical, self))
        self._cell = QSize(100, 100)
        self._columns = 0  # columns at the last geometry update (to keep the place on resize)
        self._press: QPoint | None = None  # where a rubber band started (content coordinates)
        self._band = QRect()
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    # -- geometry -------------------------------------------------------------------------------
    def gridSize(self) -> QSize:
        return QSize(self._cell)

    def setGridSize(self, size: QSize) -> None:
        """New cells; the first line on screen stays the first line on screen."""
        if size == self._cell or size.width() < 1 or size.height() < 1:
            return
        first = self._first_row()
        self._cell = QSize(size)
        self._columns = self.columns()
        self._update_range()
        self.verticalScrollBar().setValue((first // self.columns()) * self._cell.height())
        self.viewport().update()

    def columns(self) -> int:
        return max(1, self.viewport().width() // self._cell.width())

    def _count(self) -> int:
        model = self.model()
        return model.rowCount(self.rootIndex()) if model is not None else 0

    def _first_row(self) -> int:
        columns = self._columns or self.columns()
        return (self.verticalScrollBar().value() // self._cell.height()) * columns

    def _cell_rect(self, row: int, columns: int, top: int) -> QRect:
        w, h = self._cell.width(), self._cell.height()
        col = row % columns
        x = self.viewport().width() - (col + 1) * w if self.isRightToLeft() else col * w
        return QRect(x, (row // columns) * h - top, w, h)

    def visible_rows(self) -> tuple[int, int]:
        """First and last row with a cell in the viewport (-1, -1 when empty)."""
        return self._rows_in(0, self.viewport().height() - 1)

    def _rows_in(self, y0: int, y1: int) -> tuple[int, int]:
        """The rows whose lines cross viewport lines ``y0``..``y1`` (-1, -1 when none)."""
        n = self._count()
        if n == 0 or y1 < y0:
            return -1, -1
        columns, h, top = self.columns(), self._cell.height(), self.verticalOffset()
        lo = max(0, (y0 + top) // h) * columns
        hi = min(n - 1, (max(0, y1 + top) // h + 1) * columns - 1)
        return (lo, hi) if lo <= hi else (-1, -1)

    def updateGeometries(self) -> None:
        columns = self.columns()
        if self._columns and columns != self._columns:  # narrower or wider: keep the place
            first = self._first_row()
            self._columns = columns
            self._update_range()
            self.verticalScrollBar().setValue((first // columns) * self._cell.height())
        else:
            self._columns = columns
            self._update_range()
        super().updateGeometries()

    def _update_range(self) -> None:
        lines = -(-self._count() // self.columns())
        height = self.viewport().height()
        bar = self.verticalScrollBar()
        bar.setPageStep(max(1, height))
        bar.setRange(0, max(0, lines * self._cell.height() - height))

    # -- QAbstractItemView's geometry API -------------------------------------------------------
    def visualRect(self, index: _Index) -> QRect:
        if not self._ours(index):
            return QRect()
        return self._cell_rect(index.row(), self.columns(), self.verticalOffset())

    def _ours(self, index: _Index) -> bool:
        return (
            index.isValid()
            and index.model() is self.model()
            and index.parent() == self.rootIndex()
            and index.column() == 0
        )

    def indexAt(self, point: QPoint) -> QModelIndex:
        model = self.model()
        w, h = self._cell.width(), self._cell.height()
        x = point.x()
        if self.isRightToLeft():
            x = self.viewport().width() - 1 - x
        y = point.y() + self.verticalOffset()
        if model is None or x < 0 or y < 0:
            return QModelIndex()
        columns = self.columns()
        col = x // w
        row = (y // h) * columns + col
        if col >= columns or row >= self._count():
            return QModelIndex()
        return model.index(row, 0, self.rootIndex())

    def scrollTo(
        self,
        index: _Index,
        hint: QAbstractItemView.ScrollHint = QAbstractItemView.ScrollHint.EnsureVisible,
    ) -> None:
        if not self._ours(index):
            return
        self._update_range()
        h, height = self._cell.height(), self.viewport().height()
        top = (index.row() // self.columns()) * h
        bar = self.verticalScrollBar()
        value = bar.value()
        hints = QAbstractItemView.ScrollHint
        if hint == hints.PositionAtTop:
            value = top
        elif hint == hints.PositionAtBottom:
            value = top + h - height
        elif hint == hints.PositionAtCenter:
            value = top + (h - height) // 2
        elif top < value:
            value = top
        elif top + h > value + height:
            value = top + h - height
        bar.setValue(value)

    def horizontalOffset(self) -> int:
        return 0

    def verticalOffset(self) -> int:
        return int(self.verticalScrollBar().value())

    def isIndexHidden(self, index: _Index) -> bool:
        return False

    def moveCursor(self, cursorAction: _Action, modifiers: Qt.KeyboardModifier) -> QModelIndex:
        model = self.model()
        n = self._count()
        if model is None or n == 0:
            return QModelIndex()
        current = self.currentIndex()
        if not current.isValid():
            return model.index(0, 0, self.rootIndex())
        row, columns = current.row(), self.columns()
        page = max(1, self.viewport().height() // self._cell.height()) * columns
        left, right = (1, -1) if self.isRightToLeft() else (-1, 1)
        step = {
            _Action.MoveLeft: left,
            _Action.MoveRight: right,
            _Action.MovePrevious: -1,
            _Action.MoveNext: 1,
            _Action.MoveUp: -columns,
            _Action.MoveDown: columns,
            _Action.MovePageUp: -page,
            _Action.MovePageDown: page,
        }
        if cursorAction == _Action.MoveHome:
            row = 0
        elif cursorAction == _Action.MoveEnd:
            row = n - 1
        elif cursorAction in step:
            target = row + step[cursorAction]
            if cursorAction == _Action.MoveDown and target >= n:
                # onto the last, shorter line if there is one below; else stay
                target = n - 1 if row // columns < (n - 1) // columns else row
            elif cursorAction == _Action.MoveUp and target < 0:
                target = row
            row = max(0, min(n - 1, target))
        return model.index(row, 0, self.rootIndex())

    def setSelection(self, rect: QRect, command: QItemSelectionModel.SelectionFlag) -> None:
        model, selection_model = self.model(), self.selectionModel()
        if model is None or selection_model is None:
            return
        if (
            rect.width() == 1 and rect.height() == 1
        ) or self.state() == self.State.DragSelectingState:
            selection = self._selection_in(rect.normalized())  # a click, a rubber band
        else:  # shift with a click or a key: the cells from one corner's to the other's in order
            a = self.indexAt(QPoint(rect.left(), rect.top()))
            b = self.indexAt(QPoint(rect.right(), rect.bottom()))
            selection = QItemSelection()
            if a.isValid() and b.isValid():
                first, last = sorted((a, b), key=QModelIndex.row)
                selection.select(first, last)
        selection_model.select(selection, command)

    def _selection_in(self, rect: QRect) -> QItemSelection:
        """The cells a viewport rectangle touches: one range per line (one in all when the
        rectangle spans whole lines)."""
        selection = QItemSelection()
        model, n = self.model(), self._count()
        if model is None or n == 0:
            return selection
        w, h, columns = self._cell.width(), self._cell.height(), self.columns()
        left, right = rect.left(), rect.right()
        if self.isRightToLeft():
            width = self.viewport().width() - 1
            left, right = width - right, width - left
        c0, c1 = max(0, left // w), min(columns - 1, right // w)
        top = self.verticalOffset()
        l0, l1 = max(0, (rect.top() + top) // h), (rect.bottom() + top) // h
        if c0 > c1 or l0 > l1:
            return selection
        root = self.rootIndex()
        if c0 == 0 and c1 == columns - 1:
            last = min(n - 1, l1 * columns + columns - 1)
            if l0 * columns <= last:
                selection.select(model.index(l0 * columns, 0, root), model.index(last, 0, root))
            return selection
        for line in range(l0, l1 + 1):
            a, b = line * columns + c0, min(n - 1, line * columns + c1)
            if a > b:
                break
            selection.select(model.index(a, 0, root), model.index(b, 0, root))
        return selection

    def visualRegionForSelection(self, selection: QItemSelection) -> QRegion:
        region = QRegion()
        lo, hi = self.visible_rows()
        if lo < 0:
            return region
        columns, top = self.columns(), self.verticalOffset()
        for k in range(selection.size()):
            selected = selection.at(k)
            first, last = max(lo, selected.top()), min(hi, selected.bottom())
            line = first // columns if first <= last else 1
            while first <= last:
                end = min(last, line * columns + columns - 1)
                a, b = self._cell_rect(first, columns, top), self._cell_rect(end, columns, top)
                region += a.united(b)
                first, line = end + 1, line + 1
        return region

    # -- changes from the model: nothing to lay out, only the range and the cells on screen ----
    def rowsInserted(self, parent: _Index, start: int, end: int) -> None:
        super().rowsInserted(parent, start, end)
        self._changed_rows()

    def setModel(self, model: QAbstractItemModel | None) -> None:
        old = self.model()
        if old is not None:
            old.rowsRemoved.disconnect(self._changed_rows)
        super().setModel(model)
        new = self.model()
        if new is not None:
            new.rowsRemoved.connect(self._changed_rows)
        self._changed_rows()

    def reset(self) -> None:
        super().reset()
        self._changed_rows()

    def doItemsLayout(self) -> None:
        """What Qt calls after a layout change (the model's rows reordered)."""
        super().doItemsLayout()
        self._changed_rows()

    def _changed_rows(self, *_args: object) -> None:
        self._update_range()
        self.viewport().update()

    def dataChanged(
        self,
        topLeft: _Index,
        bottomRight: _Index,
        /,
        roles: Sequence[int] = (),
    ) -> None:
        """Repaint the changed cells that are on screen; the others paint anew when shown."""
        lo, hi = self.visible_rows()
        first, last = max(lo, topLeft.row()), min(hi, bottomRight.row())
        if lo < 0 or first > last:
            return
        columns, top = self.columns(), self.verticalOffset()
        a, b = self._cell_rect(first, columns, top), self._cell_rect(last, columns, top)
        if first // columns == last // columns:
            self.viewport().update(a.united(b))
        else:  # several lines: their whole width
            width = self.viewport().width()
            self.viewport().update(QRect(0, a.top(), width, b.bottom() - a.top() + 1))

    # -- painting -------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        model, delegate = self.model(), self.itemDelegate()
        area = event.rect()
        lo, hi = self._rows_in(area.top(), area.bottom())
        painter = QPainter(self.viewport())
        if model is not None and lo >= 0:
            option = QStyleOptionViewItem()
            self.initViewItemOption(option)
            base = option.state & ~QStyle.StateFlag.State_HasFocus
            selection = self.selectionModel()
            current = self.currentIndex()
            focus = self.hasFocus()
            columns, top, root = self.columns(), self.verticalOffset(), self.rootIndex()
            for row in range(lo, hi + 1):
                index = model.index(row, 0, root)
                state = base
                if selection is not None and selection.isSelected(index):
                    state |= QStyle.StateFlag.State_Selected
                if focus and index == current:
                    state |= QStyle.StateFlag.State_HasFocus
                option.state = state
                option.rect = self._cell_rect(row, columns, top)
                delegate.paint(painter, option, index)
        if self._band.isValid():
            from PySide6.QtWidgets import QStyleOptionRubberBand  # on first use (not at start-up)

            band = QStyleOptionRubberBand()
            band.initFrom(self)
            band.shape = band.shape.Rectangle
            band.opaque = False
            band.rect = self._band
            painter.save()
            self.style().drawControl(QStyle.ControlElement.CE_RubberBand, band, painter)
            painter.restore()
        painter.end()

    # -- the rubber band (a press on no cell, then a drag) --------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        super().mousePressEvent(event)
        pos = event.position().toPoint()
        on_cell = self.indexAt(pos).isValid()
        left = event.button() == Qt.MouseButton.LeftButton
        self._press = pos + QPoint(0, self.verticalOffset()) if left and not on_cell else None

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        super().mouseMoveEvent(event)
        if self._press is None or self.state() != QAbstractItemView.State.DragSelectingState:
            return
        start = self._press - QPoint(0, self.verticalOffset())
        old, self._band = self._band, QRect(start, event.position().toPoint()).normalized()
        self.viewport().update(old.united(self._band).adjusted(-2, -2, 2, 2))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        self._press = None
        if self._band.isValid():
            self.viewport().update(self._band.adjusted(-2, -2, 2, 2))
            self._band = QRect()
