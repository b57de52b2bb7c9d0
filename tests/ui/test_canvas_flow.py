"""The canvas in the app, end to end on the simulator over real HTTP: a gallery image opened in
the canvas, a mask painted with the mouse, inpaint through the upload and the job queue, the
result as a layer, accepted; live mode with real strokes, newest input winning, Keep into the
library with its lineage."""

from __future__ import annotations

from typing import Any

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QListWidget, QWidget

from tests.helpers.spec import validate_request
from tests.ui.canvas_helpers import at_image, drag, line, view_of
from tests.ui.helpers import (
    Apps,
    activate,
    child,
    click_row,
    generate,
    key,
    shown_ids,
    sim_runtime,
    type_text,
    wait_idle,
)


@pytest.fixture
def window(apps: Apps, sim: Any) -> Any:
    return apps.start(sim_runtime(sim))


def bodies(sim: Any, path: str) -> list[Any]:
    return [q.json for q in sim.requests if q.method == "POST" and q.path == path]


def open_in_canvas(qtbot: Any, window: Any, image_id: str) -> Any:
    window.gallery.setFocus()
    canvas = window.canvas_link.open_gallery_image(image_id)
    qtbot.addWidget(canvas)
    qtbot.waitUntil(lambda: canvas.doc.source_id == image_id, timeout=10000)
    return canvas


def blank_canvas(qtbot: Any, window: Any, size: tuple[int, int], prompt: str = "") -> Any:
    """A canvas window of the app on a blank sheet of ``size``, with ``prompt`` typed."""
    canvas = window.canvas_link.open_canvas()
    qtbot.addWidget(canvas)
    canvas.new_blank(*size)
    if prompt:
        type_text(qtbot, child(canvas, QLineEdit, "canvasPromptEdit"), prompt)
    return canvas


def paint(qtbot: Any, canvas: Any, a: tuple[int, int], b: tuple[int, int]) -> None:
    view = view_of(canvas)
    drag(qtbot, view, line(at_image(view, *a), at_image(view, *b), 8))


def click(qtbot: Any, widget: QWidget, name: str) -> None:
    qtbot.mouseClick(child(widget, QWidget, name), Qt.MouseButton.LeftButton)


def test_inpaint_a_gallery_image_through_the_queue(qtbot: Any, sim: Any, window: Any) -> None:
    [record] = generate(qtbot, window, "a quiet harbour at dawn")
    canvas = open_in_canvas(qtbot, window, record.id)
    stored = window.ctx.image_path(window.ctx.backend.reader.image_records([record.id])[record.id])
    with Image.open(stored) as im:
        assert (canvas.doc.size().width(), canvas.doc.size().height()) == im.size
    qtbot.waitUntil(lambda: "credits" in child(canvas, QWidget, "canvasCostLabel").text())
    paint(qtbot, canvas, (100, 100), (300, 160))
    type_text(qtbot, child(canvas, QLineEdit, "canvasPromptEdit"), "a red sailing boat")
    click(qtbot, canvas, "inpaintButton")
    results = child(canvas, QListWidget, "resultList")
    message = child(canvas, QWidget, "canvasMessage")
    qtbot.waitUntil(lambda: "queued" in message.text(), timeout=10000)
    if im.size[0] > 1536:  # the simulator's pictures are larger than the canvas endpoint takes
        assert "scaled" in message.text().lower() or "resized" in message.text().lower()
    qtbot.waitUntil(lambda: results.count() >= 1, timeout=20000)
    [upload] = bodies(sim, "/canvas-init-image")
    validate_request("uploadCanvasInitImage", upload)
    assert upload == {"initExtension": "png", "maskExtension": "png"}
    body = bodies(sim, "/generations")[-1]
    validate_request("createGeneration", body)
    assert body["canvasRequest"] is True and body["canvasRequestType"] == "INPAINT"
    assert body["prompt"] == "a red sailing boat" and body["public"] is False
    assert "made_from" not in body and "madeFrom" not in body
    # the result is in the library with the gallery image as its parent
    result_id = results.item(0).data(Qt.ItemDataRole.UserRole)
    lib = window.ctx.backend.reader
    kept = lib.image_records([result_id])[result_id]
    assert kept.parent_image_id == record.id
    # only the painted area changed: far from the stroke the result is the source picture
    with Image.open(window.ctx.image_path(kept)) as out, Image.open(stored) as src:
        src = src.convert("RGB").resize(out.size)
        out = out.convert("RGB")
        sx, sy = out.width / im.size[0], out.height / im.size[1]

        def diff(x: int, y: int) -> int:
            a, b = (
                out.getpixel((int(x * sx), int(y * sy))),
                src.getpixel((int(x * sx), int(y * sy))),
            )
            return max(abs(p - q) for p, q in zip(a, b, strict=True))

        assert diff(600, 600) < 24 and diff(20, 500) < 24  # far from the stroke: kept
        assert diff(200, 130) > 24 or diff(150, 115) > 24  # on the stroke: regenerated
    # accepted: the canvas now paints on the result, marked picked in the library
    click(qtbot, canvas, "resultAcceptButton")
    assert canvas.doc.source_id == result_id
    qtbot.waitUntil(lambda: lib.image_records([result_id])[result_id].pick == "picked")
    canvas.close()
    wait_idle(qtbot, window)


def test_a_mask_of_nothing_sends_nothing(qtbot: Any, sim: Any, window: Any) -> None:
    [record] = generate(qtbot, window, "a quiet harbour at dawn")
    canvas = open_in_canvas(qtbot, window, record.id)
    type_text(qtbot, child(canvas, QLineEdit, "canvasPromptEdit"), "a boat")
    click(qtbot, canvas, "inpaintButton")
    assert child(canvas, QWidget, "canvasMessage").text() == "Paint the area to change first"
    assert bodies(sim, "/canvas-init-image") == []
    canvas.close()
    wait_idle(qtbot, window)


def test_live_follows_strokes_newest_first_and_keeps(qtbot: Any, apps: Apps, make_sim: Any) -> None:
    sim = make_sim(lcm_latency=0.3)
    window = apps.start(sim_runtime(sim))
    canvas = blank_canvas(qtbot, window, (768, 512), "a lighthouse")
    click(qtbot, canvas, "liveToggle")
    session = window.canvas_link.canvases[-1][1].session
    qtbot.waitUntil(lambda: session.live.stats.shown >= 1, timeout=10000)
    click(qtbot, canvas, "colourBrushTool")
    for k in range(8):  # strokes faster than the answers come
        paint(qtbot, canvas, (50 + 60 * k, 100), (80 + 60 * k, 400))
        qtbot.wait(90)
    last = canvas.doc.revision
    qtbot.waitUntil(
        lambda: not session.live.in_flight and session.live._shown_revision == last, timeout=15000
    )
    stats = session.live.stats
    lcm = bodies(sim, "/generations-lcm")
    assert len(lcm) == stats.sent and stats.superseded > 0 and stats.stale == 0
    assert stats.sent < 1 + 8  # stale inputs were dropped, not queued
    for body in lcm:
        validate_request("createLCMGeneration", body)
        assert body["imageDataUrl"].startswith("data:image/jpeg;base64,")
    assert len({b["seed"] for b in lcm}) == 1  # a fixed seed until a new one is asked for
    click(qtbot, canvas, "liveKeepButton")
    status = child(canvas, QWidget, "liveStatusLabel")
    qtbot.waitUntil(lambda: status.text() == "Kept in the library", timeout=10000)
    canvas.close()
    wait_idle(qtbot, window)


def test_live_refused_for_rate_pauses_and_says_why(qtbot: Any, apps: Apps, make_sim: Any) -> None:
    sim = make_sim(rate_limit_per_minute=2)
    window = apps.start(sim_runtime(sim))
    canvas = blank_canvas(qtbot, window, (512, 512), "a lighthouse")
    click(qtbot, canvas, "liveToggle")
    session = window.canvas_link.canvases[-1][1].session
    click(qtbot, canvas, "colourBrushTool")
    status = child(canvas, QWidget, "liveStatusLabel")
    for k in range(4):
        qtbot.waitUntil(lambda: not session.live.in_flight, timeout=10000)
        paint(qtbot, canvas, (50 + 80 * k, 100), (80 + 80 * k, 400))
        qtbot.wait(120)
    qtbot.waitUntil(lambda: "rate limit" in status.text(), timeout=10000)
    assert "Live is paused" in status.text() and session.live.stats.failed >= 1
    sent = len(bodies(sim, "/generations-lcm"))
    paint(qtbot, canvas, (400, 100), (450, 400))  # while paused: nothing is sent
    qtbot.wait(300)
    assert len(bodies(sim, "/generations-lcm")) == sent
    click(qtbot, canvas, "liveToggle")  # off: nothing waits to be sent later
    canvas.close()
    wait_idle(qtbot, window)


def test_outpaint_by_preset_grows_the_picture(qtbot: Any, sim: Any, window: Any) -> None:
    [record] = generate(qtbot, window, "a small cabin in a meadow")
    canvas = open_in_canvas(qtbot, window, record.id)
    before = canvas.doc.size()
    click(qtbot, canvas, "grow25Button")
    grown = canvas.doc.size()
    assert grown.width() > before.width() and grown.height() > before.height()
    type_text(qtbot, child(canvas, QLineEdit, "canvasPromptEdit"), "wide meadow, mountains")
    click(qtbot, canvas, "outpaintButton")
    results = child(canvas, QListWidget, "resultList")
    qtbot.waitUntil(lambda: results.count() >= 1, timeout=20000)
    body = bodies(sim, "/generations")[-1]
    validate_request("createGeneration", body)
    assert body["canvasRequestType"] == "OUTPAINT"
    assert body["width"] % 8 == 0 and body["height"] % 8 == 0
    assert max(body["width"], body["height"]) <= 1536
    assert abs(body["width"] / body["height"] - grown.width() / grown.height()) < 0.02
    canvas.close()
    wait_idle(qtbot, window)


def test_sketch_on_a_blank_sheet(qtbot: Any, sim: Any, window: Any) -> None:
    canvas = blank_canvas(qtbot, window, (768, 512))
    click(qtbot, canvas, "colourBrushTool")
    paint(qtbot, canvas, (100, 300), (600, 320))
    type_text(qtbot, child(canvas, QLineEdit, "canvasPromptEdit"), "a river at dusk")
    click(qtbot, canvas, "sketchButton")
    results = child(canvas, QListWidget, "resultList")
    qtbot.waitUntil(lambda: results.count() >= 1, timeout=20000)
    body = bodies(sim, "/generations")[-1]
    validate_request("createGeneration", body)
    assert body["canvasRequestType"] == "SKETCH2IMG" and (body["width"], body["height"]) == (
        768,
        512,
    )
    assert body["init_strength"] == 0.5
    canvas.close()
    wait_idle(qtbot, window)


def test_a_kept_live_picture_is_in_the_gallery_and_deletes_locally(
    qtbot: Any, sim: Any, window: Any
) -> None:
    [record] = generate(qtbot, window, "a red kite")
    canvas = open_in_canvas(qtbot, window, record.id)
    type_text(qtbot, child(canvas, QLineEdit, "canvasPromptEdit"), "a red kite at sunset")
    click(qtbot, canvas, "liveToggle")
    session = window.canvas_link.canvases[-1][1].session
    qtbot.waitUntil(lambda: session.live.stats.shown >= 1, timeout=10000)
    click(qtbot, canvas, "liveKeepButton")
    qtbot.waitUntil(lambda: len(shown_ids(window)) == 2, timeout=10000)
    kept_id = next(i for i in shown_ids(window) if i != record.id)
    kept = window.ctx.backend.reader.image_records([kept_id])[kept_id]
    assert kept.local and kept.parent_image_id == record.id and kept.transform == "LCM"
    assert kept.prompt == "a red kite at sunset"
    click(qtbot, canvas, "liveToggle")
    canvas.close()
    # variations need a picture the server made: disabled, and said when asked anyway
    activate(qtbot, window)
    gallery = window.gallery
    row = shown_ids(window).index(kept_id)
    click_row(qtbot, gallery, row)
    actions = window.library_actions
    actions.variations.update_enabled(actions.selected_records())
    assert not actions.actions["upscaleAction"].isEnabled()
    # deleted: gone from the gallery and the disk, nothing sent to the server
    window.ctx.deleter.undo_seconds = 0.2
    path = window.ctx.image_path(kept)
    key(gallery, Qt.Key.Key_Delete)
    status = window.statusBar()
    qtbot.waitUntil(lambda: "kept on this computer" in status.currentMessage(), timeout=10000)
    assert [r for r in sim.requests if r.method == "DELETE"] == []
    assert not path.exists() and shown_ids(window) == [record.id]
    wait_idle(qtbot, window)


def test_a_canvas_job_above_the_cost_limit_asks_first(qtbot: Any, sim: Any, window: Any) -> None:
    canvas = blank_canvas(qtbot, window, (512, 512))
    cost = child(canvas, QWidget, "canvasCostLabel")
    qtbot.waitUntil(lambda: "credits" in cost.text(), timeout=10000)
    asked: list[str] = []
    window.confirm_cost_above = 1
    window.confirm_cost = lambda text: asked.append(text) or False
    paint(qtbot, canvas, (100, 100), (200, 200))
    type_text(qtbot, child(canvas, QLineEdit, "canvasPromptEdit"), "a lantern")
    click(qtbot, canvas, "inpaintButton")
    assert len(asked) == 1 and "more than your limit of 1" in asked[0]
    assert child(canvas, QWidget, "canvasMessage").text() == "Not sent: above your cost limit"
    assert bodies(sim, "/canvas-init-image") == []
    canvas.close()
    wait_idle(qtbot, window)


def test_live_masked_edits_refine_upscale_and_a_new_seed(qtbot: Any, sim: Any, window: Any) -> None:
    canvas = blank_canvas(qtbot, window, (640, 512), "a lighthouse")
    paint(qtbot, canvas, (100, 100), (300, 200))  # the mask brush: live edits go masked
    click(qtbot, canvas, "liveToggle")
    live = window.canvas_link.canvases[-1][1].session.live
    status = child(canvas, QWidget, "liveStatusLabel")
    qtbot.waitUntil(lambda: live.stats.shown >= 1 and not live.in_flight, timeout=10000)
    [masked] = bodies(sim, "/lcm-inpainting")
    validate_request("performInpaintingLCM", masked)
    assert masked["maskDataUrl"].startswith("data:image/jpeg;base64,")
    assert (masked["width"], masked["height"]) == (640, 512)
    click(qtbot, canvas, "liveRefineButton")
    qtbot.waitUntil(lambda: status.text().startswith("Refined"), timeout=10000)
    validate_request("performInstantRefine", bodies(sim, "/lcm-instant-refine")[0])
    click(qtbot, canvas, "liveUpscaleButton")
    qtbot.waitUntil(lambda: status.text().startswith("Upscaled"), timeout=10000)
    validate_request("performAlchemyUpscaleLCM", bodies(sim, "/lcm-upscale")[0])
    seed = masked["seed"]
    click(qtbot, canvas, "liveNewSeedButton")
    qtbot.waitUntil(lambda: len(bodies(sim, "/lcm-inpainting")) == 2, timeout=10000)
    assert bodies(sim, "/lcm-inpainting")[1]["seed"] != seed
    qtbot.waitUntil(lambda: not live.in_flight, timeout=10000)
    click(qtbot, canvas, "liveToggle")
    canvas.close()
    wait_idle(qtbot, window)


def test_an_image_dragged_from_the_gallery_opens_with_its_lineage(
    qtbot: Any, sim: Any, window: Any
) -> None:
    from tests.ui.test_canvas_window import drop

    [record] = generate(qtbot, window, "a heron in the reeds")
    canvas = blank_canvas(qtbot, window, (512, 512))
    paint(qtbot, canvas, (100, 100), (200, 100))  # some work on the sheet
    mime = window.ctx.gallery_model.mime_for([record])
    drop(canvas, mime)
    qtbot.waitUntil(lambda: canvas.doc.source_id == record.id, timeout=10000)
    assert canvas.source_image_id == record.id and canvas.doc.size().width() > 512
    canvas.doc.undo()  # opening over work is undoable: the painted sheet comes back
    assert canvas.doc.size().width() == 512 and canvas.doc.source_id is None
    assert not canvas.doc.mask_is_empty()
    canvas.close()
    wait_idle(qtbot, window)


def test_the_viewer_opens_its_image_in_the_canvas(qtbot: Any, sim: Any, window: Any) -> None:
    [record] = generate(qtbot, window, "an old stone bridge")
    window.open_viewer(record.id)
    viewer = window.viewer
    qtbot.waitUntil(lambda: viewer is not None and viewer.record is not None)
    click(qtbot, viewer, "viewerCanvasButton")
    canvas, _binding = window.canvas_link.canvases[-1]
    qtbot.addWidget(canvas)
    qtbot.waitUntil(lambda: canvas.doc.source_id == record.id, timeout=10000)
    canvas.close()
    viewer.close()
    wait_idle(qtbot, window)


def test_a_refused_canvas_prompt_is_said_in_the_canvas(qtbot: Any, sim: Any, window: Any) -> None:
    canvas = blank_canvas(qtbot, window, (512, 512), "a nsfwword lantern")
    paint(qtbot, canvas, (100, 100), (200, 200))
    click(qtbot, canvas, "inpaintButton")
    message = child(canvas, QWidget, "canvasMessage")
    qtbot.waitUntil(lambda: message.text().startswith("Inpaint failed"), timeout=15000)
    assert "moderation" in message.text().lower() or "reword" in message.text().lower()
    assert "e57373" in message.styleSheet()  # shown as a problem
    assert child(canvas, QListWidget, "resultList").count() == 0
    canvas.close()
    wait_idle(qtbot, window)


def test_closing_a_canvas_with_answers_on_their_way(qtbot: Any, apps: Apps, make_sim: Any) -> None:
    sim = make_sim(latency_ms=300, lcm_latency=0.3)
    window = apps.start(sim_runtime(sim))
    canvas = blank_canvas(qtbot, window, (512, 512), "a lantern")
    click(qtbot, canvas, "liveToggle")  # a live picture and two prices are on their way
    session = window.canvas_link.canvases[-1][1].session
    qtbot.waitUntil(lambda: session.live.in_flight, timeout=5000)
    canvas.close()  # the answers arrive after the window is gone: nothing is told, no error
    wait_idle(qtbot, window, timeout=15000)
    assert session.closed and window.canvas_link.canvases == []
