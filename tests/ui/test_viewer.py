"""The image viewer, opened from the gallery and driven with the mouse and the keyboard."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QTextDocument
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QDialog, QWidget

from tests.ui.helpers import (
    Apps,
    activate,
    cell_center,
    child,
    choose_from_context_menu,
    choose_in_combo,
    click_row,
    double_click,
    generate,
    sim_runtime,
    submit_prompt,
    wait_idle,
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


def test_escape_closes_the_viewer(qtbot: Any, window: Any) -> None:
    gallery = window.gallery
    double_click(qtbot, gallery, cell_center(qtbot, gallery, gallery.model().index(0, 0)))
    viewer = _viewer(qtbot, window)
    activate(qtbot, viewer)
    QTest.keyClick(viewer, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not viewer.isVisible(), timeout=5000)


def test_details_show_the_file_size_and_human_names(qtbot: Any, window: Any) -> None:
    form = window.form
    toggle = child(form, QAbstractButton, "advancedSectionToggle")
    if not toggle.isChecked():
        qtbot.mouseClick(toggle, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: form.scheduler_combo.isVisible(), timeout=5000)
    assert choose_in_combo(qtbot, form.scheduler_combo, "EULER_ANCESTRAL_DISCRETE") == (
        "Euler ancestral"
    )
    [record] = generate(qtbot, window, "a heron by the sea", num_images=1)
    gallery = window.gallery
    row = gallery.model().row_of(record.id)
    double_click(qtbot, gallery, cell_center(qtbot, gallery, gallery.model().index(row, 0)))
    viewer = _viewer(qtbot, window)
    _wait_picture(qtbot, viewer)
    stored = QImage(str(window.ctx.image_path(record)))
    # the size of the file, read from the decoded picture (not the size asked for)
    qtbot.waitUntil(lambda: "px" in _details(viewer).get("Size", ""), timeout=5000)
    details = _details(viewer)
    assert details["Size"] == f"{stored.width()} × {stored.height()} px"
    # names, not enum values; the raw values in the tooltip
    assert details["Scheduler"] == "Euler ancestral"
    assert "EULER" not in viewer.meta.text()
    assert "Scheduler: EULER_ANCESTRAL_DISCRETE" in viewer.meta.toolTip()
    style = window.ctx.backend.reader.get_generation(record.generation_id).preset_style
    if style:  # the style the form sent, by name
        assert details["Style"] != style and style in viewer.meta.toolTip()
    # Details (the selection's panel) names it the same way
    viewer.close()
    click_row(qtbot, gallery, row)
    value = child(window.metadata, QWidget, "meta_scheduler")
    qtbot.waitUntil(lambda: value.text() == "Euler ancestral", timeout=5000)
    assert value.toolTip() == "EULER_ANCESTRAL_DISCRETE"


def test_an_upscale_shows_its_parent_thumbnail_beside_the_link(qtbot: Any, window: Any) -> None:
    actions = window.library_actions.variations
    actions.confirm = lambda title, text: True
    window.ctx.variations.poll_interval = 0.1
    window.ctx.variations.reconcile_delay = 0.1
    source = _records(window)[0]
    gallery = window.gallery
    click_row(qtbot, gallery, 0)
    pos = cell_center(qtbot, gallery, gallery.model().index(0, 0))
    choose_from_context_menu(qtbot, gallery, pos, "upscaleAction")

    def upscaled() -> Any:
        model = gallery.model()
        rows = (model.record(n) for n in range(model.rowCount()))
        return next((r for r in rows if r and r.parent_image_id == source.id and r.has_file), None)

    qtbot.waitUntil(lambda: upscaled() is not None, timeout=20000)
    row = gallery.model().row_of(upscaled().id)
    double_click(qtbot, gallery, cell_center(qtbot, gallery, gallery.model().index(row, 0)))
    viewer = _viewer(qtbot, window)
    assert "Upscale of" in viewer.lineage.text()
    thumb = child(viewer, QWidget, "viewerParentThumb")
    assert thumb.isVisible()
    qtbot.waitUntil(lambda: not thumb.icon().isNull(), timeout=10000)
    # the upscale is larger than the size its generation asked for: both are said
    _wait_picture(qtbot, viewer)
    qtbot.waitUntil(lambda: "Asked for" in _details(viewer), timeout=5000)
    assert _details(viewer)["Made by"] == "Upscale"
    # a click on the thumbnail opens the original
    qtbot.mouseClick(thumb, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _shown_image_id(viewer) == source.id, timeout=5000)
    assert not thumb.isVisible()  # the original was made from nothing
    wait_idle(qtbot, window, timeout=20000)
