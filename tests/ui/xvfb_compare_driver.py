"""Run the demo app on an X server: generate, upscale one image, then save screenshots of the
compare window (the upscale against its original, split; three images side by side) and of the
viewer showing the upscale (its parent's thumbnail beside the lineage link).

Usage: python -m tests.ui.xvfb_compare_driver OUT_DIR  (DISPLAY set, QT_QPA_PLATFORM=xcb)
Prints "compared=N" before quitting.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from leodesk.core.variations import Kind
from tests.ui.xvfb_app import DemoApp


def _records(window: Any) -> list[Any]:
    model = window.gallery.model()
    return [model.record(r) for r in range(model.rowCount())]


def main(out_dir: str) -> int:
    out = Path(out_dir)
    demo = DemoApp(timeout=90)
    app, window, wait = demo.app, demo.window, demo.wait
    wait(lambda: window.browser is not None and window.browser.proxy.rowCount() > 3, "models")
    prompt = window.form.findChild(object, "promptEdit")
    prompt.setFocus()
    QTest.keyClicks(prompt, "a lighthouse on a cliff at dusk, oil painting")
    QTest.keyClick(prompt, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    wait(lambda: len([r for r in _records(window) if r.has_file]) >= 2, "images")
    source = _records(window)[0]
    actions = window.library_actions.variations
    actions.confirm = lambda title, text: True
    actions.request(Kind.UPSCALE, source)

    def upscale() -> Any:
        rows = _records(window)
        return next((r for r in rows if r.parent_image_id == source.id and r.has_file), None)

    wait(lambda: upscale() is not None, "the upscale")
    compare = window.compare_link.compare_with_original(upscale())
    loaded = lambda: all(i.image is not None for i in compare.items)  # noqa: E731
    wait(loaded, "the pictures (split)")
    compare.split_pane.set_split(0.42)
    compare.state.zoom_at(
        compare.split_pane.placed(), compare.pane_rect(), compare.pane_rect().center(), 1.6
    )
    demo.settle()
    ok = compare.grab().save(str(out / "compare-split.png"))
    others = [r for r in _records(window) if not r.parent_image_id][:3]
    compare = window.compare_link.open(others)
    wait(loaded, "the pictures (side by side)")
    demo.settle()
    ok &= compare.grab().save(str(out / "compare-side-by-side.png"))
    print(f"compared={len(compare.items)}", flush=True)
    compare.close()
    window.open_viewer(upscale().id)
    viewer = window.viewer_link.viewer
    wait(lambda: not viewer.canvas.item.pixmap().isNull(), "the viewer's picture")
    wait(lambda: not viewer.parent_thumb.icon().isNull(), "the parent's thumbnail")
    demo.settle()
    ok &= viewer.grab().save(str(out / "viewer-lineage.png"))
    viewer.close()
    window.close()
    app.processEvents()
    demo.launcher.shutdown()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
