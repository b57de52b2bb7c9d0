"""The canvas view driven with real mouse and key events: painting, erasing, brush keys, zoom,
pan, outpaint handles, undo / redo."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QPointF, QSize, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget

from tests.ui.canvas_helpers import (
    at_image,
    drag,
    line,
    mask_at,
    mask_bytes,
    open_canvas,
    view_of,
)
from tests.ui.helpers import activate, child, wheel


@pytest.fixture
def window(qtbot: Any) -> Iterator[Any]:
    w = open_canvas(qtbot)
    yield w
    w.close()


def near(a: QPointF, b: QPointF) -> bool:
    return abs(a.x() - b.x()) < 1e-6 and abs(a.y() - b.y()) < 1e-6


def set_size(qtbot: Any, window: Any, size: int) -> None:
    spin = child(window, QWidget, "brushSizeSpin")
    spin.setFocus()
    QTest.keyClick(spin, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(spin, str(size))
    assert window.doc.brush_size == size


def test_a_mouse_stroke_masks_where_it_went_and_nowhere_else(qtbot: Any, window: Any) -> None:
    view = view_of(window)
    set_size(qtbot, window, 20)
    hardness = child(window, QWidget, "brushHardnessSlider")
    hardness.setValue(100)
    assert window.doc.hardness == 1.0
    drag(qtbot, view, line(at_image(view, 100, 200), at_image(view, 400, 200)))
    assert all(mask_at(window, x, 200) == 255 for x in range(100, 401, 10))
    assert mask_at(window, 250, 150) == 0 and mask_at(window, 250, 250) == 0
    assert mask_at(window, 60, 200) == 0 and mask_at(window, 440, 200) == 0
    rows = window.doc.export_mask()
    # nothing outside a band of the brush's radius (plus a pixel of mapping) around the line
    for y in (0, 50, 100, 180, 220, 300, 383):
        assert all(rows.pixelColor(x, y).red() == 0 for x in range(0, 512, 4)), y


def test_the_eraser_tool_removes_mask(qtbot: Any, window: Any) -> None:
    view = view_of(window)
    qtbot.mouseClick(child(window, QWidget, "fillMaskButton"), Qt.MouseButton.LeftButton)
    assert mask_at(window, 256, 192) == 255
    qtbot.mouseClick(child(window, QWidget, "maskEraserTool"), Qt.MouseButton.LeftButton)
    set_size(qtbot, window, 40)
    drag(qtbot, view, line(at_image(view, 256, 20), at_image(view, 256, 360)))
    assert mask_at(window, 256, 192) == 0 and mask_at(window, 100, 192) == 255


def test_colour_swatch_paints_the_sketch_in_its_colour(qtbot: Any, window: Any) -> None:
    view = view_of(window)
    qtbot.mouseClick(child(window, QWidget, "colourSwatch6"), Qt.MouseButton.LeftButton)
    assert window.view.tool == "colour-brush"
    assert child(window, QWidget, "colourBrushTool").isChecked()
    drag(qtbot, view, line(at_image(view, 50, 50), at_image(view, 200, 50)))
    assert window.doc.sketch.pixelColor(120, 50) == QColor("#2f6fd6")
    assert window.doc.mask_is_empty()


def test_brackets_resize_the_brush_and_the_spin_box_follows(qtbot: Any, window: Any) -> None:
    view = view_of(window)
    spin = child(window, QWidget, "brushSizeSpin")
    set_size(qtbot, window, 50)
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_BracketRight)
    assert spin.value() == window.doc.brush_size == 60
    QTest.keyClick(view, Qt.Key.Key_BracketLeft)
    QTest.keyClick(view, Qt.Key.Key_BracketLeft)
    assert spin.value() == window.doc.brush_size == 42
    for _ in range(40):
        QTest.keyClick(view, Qt.Key.Key_BracketLeft)
    assert spin.value() == 1


def test_wheel_zoom_keeps_the_point_under_the_cursor_and_paints_there(
    qtbot: Any, window: Any
) -> None:
    view = view_of(window)
    set_size(qtbot, window, 6)
    cursor = at_image(view, 300, 100)
    under = view.map_to_image(QPointF(cursor))
    scale = view.scale
    wheel(view, QPointF(cursor), 3)
    assert view.scale == pytest.approx(scale * 1.25**3)
    assert near(view.map_to_image(QPointF(cursor)), under)
    drag(qtbot, view, [cursor, cursor])
    assert mask_at(window, 300, 100) == 255
    assert mask_at(window, 300, 110) == 0 and mask_at(window, 310, 100) == 0
    assert child(window, QWidget, "zoomLabel").text() == f"{view.scale * 100:.0f}%"


def test_middle_drag_pans_and_painting_follows(qtbot: Any, window: Any) -> None:
    view = view_of(window)
    set_size(qtbot, window, 6)
    start = at_image(view, 200, 200)
    under = view.map_to_image(QPointF(start))
    drag(qtbot, view, line(start, start + QPoint(60, -40), 4), Qt.MouseButton.MiddleButton)
    assert mask_bytes(window).count(0) == len(mask_bytes(window))  # panning paints nothing
    assert near(view.map_to_image(QPointF(start + QPoint(60, -40))), under)
    target = at_image(view, 50, 300)
    drag(qtbot, view, [target, target])
    assert mask_at(window, 50, 300) == 255


def test_space_drag_pans_too(qtbot: Any, window: Any) -> None:
    view = view_of(window)
    view.setFocus()
    before = view.map_to_image(QPointF(400, 300))
    QTest.keyPress(view, Qt.Key.Key_Space)
    drag(qtbot, view, line(QPoint(400, 300), QPoint(450, 300), 5))
    QTest.keyRelease(view, Qt.Key.Key_Space)
    after = view.map_to_image(QPointF(450, 300))
    assert near(after, before)
    assert window.doc.mask_is_empty()


def test_fit_and_actual_size(qtbot: Any, window: Any) -> None:
    view = view_of(window)
    qtbot.mouseClick(child(window, QWidget, "zoom100Button"), Qt.MouseButton.LeftButton)
    assert view.scale == 1.0
    qtbot.mouseClick(child(window, QWidget, "zoomFitButton"), Qt.MouseButton.LeftButton)
    assert view.scale == pytest.approx(min((view.width() - 44) / 512, (view.height() - 44) / 384))


def test_dragging_an_edge_handle_grows_the_canvas(qtbot: Any, window: Any) -> None:
    view = view_of(window)
    qtbot.mouseClick(child(window, QWidget, "outpaintTool"), Qt.MouseButton.LeftButton)
    scale = view.scale
    grip = view.handle_rect("right").center().toPoint()
    drag(qtbot, view, line(grip, grip + QPoint(round(100 * scale), 0), 5))
    assert window.doc.size() == QSize(616, 384)  # 100 px, rounded up to a multiple of 8
    assert mask_at(window, 600, 100) == 255 and mask_at(window, 500, 100) == 0
    grip = view.handle_rect("top").center().toPoint()
    drag(qtbot, view, line(grip, grip + QPoint(0, round(-64 * view.scale)), 5))
    assert window.doc.size() == QSize(616, 448)
    grip = view.handle_rect("left").center().toPoint()
    drag(qtbot, view, line(grip, grip + QPoint(40, 0), 3))  # inwards: nothing
    assert window.doc.size() == QSize(616, 448)
    activate(qtbot, window)
    QTest.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.doc.size() == QSize(512, 384)


def test_ctrl_z_and_ctrl_shift_z_restore_exact_pixels(qtbot: Any, window: Any) -> None:
    view = view_of(window)
    hardness = child(window, QWidget, "brushHardnessSlider")
    hardness.setValue(30)
    empty = mask_bytes(window)
    drag(qtbot, view, line(at_image(view, 30, 30), at_image(view, 480, 350), 20))
    first = mask_bytes(window)
    drag(qtbot, view, line(at_image(view, 30, 350), at_image(view, 480, 30), 20))
    second = mask_bytes(window)
    qtbot.mouseClick(child(window, QWidget, "invertMaskButton"), Qt.MouseButton.LeftButton)
    inverted = mask_bytes(window)
    assert len({empty, first, second, inverted}) == 4
    activate(qtbot, window)
    undo, redo = child(window, QWidget, "undoButton"), child(window, QWidget, "redoButton")
    assert undo.isEnabled() and not redo.isEnabled()
    for want in (second, first, empty):
        QTest.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        assert mask_bytes(window) == want
    assert not undo.isEnabled() and redo.isEnabled()
    shift_ctrl = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    for want in (first, second):
        QTest.keyClick(view, Qt.Key.Key_Z, shift_ctrl)
        assert mask_bytes(window) == want
    qtbot.mouseClick(redo, Qt.MouseButton.LeftButton)
    assert mask_bytes(window) == inverted
    qtbot.mouseClick(undo, Qt.MouseButton.LeftButton)
    assert mask_bytes(window) == second


def test_fill_clear_invert_buttons(qtbot: Any, window: Any) -> None:
    view = view_of(window)
    set_size(qtbot, window, 10)
    drag(qtbot, view, [at_image(view, 100, 100)] * 2)
    click = qtbot.mouseClick
    click(child(window, QWidget, "invertMaskButton"), Qt.MouseButton.LeftButton)
    assert mask_at(window, 100, 100) == 0 and mask_at(window, 300, 300) == 255
    click(child(window, QWidget, "clearMaskButton"), Qt.MouseButton.LeftButton)
    assert window.doc.mask_is_empty()
    click(child(window, QWidget, "fillMaskButton"), Qt.MouseButton.LeftButton)
    assert mask_bytes(window).count(255) == 512 * 384


def test_the_view_shows_the_mask_tinted_the_sketch_and_the_grown_area(
    qtbot: Any, window: Any
) -> None:
    view = view_of(window)
    set_size(qtbot, window, 40)
    drag(qtbot, view, line(at_image(view, 100, 100), at_image(view, 200, 100)))
    qtbot.mouseClick(child(window, QWidget, "colourSwatch6"), Qt.MouseButton.LeftButton)
    drag(qtbot, view, line(at_image(view, 100, 300), at_image(view, 200, 300)))

    def shown(x: int, y: int) -> QColor:
        return view.grab().toImage().pixelColor(at_image(view, x, y))

    grey, masked, sketched = shown(400, 200), shown(150, 100), shown(150, 300)
    assert grey == QColor(90, 90, 90)
    assert masked.red() > 150 and masked.green() < 80  # grey under translucent red
    assert sketched == QColor("#2f6fd6")
    qtbot.mouseClick(child(window, QWidget, "grow25Button"), Qt.MouseButton.LeftButton)
    assert window.doc.size() == QSize(768, 576)
    corner, middle = shown(4, 4), shown(384, 288)
    assert corner.red() > 120 and corner.red() > corner.green() + 40  # checkerboard, tinted
    assert middle == QColor(90, 90, 90)
    green = QImage(8, 8, QImage.Format.Format_RGB32)
    green.fill(QColor(0, 255, 0))
    window.add_result("r", green)  # a result of another size covers the whole canvas
    assert shown(384, 288) == QColor(0, 255, 0)
    window.view.set_compare(True)
    assert shown(384, 288) == QColor(90, 90, 90)


def test_zoomed_out_fine_detail_is_averaged_and_painting_shows(qtbot: Any, window: Any) -> None:
    stripes = QImage(1024, 1024, QImage.Format.Format_RGB32)
    stripes.fill(QColor(0, 0, 0))
    for x in range(0, 1024, 2):  # one-pixel white lines: at 30 % they must read as grey
        for y in range(1024):
            stripes.setPixelColor(x, y, QColor(255, 255, 255))
    window.open_image(stripes)
    view = view_of(window)
    view.actual_size()
    view.zoom(0.3, QPointF(view.width() / 2, view.height() / 2))
    assert view.scale == pytest.approx(0.3)
    shot = view.grab().toImage()
    values = [shot.pixelColor(at_image(view, x, 500)).red() for x in range(300, 700, 7)]
    assert all(100 <= v <= 155 for v in values), values
    set_size(qtbot, window, 60)
    drag(qtbot, view, line(at_image(view, 400, 300), at_image(view, 600, 300), 4))
    painted = view.grab().toImage().pixelColor(at_image(view, 500, 300))
    assert painted.red() > painted.green() + 60  # the red overlay reached the small copy
