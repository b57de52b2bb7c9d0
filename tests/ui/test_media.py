"""Uploaded videos and motion variations in the running app over the simulator: the uploads
dialog's Videos page (upload, refuse other files, status/duration/size, play, delete, listed
after a restart) and motion variations as child videos that play."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton, QTableWidget, QWidget

from leodesk.sim import video_render
from tests.helpers.spec import validate_request, validate_response
from tests.ui.helpers import (
    Apps,
    child,
    fast_sync,
    shown_records,
    sim_runtime,
    sync_library,
    wait_idle,
    wait_models,
)
from tests.ui.test_extras import _later


def _click(qtbot: Any, button: QPushButton) -> None:
    assert button.isEnabled(), button.objectName()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _select_row(qtbot: Any, table: QTableWidget, row: int) -> None:
    item = table.item(row, 0)
    assert item is not None
    pos = table.visualItemRect(item).center()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def _open_videos(qtbot: Any, window: Any) -> Any:
    window.uploads_link.action.trigger()
    dialog = window.uploads_link.dialog
    tabs = child(dialog, QWidget, "uploadedTabs")
    panel = child(dialog, QWidget, "uploadedVideosPanel")
    tabs.setCurrentWidget(panel)
    return dialog, panel


def test_upload_play_and_delete_a_video(qtbot: Any, apps: Apps, sim: Any, tmp_path: Path) -> None:
    window = apps.start(sim_runtime(sim))
    wait_models(qtbot, window)
    dialog, panel = _open_videos(qtbot, window)
    table = child(panel, QTableWidget, "uploadedVideosList")
    status = child(panel, QWidget, "uploadedVideosStatus")
    qtbot.waitUntil(lambda: "No uploaded videos" in status.text(), timeout=10000)

    gif = tmp_path / "anim.gif"
    gif.write_bytes(b"GIF89a")
    panel.ask_file = lambda: gif
    _click(qtbot, child(panel, QPushButton, "uploadVideoButton"))
    assert "MP4 and MOV" in status.text() and table.rowCount() == 0
    assert sim.count("POST", "/media") == 0

    clip = tmp_path / "Beach walk.mp4"
    clip.write_bytes(video_render.motion_mp4("a beach walk", 320, 180))
    panel.ask_file = lambda: clip
    _click(qtbot, child(panel, QPushButton, "uploadVideoButton"))
    qtbot.waitUntil(lambda: table.rowCount() == 1, timeout=15000)
    texts = [table.item(0, c).text() for c in range(table.columnCount())]
    assert texts[:4] == ["Beach walk.mp4", "Complete", "4.0 s", "320×180"]
    (body,) = [r.json for r in sim.requests if r.method == "POST" and r.path == "/media"]
    validate_request("uploadMedia", body)
    media_id = panel.row_at(0).media_id
    validate_response("getUploadedMediaById", sim.state.get_media(media_id))
    assert [u.media_id for u in window.ctx.backend.reader.media_uploads()] == [media_id]

    _select_row(qtbot, table, 0)
    _click(qtbot, child(panel, QPushButton, "playUploadedVideoButton"))
    qtbot.waitUntil(lambda: window.viewer_link.video_window is not None, timeout=15000)
    player = window.viewer_link.video_window
    qtbot.waitUntil(
        lambda: player.isVisible() and "Beach walk" in player.windowTitle(), timeout=15000
    )
    player.close()

    def yes(box: Any) -> None:
        assert isinstance(box, QMessageBox) and box.objectName() == "deleteUploadedVideoConfirm"
        qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)

    _select_row(qtbot, table, 0)
    _later(qtbot, yes)
    _click(qtbot, child(panel, QPushButton, "deleteUploadedVideoButton"))
    qtbot.waitUntil(lambda: table.rowCount() == 0, timeout=10000)
    assert sim.state.get_media(media_id) == {"uploaded_media_by_pk": None}
    assert window.ctx.backend.reader.media_uploads() == []
    dialog.close()
    wait_idle(qtbot, window)


def test_uploads_are_listed_after_a_restart(
    qtbot: Any, apps: Apps, sim: Any, tmp_path: Path
) -> None:
    window = apps.start(sim_runtime(sim))
    wait_models(qtbot, window)
    clip = tmp_path / "kept.mov"
    clip.write_bytes(video_render.motion_mp4("kept", 160, 90))
    _dialog, panel = _open_videos(qtbot, window)
    panel.ask_file = lambda: clip
    window.media_link.upload_from_menu()  # File ▸ Upload a video to your account…
    table = child(panel, QTableWidget, "uploadedVideosList")
    qtbot.waitUntil(lambda: table.rowCount() == 1, timeout=15000)
    wait_idle(qtbot, window)
    apps.shutdown_all()
    apps.launchers.clear()

    again = apps.start(sim_runtime(sim))
    wait_models(qtbot, again)
    _dialog, panel = _open_videos(qtbot, again)
    table = child(panel, QTableWidget, "uploadedVideosList")
    qtbot.waitUntil(lambda: table.rowCount() == 1, timeout=15000)
    assert table.item(0, 0).text() == "kept.mov" and table.item(0, 1).text() == "Complete"
    # deleted on the server some other way: the next look drops it from the library too
    sim.state.delete_media(panel.row_at(0).media_id)
    again.uploads_link.action.trigger()
    status = child(panel, QWidget, "uploadedVideosStatus")
    qtbot.waitUntil(lambda: "No uploaded videos" in status.text(), timeout=10000)
    assert table.rowCount() == 0 and again.ctx.backend.reader.media_uploads() == []
    wait_idle(qtbot, again)


def test_motion_variations_are_child_videos_that_play(
    qtbot: Any, apps: Apps, make_sim: Any
) -> None:
    sim = make_sim(seed=5, seed_generations=1, seed_videos=1)
    window = apps.start(sim_runtime(sim))
    window.played = []
    window.video_link.opener = lambda url, _title: window.played.append(url) or True
    fast_sync(window)
    sync_library(qtbot, window)

    def children() -> list[Any]:
        return [r for r in shown_records(window) if r.is_video and r.parent_image_id]

    qtbot.waitUntil(lambda: len(children()) == 1, timeout=15000)
    (upscale,) = children()
    (video,) = [r for r in shown_records(window) if r.is_video and not r.parent_image_id]
    assert upscale.parent_image_id == video.id and upscale.transform == "UPSCALE_720"
    lineage = window.ctx.backend.reader.children_of(video.id)
    assert [c.id for c in lineage] == [upscale.id]
    validate_response("getMotionVariationById", sim.state.motion_variations(video.id))
    assert window.open_video(upscale)
    qtbot.waitUntil(lambda: bool(window.played), timeout=15000)
    assert window.played[0].toLocalFile().endswith(f"{upscale.id}.mp4")
    wait_idle(qtbot, window)
