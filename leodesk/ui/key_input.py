"""The API key's input: a password line edit and its Show toggle (the key dialog and the add
account dialog share it)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLineEdit, QPushButton

from leodesk.ui.widgets import named

__all__ = ["key_input"]


def key_input(
    edit_name: str, show_name: str, changed: Callable[..., None], submit: Callable[[], None]
) -> tuple[QLineEdit, QPushButton]:
    """A hidden key edit (``changed`` on each edit, ``submit`` on Enter) and a checkable Show
    button that reveals it, named ``edit_name`` and ``show_name``."""
    edit = named(QLineEdit(), edit_name, QCoreApplication.translate("KeyInput", "API key"))
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setPlaceholderText(
        QCoreApplication.translate("KeyInput", "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx")
    )
    edit.textChanged.connect(changed)
    edit.returnPressed.connect(submit)
    show = named(
        QPushButton(QCoreApplication.translate("KeyInput", "Show")),
        show_name,
        QCoreApplication.translate("KeyInput", "Show the key"),
    )
    show.setCheckable(True)
    show.toggled.connect(
        lambda on: edit.setEchoMode(
            QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password
        )
    )
    return edit, show
