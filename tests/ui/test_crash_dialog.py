"""The crash dialog says what happened in the dialog itself, not only under "Show Details"."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from leodesk import app as app_mod
from leodesk.core.log import register_secret, setup_logging
from leodesk.core.paths import Paths


def test_the_crash_dialog_says_what_happened(qtbot: Any, tmp_path: Path) -> None:
    secret = "sk-crash-summary-0123456789"
    register_secret(secret)
    setup_logging(tmp_path / "leodesk.log")
    shown: list[str] = []

    def close_box() -> None:
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QMessageBox) and w.objectName() == "crashDialog" and w.isVisible():
                shown.append(w.informativeText())
                w.accept()
                return
        QTimer.singleShot(20, close_box)

    old = sys.excepthook
    try:
        app_mod.install_crash_handler(
            Paths(config=tmp_path, data=tmp_path, cache=tmp_path, logs=tmp_path)
        )
        QTimer.singleShot(20, close_box)
        try:
            raise OSError(f"the thumbnail folder is gone\nkey {secret}")
        except OSError:
            sys.excepthook(*sys.exc_info())
    finally:
        sys.excepthook = old
    assert shown and "What happened: the thumbnail folder is gone" in shown[0]
    assert secret not in shown[0] and str(tmp_path) in shown[0]
