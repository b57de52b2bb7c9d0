"""Run the real demo app on an X server, make an image and open "Make video…" on it: save a
screenshot of the dialog (Veo 3 chosen: frame interpolation and the end frame disabled, the
cost shown), send it, wait for the video item and save the window with its duration badge.

Usage: python -m tests.ui.xvfb_video_driver DIALOG.png GALLERY.png
(DISPLAY set, QT_QPA_PLATFORM=xcb).
Prints "cost=TEXT" and "video=SECONDS" before saving.
"""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest

from tests.ui.xvfb_app import DemoApp


def main(dialog_out: str, gallery_out: str) -> int:
    demo = DemoApp()
    app, window, launcher, wait = demo.app, demo.window, demo.launcher, demo.wait
    wait(lambda: window.browser is not None and window.browser.proxy.rowCount() > 3, "models")
    prompt = window.form.findChild(object, "promptEdit")
    prompt.setFocus()
    QTest.keyClicks(prompt, "a lighthouse on a cliff at dusk, oil painting")
    QTest.keyClick(prompt, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    model = window.gallery.model()
    wait(lambda: model.rowCount() >= 1 and model.record(0).has_file, "an image")
    source = model.record(0)
    saved: dict[str, Any] = {}

    def drive(dialog: Any) -> bool:
        dialog.show()
        combo = dialog.findChild(object, "videoModel")
        combo.setCurrentIndex(combo.findData("VEO3"))
        cost = dialog.findChild(object, "videoCost")
        wait(lambda: "credit" in cost.text(), "the price")
        demo.settle(15)
        saved["dialog"] = dialog.grab().save(dialog_out)
        print(f"cost={cost.text()}", flush=True)
        return True

    window.video_link.run_dialog = drive
    window.video_link.make_video(source)

    def video() -> Any:
        rows = (model.record(r) for r in range(model.rowCount()))
        return next((r for r in rows if r and r.is_video and r.video_duration and r.has_file), None)

    window.ctx.videos.poll_interval = 0.5
    wait(lambda: video() is not None, "the video")
    keys = [model.thumb_key(model.record(r)) for r in range(model.rowCount())]
    wait(lambda: all(window.ctx.thumbs.pixmap(k) is not None for k in keys), "thumbnails")
    demo.settle(30)
    print(f"video={video().video_duration}", flush=True)
    ok = window.grab().save(gallery_out) and saved.get("dialog")
    QTimer.singleShot(0, window.close)
    app.processEvents()
    launcher.shutdown()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
