"""The queue at a glance: a status chip ("2 running · 3 queued", ``queueChip``) and a popup with
the queued jobs (``queuePopup``) that the chip and the ▾ beside Generate open; the full queue
panel stays a click away (the popup's button, or View ▸ Queue panel)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QListView,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from leodesk.ui.queue_delegate import QueueDelegate
from leodesk.ui.widgets import named


class QueuePopup(QFrame):
    """The queued jobs in a popup window under (or above) the widget that opened it."""

    def __init__(self, model: Any, panel_action: QAction, parent: QWidget) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("queuePopup")
        self.setAccessibleName(self.tr("Queue"))
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.status = named(QLabel(""), "queuePopupStatus", self.tr("Queue status"))
        self.status.setWordWrap(True)
        self.view = named(QListView(), "queuePopupView", self.tr("Queued jobs"))
        self.view.setModel(model)
        self.view.setItemDelegate(QueueDelegate(self.view))
        self.panel_button = named(
            QPushButton(self.tr("Open the queue panel")),
            "queuePopupPanelButton",
            self.tr("Open the queue panel"),
            self.tr("Pause, reorder, cancel or retry jobs in the full queue panel"),
        )
        self.panel_button.clicked.connect(self.hide)
        self.panel_action = panel_action
        self.panel_button.clicked.connect(self.open_panel)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addWidget(self.status)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.panel_button)
        self.resize(360, 260)

    def open_panel(self) -> None:
        """Show the full queue panel (View ▸ Queue panel)."""
        if not self.panel_action.isChecked():
            self.panel_action.trigger()

    def show_at(self, anchor: QWidget) -> None:
        """Show under ``anchor`` (above it when there is no room below), inside its screen."""
        screen = anchor.screen().availableGeometry()
        below = anchor.mapToGlobal(QPoint(0, anchor.height()))
        x = min(max(below.x(), screen.left()), screen.left() + screen.width() - self.width())
        y = below.y()
        if y + self.height() > screen.top() + screen.height():
            y = anchor.mapToGlobal(QPoint(0, 0)).y() - self.height()
        self.move(x, max(y, screen.top()))
        self.show()
        frame = self.frameGeometry()  # the platform may have nudged it: back inside the screen
        dx = max(0, frame.right() - screen.right())
        dy = max(0, frame.bottom() - screen.bottom())
        if dx or dy:
            self.move(self.x() - dx, self.y() - dy)
        self.view.setFocus()


class QueueChip(QToolButton):
    """The status chip; ``popup`` opens on a click (or from :meth:`open_popup`)."""

    def __init__(self, model: Any, service: Any, panel_action: QAction) -> None:
        super().__init__()
        named(self, "queueChip", self.tr("Queue"), self.tr("The queue: click to see the jobs"))
        self.setAutoRaise(True)
        self.popup = QueuePopup(model, panel_action, self)
        self.clicked.connect(lambda: self.open_popup(self))
        service.status_changed.connect(self.show_status)
        self.show_status(service.status())

    def show_status(self, status: Any) -> None:
        self.setText(self.chip_text(status))
        self.popup.status.setText(status.text())

    def chip_text(self, status: Any) -> str:
        """What the chip says: the running and queued counts, or that the queue is idle or
        paused."""
        parts = []
        if status.running:
            parts.append(self.tr("%n running", "", status.running))
        if status.queued:
            parts.append(self.tr("%n queued", "", status.queued))
        text = " · ".join(parts) or self.tr("Queue idle")
        return self.tr("Paused · {status}").format(status=text) if status.paused else text

    def open_popup(self, anchor: QWidget) -> None:
        self.popup.show_at(anchor)
