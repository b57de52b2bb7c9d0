"""The gallery's scroll bar: drawn where the style puts its parts, in the palette's colours,
dragged and clicked as any scroll bar, and painted without handing work to Qt's thread pool."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QSize, QStringListModel, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QStyle, QStyleOptionSlider

from leodesk.ui.grid_scroll_bar import GridScrollBar
from leodesk.ui.grid_view import GridView
from tests.conftest import REPO

_CC = QStyle.ComplexControl.CC_ScrollBar


def _grid(qtbot: Any) -> GridView:
    view = GridView()
    view.setGridSize(QSize(100, 100))
    view.setModel(QStringListModel([f"cell {i}" for i in range(40_000)], view))
    qtbot.addWidget(view)
    view.resize(450, 725)
    view.show()
    qtbot.waitExposed(view)
    return view


def _parts(bar: GridScrollBar) -> tuple[QStyleOptionSlider, Any]:
    opt = QStyleOptionSlider()
    bar.initStyleOption(opt)
    return opt, bar.style().subControlRect(_CC, opt, QStyle.SubControl.SC_ScrollBarSlider, bar)


def _pixel(bar: GridScrollBar, at: QPoint) -> QColor:
    image: QImage = bar.grab().toImage()
    ratio = image.devicePixelRatio()
    return image.pixelColor(int(at.x() * ratio), int(at.y() * ratio))


def test_the_gallery_bar_draws_its_handle_where_the_style_puts_it_and_drags(qtbot: Any) -> None:
    view = _grid(qtbot)
    bar = view.verticalScrollBar()
    assert isinstance(bar, GridScrollBar)
    assert bar.objectName() == "galleryScrollBar" and bar.accessibleName()
    assert bar.maximum() == 10_000 * 100 - view.viewport().height()

    opt, handle = _parts(bar)
    groove, edge, rest = bar.colours(opt)
    assert _pixel(bar, handle.center()) == rest
    below = QPoint(handle.center().x(), handle.bottom() + 40)
    assert _pixel(bar, below) == groove  # the groove below the handle
    assert _pixel(bar, QPoint(0, below.y())) == edge
    assert rest != groove  # the handle stands out from its groove

    # Under the pointer the handle lightens; dragged as a user does, the gallery follows and
    # the handle is drawn where it went.
    start = handle.center()
    QTest.mouseMove(bar, start)
    qtbot.waitUntil(lambda: bar.underMouse())
    hover = bar.colours(_parts(bar)[0])[2]
    assert hover not in (rest, groove) and _pixel(bar, start) == hover
    QTest.mousePress(bar, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    held_opt, _ = _parts(bar)
    held = bar.colours(held_opt)[2]
    assert held not in (rest, hover)  # held, the handle shows it
    end = start + QPoint(0, 300)
    QTest.mouseMove(bar, end)
    qtbot.waitUntil(lambda: bar.value() > 0)
    assert _pixel(bar, end) == held
    QTest.mouseRelease(bar, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    assert bar.value() > bar.maximum() // 3  # 300 px of a ~700 px groove
    first = view.visible_rows()[0]
    assert first >= 4 * (bar.value() // 100) - 4
    _opt, moved = _parts(bar)
    assert moved.top() > handle.bottom()
    assert _pixel(bar, start) == groove  # where the handle was

    # A click in the groove pages towards it, as any scroll bar.
    value = bar.value()
    QTest.mouseClick(bar, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    qtbot.waitUntil(lambda: bar.value() < value)
    assert value - bar.value() == bar.pageStep()


def test_an_empty_or_short_gallery_shows_no_handle(qtbot: Any) -> None:
    bar = GridScrollBar(Qt.Orientation.Vertical)
    qtbot.addWidget(bar)
    bar.resize(14, 300)
    bar.setRange(0, 0)
    bar.show()
    qtbot.waitExposed(bar)
    opt, _handle = _parts(bar)
    groove = bar.colours(opt)[0]
    image = bar.grab().toImage()
    ratio = image.devicePixelRatio()
    middle = {
        image.pixelColor(int(x * ratio), int(y * ratio)).name()
        for x in range(2, 12)
        for y in range(40, 260, 7)
    }
    assert middle == {groove.name()}


POOL_DRIVER = """
import os
import sys

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QScrollBar

from leodesk.ui.grid_scroll_bar import GridScrollBar

app = QApplication(["leodesk", "-style", "Fusion"])
bar = (GridScrollBar if sys.argv[1] == "grid" else QScrollBar)(Qt.Orientation.Vertical)
bar.setRange(0, 1_000_000)
bar.resize(14, 725)
bar.show()
for value in range(0, 1_000_000, 25_000):  # scrolling at speed: a repaint a frame
    bar.setValue(value)
    bar.repaint()
    app.processEvents()
names = [open(f"/proc/self/task/{t}/comm").read().strip() for t in os.listdir("/proc/self/task")]
print(sum(name == "Thread (pooled)" for name in names))
"""


def test_painting_the_gallery_bar_hands_no_fill_to_qts_thread_pool() -> None:
    """Qt starts its GUI thread pool's threads the first time a fill is handed to them: a
    process that painted only the bar, scrolling, has none; the style's own bar starts them
    (which shows the check can fail)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("thread names are read from /proc")
    counts = {}
    for kind in ("grid", "style"):
        run = subprocess.run(
            [sys.executable, "-c", POOL_DRIVER, kind],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        )
        assert run.returncode == 0, run.stderr
        counts[kind] = int(run.stdout.split()[-1])
    assert counts == {"grid": 0, "style": counts["style"]} and counts["style"] >= 1
