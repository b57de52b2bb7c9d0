"""The crash report dialog: what happened, a copyable (key-redacted) report, where the log is."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QMessageBox


def show_crash_report(report: str, log_dir: Path, summary: str | None = None) -> None:
    """Show the report; ``summary`` (one redacted line: what went wrong) is shown in the
    dialog itself, the full report under "Show Details"."""
    if QApplication.instance() is None:
        return
    box = QMessageBox()
    box.setObjectName("crashDialog")
    box.setAccessibleName(QCoreApplication.translate("CrashDialog", "Crash report"))
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(QCoreApplication.translate("CrashDialog", "leodesk — Something went wrong"))
    box.setText(
        QCoreApplication.translate(
            "CrashDialog",
            "leodesk hit an unexpected error. Your work is saved; you can keep going.",
        )
    )
    what = (
        QCoreApplication.translate("CrashDialog", "What happened: {summary}").format(
            summary=summary
        )
        + "\n\n"
        if summary
        else ""
    )
    box.setInformativeText(
        what
        + QCoreApplication.translate(
            "CrashDialog", "The details below (your API key removed) are also in the log: {folder}"
        ).format(folder=log_dir)
    )
    box.setDetailedText(report)
    box.exec()
