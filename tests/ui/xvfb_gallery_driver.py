"""Run the real demo app on an X server and photograph the gallery: empty (a new library), after
Sync from the empty state's button, with variation badges (upscale, unzoom, no background, the
parent's stack), grouped by generation, with small and large thumbnails, and a search with no
match; and the model browser's tiles. Shots are of the panes only (the parts this is about).

Usage: python -m tests.ui.xvfb_gallery_driver OUT_DIR  (DISPLAY set, QT_QPA_PLATFORM=xcb)
Prints "rows=N badges=N" before quitting.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtTest import QTest

from tests.ui.xvfb_app import DemoApp

TRANSFORMS = ("UPSCALE", "UNZOOM", "NOBG", "UNIVERSAL_UPSCALER")


def add_variations(ctx: Any, model: Any) -> int:
    """Store a variation of each of the first images (its parent's picture as its file)."""
    parents = [model.record(r) for r in range(min(len(TRANSFORMS), model.rowCount()))]

    def write(lib: Any) -> int:
        for n, (parent, transform) in enumerate(zip(parents, TRANSFORMS, strict=False)):
            child = f"var-{n}-{parent.id}"
            lib.add_variation_child(
                image_id=child,
                parent_image_id=parent.id,
                transform=transform,
                url=parent.url,
                created_ms=parent.created_ms,
            )
            if parent.has_file:
                lib.set_image_file(child, parent.sha256, parent.ext)
        return len(parents)

    return int(ctx.backend.db(write).result(timeout=30))


def main(out_dir: str) -> int:
    out = Path(out_dir)
    demo = DemoApp()
    window, wait = demo.window, demo.wait
    wait(lambda: window.ctx is not None and window.form is not None, "the window")
    pane, gallery = window.gallery_pane, window.gallery
    model = window.ctx.gallery_model
    empty = gallery.empty_state
    wait(lambda: empty.isVisible() and empty.kind == "new", "the new gallery's empty state")
    demo.settle()
    ok = pane.grab().save(str(out / "gallery-empty-new.png"))
    browser = window.browser
    wait(lambda: browser.proxy.rowCount() > 3, "the model list")
    window.panes_link.panes["browser"].set_open(True)  # collapsed on a 1400 px window
    demo.settle()
    ok &= browser.grab().save(str(out / "model-tiles.png"))
    button = empty.sync_button
    QTest.mouseClick(button, Qt.MouseButton.LeftButton, pos=button.rect().center())
    wait(lambda: model.rowCount() > 8 and not empty.isVisible(), "the synced images")
    wait(pane.sync_button.isEnabled, "the end of the sync")
    demo.settle(60)
    badges = add_variations(window.ctx, model)
    window.search("")
    wait(lambda: window.ctx.thumbs.pending == 0, "the thumbnails")
    demo.settle()
    ok &= pane.grab().save(str(out / "gallery-badges.png"))
    QTest.mouseClick(pane.group_button, Qt.MouseButton.LeftButton)
    demo.settle()
    ok &= pane.grab().save(str(out / "gallery-grouped.png"))
    for name, value in (("gallery-small.png", 96), ("gallery-large.png", 320)):
        _drag_slider(pane.size_slider, value, demo)
        wait(lambda: window.ctx.thumbs.pending == 0, "the thumbnails")
        demo.settle()
        ok &= pane.grab().save(str(out / name))
    QTest.keyClicks(pane.search, "zebra on the moon")
    wait(lambda: empty.isVisible() and empty.kind == "no-match", "the no-match empty state")
    demo.settle()
    ok &= pane.grab().save(str(out / "gallery-empty-search.png"))
    print(f"rows={model.rowCount()} badges={badges}", flush=True)
    QTimer.singleShot(0, window.close)
    demo.app.processEvents()
    demo.launcher.shutdown()
    return 0 if ok else 1


def _drag_slider(slider: Any, value: int, demo: DemoApp) -> None:
    """Drag the slider's handle to ``value`` with the mouse, in steps."""
    span = slider.maximum() - slider.minimum()
    width = slider.width() - 12

    def x_of(v: int) -> int:
        return 6 + round((v - slider.minimum()) * width / span)

    y = slider.height() // 2
    start = QPoint(x_of(slider.value()), y)
    QTest.mousePress(slider, Qt.MouseButton.LeftButton, pos=start)
    end = x_of(value)
    for k in range(1, 9):
        QTest.mouseMove(slider, QPoint(start.x() + (end - start.x()) * k // 8, y))
        demo.settle(2)
    QTest.mouseRelease(slider, Qt.MouseButton.LeftButton, pos=QPoint(end, y))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
