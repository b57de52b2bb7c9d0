"""Small shared helpers for widgets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QLineEdit, QMenu, QMenuBar, QWidget

W = TypeVar("W", bound=QWidget)


def named(widget: W, object_name: str, accessible_name: str, tooltip: str | None = None) -> W:
    """Set a widget's objectName (for tests and tools) and accessible name (for screen readers)."""
    widget.setObjectName(object_name)
    widget.setAccessibleName(accessible_name)
    if tooltip:
        widget.setToolTip(tooltip)
    return widget


class FirstPaint(QObject):
    """Calls ``callback`` once, in the turn of the event loop after ``widget``'s first paint
    (``at_once`` as that paint begins)."""

    def __init__(
        self,
        widget: QWidget,
        callback: Callable[[], Any],
        at_once: Callable[[], Any] | None = None,
    ) -> None:
        super().__init__(widget)
        self._callback = callback
        self._at_once = at_once
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            if self._at_once is not None:
                self._at_once()
            QTimer.singleShot(0, self._callback)
        return False


def clear_button_with_text(edit: QLineEdit) -> QLineEdit:
    """Give ``edit`` its clear button (the ✕ a QLineEdit shows while it holds text) once it first
    holds text. Qt shows the button only then anyway, but enabling it loads the style's icon
    through the icon theme: ~3 ms on X11 for the first field of the process, which the fields
    built as the window opens would spend before the gallery shows."""
    if edit.text():
        edit.setClearButtonEnabled(True)
        return edit

    def first_text(text: str) -> None:
        if text:
            edit.textChanged.disconnect(first_text)
            edit.setClearButtonEnabled(True)

    edit.textChanged.connect(first_text)
    return edit


def add_menu(parent: QMenuBar | QMenu, title: str, object_name: str = "") -> QMenu:
    """A new menu titled ``title`` added to ``parent`` (a menu bar or a menu).

    Made here rather than with ``parent.addMenu(title)``: the QMenu that call creates can come
    back wrapped as another type when a deleted object's address is reused (seen with several
    windows in one process), and its methods then fail."""
    menu = QMenu(title, parent)
    if object_name:
        menu.setObjectName(object_name)
    parent.addMenu(menu)
    return menu


def confirm_delete(parent: QWidget, title: str, text: str, object_name: str) -> bool:
    """Ask before deleting something from the account: Yes or Cancel (the default)."""
    from PySide6.QtWidgets import QMessageBox  # on first use (not at start-up)

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
