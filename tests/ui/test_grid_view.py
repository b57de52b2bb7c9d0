"""The grid under the gallery: where each cell is, the scroll bar, keys, clicks, the band."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, QSize, QStringListModel, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView

from leodesk.ui.grid_view import GridView
from tests.ui.helpers import selected_rows

CELL = 100


def _grid(qtbot: Any, rows: int, width: int = 450, height: int = 300) -> GridView:
    """A grid of ``rows`` cells, 4 to a line (450 px: 50 px to spare on the right)."""
    view = GridView()
    view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    view.setGridSize(QSize(CELL, CELL))
    view.setModel(QStringListModel([f"cell {i}" for i in range(rows)], view))
    view.setFrameShape(view.Shape.NoFrame)
    qtbot.addWidget(view)
    view.resize(width, height)
    view.show()
    qtbot.waitExposed(view)
    return view


def _center(view: GridView, row: int) -> QPoint:
    return view.visualRect(view.model().index(row, 0)).center()


def test_a_library_spans_the_scroll_bar_at_once_and_a_jump_lands(qtbot: Any) -> None:
    view = _grid(qtbot, 100_000)
    bar = view.verticalScrollBar()
    # no layout pass to wait for: 25,000 lines of 100 px, less the 300 px on screen
    assert view.columns() == 4
    assert bar.maximum() == 25_000 * CELL - 300
    model = view.model()
    view.scrollTo(model.index(77_777, 0), QAbstractItemView.ScrollHint.PositionAtTop)
    rect = view.visualRect(model.index(77_777, 0))
    assert rect == view.visualRect(model.index(77_776, 0)).translated(CELL, 0)
    assert rect.top() == 0 and view.indexAt(rect.center()).row() == 77_777
    # the 50 px past the last column and the space after the last cell are no cell
    assert not view.indexAt(QPoint(420, 10)).isValid()
    view.scrollTo(model.index(99_999, 0))
    assert view.visible_rows()[1] == 99_999

    # rows added at the top (a new generation) and removed: the range follows at once
    model.insertRows(0, 8)
    assert bar.maximum() == 25_002 * CELL - 300
    model.removeRows(0, 4000)
    assert bar.maximum() == 24_002 * CELL - 300


def test_keys_move_in_reading_order(qtbot: Any) -> None:
    view = _grid(qtbot, 10)  # lines: 0-3, 4-7, 8-9
    view.setFocus()
    model = view.model()
    view.setCurrentIndex(model.index(2, 0))
    moves = [
        (Qt.Key.Key_Right, 3),
        (Qt.Key.Key_Right, 4),  # on to the next line
        (Qt.Key.Key_Down, 8),
        (Qt.Key.Key_Down, 8),  # the last line: stays
        (Qt.Key.Key_Up, 4),
        (Qt.Key.Key_Right, 5),
        (Qt.Key.Key_Right, 6),
        (Qt.Key.Key_Down, 9),  # below is past the end: the last cell of the shorter line
        (Qt.Key.Key_Home, 0),
        (Qt.Key.Key_Up, 0),
        (Qt.Key.Key_End, 9),
    ]
    for key, row in moves:
        qtbot.keyClick(view, key)
        assert view.currentIndex().row() == row, key
    # shift + arrows select from where the selection started, in reading order
    view.setCurrentIndex(model.index(2, 0))
    qtbot.keyClick(view, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert selected_rows(view) == [2, 3, 4, 5, 6]


def test_clicks_and_the_rubber_band_select_what_the_user_sees(qtbot: Any) -> None:
    view = _grid(qtbot, 30)
    vp = view.viewport()
    qtbot.mouseClick(vp, Qt.MouseButton.LeftButton, pos=_center(view, 6))
    assert selected_rows(view) == [6]
    shift = Qt.KeyboardModifier.ShiftModifier
    qtbot.mouseClick(vp, Qt.MouseButton.LeftButton, shift, _center(view, 9))
    assert selected_rows(view) == [6, 7, 8, 9]  # across the line's end, not a rectangle
    control = Qt.KeyboardModifier.ControlModifier
    qtbot.mouseClick(vp, Qt.MouseButton.LeftButton, control, _center(view, 1))
    assert selected_rows(view) == [1, 6, 7, 8, 9]

    # a press on no cell (the strip right of the last column), a drag over three lines
    before = vp.grab().toImage()
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=QPoint(430, 20))
    qtbot.mouseMove(vp, QPoint(300, 120))
    qtbot.mouseMove(vp, QPoint(150, 250))
    during = vp.grab().toImage()
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=QPoint(150, 250))
    # columns 1-3 of lines 0-2
    assert selected_rows(view) == [1, 2, 3, 5, 6, 7, 9, 10, 11]
    # the band was on screen while dragging (seen where no cell is), and is gone after
    after = vp.grab().toImage()
    assert QColor(during.pixel(420, 150)) != QColor(before.pixel(420, 150))
    assert QColor(after.pixel(420, 150)) == QColor(before.pixel(420, 150))


def test_a_narrower_window_keeps_the_first_line_on_screen(qtbot: Any) -> None:
    view = _grid(qtbot, 1000)
    model = view.model()
    view.scrollTo(model.index(400, 0), QAbstractItemView.ScrollHint.PositionAtTop)
    assert view.visible_rows()[0] == 400
    view.resize(250, 300)  # 2 columns: row 400 starts line 200
    qtbot.waitUntil(lambda: view.columns() == 2)
    assert view.visible_rows()[0] == 400
    assert view.visualRect(model.index(400, 0)).topLeft() == QPoint(0, 0)
    view.setGridSize(QSize(50, 50))  # 5 columns: row 400 starts line 80
    assert view.visible_rows()[0] == 400
