"""SidePane: a side pane of the main window (the model browser, the form) that collapses to a
narrow icon strip, and its button (one per pane, ``<key>PaneButton``)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from leodesk.ui.widgets import named

STRIP = 30  # the collapsed pane's width, px
OPEN_MAX = 16777215  # QWIDGETSIZE_MAX


class SidePane(QWidget):
    """``content`` under a header (its button and title); collapsed, only the button shows, in a
    strip ``STRIP`` px wide. Signals: opened_changed(bool)."""

    opened_changed = Signal(bool)

    def __init__(self, content: QWidget, key: str, title: str, icon: QIcon) -> None:
        super().__init__()
        self.setObjectName(f"{key}Pane")
        self.key = key
        self.content = content
        self.open_minimum = 0  # the pane's minimum width while open (content that must fit)
        self.button = named(
            QToolButton(),
            f"{key}PaneButton",
            self.tr("Show or hide: %1").replace("%1", title),
            self.tr("Collapse or expand %1").replace("%1", title),
        )
        self.button.setIcon(icon)
        self.button.setIconSize(QSize(16, 16))
        self.button.setAutoRaise(True)
        self.button.setCheckable(True)
        self.button.setChecked(True)
        self.button.toggled.connect(self._toggled)
        self.title = named(QLabel(title), f"{key}PaneTitle", title)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        header = QWidget()
        header.setObjectName(f"{key}PaneHeader")
        row = QHBoxLayout(header)
        row.setContentsMargins(2, 2, 2, 0)
        row.setSpacing(4)
        row.addWidget(self.button, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.title, 1)
        lay.addWidget(header)
        lay.addWidget(content, 1)
        self.strip_fill = QWidget()  # collapsed: the strip's empty rest
        self.strip_fill.setVisible(False)
        lay.addWidget(self.strip_fill, 1)

    def set_content(self, content: QWidget) -> None:
        """Put ``content`` in place of the current one (a stand-in shown while the app loads)."""
        lay = self.layout()
        assert lay is not None
        old = self.content
        lay.replaceWidget(old, content)
        content.setVisible(self.is_open())
        self.content = content
        old.hide()
        old.setParent(None)  # out of the window's tree at once (findChild, tab order)
        old.deleteLater()

    def is_open(self) -> bool:
        return self.button.isChecked()

    def set_open(self, on: bool) -> None:
        self.button.setChecked(on)  # _toggled does the rest

    def _toggled(self, on: bool) -> None:
        self.content.setVisible(on)
        self.title.setVisible(on)
        self.strip_fill.setVisible(not on)
        self.setMaximumWidth(OPEN_MAX if on else STRIP)
        self.setMinimumWidth(self.open_minimum if on else STRIP)
        self.opened_changed.emit(on)
