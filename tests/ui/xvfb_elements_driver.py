"""Run the real demo app on an X server: choose an SDXL model, open the form's Elements section,
tick two elements, and save screenshots of the form, the "Uploaded images" dialog (with one
uploaded picture) and the universal upscaler's dialog in ultra mode.

Usage: python -m tests.ui.xvfb_elements_driver OUT_DIR  (DISPLAY set, QT_QPA_PLATFORM=xcb)
Prints "elements=N uploads=N" before saving.
"""

from __future__ import annotations

import hashlib
import io
import sys
from pathlib import Path

from PIL import Image
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest

from tests.ui.xvfb_app import DemoApp

MODEL = "Leonardo Kino XL"


def _upload_one(window: object) -> None:
    """One picture uploaded as image to image does it: S3 upload, kept in the upload cache."""
    picture = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 120, 40)).save(picture, "PNG")
    data = picture.getvalue()
    backend = window.ctx.backend  # type: ignore[attr-defined]
    init_id = backend.client().upload_init_image(data, "png")
    sha = hashlib.sha256(data).hexdigest()
    backend.db(lambda lib: lib.remember_upload(sha, init_id)).result(10)


def main(out_dir: str) -> int:
    out = Path(out_dir)
    demo = DemoApp()
    app, window, wait = demo.app, demo.window, demo.wait
    wait(lambda: window.ctx is not None and window.form is not None, "the window")

    def kino() -> object:
        models = window.ctx.platform_models.models()
        return next((m for m in models if m.name == MODEL and m.facts_known), None)

    wait(kino, "the model's facts")
    form = window.form
    form.set_model(kino())
    section = form.elements_section
    QTest.mouseClick(form.findChild(object, "elementsSectionToggle"), Qt.MouseButton.LeftButton)
    elements = form.elements_list
    wait(
        lambda: elements.count() > 4 and "Neon" not in elements.item(elements.count() - 1).text(),
        "elements",
    )
    for row in (0, 2):
        elements.setCurrentRow(row)
        QTest.keyClick(elements, Qt.Key.Key_Space)
    wait(lambda: window.ctx.model_thumbs.pending == 0, "the previews")
    form.scroll_area.ensureWidgetVisible(section)
    demo.settle()
    ok = window.grab().save(str(out / "form-elements.png"))
    ok &= section.grab().save(str(out / "elements-section.png"))

    _upload_one(window)
    dialog = window.uploads_link.open()
    wait(lambda: dialog.list.count() == 1, "the uploads")
    wait(lambda: window.ctx.model_thumbs.pending == 0, "the upload thumbnails")
    demo.settle()
    ok &= dialog.grab().save(str(out / "uploaded-images-dialog.png"))
    dialog.close()

    from leodesk.ui.variation_actions import UniversalDialog

    universal = UniversalDialog(window)
    universal.ultra.setChecked(True)
    universal.show()
    demo.settle()
    ok &= universal.grab().save(str(out / "universal-upscaler-ultra.png"))
    universal.close()
    print(f"elements={elements.count()} uploads={dialog.list.count()}", flush=True)
    QTimer.singleShot(0, window.close)
    app.processEvents()
    demo.launcher.shutdown()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
