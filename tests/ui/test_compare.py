"""Compare, driven as a user: select images in the gallery, open the compare window from the
context menu or its shortcut, drag the split line, zoom with the wheel, pan, flip with keys.

Real simulator over loopback, real SQLite, real widgets, real mouse and key events.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QWidget

from leodesk.ui.compare_canvas import placement
from tests.ui.helpers import (
    activate,
    cell_center,
    child,
    choose_from_context_menu,
    click_row,
    generate,
    shown_records,
    sim_runtime,
    wait_idle,
    wait_models,
    wheel,
)

FIRST = "a red fox in fresh snow"
SECOND = "a blue heron at a misty lake"
THIRD = "a copper kettle on a stove"


@pytest.fixture
def window(qtbot: Any, sim: Any, apps: Any) -> Iterator[Any]:
    """The app on the simulator with three generations (one image each) in the gallery;
    variations are confirmed without a dialog."""
    w = apps.start(sim_runtime(sim))
    wait_models(qtbot, w)
    for prompt in (FIRST, SECOND, THIRD):
        generate(qtbot, w, prompt, num_images=1)
    w.library_actions.variations.confirm = lambda title, text: True
    w.ctx.variations.poll_interval = w.ctx.variations.reconcile_delay = 0.1
    yield w
    wait_idle(qtbot, w, timeout=20000)


def _row(window: Any, prompt: str) -> int:
    return next(n for n, r in enumerate(shown_records(window)) if r.prompt == prompt)


def _select(qtbot: Any, window: Any, prompts: list[str]) -> None:
    view = window.gallery
    click_row(qtbot, view, _row(window, prompts[0]))
    for prompt in prompts[1:]:
        click_row(qtbot, view, _row(window, prompt), Qt.KeyboardModifier.ControlModifier)


def _compare_view(qtbot: Any, window: Any) -> Any:
    qtbot.waitUntil(lambda: window.findChild(QDialog, "compareView") is not None, timeout=5000)
    view = window.findChild(QDialog, "compareView")
    qtbot.waitUntil(view.isVisible, timeout=5000)
    return view


def _wait_pictures(qtbot: Any, view: Any) -> None:
    qtbot.waitUntil(
        lambda: all(i.image is not None and not i.image.isNull() for i in view.items),
        timeout=15000,
    )


def _drag(qtbot: Any, widget: QWidget, start: QPoint, end: QPoint) -> None:
    """Press at ``start``, move there in steps, release at ``end`` (a real mouse drag)."""
    QTest.mousePress(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for n in range(1, 6):
        point = start + (end - start) * n / 5
        QTest.mouseMove(widget, point)
        qtbot.wait(5)
    QTest.mouseRelease(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)


def _image_point(pane: Any, at: QPointF) -> tuple[float, float]:
    """The picture point (fractions) under ``at`` in ``pane``."""
    placed = pane.placed()
    return (at.x() - placed.x()) / placed.width(), (at.y() - placed.y()) / placed.height()


def test_two_images_compare_split_drag_zoom_pan_and_flip(qtbot: Any, window: Any) -> None:
    _select(qtbot, window, [FIRST, SECOND])
    pos = cell_center(qtbot, window.gallery, window.gallery.model().index(_row(window, FIRST), 0))
    texts = choose_from_context_menu(qtbot, window.gallery, pos, "compareAction")
    assert "Compare" in texts
    view = _compare_view(qtbot, window)
    assert view.split_mode  # two images open split
    _wait_pictures(qtbot, view)
    assert {i.record.prompt for i in view.items} == {FIRST, SECOND}
    # the picture is the stored file, at its size (the caption says it)
    first = view.items[0]
    path = window.ctx.image_path(first.record)
    assert first.image.size() == QImage(str(path)).size()
    assert f"{first.image.width()} × {first.image.height()} px" in view.split_pane.captions[0]
    # the parameters that differ, in the strip under the pictures
    diff = child(view, QWidget, "compareDiff").text()
    assert "Prompt" in diff and "heron" in diff and "fox" in diff and "Seed" in diff
    assert "Model" not in diff  # the same model: not a difference

    split = child(view, QWidget, "compareSplit")
    view.resize(1000, 700)
    qtbot.waitUntil(lambda: split.width() > 500, timeout=3000)
    mid_y = split.height() // 2
    _drag(qtbot, split, QPoint(int(split.split_x()), mid_y), QPoint(split.width() // 4, mid_y))
    assert split.split == pytest.approx(0.25, abs=0.02)
    # a drag away from the line pans the picture instead (and leaves the split where it is)
    view.state.set_zoom(2.0)
    before = (view.state.cx, view.state.cy)
    _drag(
        qtbot,
        split,
        QPoint(split.width() * 3 // 4, mid_y),
        QPoint(split.width() * 3 // 4 - 60, mid_y),
    )
    assert view.state.cx > before[0] and view.state.cy == pytest.approx(before[1])
    assert split.split == pytest.approx(0.25, abs=0.02)

    # wheel zoom keeps the picture point under the cursor where it is
    at = QPointF(split.width() * 0.6, split.height() * 0.4)
    under = _image_point(split, at)
    zoom = view.state.zoom
    wheel(split, at, 2)
    assert view.state.zoom == pytest.approx(zoom * 1.25**2)
    after = _image_point(split, at)
    assert after == pytest.approx(under, abs=1e-3)

    # the arrow keys move the line too
    activate(qtbot, view)
    QTest.keyClick(view, Qt.Key.Key_Right)
    assert split.split == pytest.approx(0.30, abs=0.02)
    QTest.keyClick(view, Qt.Key.Key_Left)
    assert split.split == pytest.approx(0.25, abs=0.02)
    # Space swaps the sides; Tab swaps them back
    left = view.items[0].record.id
    activate(qtbot, view)
    QTest.keyClick(view, Qt.Key.Key_Space)
    assert view.items[1].record.id == left and split.captions[1].startswith("A ·") is False
    QTest.keyClick(view, Qt.Key.Key_Tab)
    assert view.items[0].record.id == left

    # side by side: every pane follows the same zoom and pan
    qtbot.mouseClick(child(view, QWidget, "compareSideButton"), Qt.MouseButton.LeftButton)
    assert not view.split_mode
    a, b = view.panes[0], view.panes[1]
    assert a.isVisible() and b.isVisible() and not view.panes[2].isVisible()
    qtbot.mouseClick(child(view, QWidget, "compareFitButton"), Qt.MouseButton.LeftButton)
    wheel(b, QPointF(b.rect().center()), 3)
    assert a.placed().width() / a.width() == pytest.approx(b.placed().width() / b.width(), rel=0.02)
    cx = view.state.cx
    _drag(qtbot, a, a.rect().center(), a.rect().center() + QPoint(50, 0))
    assert view.state.cx < cx
    assert _image_point(a, QPointF(a.rect().center())) == pytest.approx(
        _image_point(b, QPointF(b.rect().center())), abs=1e-3
    )
    # 100%: one image pixel per screen pixel
    qtbot.mouseClick(child(view, QWidget, "compareActualButton"), Qt.MouseButton.LeftButton)
    assert view.scale() == pytest.approx(1.0, rel=0.01)
    # Esc closes
    QTest.keyClick(view, Qt.Key.Key_Escape)
    assert not view.isVisible()


def test_shortcut_opens_three_side_by_side_and_menu_enables_by_selection(
    qtbot: Any, window: Any
) -> None:
    view = window.gallery
    click_row(qtbot, view, _row(window, FIRST))
    pos = cell_center(qtbot, view, view.model().index(_row(window, FIRST), 0))
    link = window.compare_link
    seen: dict[str, bool] = {}

    def look(records: Any) -> None:  # the menu's state while it is open
        if records is not None:
            seen.update(
                compare=link.compare_action.isEnabled(), original=link.original_action.isEnabled()
            )

    window.library_actions.menu_updates.append(look)
    choose_from_context_menu(qtbot, view, pos, "")
    assert seen == {"compare": False, "original": False}  # one image, not a variation
    # the shortcut with one image selected says what to do
    activate(qtbot, view)
    view.setFocus()
    ctrl_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    QTest.keyClick(view, Qt.Key.Key_D, ctrl_shift)
    assert "two to four" in window.statusBar().currentMessage()
    _select(qtbot, window, [FIRST, SECOND, THIRD])
    choose_from_context_menu(qtbot, view, pos, "")
    assert seen["compare"] is True
    # the shortcut, with the gallery focused
    activate(qtbot, view)
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_D, ctrl_shift)
    compare = _compare_view(qtbot, window)
    assert not compare.split_mode and len(compare.items) == 3
    assert not child(compare, QWidget, "compareSplitButton").isEnabled()
    assert [p.isVisible() for p in compare.panes] == [True, True, True, False]
    _wait_pictures(qtbot, compare)
    diff = child(compare, QWidget, "compareDiff").text()
    assert "kettle" in diff and "heron" in diff and "fox" in diff
    # Space moves every image one place on
    order = compare.ids()
    activate(qtbot, compare)
    QTest.keyClick(compare, Qt.Key.Key_Space)
    assert compare.ids() == order[1:] + order[:1]
    assert compare.panes[0].caption.startswith("A ·")
    # Details offers the same for the selection
    QTest.keyClick(compare, Qt.Key.Key_Escape)
    assert not compare.isVisible()
    button = child(window.metadata, QWidget, "compareSelectionButton")
    assert button.isVisible()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(compare.isVisible, timeout=5000)
    assert sorted(compare.ids()) == sorted(order)
    _wait_pictures(qtbot, compare)
    wait_idle(qtbot, window)  # the loads end before the window closes
    # one image selected: no Compare button; the title gives the file's own size
    click_row(qtbot, view, _row(window, FIRST))
    assert not button.isVisible()
    record = shown_records(window)[_row(window, FIRST)]
    stored = QImage(str(window.ctx.image_path(record)))
    title = child(window.metadata, QWidget, "metadataTitle").text()
    assert f"{stored.width()} × {stored.height()} px" in title


def test_an_upscale_compares_with_its_original(qtbot: Any, window: Any) -> None:
    view = window.gallery
    source = shown_records(window)[_row(window, FIRST)]
    click_row(qtbot, view, _row(window, FIRST))
    pos = cell_center(qtbot, view, view.model().index(_row(window, FIRST), 0))
    choose_from_context_menu(qtbot, view, pos, "upscaleAction")

    def upscaled() -> Any:
        return next(
            (r for r in shown_records(window) if r.parent_image_id == source.id and r.has_file),
            None,
        )

    qtbot.waitUntil(lambda: upscaled() is not None, timeout=20000)
    child_record = upscaled()
    row = window.gallery.model().row_of(child_record.id)
    click_row(qtbot, view, row)
    pos = cell_center(qtbot, view, view.model().index(row, 0))
    choose_from_context_menu(qtbot, view, pos, "compareOriginalAction")
    compare = _compare_view(qtbot, window)
    assert compare.split_mode
    assert compare.ids() == [source.id, child_record.id]  # before on the left, after right
    _wait_pictures(qtbot, compare)
    before, after = (i.image for i in compare.items)
    assert after.width() > before.width()  # the upscale is larger: the real sizes show it
    assert f"{after.width()} × {after.height()} px" in compare.split_pane.captions[1]
    diff = child(compare, QWidget, "compareDiff").text()
    assert "Made by" in diff and "Upscale" in diff and "Generated" in diff
    # both drawn the same size on screen: the same picture, point for point
    split = compare.split_pane
    rect = QRectF(split.rect())
    a, b = placement(compare.state, rect, before), placement(compare.state, rect, after)
    for got, want in ((a.x(), b.x()), (a.y(), b.y()), (a.width(), b.width())):
        assert got == pytest.approx(want, abs=1.0)
