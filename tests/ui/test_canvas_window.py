"""The canvas window: checked requests with inline messages, outpaint presets, opening by drop
and paste, the results strip, live mode's signals, names and fit at 1366 × 768."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, QSize, Qt, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QGuiApplication, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLineEdit,
    QWidget,
)

from tests.ui.canvas_helpers import at_image, drag, line, open_canvas, view_of
from tests.ui.helpers import activate, child, choose_in_combo, type_text


@pytest.fixture
def window(qtbot: Any) -> Iterator[Any]:
    w = open_canvas(qtbot)
    yield w
    w.close()


def click(qtbot: Any, window: Any, name: str) -> None:
    qtbot.mouseClick(child(window, QWidget, name), Qt.MouseButton.LeftButton)


def message(window: Any) -> str:
    label = child(window, QWidget, "canvasMessage")
    return str(label.text()) if label.isVisible() else ""


def paint_a_little(qtbot: Any, window: Any) -> None:
    view = view_of(window)
    drag(qtbot, view, line(at_image(view, 100, 100), at_image(view, 200, 120), 6))


def test_inpaint_with_an_empty_mask_says_so_and_sends_nothing(qtbot: Any, window: Any) -> None:
    sent: list[bool] = []
    window.inpaintRequested.connect(lambda: sent.append(True))
    click(qtbot, window, "inpaintButton")
    assert message(window) == "Paint the area to change first" and not sent
    paint_a_little(qtbot, window)
    assert message(window) == ""  # painting clears the message
    click(qtbot, window, "inpaintButton")
    assert message(window) == "Type a prompt first" and not sent
    type_text(qtbot, child(window, QLineEdit, "canvasPromptEdit"), "a red lantern")
    click(qtbot, window, "inpaintButton")
    assert sent == [True] and message(window) == ""
    assert window.prompt == "a red lantern"
    cost = child(window, QWidget, "canvasCostLabel")
    assert not cost.isVisible()
    window.set_cost("Inpaint: 12 tokens")
    assert cost.isVisible() and cost.text() == "Inpaint: 12 tokens"
    window.set_cost("")
    assert not cost.isVisible()
    slider = child(window, QWidget, "canvasStrengthSlider")
    slider.setFocus()
    QTest.keyClick(slider, Qt.Key.Key_End)
    assert window.strength == 1.0


def test_outpaint_needs_a_grown_canvas_and_the_preset_grows_it(qtbot: Any, window: Any) -> None:
    sent: list[bool] = []
    window.outpaintRequested.connect(lambda: sent.append(True))
    window.panel.prompt_edit.setText("more sky")
    click(qtbot, window, "outpaintButton")
    assert message(window).startswith("Grow the canvas first") and not sent
    click(qtbot, window, "grow25Button")
    assert window.doc.size() == QSize(768, 576)
    assert window.doc.export_mask().pixelColor(10, 10).red() == 255
    assert window.doc.export_mask().pixelColor(384, 288).red() == 0
    click(qtbot, window, "outpaintButton")
    assert sent == [True]


def test_grow_to_a_chosen_ratio(qtbot: Any, window: Any) -> None:
    combo = child(window, QComboBox, "aspectCombo")
    choose_in_combo(qtbot, combo, "16:9")
    click(qtbot, window, "growAspectButton")
    size = window.doc.size()
    assert size.height() == 384 and size.width() == 688  # 683 ⅓ up to a multiple of 8
    choose_in_combo(qtbot, combo, "1:1")
    click(qtbot, window, "growAspectButton")
    assert window.doc.size() == QSize(688, 688)
    click(qtbot, window, "growAspectButton")
    assert message(window) == "The canvas already is 1:1"


def test_sketch_needs_colour_strokes(qtbot: Any, window: Any) -> None:
    sent: list[bool] = []
    window.sketchRequested.connect(lambda: sent.append(True))
    window.panel.prompt_edit.setText("a castle")
    click(qtbot, window, "sketchButton")
    assert message(window) == "Paint a sketch first with the Colour tool" and not sent
    paint_a_little(qtbot, window)  # the mask brush: still no sketch
    click(qtbot, window, "sketchButton")
    assert not sent
    click(qtbot, window, "colourBrushTool")
    paint_a_little(qtbot, window)
    click(qtbot, window, "sketchButton")
    assert sent == [True]


def drop(widget: QWidget, mime: QMimeData) -> None:
    pos = QPoint(widget.width() // 2, widget.height() // 2)
    mods = Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, mods)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    event = QDropEvent(
        QPointF(pos), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, mods
    )
    QApplication.sendEvent(widget, event)


def test_dropping_a_non_image_says_so_and_keeps_the_canvas(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    paint_a_little(qtbot, window)
    before = window.doc.export_mask()
    text = tmp_path / "notes.txt"
    text.write_text("not a picture")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(text))])
    drop(window, mime)
    assert message(window).startswith("“notes.txt” is not a picture leodesk can open")
    assert window.doc.export_mask() == before and window.source_image_id == "img-1"
    png = tmp_path / "photo.png"
    picture = QImage(320, 200, QImage.Format.Format_RGB32)
    picture.fill(QColor(10, 120, 200))
    assert picture.save(str(png))
    mime2 = QMimeData()
    mime2.setUrls([QUrl.fromLocalFile(str(png))])
    drop(window, mime2)
    assert window.doc.size() == QSize(320, 200) and window.doc.mask_is_empty()
    assert window.doc.base.pixelColor(5, 5) == QColor(10, 120, 200)
    assert message(window) == "" and window.source_image_id is None


def test_ctrl_v_pastes_an_image_and_plain_text_is_refused(qtbot: Any, window: Any) -> None:
    activate(qtbot, window)
    view = view_of(window)
    view.setFocus()
    QGuiApplication.clipboard().setText("hello")
    QTest.keyClick(view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert message(window).startswith("That is not a picture")
    assert window.doc.size() == QSize(512, 384)
    picture = QImage(200, 160, QImage.Format.Format_RGB32)
    picture.fill(QColor(200, 50, 50))
    QGuiApplication.clipboard().setImage(picture)
    QTest.keyClick(view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert window.doc.size() == QSize(200, 160)


def test_gallery_drop_asks_for_the_image(qtbot: Any, window: Any) -> None:
    from leodesk.qt.models.gallery_model import IMAGE_IDS_MIME

    asked: list[str] = []
    window.galleryImageDropped.connect(asked.append)
    mime = QMimeData()
    mime.setData(IMAGE_IDS_MIME, b"img-42\nimg-43")
    drop(window, mime)
    assert asked == ["img-42"]


def flat(colour: str, w: int = 512, h: int = 384) -> QImage:
    image = QImage(w, h, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    return image


def test_results_strip_prev_next_accept_discard(qtbot: Any, window: Any) -> None:
    accepted: list[str] = []
    discarded: list[str] = []
    window.resultAccepted.connect(accepted.append)
    window.resultDiscarded.connect(discarded.append)
    strip = child(window, QWidget, "canvasResults")
    assert not strip.isVisible()
    window.add_result("r-red", flat("#ff0000"))
    window.add_result("r-green", flat("#00ff00"))
    assert strip.isVisible() and window.view.result.pixelColor(1, 1) == QColor("#00ff00")
    click(qtbot, window, "resultPrevButton")
    assert window.view.result.pixelColor(1, 1) == QColor("#ff0000")
    compare = child(window, QWidget, "resultCompareButton")
    qtbot.mousePress(compare, Qt.MouseButton.LeftButton)
    assert window.view.comparing
    qtbot.mouseRelease(compare, Qt.MouseButton.LeftButton)
    assert not window.view.comparing
    click(qtbot, window, "resultNextButton")
    click(qtbot, window, "resultDiscardButton")
    assert discarded == ["r-green"]
    assert window.view.result.pixelColor(1, 1) == QColor("#ff0000")
    click(qtbot, window, "resultAcceptButton")
    assert accepted == ["r-red"] and window.view.result is None and not strip.isVisible()
    assert window.doc.base.pixelColor(7, 7) == QColor("#ff0000")
    assert window.source_image_id == "r-red"
    window.doc.undo()  # accepting is undoable
    assert window.doc.base.pixelColor(7, 7) == QColor(90, 90, 90)


def test_live_input_is_debounced_and_only_while_live(qtbot: Any, window: Any) -> None:
    toggled: list[bool] = []
    inputs: list[int] = []
    window.liveToggled.connect(toggled.append)
    window.liveInputChanged.connect(lambda: inputs.append(window.doc.revision))
    paint_a_little(qtbot, window)
    qtbot.wait(150)
    assert inputs == []
    toggle = child(window, QWidget, "liveToggle")
    qtbot.mouseClick(toggle, Qt.MouseButton.LeftButton)
    assert toggled == [True] and child(window, QWidget, "liveResultView").isVisible()
    qtbot.waitUntil(lambda: len(inputs) == 1, timeout=2000)  # the first live round
    paint_a_little(qtbot, window)  # many moves, many revisions...
    qtbot.waitUntil(lambda: len(inputs) == 2, timeout=2000)
    qtbot.wait(150)
    assert inputs == [inputs[0], window.doc.revision]  # ...one signal, for the last one
    type_text(qtbot, child(window, QLineEdit, "canvasPromptEdit"), "fox")
    qtbot.waitUntil(lambda: len(inputs) == 3, timeout=2000)
    window.show_live_result(flat("#123456", 64, 64), "Live · 512 px · 80 ms")
    assert window.live_pane.image.pixelColor(1, 1) == QColor("#123456")
    assert child(window, QWidget, "liveStatusLabel").text() == "Live · 512 px · 80 ms"
    asked: list[str] = []
    for name in ("NewSeed", "Refine", "Upscale", "Keep"):
        getattr(window, f"live{name}Requested").connect(lambda n=name: asked.append(n))
        click(qtbot, window, f"live{name}Button")
    assert asked == ["NewSeed", "Refine", "Upscale", "Keep"]
    qtbot.mouseClick(toggle, Qt.MouseButton.LeftButton)
    assert toggled == [True, False] and not child(window, QWidget, "liveNewSeedButton").isEnabled()
    paint_a_little(qtbot, window)
    qtbot.wait(150)
    assert len(inputs) == 3


def test_every_interactive_widget_is_named(window: Any) -> None:
    """The same rule and exclusions as tests/ui/test_accessibility.py, on the canvas window."""
    from tests.ui.test_accessibility import INTERACTIVE, qt_internal

    widgets = [w for cls in INTERACTIVE for w in window.findChildren(cls)] + [view_of(window)]
    checked = [w for w in widgets if qt_internal(w) is None]
    assert len(checked) > 40
    unnamed = [(w.metaObject().className(), w.objectName()) for w in checked if not w.objectName()]
    silent = [w.objectName() for w in checked if not w.accessibleName()]
    assert unnamed == [] and silent == []
    for name in ("canvasView", "brushSizeSpin", "liveToggle", "inpaintButton", "outpaintButton"):
        child(window, QWidget, name)


def test_fits_at_1366_by_768(qtbot: Any, window: Any) -> None:
    window.panel.live_toggle.setChecked(True)
    window.add_result("r", flat("#ff0000"))
    hint = window.minimumSizeHint()
    assert hint.width() <= 1366 and hint.height() <= 740
    window.resize(1366, 740)
    qtbot.wait(50)
    scroll = child(window, QWidget, "canvasPanelScroll")
    assert window.panel.minimumSizeHint().width() <= scroll.viewport().width()
    for w in window.findChildren(QAbstractButton):
        if w.isVisible():
            assert w.width() >= min(w.sizeHint().width(), w.minimumSizeHint().width()), w
    assert view_of(window).width() >= 500 and view_of(window).height() >= 400


def test_a_drop_over_painted_work_can_be_undone(qtbot: Any, window: Any, tmp_path: Path) -> None:
    paint_a_little(qtbot, window)
    mask = window.doc.export_mask()
    png = tmp_path / "other.png"
    assert flat("#00ff00", 64, 48).save(str(png))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(png))])
    drop(window, mime)
    assert window.doc.size() == QSize(64, 48) and window.source_image_id is None
    activate(qtbot, window)
    QTest.keyClick(view_of(window), Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.doc.size() == QSize(512, 384) and window.doc.export_mask() == mask
    assert window.source_image_id == "img-1"


def test_an_empty_image_is_refused_and_a_huge_one_scaled(window: Any) -> None:
    assert not window.open_image(QImage(), "x")
    assert message(window) == "That picture is empty or too small to paint on"
    assert window.doc.size() == QSize(512, 384) and window.source_image_id == "img-1"
    assert window.open_image(flat("#808080", 6000, 3000), "big")
    assert window.doc.size() == QSize(4096, 2048) and window.source_image_id == "big"
    assert message(window) == "Scaled from 6000 × 3000 to 4096 × 2048 to paint on"


def test_tool_keys_on_the_canvas_but_not_in_the_prompt(qtbot: Any, window: Any) -> None:
    activate(qtbot, window)
    view = view_of(window)
    view.setFocus()
    for key, tool in (
        (Qt.Key.Key_C, "colour-brush"),
        (Qt.Key.Key_O, "outpaint"),
        (Qt.Key.Key_E, "mask-eraser"),
        (Qt.Key.Key_B, "mask-brush"),
    ):
        QTest.keyClick(view, key)
        assert window.view.tool == tool
        assert window.tools.tool_buttons[tool].isChecked()
    edit = child(window, QLineEdit, "canvasPromptEdit")
    edit.setFocus()
    QTest.keyClick(edit, Qt.Key.Key_C)
    assert edit.text() == "c" and window.view.tool == "mask-brush"


def test_a_long_live_stroke_sends_input_as_it_goes(qtbot: Any, window: Any) -> None:
    inputs: list[int] = []
    window.liveInputChanged.connect(lambda: inputs.append(window.doc.revision))
    window.set_live(True)
    qtbot.waitUntil(lambda: len(inputs) == 1, timeout=2000)
    view = view_of(window)
    points = line(at_image(view, 20, 200), at_image(view, 490, 200), 30)
    start = time.monotonic()
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=points[0])
    for p in points[1:]:  # ~450 ms of painting
        qtbot.mouseMove(view, p)
        qtbot.wait(15)
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=points[-1])
    during, elapsed_ms = len(inputs) - 1, (time.monotonic() - start) * 1000
    qtbot.wait(150)
    assert 3 <= during <= elapsed_ms / 60 + 1  # every ~60 ms while painting, not once a move
    assert inputs == sorted(set(inputs)) and inputs[-1] == window.doc.revision


def test_new_sheet_of_a_chosen_size_and_back(qtbot: Any, window: Any) -> None:
    paint_a_little(qtbot, window)
    mask = window.doc.export_mask()
    choose_in_combo(qtbot, child(window, QComboBox, "newSheetCombo"), "1472x832")
    click(qtbot, window, "newSheetButton")
    assert window.doc.size() == QSize(1472, 832) and window.doc.mask_is_empty()
    assert window.doc.base.pixelColor(9, 9) == QColor(255, 255, 255)
    assert window.source_image_id is None
    click(qtbot, window, "undoButton")
    assert window.doc.size() == QSize(512, 384) and window.doc.export_mask() == mask
