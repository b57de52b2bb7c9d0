"""Image to image end to end: real drops and pastes on the form's image slots, the upload service,
the simulator's presign + S3 POST, the upload cache in the real library, and the request sent."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from tests.conftest import SIM_KEY
from tests.ui.helpers import (
    Apps,
    child,
    generate,
    replace_text,
    shown_records,
    sim_runtime,
    wait_idle,
)


@pytest.fixture
def window(apps: Apps, sim: Any) -> Any:
    return apps.start(sim_runtime(sim))


def png_file(
    folder: Path, name: str, color: tuple[int, int, int], size: tuple[int, int] = (64, 48)
) -> Path:
    path = folder / name
    fmt = {"jpg": "JPEG", "bmp": "BMP", "png": "PNG"}[name.rsplit(".", 1)[-1]]
    Image.new("RGB", size, color).save(path, fmt)
    return path


def files_mime(*paths: Path) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return mime


def drop(widget: QWidget, mime: QMimeData) -> None:
    """A drag entering ``widget`` and a drop on it, as the window system sends them.
    (``mime`` stays referenced by the caller for the events' lifetime.)"""
    enter = QDragEnterEvent(
        QPoint(5, 5),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted(), "the slot refused the drag"
    event = QDropEvent(
        QPointF(5, 5),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, event)
    assert event.isAccepted(), "the slot refused the drop"


def slot(window: Any, name: str) -> Any:
    return child(window.form, QWidget, name)


def wait_settled(qtbot: Any, *slots: Any) -> None:
    qtbot.waitUntil(lambda: all(not s.is_busy() for s in slots), timeout=15000)


def s3_posts(sim: Any) -> list[Any]:
    return [q for q in sim.requests if q.method == "POST" and q.path.startswith("/s3/")]


def generation_bodies(sim: Any) -> list[Any]:
    return [q.json for q in sim.requests if q.method == "POST" and q.path == "/generations"]


def send_with_ctrl_enter(qtbot: Any, sim: Any, window: Any, prompt: str) -> dict[str, Any]:
    before = len(generation_bodies(sim))
    edit = child(window.form, QWidget, "promptEdit")
    replace_text(qtbot, edit, prompt)
    QTest.keyClick(edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(generation_bodies(sim)) > before, timeout=10000)
    body: dict[str, Any] = generation_bodies(sim)[-1]
    return body


# ---------------------------------------------------------------------------------------------


def test_dropped_png_is_uploaded_once_and_sent_as_init_image(
    qtbot: Any, sim: Any, window: Any, tmp_path: Path
) -> None:
    form = window.form
    init = slot(window, "initImageSlot")
    slider = child(form, QWidget, "initStrengthSlider")
    assert init.accessibleName() and slider.accessibleName()
    assert not slider.isVisibleTo(form)  # only with an init image
    assert form.generate_button.text().startswith("Generate")
    path = png_file(tmp_path, "cat.png", (200, 40, 40))
    mime = files_mime(path)
    drop(init, mime)
    assert init.is_busy() and init.state_label.text() == "Uploading…"
    assert not form.generate_button.isEnabled()
    assert "upload" in form.generate_button.toolTip().lower()
    wait_settled(qtbot, init)
    image = init.value()
    assert image is not None and not image.generated, init.error()
    assert init.source_label.text() == "cat.png"
    assert not image.thumbnail.isNull()

    presigns = [q for q in sim.requests if q.method == "POST" and q.path == "/init-image"]
    assert [q.json for q in presigns] == [{"extension": "png"}]
    (s3,) = s3_posts(sim)
    assert s3.form_fields[-1] == "file" and len(s3.form_fields) > 2
    assert "authorization" not in {k.lower() for k in s3.headers}
    assert s3.status == 204
    assert slider.isVisibleTo(form)
    assert form.generate_button.text().startswith("Generate from image")

    body = send_with_ctrl_enter(qtbot, sim, window, "a cat in oil paint")
    assert body["init_image_id"] == image.image_id
    assert body["init_strength"] == 0.5
    assert "init_generation_image_id" not in body and "imagePrompts" not in body

    # The same picture again (as an image prompt): the cached id, no second upload.
    prompt0 = slot(window, "imagePromptSlot0")
    again = files_mime(path)
    drop(prompt0, again)
    wait_settled(qtbot, prompt0)
    assert prompt0.value() is not None and prompt0.value().image_id == image.image_id
    assert sim.count("POST", "/init-image") == 1 and len(s3_posts(sim)) == 1
    body = send_with_ctrl_enter(qtbot, sim, window, "a cat in oil paint, again")
    assert body["imagePrompts"] == [image.image_id]

    # Clearing the init image hides the strength and sends no init image.
    qtbot.mouseClick(child(init, QWidget, "initImageSlotClear"), Qt.MouseButton.LeftButton)
    assert init.value() is None and not slider.isVisibleTo(form)
    assert (
        form.generate_button.text().startswith("Generate")
        and "image" not in (form.generate_button.text().split("·")[0])
    )
    assert "init_image_id" not in form.request().__dict__ or form.request().init_image_id is None
    wait_idle(qtbot, window, timeout=20000)


def test_several_files_fill_several_slots(
    qtbot: Any, sim: Any, window: Any, tmp_path: Path
) -> None:
    form = window.form
    paths = [
        png_file(tmp_path, "one.png", (10, 200, 10)),
        png_file(tmp_path, "two.jpg", (10, 10, 200)),
        png_file(tmp_path, "three.bmp", (200, 200, 10)),
    ]
    mime = files_mime(*paths)
    drop(slot(window, "initImageSlot"), mime)
    slots = form.image_slots()
    assert all(s.is_busy() for s in slots)
    wait_settled(qtbot, *slots)
    assert [s.source_label.text() for s in slots] == ["one.png", "two.jpg", "three.bmp"]
    assert all(s.value() is not None for s in slots), [s.error() for s in slots]
    exts = sorted(q.json["extension"] for q in sim.requests if q.path == "/init-image")
    assert exts == ["jpg", "png", "png"]  # the BMP was converted to PNG
    req = form.request()
    assert req.init_image_id == slots[0].value().image_id
    assert req.image_prompts == (slots[1].value().image_id, slots[2].value().image_id)
    wait_idle(qtbot, window)


def test_bad_input_gets_a_message_on_the_slot_and_nothing_is_uploaded(
    qtbot: Any, sim: Any, window: Any, tmp_path: Path
) -> None:
    form = window.form
    text = tmp_path / "notes.txt"
    text.write_text("not a picture")
    good = io.BytesIO()
    Image.effect_noise((128, 128), 50).convert("RGB").save(good, "PNG")
    corrupt = tmp_path / "broken.png"
    corrupt.write_bytes(good.getvalue()[: len(good.getvalue()) // 2])
    init, prompt0 = slot(window, "initImageSlot"), slot(window, "imagePromptSlot0")

    m1 = files_mime(text)
    drop(init, m1)
    m2 = files_mime(corrupt)
    drop(prompt0, m2)
    m3 = QMimeData()
    m3.setUrls([QUrl("http://127.0.0.1:9/nothing-here.png")])
    prompt1 = slot(window, "imagePromptSlot1")
    drop(prompt1, m3)
    wait_settled(qtbot, init, prompt0, prompt1)
    assert "notes.txt is not an image" in init.error()
    assert "broken.png" in prompt0.error()
    assert "truncated" in prompt0.error() or "corrupt" in prompt0.error()
    assert "127.0.0.1" in prompt1.error()
    for s in (init, prompt0, prompt1):
        assert s.value() is None
        assert s.state_label.text() == s.error()
        assert s.state_label.property("error") is True
    assert sim.count("POST", "/init-image") == 0 and not s3_posts(sim)
    # The form still works: a plain generation goes out.
    body = send_with_ctrl_enter(qtbot, sim, window, "a lighthouse at dawn")
    assert "init_image_id" not in body and "imagePrompts" not in body
    assert form.generate_button.text().split(" ·")[0] == "Generate"
    wait_idle(qtbot, window, timeout=20000)


def test_clipboard_image_is_pasted_with_ctrl_v(qtbot: Any, sim: Any, window: Any) -> None:
    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.darkGreen)
    QGuiApplication.clipboard().setImage(image)
    init = slot(window, "initImageSlot")
    init.setFocus()
    QTest.keyClick(init, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    wait_settled(qtbot, init)
    assert init.value() is not None, init.error()
    assert init.source_label.text() == "Pasted image"
    assert [q.json for q in sim.requests if q.path == "/init-image"] == [{"extension": "png"}]
    assert window.form.request().init_image_id == init.value().image_id
    QGuiApplication.clipboard().clear()
    wait_idle(qtbot, window)


def test_gallery_drag_sends_init_generation_image_id_and_a_url_drop_is_fetched(
    qtbot: Any, sim: Any, window: Any
) -> None:
    (record,) = generate(qtbot, window, "a red fox", num_images=1)
    model = window.gallery.model()
    row = next(r for r in range(model.rowCount()) if model.image_id(r) == record.id)
    mime = model.mimeData([model.index(row, 0)])  # what a drag from the gallery carries
    init = slot(window, "initImageSlot")
    drop(init, mime)
    wait_settled(qtbot, init)
    value = init.value()
    assert value is not None and value.generated and value.image_id == record.id, init.error()
    assert "no upload" in init.state_label.text()
    body = send_with_ctrl_enter(qtbot, sim, window, "the same fox, in winter")
    assert body["init_generation_image_id"] == record.id
    assert body["init_strength"] == 0.5 and "init_image_id" not in body
    assert sim.count("POST", "/init-image") == 0
    # the new images know where they came from: the viewer shows the link back
    qtbot.waitUntil(
        lambda: any(r.parent_image_id == record.id for r in shown_records(window)), timeout=20000
    )
    made = next(r for r in shown_records(window) if r.parent_image_id == record.id)
    window.open_viewer(made.id)
    qtbot.waitUntil(lambda: "Made from" in window.viewer.lineage.text(), timeout=5000)
    assert record.id[:8] in window.viewer.lineage.text()
    # "Branch from here": a new draft with the generation's settings, its init image included
    init.clear_button.click()
    qtbot.mouseClick(window.viewer.branch_button, Qt.MouseButton.LeftButton)
    branched = init.value()
    assert branched is not None and branched.generated and branched.image_id == record.id
    assert window.form.prompt_edit.toPlainText() == "the same fox, in winter"
    window.viewer.close()

    # The image's CDN URL, as a browser drag carries it: fetched, then uploaded.
    assert record.url and record.url.startswith("http://127.0.0.1")
    url_mime = QMimeData()
    url_mime.setUrls([QUrl(record.url)])
    prompt0 = slot(window, "imagePromptSlot0")
    cdn_before = sim.count("GET", QUrl(record.url).path())
    drop(prompt0, url_mime)
    wait_settled(qtbot, prompt0)
    assert prompt0.value() is not None and not prompt0.value().generated, prompt0.error()
    assert sim.count("GET", QUrl(record.url).path()) == cdn_before + 1
    assert sim.count("POST", "/init-image") == 1 and len(s3_posts(sim)) == 1
    assert prompt0.source_label.text().startswith("Leonardo_0")
    body = send_with_ctrl_enter(qtbot, sim, window, "the fox, with a prompt image")
    assert body["imagePrompts"] == [prompt0.value().image_id]
    wait_idle(qtbot, window, timeout=20000)


def test_an_expired_presign_is_requested_again(qtbot: Any, apps: Apps, tmp_path: Path) -> None:
    from leodesk.sim import SimConfig, SimServer

    server = SimServer(
        SimConfig(seed=5, generation_seconds=0.2, api_key=SIM_KEY, latency_ms=0, presign_ttl_s=0.5)
    ).start()
    try:
        server.add_fault("POST", "/s3/*", "slow", delay=1.0, times=1)  # outlives the presign
        window = apps.start(sim_runtime(server))
        init = slot(window, "initImageSlot")
        mime = files_mime(png_file(tmp_path, "late.png", (1, 2, 3)))
        drop(init, mime)
        wait_settled(qtbot, init)
        assert init.value() is not None, init.error()
        assert server.count("POST", "/init-image") == 2
        statuses = [q.status for q in s3_posts(server)]
        assert statuses == [403, 204]
        assert window.form.request().init_image_id == init.value().image_id
        wait_idle(qtbot, window)
    finally:
        apps.shutdown_all()
        apps.launchers.clear()
        server.stop()


def test_ctrl_v_anywhere_on_the_form_fills_the_next_empty_slot(
    qtbot: Any, sim: Any, window: Any, tmp_path: Path
) -> None:
    form = window.form
    edit = child(form, QWidget, "promptEdit")
    init, prompt0 = slot(window, "initImageSlot"), slot(window, "imagePromptSlot0")
    clipboard = QGuiApplication.clipboard()
    # text on the clipboard: the prompt gets the text, no slot is touched
    replace_text(qtbot, edit, "")
    clipboard.setText("a misty harbour")
    edit.setFocus()
    QTest.keyClick(edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert edit.toPlainText() == "a misty harbour"
    assert init.is_empty() and not init.is_busy()
    # an image on the clipboard, the prompt focused: it goes to the (empty) init slot
    image = QImage(48, 32, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.darkCyan)
    clipboard.setImage(image)
    QTest.keyClick(edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    wait_settled(qtbot, init)
    assert init.value() is not None, init.error()
    assert edit.toPlainText() == "a misty harbour"  # nothing pasted into the text
    # a copied file, pasted on the width field: the init slot is taken, so image prompt 0
    path = png_file(tmp_path, "boat.png", (20, 90, 160))
    mime = files_mime(path)
    clipboard.setMimeData(mime)
    width = child(form, QWidget, "widthSpin")
    width.setFocus()
    QTest.keyClick(width, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    wait_settled(qtbot, prompt0)
    assert prompt0.value() is not None, prompt0.error()
    assert prompt0.source_label.text() == "boat.png"
    assert form.request().image_prompts == (prompt0.value().image_id,)
    clipboard.clear()
    wait_idle(qtbot, window)


def test_dragging_the_viewers_picture_onto_the_form_sends_its_image_id(
    qtbot: Any, sim: Any, window: Any, monkeypatch: Any
) -> None:
    (record,) = generate(qtbot, window, "a lighthouse at dusk", num_images=1)
    window.open_viewer(record.id)
    viewer = window.viewer
    qtbot.waitUntil(lambda: not viewer.canvas.item.pixmap().isNull(), timeout=10000)
    handle = child(viewer, QWidget, "viewerDragHandle")
    assert handle.accessibleName() and handle.isVisible()
    drags: list[Any] = []
    # the OS drag loop cannot run headless: keep what it would carry, drop it on the slot
    monkeypatch.setattr(viewer, "run_drag", lambda drag: drags.append(drag.mimeData()))
    start = handle.rect().center()
    QTest.mousePress(handle, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    far = start + QPoint(QApplication.startDragDistance() + 5, 0)
    QTest.mouseMove(handle, far)
    QTest.mouseRelease(handle, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, far)
    assert len(drags) == 1
    mime = drags[0]
    assert any(u.isLocalFile() and u.toLocalFile().endswith(".png") for u in mime.urls())
    # a drag on the fitted picture itself does the same (nothing to pan)
    canvas = viewer.canvas.viewport()
    centre = canvas.rect().center()
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre)
    QTest.mouseMove(canvas, centre + QPoint(0, QApplication.startDragDistance() + 5))
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    assert len(drags) == 2
    viewer.close()
    init = slot(window, "initImageSlot")
    drop(init, mime)
    wait_settled(qtbot, init)
    value = init.value()
    assert value is not None and value.generated and value.image_id == record.id, init.error()
    body = send_with_ctrl_enter(qtbot, sim, window, "the lighthouse at dawn")
    assert body["init_generation_image_id"] == record.id
    assert sim.count("POST", "/init-image") == 0
    wait_idle(qtbot, window, timeout=20000)


def test_a_large_picture_is_fitted_to_the_forms_size_before_upload(
    qtbot: Any, sim: Any, window: Any, tmp_path: Path
) -> None:
    form = window.form
    form.width_spin.setValue(512)
    form.height_spin.setValue(768)
    path = png_file(tmp_path, "poster.png", (90, 30, 120), size=(1500, 1200))
    init = slot(window, "initImageSlot")
    mime = files_mime(path)
    drop(init, mime)
    wait_settled(qtbot, init)
    assert init.value() is not None, init.error()
    # just covers 512 x 768 (the height decides), keeping the picture's aspect
    assert init.state_label.text() == "Uploaded at 960 × 768"
    (post,) = s3_posts(sim)
    start = post.body.index(b"\x89PNG")
    with Image.open(io.BytesIO(post.body[start:])) as uploaded:
        assert uploaded.size == (960, 768)
    wait_idle(qtbot, window)


def test_slot_images_stay_with_their_draft_and_come_back_after_a_restart(
    qtbot: Any, apps: Apps, sim: Any, tmp_path: Path
) -> None:
    window = apps.start(sim_runtime(sim))
    init = slot(window, "initImageSlot")
    mime = files_mime(png_file(tmp_path, "kite.png", (250, 200, 0)))
    drop(init, mime)
    wait_settled(qtbot, init)
    uploaded = init.value()
    assert uploaded is not None, init.error()
    # a new draft, emptied; back to the first: its image is still there
    qtbot.mouseClick(child(window, QWidget, "newDraftButton"), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(init.clear_button, Qt.MouseButton.LeftButton)
    assert init.is_empty()
    tabs = window.drafts.tabs
    qtbot.mouseClick(tabs, Qt.MouseButton.LeftButton, pos=tabs.tabRect(0).center())
    assert tabs.currentIndex() == 0
    assert init.value() is not None and init.value().image_id == uploaded.image_id
    assert init.source_label.text() == "kite.png" and not init.thumb.pixmap().isNull()
    qtbot.mouseClick(tabs, Qt.MouseButton.LeftButton, pos=tabs.tabRect(1).center())
    assert init.is_empty()
    qtbot.mouseClick(tabs, Qt.MouseButton.LeftButton, pos=tabs.tabRect(0).center())
    wait_idle(qtbot, window)
    window.close()

    again = apps.start(sim_runtime(sim))
    init = slot(again, "initImageSlot")
    assert init.value() is not None and init.value().image_id == uploaded.image_id
    assert again.form.request().init_image_id == uploaded.image_id
    assert sim.count("POST", "/init-image") == 1  # nothing uploaded again
    wait_idle(qtbot, again)


def test_an_upload_cut_off_by_closing_is_done_again_on_the_next_start(
    qtbot: Any, apps: Apps, sim: Any, tmp_path: Path
) -> None:
    sim.add_fault("POST", "/init-image", "slow", delay=30.0, times=1)  # held when the app closes
    window = apps.start(sim_runtime(sim))
    init = slot(window, "initImageSlot")
    mime = files_mime(png_file(tmp_path, "heron.png", (10, 120, 90)))
    drop(init, mime)
    assert init.is_busy()
    qtbot.waitUntil(lambda: sim.count("POST", "/init-image") == 1, timeout=5000)
    window.close()  # the upload never finished

    again = apps.start(sim_runtime(sim))
    init = slot(again, "initImageSlot")
    assert init.is_busy() and init.source_label.text() == "heron.png"
    wait_settled(qtbot, init)
    assert init.value() is not None, init.error()
    assert again.form.request().init_image_id == init.value().image_id
    assert len(s3_posts(sim)) == 1
    wait_idle(qtbot, again)
