"""Start the real app (demo) on a damaged library on an X server and screenshot the dialog.

Usage: python -m tests.ui.xvfb_library_driver OUT.png header|pages
(with DISPLAY set, QT_QPA_PLATFORM=xcb, LEODESK_HOME a fresh folder). Prints "dialog=shown"
once the damaged-library dialog is on screen, saves the X root window to OUT.png, then clicks
Quit.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QPushButton

from tests.ui.xvfb_app import DemoApp


def main(out: str, damage: str) -> int:
    from leodesk.core import paths
    from tests.helpers.damage import damage_middle, destroy_header, make_library

    db = paths.resolve().profile("demo").ensure().library_db
    make_library(db)
    (destroy_header if damage == "header" else damage_middle)(db)

    demo = DemoApp()
    app, window, launcher = demo.app, demo.window, demo.launcher

    def dialog() -> QDialog | None:
        found = window.findChild(QDialog, "libraryProblemDialog")
        return found if found is not None and found.isVisible() else None

    demo.wait(lambda: dialog() is not None, "the dialog")
    demo.settle()
    print("dialog=shown", flush=True)
    ok = app.primaryScreen().grabWindow(0).save(out)
    shown = dialog()
    assert shown is not None
    QTest.mouseClick(shown.findChild(QPushButton, "quitButton"), Qt.MouseButton.LeftButton)
    app.processEvents()
    launcher.shutdown()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
