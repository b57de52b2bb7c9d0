"""Run the real demo app on an X server: upload two videos from the uploads dialog's Videos page,
save a screenshot of the dialog listing them (status, duration, size), play one in the app's
video window, sync the library and save the gallery once the demo videos' motion variations
(720p upscales) are in it.

Usage: python -m tests.ui.xvfb_media_driver OUT_DIR  (DISPLAY set, QT_QPA_PLATFORM=xcb)
Prints "videos=N children=N" before quitting.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QTimer

from leodesk.sim import video_render
from tests.ui.xvfb_app import DemoApp


def main(out_dir: str) -> int:
    out = Path(out_dir)
    demo = DemoApp()
    app, window, wait = demo.app, demo.window, demo.wait
    wait(lambda: window.ctx is not None and window.form is not None, "the window")
    folder = Path(tempfile.mkdtemp())
    clips = [folder / "Harbour at dusk.mp4", folder / "Street dance.mov"]
    for n, clip in enumerate(clips):
        clip.write_bytes(video_render.motion_mp4(f"{clip.stem}|{n}", 640 - n * 160, 360))
    window.uploads_link.action.trigger()
    panel = window.media_link.panel
    dialog = window.uploads_link.dialog
    dialog.tabs.setCurrentWidget(panel)
    for clip in clips:
        panel.ask_file = lambda clip=clip: clip
        panel.upload_button.click()
        rows = panel.table.rowCount()
        wait(lambda rows=rows: panel.table.rowCount() == rows + 1, f"the upload of {clip.name}")
    panel.table.selectRow(1)
    demo.settle()
    ok = dialog.grab().save(str(out / "uploaded-videos-dialog.png"))
    panel.play_button.click()
    wait(lambda: window.viewer_link.video_window is not None, "the video window")
    player = window.viewer_link.video_window
    wait(player.isVisible, "the video window shown")
    demo.settle(60)
    ok &= player.grab().save(str(out / "uploaded-video-playing.png"))
    player.close()
    dialog.close()

    def children() -> int:
        model = window.ctx.gallery_model
        while model.canFetchMore():
            model.fetchMore()
        records = [model.record(r) for r in range(model.rowCount())]
        return sum(1 for r in records if r.is_video and r.parent_image_id)

    window.gallery_pane.findChild(object, "syncButton").click()  # Sync library
    wait(lambda: children() >= 2, "the motion variations in the gallery")
    wait(lambda: window.ctx.thumbs.pending == 0, "the thumbnails")
    demo.settle()
    ok &= window.grab().save(str(out / "gallery-motion-variations.png"))
    print(f"videos={panel.table.rowCount()} children={children()}", flush=True)
    QTimer.singleShot(0, window.close)
    app.processEvents()
    demo.launcher.shutdown()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
