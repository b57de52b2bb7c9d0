"""QueuePanel: the stored jobs in queue order, with pause / resume, cancel, retry, download again
(a job whose images could not all be stored), move to front, drag to reorder and clear finished;
the status line says what the queue waits for and what the queued jobs cost, and a warning shows
when they need more credits than the balance holds."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from leodesk.core.credits import queue_shortfall
from leodesk.qt.models.queue_model import JOB_ID_ROLE, STATE_ROLE
from leodesk.ui.queue_delegate import QueueDelegate
from leodesk.ui.widgets import named


class QueuePanel(QWidget):
    def __init__(self, model: Any, service: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("queuePanel")
        self.setAccessibleName(self.tr("Queue"))
        self.model = model
        self.service = service
        self.view = named(QListView(), "queueView", self.tr("Queued jobs"))
        self.view.setModel(model)
        self.view.setItemDelegate(QueueDelegate(self.view))  # batch headers
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.view.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.view.setDragEnabled(True)
        self.view.setAcceptDrops(True)
        self.view.setDropIndicatorShown(True)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.DefaultContextMenu)
        self.view.setMinimumHeight(60)
        self.view.contextMenuEvent = self._context_menu  # type: ignore[method-assign]
        self.status = named(QLabel(""), "queueStatus", self.tr("Queue status"))
        self.status.setWordWrap(True)
        self.balance: int | None = None  # the account's last known balance
        self._last_status: Any = None
        self.balance_warning = named(
            QLabel(""),
            "queueBalanceWarning",
            self.tr("Queued jobs need more credits than you have"),
            self.tr(
                "Jobs sent while the balance is too low are refused (nothing is charged for them). "
                "Top up, or cancel or pause some jobs."
            ),
        )
        self.balance_warning.setWordWrap(True)
        self.balance_warning.setStyleSheet("QLabel { color: #b45309; font-weight: bold; }")
        self.balance_warning.setVisible(False)
        self.pause_button = named(
            QPushButton(self.tr("Pause queue")),
            "pauseQueueButton",
            self.tr("Pause or resume sending queued jobs"),
        )
        self.pause_button.setCheckable(True)
        self.pause_button.toggled.connect(self._pause_toggled)
        self.cancel_all_button = named(
            QPushButton(self.tr("Cancel queued")),
            "cancelAllButton",
            self.tr("Cancel every job not yet sent"),
        )
        self.cancel_all_button.clicked.connect(service.cancel_all)
        self.clear_button = named(
            QPushButton(self.tr("Clear finished")),
            "clearQueueButton",
            self.tr("Remove finished jobs from the queue"),
        )
        self.clear_button.clicked.connect(service.clear_finished)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.pause_button)
        buttons.addWidget(self.cancel_all_button)
        buttons.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addLayout(buttons)
        layout.addWidget(self.balance_warning)
        layout.addWidget(self.view, 1)

        self.front_action = self._action(
            self.tr("Move to front"), "queueMoveFrontAction", self.move_to_front
        )
        self.cancel_action = self._action(
            self.tr("Cancel"), "queueCancelAction", self.cancel_selected
        )
        self.retry_action = self._action(self.tr("Retry"), "queueRetryAction", self.retry_selected)
        self.download_action = self._action(
            self.tr("Download again"), "queueDownloadAgainAction", self.download_selected
        )
        service.status_changed.connect(self.show_status)
        self.show_status(service.status())

    def _action(self, text: str, name: str, slot: Any) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        action.triggered.connect(slot)
        return action

    # -- status ---------------------------------------------------------------------------
    def show_status(self, status: Any) -> None:
        self.status.setText(status.text())
        self.status.setAccessibleDescription(status.text())
        if self.pause_button.isChecked() != status.paused:
            self.pause_button.blockSignals(True)
            self.pause_button.setChecked(status.paused)
            self.pause_button.blockSignals(False)
        self.pause_button.setText(
            self.tr("Resume queue") if status.paused else self.tr("Pause queue")
        )
        self.cancel_all_button.setEnabled(status.queued > 0)
        self._last_status = status
        self._check_balance()

    def set_balance(self, credits: int | None) -> None:
        """The account's balance (from ``/me``), to compare with what the queued jobs need."""
        self.balance = credits
        self._check_balance()

    def _check_balance(self) -> None:
        status = self._last_status
        text = None
        if status is not None and status.queued:
            text = queue_shortfall(status.cost, status.cost_known, self.balance)
        self.balance_warning.setText(text or "")
        self.balance_warning.setAccessibleDescription(text or "")
        self.balance_warning.setVisible(text is not None)

    def _pause_toggled(self, on: bool) -> None:
        if on:
            self.service.pause()
        else:
            self.service.resume()

    # -- the selection and its menu -------------------------------------------------------
    def _selected(self) -> list[tuple[int, str]]:
        rows = sorted(self.view.selectionModel().selectedRows(), key=lambda i: i.row())
        return [(int(i.data(JOB_ID_ROLE)), str(i.data(STATE_ROLE))) for i in rows]

    def _context_menu(self, event: Any) -> None:
        pos: QPoint = event.pos()
        index = self.view.indexAt(pos)
        if index.isValid() and not self.view.selectionModel().isSelected(index):
            self.view.setCurrentIndex(index)
        chosen = self._selected()
        if not chosen:
            return
        states = {s for _i, s in chosen}
        self.front_action.setEnabled("queued" in states)
        self.cancel_action.setEnabled("queued" in states)
        self.retry_action.setEnabled(bool(states & {"failed", "cancelled"}))
        self.download_action.setEnabled("incomplete" in states)
        menu = QMenu(self)
        menu.setObjectName("queueMenu")
        menu.setAccessibleName(self.tr("Queue actions"))
        actions = (self.front_action, self.cancel_action, self.retry_action, self.download_action)
        for action in actions:
            menu.addAction(action)
        menu.exec(event.globalPos())

    def move_to_front(self) -> None:
        ids = [i for i, s in self._selected() if s == "queued"]
        if ids:
            self.service.move_to_front(ids)

    def cancel_selected(self) -> None:
        ids = [i for i, s in self._selected() if s == "queued"]
        if ids:
            self.service.cancel(ids)

    def retry_selected(self) -> None:
        for job_id, state in self._selected():
            if state in ("failed", "cancelled"):
                self.service.retry(job_id)

    def download_selected(self) -> None:
        """Download the missing images of the selected jobs that have some."""
        for job_id, state in self._selected():
            if state == "incomplete":
                self.service.download_again(job_id)
