"""Small shared helpers for widgets."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtWidgets import QMessageBox, QWidget

W = TypeVar("W", bound=QWidget)


def named(widget: W, object_name: str, accessible_name: str, tooltip: str | None = None) -> W:
    """Set a widget's objectName (for tests and tools) and accessible name (for screen readers)."""
    widget.setObjectName(object_name)
    widget.setAccessibleName(accessible_name)
    if tooltip:
        widget.setToolTip(tooltip)
    return widget


def confirm_delete(parent: QWidget, title: str, text: str, object_name: str) -> bool:
    """Ask before deleting something from the account: Yes or Cancel (the default)."""
    box = QMessageBox(
        QMessageBox.Icon.Question,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        parent,
    )
    named(box, object_name, title)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    return box.exec() == QMessageBox.StandardButton.Yes
