"""Run the real demo app on an X server, choose a theme in Preferences (then OK) and save
screenshots of the window and of the dialog's General and Shortcuts pages.

Usage: python -m tests.ui.xvfb_prefs_driver THEME OUT_DIR  (DISPLAY set, QT_QPA_PLATFORM=xcb)
Writes prefs-THEME-main.png, prefs-THEME-general.png,
prefs-THEME-notifications.png, prefs-THEME-shortcuts.png; prints
"theme=THEME dark=BOOL".
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox

from tests.ui.xvfb_app import DemoApp


def _open(demo: DemoApp) -> QDialog:
    window = demo.window
    window.prefs_link.action.trigger()  # no window manager here to make Ctrl+, reach it
    demo.wait(lambda: window.prefs_link.dialog is not None, "Preferences")
    dialog: QDialog = window.prefs_link.dialog
    assert dialog.objectName() == "preferencesDialog"
    demo.wait(dialog.isVisible, "the dialog shown")
    return dialog


def main(theme_name: str, out_dir: str) -> int:
    from leodesk.ui import theme

    demo = DemoApp()
    window, out = demo.window, Path(out_dir)
    demo.wait(lambda: window.ctx is not None and window.prefs_link.action.isEnabled(), "attach")
    demo.wait(lambda: window.balance_label.text().endswith("credits"), "balance")
    dialog = _open(demo)
    combo = dialog.findChild(object, "themeCombo")
    combo.setCurrentIndex(combo.findData(theme_name))
    buttons = dialog.findChild(QDialogButtonBox, "preferencesButtons")
    ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
    QTest.mouseClick(ok, Qt.MouseButton.LeftButton)
    demo.wait(lambda: window.prefs_link.dialog is None, "the dialog closed")
    demo.settle()
    window.grab().save(str(out / f"prefs-{theme_name}-main.png"))
    dialog = _open(demo)
    demo.settle()
    dialog.grab().save(str(out / f"prefs-{theme_name}-general.png"))
    tabs = dialog.findChild(object, "preferencesTabs")
    tabs.setCurrentIndex(1)
    demo.settle()
    dialog.grab().save(str(out / f"prefs-{theme_name}-notifications.png"))
    tabs.setCurrentIndex(2)
    demo.settle()
    dialog.grab().save(str(out / f"prefs-{theme_name}-shortcuts.png"))
    print(f"theme={theme.current_theme()} dark={theme.is_dark()}", flush=True)
    dialog.reject()
    QTimer.singleShot(0, window.close)
    QApplication.processEvents()
    demo.launcher.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
