"""The crash report dialog: what happened, a copyable (key-redacted) report, where the log is."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox


def show_crash_report(report: str, log_dir: Path) -> None:
    if QApplication.instance() is None:
        return
    box = QMessageBox()
    box.setObjectName("crashDialog")
    box.setAccessibleName("Crash report")
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle("leodesk — Something went wrong")
    box.setText("leodesk hit an unexpected error. Your work is saved; you can keep going.")
    box.setInformativeText(
        f"The details below (your API key removed) are also in the log: {log_dir}"
    )
    box.setDetailedText(report)
    box.exec()
