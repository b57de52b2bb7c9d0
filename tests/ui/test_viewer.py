"""The image viewer, opened from the gallery and driven with the mouse and the keyboard."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QTextDocument
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QWidget

from tests.ui.helpers import (
    Apps,
    cell_center,
    child,
    double_click,
    sim_runtime,
    submit_prompt,
    wait_models,
    wheel,
)

PROMPT = "two foxes under a <red> maple & a lantern"


@pytest.fixture
def window(qtbot: Any, sim: Any) -> Iterator[Any]:
    """The app on the simulator with two generated images in the gallery."""
    apps = Apps(qtbot)
    try:
        w = apps.start(sim_runtime(sim))
        wait_models(qtbot, w)
        submit_prompt(qtbot, w, PROMPT, num_images=2)
        qtbot.waitUntil(lambda: w.gallery.model().rowCount() == 2, timeout=20000)
        yield w
    finally:
        apps.shutdown_all()


def _records(window: Any) -> list[Any]:
    model = window.gallery.model()
    return [model.record(row) for row in range(model.rowCount())]


def _viewer(qtbot: Any, window: Any) -> Any:
    qtbot.waitUntil(lambda: window.findChild(QDialog, "imageViewer") is not None, timeout=5000)
    viewer = window.findChild(QDialog, "imageViewer")
    qtbot.waitUntil(viewer.isVisible, timeout=5000)
    return viewer


def _wait_picture(qtbot: Any, viewer: Any) -> None:
    qtbot.waitUntil(lambda: not viewer.canvas.item.pixmap().isNull(), timeout=10000)


def _details(viewer: Any) -> dict[str, str]:
    """The metadata panel as the user reads it: label → value."""
    doc = QTextDocument()
    doc.setHtml(viewer.meta.text())
    lines = [line for line in doc.toPlainText().split("\n") if line]
    return dict(zip(lines[::2], lines[1::2], strict=True))


def _shown_image_id(viewer: Any) -> str:
    return _details(viewer)["Image"]


def _wheel(widget: Any, steps: int) -> None:
    wheel(widget, QPointF(widget.rect().center()), steps)


def test_double_click_opens_viewer_with_picture_and_metadata(qtbot: Any, window: Any) -> None:
    records = _records(window)
    assert {r.prompt for r in records} == {PROMPT}
    assert all(r.seed is not None for r in records)
    gallery = window.gallery
    index = gallery.model().index(0, 0)
    assert window.findChild(QDialog, "imageViewer") is None

    double_click(qtbot, gallery, cell_center(qtbot, gallery, index))
    viewer = _viewer(qtbot, window)
    _wait_picture(qtbot, viewer)

    assert child(viewer, QWidget, "viewerMetadata") is viewer.meta
    details = _details(viewer)
    # The prompt reads as typed (it holds markup characters), with the seed and the image id.
    assert details["Prompt"] == PROMPT
    assert details["Seed"] == str(records[0].seed)
    assert details["Image"] == records[0].id
    assert details["Generation"] == records[0].generation_id
    # The picture is the stored file, at its full size.
    path = window.ctx.image_path(records[0])
    assert path is not None and path.exists()
    assert viewer.canvas.item.pixmap().size() == QImage(str(path)).size()
    assert viewer.copy_image_button.isEnabled()
    # Opening selects the cell in the gallery.
    assert gallery.currentIndex().row() == 0


def test_arrows_and_buttons_move_between_images(qtbot: Any, window: Any) -> None:
    first, second = _records(window)
    gallery = window.gallery
    double_click(qtbot, gallery, cell_center(qtbot, gallery, gallery.model().index(0, 0)))
    viewer = _viewer(qtbot, window)
    viewer.activateWindow()
    qtbot.waitUntil(viewer.isActiveWindow, timeout=5000)
    assert _shown_image_id(viewer) == first.id

    QTest.keyClick(viewer, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: _shown_image_id(viewer) == second.id, timeout=5000)
    assert _details(viewer)["Seed"] == str(second.seed)
    _wait_picture(qtbot, viewer)
    assert gallery.currentIndex().row() == 1

    # Right on the last image stays there.
    QTest.keyClick(viewer, Qt.Key.Key_Right)
    assert _shown_image_id(viewer) == second.id

    QTest.keyClick(viewer, Qt.Key.Key_Left)
    qtbot.waitUntil(lambda: _shown_image_id(viewer) == first.id, timeout=5000)
    assert gallery.currentIndex().row() == 0

    qtbot.mouseClick(child(viewer, QWidget, "viewerNextButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _shown_image_id(viewer) == second.id, timeout=5000)
    qtbot.mouseClick(child(viewer, QWidget, "viewerPrevButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _shown_image_id(viewer) == first.id, timeout=5000)
    _wait_picture(qtbot, viewer)


def test_fit_actual_size_and_wheel_zoom(qtbot: Any, window: Any) -> None:
    gallery = window.gallery
    double_click(qtbot, gallery, cell_center(qtbot, gallery, gallery.model().index(0, 0)))
    viewer = _viewer(qtbot, window)
    _wait_picture(qtbot, viewer)
    canvas = viewer.canvas
    picture = canvas.item.pixmap().size()
    # Fit: the whole picture inside the canvas (the sim's pictures are larger than the canvas).
    viewport = canvas.viewport().size()
    fit_scale = canvas.scale_factor
    assert fit_scale < 1
    assert picture.width() * fit_scale <= viewport.width() + 1
    assert picture.height() * fit_scale <= viewport.height() + 1

    qtbot.mouseClick(child(viewer, QWidget, "viewerActualButton"), Qt.MouseButton.LeftButton)
    assert canvas.scale_factor == pytest.approx(1.0)
    qtbot.mouseClick(child(viewer, QWidget, "viewerFitButton"), Qt.MouseButton.LeftButton)
    assert canvas.scale_factor == pytest.approx(fit_scale)

    _wheel(canvas.viewport(), 1)
    assert canvas.scale_factor == pytest.approx(fit_scale * 1.25)
    _wheel(canvas.viewport(), -2)
    assert canvas.scale_factor == pytest.approx(fit_scale / 1.25)
    # Zoomed by hand: resizing the dialog no longer refits.
    viewer.resize(viewer.width() - 100, viewer.height() - 60)
    qtbot.waitUntil(lambda: canvas.viewport().size() != viewport, timeout=5000)
    assert canvas.scale_factor == pytest.approx(fit_scale / 1.25)


def test_copy_prompt_seed_and_image(qtbot: Any, window: Any) -> None:
    record = _records(window)[1]
    gallery = window.gallery
    double_click(qtbot, gallery, cell_center(qtbot, gallery, gallery.model().index(1, 0)))
    viewer = _viewer(qtbot, window)
    assert _shown_image_id(viewer) == record.id
    _wait_picture(qtbot, viewer)
    clipboard = QGuiApplication.clipboard()
    clipboard.clear()

    qtbot.mouseClick(child(viewer, QWidget, "copyPromptButton"), Qt.MouseButton.LeftButton)
    assert clipboard.text() == PROMPT
    qtbot.mouseClick(child(viewer, QWidget, "copySeedButton"), Qt.MouseButton.LeftButton)
    assert clipboard.text() == str(record.seed)
    qtbot.mouseClick(child(viewer, QWidget, "copyImageButton"), Qt.MouseButton.LeftButton)
    copied = clipboard.image()
    stored = QImage(str(window.ctx.image_path(record)))
    assert not copied.isNull()
    assert copied.size() == stored.size()
    fmt = QImage.Format.Format_RGB32
    assert copied.convertToFormat(fmt) == stored.convertToFormat(fmt)

    # Ctrl+C in the viewer copies the image too.
    clipboard.setText("something else")
    viewer.activateWindow()
    qtbot.waitUntil(viewer.isActiveWindow, timeout=5000)
    QTest.keyClick(viewer, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert clipboard.image().convertToFormat(fmt) == stored.convertToFormat(fmt)


def test_enter_on_selected_cell_opens_viewer(qtbot: Any, window: Any) -> None:
    records = _records(window)
    gallery = window.gallery
    index = gallery.model().index(1, 0)
    qtbot.mouseClick(
        gallery.viewport(), Qt.MouseButton.LeftButton, pos=cell_center(qtbot, gallery, index)
    )
    assert gallery.currentIndex().row() == 1
    assert window.findChild(QDialog, "imageViewer") is None

    QTest.keyClick(gallery, Qt.Key.Key_Return)
    viewer = _viewer(qtbot, window)
    assert _shown_image_id(viewer) == records[1].id
    assert _details(viewer)["Prompt"] == PROMPT
    _wait_picture(qtbot, viewer)

    # Close it, move to the first cell with the keyboard, Enter opens that one.
    viewer.close()
    qtbot.waitUntil(lambda: not viewer.isVisible(), timeout=5000)
    gallery.setFocus()
    QTest.keyClick(gallery, Qt.Key.Key_Left)
    assert gallery.currentIndex().row() == 0
    QTest.keyClick(gallery, Qt.Key.Key_Enter)
    qtbot.waitUntil(viewer.isVisible, timeout=5000)
    assert _shown_image_id(viewer) == records[0].id
    assert window.findChildren(QDialog, "imageViewer") == [viewer]
