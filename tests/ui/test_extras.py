"""Issue 13's extras in the running app over the simulator: prompt improve with an instruction,
the universal upscaler's ultra mode through its dialog, Phoenix/Flux styles sent as styleUUID,
and the uploaded init images listed and deleted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QListWidget, QMessageBox, QPushButton, QWidget

from leodesk.core.styles import STYLE_UUIDS
from tests.helpers.spec import validate_request
from tests.ui.helpers import (
    Apps,
    cell_center,
    child,
    choose_from_context_menu,
    choose_in_combo,
    click_row,
    generate,
    replace_text,
    shown_records,
    sim_runtime,
    submit_prompt,
    wait_idle,
    wait_models,
)
from tests.ui.test_image_to_image import drop, files_mime, png_file, slot, wait_settled


def _posts(sim: Any, path: str) -> list[Any]:
    return [r.json for r in sim.requests if r.method == "POST" and r.path == path]


def _later(qtbot: Any, act: Any) -> None:
    """Run ``act(dialog)`` on the next modal dialog once it is up."""

    def attempt() -> None:
        box = QApplication.activeModalWidget()
        if box is None:
            QTimer.singleShot(20, attempt)
            return
        act(box)

    QTimer.singleShot(0, attempt)


def test_improve_prompt_with_an_instruction(qtbot: Any, apps: Apps, sim: Any) -> None:
    window = apps.start(sim_runtime(sim))
    wait_models(qtbot, window)
    form = window.form
    replace_text(qtbot, child(form, QWidget, "promptEdit"), "a lighthouse")
    replace_text(qtbot, child(form, QWidget, "improveInstructionEdit"), "set it in winter")
    qtbot.mouseClick(child(form, QPushButton, "improvePromptButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: form.prompt_edit.toPlainText() != "a lighthouse", timeout=10000)
    (body,) = _posts(sim, "/prompt/improve")
    validate_request("promptImprove", body)
    assert body == {"prompt": "a lighthouse", "promptInstructions": "set it in winter"}
    assert "set it in winter" in form.prompt_edit.toPlainText()
    wait_idle(qtbot, window)


def test_phoenix_styles_are_sent_as_style_uuid(qtbot: Any, apps: Apps, sim: Any) -> None:
    window = apps.start(sim_runtime(sim))
    wait_models(qtbot, window)
    form = window.form
    phoenix = next(
        m
        for m in window.ctx.platform_models.models()
        if m.name.endswith("1.0") and "Phoenix" in m.name
    )
    form.set_model(phoenix)
    combo = child(form, QWidget, "presetStyleCombo")
    qtbot.waitUntil(lambda: combo.findData("CREATIVE") >= 0 and combo.count() == 4, timeout=10000)
    choose_in_combo(qtbot, combo, "CREATIVE")
    submit_prompt(qtbot, window, "a paper lantern festival")
    qtbot.waitUntil(lambda: bool(_posts(sim, "/generations")), timeout=10000)
    body = _posts(sim, "/generations")[-1]
    assert body["styleUUID"] == STYLE_UUIDS["CREATIVE"] and "presetStyle" not in body
    # the rest of the body is the spec's; styleUUID is the documented extension
    validate_request("createGeneration", {k: v for k, v in body.items() if k != "styleUUID"})
    kino = next(m for m in window.ctx.platform_models.models() if m.name == "Leonardo Kino XL")
    form.set_model(kino)
    qtbot.waitUntil(lambda: combo.count() > 4, timeout=10000)
    assert "style_uuid" not in {k for k, v in vars(form.request()).items() if v is not None}
    wait_idle(qtbot, window)


def test_universal_upscaler_ultra_mode_through_its_dialog(qtbot: Any, apps: Apps, sim: Any) -> None:
    window = apps.start(sim_runtime(sim))
    wait_models(qtbot, window)
    (source,) = generate(qtbot, window, "a koi pond from above")
    window.library_actions.variations.confirm = lambda title, text: (
        window.asked.append(text) or True
    )
    window.asked = []
    window.ctx.variations.poll_interval = 0.1

    def fill(dialog: Any) -> None:
        assert dialog.objectName() == "universalUpscaleDialog"
        ultra = child(dialog, QWidget, "ultraModeCheck")
        style = child(dialog, QWidget, "upscalerStyleCombo")
        similarity = child(dialog, QWidget, "similaritySpin")
        assert style.isEnabled() and not similarity.isEnabled()
        qtbot.mouseClick(ultra, Qt.MouseButton.LeftButton)
        assert not style.isEnabled() and similarity.isEnabled()
        choose_in_combo(qtbot, child(dialog, QWidget, "ultraStyleCombo"), "REALISTIC")
        replace_text(qtbot, similarity, "8")
        replace_text(qtbot, child(dialog, QWidget, "detailContrastSpin"), "3")
        QTest.keyClick(similarity, Qt.Key.Key_Return)

    _later(qtbot, fill)
    view = window.gallery
    row = window.gallery.model().row_of(source.id)
    click_row(qtbot, view, row)
    choose_from_context_menu(
        qtbot, view, cell_center(qtbot, view, view.model().index(row, 0)), "universalUpscaleAction"
    )
    qtbot.waitUntil(lambda: bool(_posts(sim, "/variations/universal-upscaler")), timeout=10000)
    body = _posts(sim, "/variations/universal-upscaler")[-1]
    validate_request("CreateUniversalUpscalerJob", body)
    assert body["ultraUpscaleStyle"] == "REALISTIC" and "upscalerStyle" not in body
    assert (body["similarity"], body["detailContrast"]) == (8, 3)
    assert body["generatedImageId"] == source.id
    services = [b["service"] for b in _posts(sim, "/pricing-calculator")]
    assert "UNIVERSAL_UPSCALER_ULTRA" in services
    assert window.asked and "credits" in window.asked[-1]

    def upscaled() -> bool:
        return any(r.parent_image_id == source.id and r.has_file for r in shown_records(window))

    qtbot.waitUntil(upscaled, timeout=20000)
    wait_idle(qtbot, window, timeout=20000)


def test_uploaded_images_are_listed_with_thumbnails_and_deleted(
    qtbot: Any, apps: Apps, sim: Any, tmp_path: Path
) -> None:
    window = apps.start(sim_runtime(sim))
    wait_models(qtbot, window)
    init = slot(window, "initImageSlot")
    for name, colour in (("red.png", (200, 40, 40)), ("blue.png", (40, 40, 200))):
        mime = files_mime(png_file(tmp_path, name, colour))
        drop(init, mime)
        wait_settled(qtbot, init)
        assert init.value() is not None, init.error()
    ids = [r for r, _ in window.ctx.backend.reader.uploads()]
    assert len(ids) == 2

    window.uploads_link.action.trigger()
    dialog = window.uploads_link.dialog
    uploads = child(dialog, QListWidget, "uploadedImagesList")
    qtbot.waitUntil(lambda: uploads.count() == 2, timeout=10000)
    status = child(dialog, QWidget, "uploadedStatusLabel")
    assert status.text() == "2 uploaded images in your account"
    thumbs = window.ctx.model_thumbs
    keys = list(dialog._urls)  # the thumbnails asked for, one per upload
    assert len(keys) == 2
    qtbot.waitUntil(lambda: all(thumbs.pixmap(k) is not None for k in keys), timeout=10000)
    delete = child(dialog, QPushButton, "deleteUploadedButton")
    assert not delete.isEnabled()
    item = uploads.item(0)
    qtbot.mouseClick(
        uploads.viewport(), Qt.MouseButton.LeftButton, pos=uploads.visualItemRect(item).center()
    )
    assert delete.isEnabled()
    chosen = item.data(Qt.ItemDataRole.UserRole)

    def yes(box: Any) -> None:
        assert isinstance(box, QMessageBox) and box.objectName() == "deleteUploadedConfirm"
        qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)

    _later(qtbot, yes)
    qtbot.mouseClick(delete, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: uploads.count() == 1, timeout=10000)
    assert sim.state.get_init_image(chosen) == {"init_images_by_pk": None}
    assert chosen not in [r for r, _ in window.ctx.backend.reader.uploads()]
    assert status.text() == "1 uploaded image in your account"
    # gone on the server some other way: the next look drops it from the cache too
    (left,) = [r for r, _ in window.ctx.backend.reader.uploads()]
    sim.state.delete_init_image(left)
    window.uploads_link.action.trigger()
    qtbot.waitUntil(lambda: "No uploaded images" in status.text(), timeout=10000)
    assert uploads.count() == 0 and window.ctx.backend.reader.uploads() == []
    dialog.close()
    wait_idle(qtbot, window)
