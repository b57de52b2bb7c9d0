"""JobListModel: the jobs of this session (and resumed ones), newest first."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractListModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor

JOB_ROLE = Qt.ItemDataRole.UserRole + 1

_Index = QModelIndex | QPersistentModelIndex

STATE_TEXT = {  # shown through state_text()
    "queued": str(QT_TRANSLATE_NOOP("JobListModel", "Queued")),
    "submitting": str(QT_TRANSLATE_NOOP("JobListModel", "Submitting")),
    "pending": str(QT_TRANSLATE_NOOP("JobListModel", "Generating")),
    "downloading": str(QT_TRANSLATE_NOOP("JobListModel", "Downloading")),
    "done": str(QT_TRANSLATE_NOOP("JobListModel", "Done")),
    "failed": str(QT_TRANSLATE_NOOP("JobListModel", "Failed")),
    "cancelled": str(QT_TRANSLATE_NOOP("JobListModel", "Cancelled")),
    "unknown": str(QT_TRANSLATE_NOOP("JobListModel", "Checking")),
    "incomplete": str(QT_TRANSLATE_NOOP("JobListModel", "Images missing")),
}
TERMINAL = {"done", "failed", "cancelled"}


def state_text(state: str) -> str:
    """A job state in the user's language (an unknown state as it is)."""
    known = STATE_TEXT.get(state)
    return QCoreApplication.translate("JobListModel", known) if known else state


class JobListModel(QAbstractListModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._jobs: list[Any] = []  # JobView, newest first

    def update(self, job: Any) -> None:
        for row, existing in enumerate(self._jobs):
            if existing.job_id == job.job_id:
                if not job.label and existing.label:
                    job = type(job)(**{**job.__dict__, "label": existing.label})
                self._jobs[row] = job
                idx = self.index(row)
                self.dataChanged.emit(idx, idx)
                return
        self.beginInsertRows(QModelIndex(), 0, 0)
        self._jobs.insert(0, job)
        self.endInsertRows()

    def clear_finished(self) -> int:
        keep = [j for j in self._jobs if j.state not in TERMINAL]
        removed = len(self._jobs) - len(keep)
        if removed:
            self.beginResetModel()
            self._jobs = keep
            self.endResetModel()
        return removed

    def jobs(self) -> list[Any]:
        return list(self._jobs)

    def active_count(self) -> int:
        return sum(1 for j in self._jobs if j.state not in TERMINAL)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._jobs)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._jobs):
            return None
        job = self._jobs[index.row()]
        if role == JOB_ROLE:
            return job
        state = state_text(job.state)
        if role == Qt.ItemDataRole.DisplayRole:
            progress = (
                f" {job.done}/{job.total}" if job.state == "downloading" and job.total else ""
            )
            return f"{state}{progress} · {job.label}"
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return f"{state}: {job.label}" + (f"\n{job.message}" if job.message else "")
        if role == Qt.ItemDataRole.ForegroundRole and job.state == "failed":
            return QColor(229, 115, 115)
        return None
