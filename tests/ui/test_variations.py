"""Variations and motion, driven as a user: context menu, shortcuts, the viewer.

Real simulator over loopback, real SQLite, real widgets. Dialogs are replaced by recorders
(confirmation, universal-upscaler options, motion strength); motions play in the app's player.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QWidget

from leodesk.core.variations import UniversalOptions, video_path
from tests.ui.helpers import (
    Apps,
    activate,
    cell_center,
    choose_from_context_menu,
    click_row,
    double_click,
    generate,
    shown_records,
    sim_runtime,
    submit_prompt,
    wait_idle,
    wait_models,
)

PROMPT = "a lighthouse on a basalt cliff at dusk"


@pytest.fixture
def window(qtbot: Any, sim: Any) -> Iterator[Any]:
    apps = Apps(qtbot)
    try:
        w = apps.start(sim_runtime(sim), idle_before_close=True)
        wait_models(qtbot, w)
        generate(qtbot, w, PROMPT, num_images=1)
        actions = w.library_actions.variations
        w.asked = []  # type: ignore[attr-defined]

        def confirm(title: str, text: str) -> bool:
            w.asked.append(text)
            return True

        actions.confirm = confirm
        actions.ask_universal = lambda: UniversalOptions("CINEMATIC", 7, 1.25)
        actions.ask_motion_strength = lambda: 6
        w.ctx.variations.poll_interval = 0.1
        w.ctx.variations.reconcile_delay = 0.1
        yield w  # idle before pytest-qt closes it (see Apps.start)
    finally:
        apps.shutdown_all()


def _row_of(window: Any, image_id: str) -> int:
    shown_records(window)
    row = window.gallery.model().row_of(image_id)
    assert row is not None
    return int(row)


def _menu_on(qtbot: Any, window: Any, image_id: str, action: str) -> list[str]:
    view = window.gallery
    row = _row_of(window, image_id)
    click_row(qtbot, view, row)
    pos = cell_center(qtbot, view, view.model().index(row, 0))
    return choose_from_context_menu(qtbot, view, pos, action)


def _wait_child(qtbot: Any, window: Any, parent_id: str, transform: str) -> Any:
    def found() -> Any:
        for rec in shown_records(window):
            if rec.parent_image_id == parent_id and rec.transform == transform and rec.has_file:
                return rec
        return None

    qtbot.waitUntil(lambda: found() is not None, timeout=20000)
    return found()


def _bodies(sim: Any, path: str) -> list[Any]:
    return [r.json for r in sim.requests if r.method == "POST" and r.path == path]


def _strip_texts(window: Any) -> list[str]:
    model = window.ctx.jobs
    return [str(model.index(r).data()) for r in range(model.rowCount())]


def _wait_strip(qtbot: Any, window: Any, needle: str) -> None:
    qtbot.waitUntil(lambda: any(needle in t for t in _strip_texts(window)), timeout=20000)


@pytest.mark.parametrize(
    ("action", "path", "transform", "label"),
    [
        ("upscaleAction", "/variations/upscale", "UPSCALE", "Upscale"),
        ("unzoomAction", "/variations/unzoom", "UNZOOM", "Unzoom"),
        ("removeBackgroundAction", "/variations/nobg", "NOBG", "Remove background"),
    ],
)
def test_variation_from_the_context_menu(
    qtbot: Any, window: Any, sim: Any, action: str, path: str, transform: str, label: str
) -> None:
    source = shown_records(window)[0]
    texts = _menu_on(qtbot, window, source.id, action)
    assert label in texts
    child = _wait_child(qtbot, window, source.id, transform)
    bodies = _bodies(sim, path)
    assert len(bodies) == 1 and bodies[0]["id"] == source.id
    if transform != "UPSCALE":
        assert bodies[0]["isVariation"] is False
    assert child.kind == "variation" and child.generation_id == source.generation_id
    assert window.ctx.image_path(child).is_file()
    _wait_strip(qtbot, window, f"{label} · {PROMPT}")
    qtbot.waitUntil(
        lambda: any(t.startswith("Done") and label in t for t in _strip_texts(window)),
        timeout=10000,
    )
    assert window.asked and label in window.asked[0]


def test_upscale_shortcut_and_a_variation_of_a_variation(qtbot: Any, window: Any, sim: Any) -> None:
    source = shown_records(window)[0]
    click_row(qtbot, window.gallery, _row_of(window, source.id))
    activate(qtbot, window.gallery)
    QTest.keyClick(window.gallery, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
    upscaled = _wait_child(qtbot, window, source.id, "UPSCALE")
    # the cost is learned from the first job: the next confirmation says it
    _menu_on(qtbot, window, upscaled.id, "removeBackgroundAction")
    nobg = _wait_child(qtbot, window, upscaled.id, "NOBG")
    body = _bodies(sim, "/variations/nobg")[-1]
    assert body == {"id": upscaled.id, "isVariation": True}
    assert nobg.parent_image_id == upscaled.id
    # universal upscaler on the variation: sent as variationId with the dialog's options
    _menu_on(qtbot, window, upscaled.id, "universalUpscaleAction")
    uni = _wait_child(qtbot, window, upscaled.id, "UNIVERSAL_UPSCALE")
    body = _bodies(sim, "/variations/universal-upscaler")[-1]
    assert body["variationId"] == upscaled.id and "generatedImageId" not in body
    assert body["upscalerStyle"] == "CINEMATIC" and body["creativityStrength"] == 7
    assert body["upscaleMultiplier"] == 1.25
    assert uni.kind == "variation"
    assert any("Universal upscale costs" in t for t in window.asked)
    # Ctrl+U on a variation sends nothing and says why (upscale takes generated images)
    sent = sim.count("POST", "/variations/upscale")
    click_row(qtbot, window.gallery, _row_of(window, upscaled.id))
    activate(qtbot, window.gallery)
    QTest.keyClick(window.gallery, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
    assert "universal upscaler" in window.statusBar().currentMessage()
    assert sim.count("POST", "/variations/upscale") == sent


def test_universal_upscaler_on_a_generated_image(qtbot: Any, window: Any, sim: Any) -> None:
    source = shown_records(window)[0]
    _menu_on(qtbot, window, source.id, "universalUpscaleAction")
    child = _wait_child(qtbot, window, source.id, "UNIVERSAL_UPSCALE")
    body = _bodies(sim, "/variations/universal-upscaler")[-1]
    assert body["generatedImageId"] == source.id and "variationId" not in body
    assert child.has_file
    services = [b["service"] for b in _bodies(sim, "/pricing-calculator")]
    assert "UNIVERSAL_UPSCALER" in services
    assert window.asked and "credits" in window.asked[0]


def _make_motion(qtbot: Any, window: Any) -> tuple[Any, Any]:
    """Make motion from the first image by its context menu: (source, motion) records."""
    source = shown_records(window)[0]
    _menu_on(qtbot, window, source.id, "motionAction")
    return source, _wait_child(qtbot, window, source.id, "MOTION_SVD")


def test_motion_sends_the_image_id_and_keeps_poster_and_mp4(
    qtbot: Any, window: Any, sim: Any
) -> None:
    source, motion = _make_motion(qtbot, window)
    body = _bodies(sim, "/generations-motion-svd")[-1]
    assert body["imageId"] == source.id
    assert body["imageId"] not in sim.state.generation_ids()
    assert body["isVariation"] is False and body["isInitImage"] is False
    assert body["motionStrength"] == 6
    assert motion.kind == "motion"
    poster = window.ctx.image_path(motion)
    assert poster is not None and poster.is_file() and poster.suffix == ".jpg"
    video = video_path(window.ctx.backend.store.root, motion.id)
    assert video.is_file() and video.stat().st_size > 0
    assert any("Motion costs 45 credits" in t for t in window.asked)
    # the thumbnail is the poster; opening the motion plays the MP4 in the app's player
    _open_in_player(qtbot, window, motion.id, video)


def _open_in_player(qtbot: Any, window: Any, image_id: str, video: Path) -> None:
    view = window.gallery
    row = _row_of(window, image_id)
    double_click(qtbot, view, cell_center(qtbot, view, view.model().index(row, 0)))
    qtbot.waitUntil(lambda: window.viewer_link.video_window is not None, timeout=5000)
    player_window = window.viewer_link.video_window
    player = player_window.findChild(QWidget, "videoPlayer")
    qtbot.waitUntil(lambda: player.path == video, timeout=10000)
    assert player_window.isVisible() and window.viewer_link.viewer is None
    # the simulator's motion is a real H.264 clip: it plays
    playback = player.playback
    qtbot.waitUntil(
        lambda: playback.current is not None and playback.current.index > 2, timeout=10000
    )
    assert player.surface.message == "" and player.surface.frame is playback.current
    player_window.close()


def test_a_motion_not_on_this_computer_is_downloaded_then_played(
    qtbot: Any, window: Any, sim: Any
) -> None:
    _source, motion = _make_motion(qtbot, window)
    video = video_path(window.ctx.backend.store.root, motion.id)
    data = video.read_bytes()
    video.unlink()
    fetched = sim.count("GET", "*.mp4")
    _open_in_player(qtbot, window, motion.id, video)
    assert video.read_bytes() == data  # the same MP4, kept in the store for next time
    assert sim.count("GET", "*.mp4") == fetched + 1


def test_a_motion_video_that_cannot_be_downloaded_says_so_in_the_player(
    qtbot: Any, window: Any, sim: Any
) -> None:
    _source, motion = _make_motion(qtbot, window)
    video_path(window.ctx.backend.store.root, motion.id).unlink()
    sim.add_fault("GET", "/cdn/*.mp4", "500")  # every try
    view = window.gallery
    row = _row_of(window, motion.id)
    double_click(qtbot, view, cell_center(qtbot, view, view.model().index(row, 0)))
    qtbot.waitUntil(lambda: window.viewer_link.video_window is not None, timeout=5000)
    player = window.viewer_link.video_window.findChild(QWidget, "videoPlayer")
    qtbot.waitUntil(
        lambda: player.surface.message.startswith("The video could not be downloaded"),
        timeout=20000,
    )
    assert not player.findChild(QWidget, "videoPlayButton").isEnabled()
    assert not video_path(window.ctx.backend.store.root, motion.id).exists()


def test_a_failed_variation_says_so_in_the_strip(qtbot: Any, window: Any, sim: Any) -> None:
    window.ctx.variations.tuning["settle"] = 1.0  # certain a second after the send
    sim.add_fault("POST", "/variations/unzoom", "500", times=1)
    source = shown_records(window)[0]
    _menu_on(qtbot, window, source.id, "unzoomAction")
    qtbot.waitUntil(
        lambda: any(t.startswith("Failed") and "Unzoom" in t for t in _strip_texts(window)),
        timeout=20000,
    )
    detail = window.jobs.detail.text()
    # a 500 after sending: the server may have made it, so the job looked for it (not sent
    # again) until it was certain that nothing was made
    assert "Nothing was made for this unzoom" in detail and "Nothing was charged" in detail
    assert sim.count("POST", "/variations/unzoom") == 1
    assert not any(r.parent_image_id == source.id for r in shown_records(window))


def test_viewer_lineage_links_and_branch(qtbot: Any, window: Any, sim: Any) -> None:
    source = shown_records(window)[0]
    _menu_on(qtbot, window, source.id, "upscaleAction")
    upscaled = _wait_child(qtbot, window, source.id, "UPSCALE")
    _menu_on(qtbot, window, upscaled.id, "unzoomAction")
    unzoomed = _wait_child(qtbot, window, upscaled.id, "UNZOOM")
    # open the grandchild in the viewer: the chain back shows parent and grandparent
    view = window.gallery
    row = _row_of(window, unzoomed.id)
    double_click(qtbot, view, cell_center(qtbot, view, view.model().index(row, 0)))
    qtbot.waitUntil(lambda: window.findChild(QDialog, "imageViewer") is not None, timeout=5000)
    viewer = window.findChild(QDialog, "imageViewer")
    qtbot.waitUntil(viewer.isVisible, timeout=5000)
    text = viewer.lineage.text()
    assert "Variation of" in text and upscaled.id in text and source.id in text
    # follow the link to the parent: its children line shows the unzoom
    viewer.lineage.linkActivated.emit(f"image:{upscaled.id}")
    assert viewer.record.id == upscaled.id
    assert "Children" in viewer.lineage.text() and unzoomed.id in viewer.lineage.text()
    # the viewer's own Variations menu runs jobs on the shown image
    viewer.variation_actions["viewerRemoveBackgroundAction"].trigger()
    _wait_child(qtbot, window, upscaled.id, "NOBG")
    qtbot.waitUntil(lambda: viewer.lineage.text().count("image:") >= 3, timeout=10000)
    assert not viewer.variation_actions["viewerUpscaleAction"].isEnabled()
    # branch from here: a new draft with the generation's prompt
    drafts_before = window.drafts.tabs.count()
    qtbot.mouseClick(viewer.branch_button, Qt.MouseButton.LeftButton)
    assert window.drafts.tabs.count() == drafts_before + 1
    assert window.form.prompt_edit.toPlainText() == PROMPT


def test_variation_and_motion_jobs_are_queued_and_survive_a_restart(
    qtbot: Any, apps: Apps, make_sim: Any
) -> None:
    # every job takes a minute on this server unless the test finishes it (complete_all)
    sim = make_sim(seed=3, generation_seconds=60.0)
    w = apps.start(sim_runtime(sim))
    wait_models(qtbot, w)
    submit_prompt(qtbot, w, PROMPT, num_images=1)
    qtbot.waitUntil(lambda: sim.complete_all() >= 0 and shown_records(w) != [], timeout=20000)
    (source,) = shown_records(w)
    qtbot.waitUntil(lambda: shown_records(w)[0].has_file, timeout=10000)
    actions = w.library_actions.variations
    actions.confirm = lambda title, text: True
    actions.ask_motion_strength = lambda: 4
    _menu_on(qtbot, w, source.id, "unzoomAction")
    _menu_on(qtbot, w, source.id, "motionAction")
    # both are rows of the stored queue, shown in the queue panel with their labels
    qtbot.waitUntil(
        lambda: (
            sim.count("POST", "/variations/unzoom") == 1
            and sim.count("POST", "/generations-motion-svd") == 1
        ),
        timeout=10000,
    )
    reader = w.ctx.backend.reader
    assert sorted(j.kind for j in reader.unfinished_jobs()) == ["variation", "variation"]
    queue = w.ctx.queue
    texts = [str(queue.index(r).data()) for r in range(queue.rowCount())]
    assert any("Unzoom" in t for t in texts) and any("Motion" in t for t in texts)
    # accepted by the server (its ids stored), then the user quits while they run there
    qtbot.waitUntil(lambda: all(j.generation_id for j in reader.unfinished_jobs()), timeout=10000)
    w.close()

    again = apps.start(sim_runtime(sim))
    wait_models(qtbot, again)
    again.ctx.variations.poll_interval = 0.1
    reader = again.ctx.backend.reader
    qtbot.waitUntil(lambda: sim.complete_all() >= 0 and not reader.unfinished_jobs(), timeout=20000)
    unzoomed = _wait_child(qtbot, again, source.id, "UNZOOM")
    motion = _wait_child(qtbot, again, source.id, "MOTION_SVD")
    assert unzoomed.has_file and motion.kind == "motion"
    # followed again by their ids, never sent twice
    assert sim.count("POST", "/variations/unzoom") == 1
    assert sim.count("POST", "/generations-motion-svd") == 1
    wait_idle(qtbot, again, timeout=20000)


def test_a_queued_motion_is_priced_in_the_queue_total(qtbot: Any, window: Any, sim: Any) -> None:
    from PySide6.QtWidgets import QLabel, QPushButton

    pause = window.findChild(QPushButton, "pauseQueueButton")
    qtbot.mouseClick(pause, Qt.MouseButton.LeftButton)
    source = shown_records(window)[0]
    _menu_on(qtbot, window, source.id, "motionAction")
    status = window.findChild(QLabel, "queueStatus")
    qtbot.waitUntil(lambda: "1 queued" in status.text(), timeout=10000)
    # the pricing calculator's price of a motion, not "unknown"
    qtbot.waitUntil(lambda: "45 credits queued" in status.text(), timeout=10000)
    assert sim.count("POST", "/generations-motion-svd") == 0  # paused: nothing sent
    qtbot.mouseClick(window.findChild(QPushButton, "cancelAllButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "0 queued" in status.text(), timeout=10000)
    qtbot.mouseClick(pause, Qt.MouseButton.LeftButton)


def test_a_variation_whose_answer_was_lost_is_found_not_sent_again(
    qtbot: Any, window: Any, sim: Any
) -> None:
    # the server makes the variation, then the answer is a 500: the outcome is unknown
    sim.add_fault("POST", "/variations/nobg", "500", commit=True, times=1)
    source = shown_records(window)[0]
    _menu_on(qtbot, window, source.id, "removeBackgroundAction")
    child = _wait_child(qtbot, window, source.id, "NOBG")
    assert child.has_file
    assert sim.count("POST", "/variations/nobg") == 1  # looked for, never sent twice
    assert sim.count("GET", f"/generations/{source.generation_id}") >= 1
    qtbot.waitUntil(
        lambda: any(
            t.startswith("Done") and "Remove background" in t for t in _strip_texts(window)
        ),
        timeout=10000,
    )
