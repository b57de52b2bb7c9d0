"""Run the real demo app on an X server and save screenshots of Help ▸ Keyboard shortcuts (whole,
and filtered by a search), Help ▸ About and the low-balance warning.

Usage: python -m tests.ui.xvfb_help_driver OUT_DIR  (DISPLAY set, QT_QPA_PLATFORM=xcb)
Prints "rows=N filtered=N" before saving.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest

from tests.ui.xvfb_app import DemoApp


def main(out_dir: str) -> int:
    out = Path(out_dir)
    demo = DemoApp()
    app, window, wait = demo.app, demo.window, demo.wait
    wait(lambda: window.ctx is not None and window.form is not None, "the window")
    wait(lambda: getattr(window, "help_link", None) is not None, "the Help menu")
    window.activateWindow()
    demo.settle()
    QTest.keyClick(window, Qt.Key.Key_Slash, Qt.KeyboardModifier.ControlModifier)
    wait(lambda: window.help_link.sheet is not None and window.help_link.sheet.isVisible(), "sheet")
    sheet = window.help_link.sheet
    demo.settle()
    rows = len(sheet.visible_rows())
    ok = sheet.grab().save(str(out / "help-shortcuts.png"))
    QTest.keyClicks(sheet.search, "canvas")
    demo.settle()
    filtered = len(sheet.visible_rows())
    ok &= sheet.grab().save(str(out / "help-shortcuts-search.png"))
    sheet.close()

    about = window.help_link.show_about()
    demo.settle()
    ok &= about.grab().save(str(out / "help-about.png"))
    about.close()

    from leodesk.ui.low_balance_dialog import LowBalanceDialog

    low = LowBalanceDialog(120, 37, "These 3 jobs cost", window)
    low.show()
    demo.settle()
    ok &= low.grab().save(str(out / "low-balance.png"))
    low.close()
    print(f"rows={rows} filtered={filtered}", flush=True)
    QTimer.singleShot(0, window.close)
    app.processEvents()
    demo.launcher.shutdown()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
