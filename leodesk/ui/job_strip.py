"""JobStrip: one line per job with its state; a failed job shows the server's message."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListView, QPushButton, QVBoxLayout, QWidget

from leodesk.qt.models.jobs_model import JOB_ROLE, JobListModel
from leodesk.ui.widgets import named

if TYPE_CHECKING:
    from leodesk.qt.queue import JobView


class JobStrip(QWidget):
    def __init__(self, model: JobListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.view = named(QListView(), "jobStrip", self.tr("Jobs"))
        self.view.setModel(model)
        self.view.setFlow(QListView.Flow.LeftToRight)
        self.view.setWrapping(False)
        self.view.setSpacing(4)
        self.view.setFixedHeight(38)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.view.clicked.connect(lambda idx: self._show(idx.data(JOB_ROLE)))
        self.detail = named(QLabel(""), "jobDetail", self.tr("Job details"))
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.clear_button = named(
            QPushButton(self.tr("Clear")),
            "clearJobsButton",
            self.tr("Remove finished jobs from the strip"),
        )
        self.clear_button.clicked.connect(model.clear_finished)
        top = QHBoxLayout()
        top.addWidget(self.view, 1)
        top.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.detail)
        model.dataChanged.connect(self._latest)
        model.rowsInserted.connect(self._latest)

    def _latest(self, *args: object) -> None:
        jobs = self.model.jobs()
        if jobs:
            self._show(jobs[0])

    def _show(self, job: JobView | None) -> None:
        if job is None:
            return
        state = job.state
        message = job.message
        self.detail.setStyleSheet("color: #e57373;" if state == "failed" else "")
        self.detail.setText(message)
