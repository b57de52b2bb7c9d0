"""QueueModel: the stored jobs of the queue panel, in queue order, with drag-to-reorder.

Rows come from the library (``JobQueue.queue_changed``); live progress (JobView)
updates a row's state in between. An internal drag calls :meth:`moveRows` (what QListView
does for an InternalMove); the new order goes out as ``reorder_requested`` to be stored.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor

from leodesk.qt.models.jobs_model import TERMINAL, state_text

JOB_ID_ROLE = Qt.ItemDataRole.UserRole + 1
STATE_ROLE = Qt.ItemDataRole.UserRole + 2
GROUP_ROLE = Qt.ItemDataRole.UserRole + 3
#: The batch header shown above a row that starts a group of several jobs (else None).
HEADER_ROLE = Qt.ItemDataRole.UserRole + 4
MIME = "application/x-leodesk-job-ids"

_Index = QModelIndex | QPersistentModelIndex


class QueueModel(QAbstractListModel):
    """Signals: reorder_requested(list[int] job ids in the new order)."""

    reorder_requested = Signal(object)

    def __init__(self, label_for: Any = None, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []  # JobRecord
        self._live: dict[int, tuple[str, str]] = {}  # job id -> (state, message) from progress
        self._group_sizes: dict[str, int] = {}
        self.label_for = label_for or (lambda _job_id: "")

    # -- data in --------------------------------------------------------------------------
    def set_records(self, records: list[Any]) -> None:
        sizes: dict[str, int] = {}
        for rec in records:
            if rec.group_label:
                sizes[rec.group_label] = sizes.get(rec.group_label, 0) + 1
        self._group_sizes = sizes
        if [r.id for r in records] == [r.id for r in self._rows]:
            self._rows = list(records)
            self._live = {k: v for k, v in self._live.items() if not self._stored_is_newer(k)}
            if self._rows:
                self.dataChanged.emit(self.index(0), self.index(len(self._rows) - 1))
            return
        self.beginResetModel()
        self._rows = list(records)
        self._live = {k: v for k, v in self._live.items() if not self._stored_is_newer(k)}
        self.endResetModel()

    def _stored_is_newer(self, job_id: int) -> bool:
        rec = next((r for r in self._rows if r.id == job_id), None)
        return rec is None or rec.state.value in TERMINAL

    def update(self, view: Any) -> None:
        """Live progress of one job (a JobView)."""
        for row, rec in enumerate(self._rows):
            if rec.id == view.job_id:
                self._live[rec.id] = (view.state, view.message)
                idx = self.index(row)
                self.dataChanged.emit(idx, idx)
                return

    # -- reading --------------------------------------------------------------------------
    def state(self, row: int) -> str:
        rec = self._rows[row]
        return str(self._live.get(rec.id, (rec.state.value, ""))[0])

    def job_ids(self) -> list[int]:
        return [r.id for r in self._rows]

    def states(self) -> list[str]:
        return [self.state(n) for n in range(len(self._rows))]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        rec = self._rows[index.row()]
        state, message = self._live.get(rec.id, (rec.state.value, ""))
        message = message or rec.error or ""
        if role == JOB_ID_ROLE:
            return rec.id
        if role == STATE_ROLE:
            return state
        if role == GROUP_ROLE:
            return rec.group_label
        if role == HEADER_ROLE:
            return self._header(index.row())
        text = state_text(state)
        label = self.label_for(rec.id)
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{index.row() + 1}. {text} · {label}"
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            lines = [f"{text}: {label}"]
            if rec.group_label:
                lines.append(self.tr("Group: {group}").format(group=rec.group_label))
            if message:
                lines.append(message)
            return "\n".join(lines)
        if role == Qt.ItemDataRole.ForegroundRole and state == "failed":
            return QColor(229, 115, 115)
        return None

    def _header(self, row: int) -> str | None:
        """ "Batch · <label> · N jobs" above the first row of a group of several jobs."""
        group = self._rows[row].group_label
        size = self._group_sizes.get(group or "", 0)
        if not group or size < 2:
            return None
        if row > 0 and self._rows[row - 1].group_label == group:
            return None
        return self.tr("Batch · {group} · {size} jobs").format(group=group, size=size)

    # -- drag to reorder ------------------------------------------------------------------
    def flags(self, index: _Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled
        return base | Qt.ItemFlag.ItemIsDragEnabled

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [MIME]

    def mimeData(self, indexes: Any) -> QMimeData:
        ids = sorted({self._rows[i.row()].id for i in indexes if i.isValid()})
        data = QMimeData()
        data.setData(MIME, QByteArray(",".join(map(str, ids)).encode()))
        return data

    def moveRows(
        self,
        source_parent: _Index,
        source_row: int,
        count: int,
        destination_parent: _Index,
        destination_child: int,
    ) -> bool:
        n = len(self._rows)
        if source_parent.isValid() or destination_parent.isValid() or count < 1:
            return False
        if not (source_row >= 0 and source_row + count <= n and 0 <= destination_child <= n):
            return False
        if source_row <= destination_child <= source_row + count:
            return False  # onto itself
        if not self.beginMoveRows(
            QModelIndex(), source_row, source_row + count - 1, QModelIndex(), destination_child
        ):
            return False
        moving = self._rows[source_row : source_row + count]
        rest = self._rows[:source_row] + self._rows[source_row + count :]
        at = destination_child if destination_child < source_row else destination_child - count
        self._rows = rest[:at] + moving + rest[at:]
        self.endMoveRows()
        self.reorder_requested.emit([r.id for r in self._rows])
        return True

    def dropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: _Index
    ) -> bool:
        """A drop that did not go through :meth:`moveRows` (e.g. from another view)."""
        if action != Qt.DropAction.MoveAction or not data.hasFormat(MIME):
            return False
        text = bytes(data.data(MIME).data()).decode()
        ids = [int(x) for x in text.split(",") if x.strip().isdigit()]
        if row < 0:
            row = parent.row() if parent.isValid() else len(self._rows)
        moving = [r for r in self._rows if r.id in ids]
        if not moving:
            return False
        above = sum(1 for r in self._rows[:row] if r.id in ids)
        rest = [r for r in self._rows if r.id not in ids]
        at = row - above
        self.beginResetModel()
        self._rows = rest[:at] + moving + rest[at:]
        self.endResetModel()
        self.reorder_requested.emit([r.id for r in self._rows])
        return False  # the rows are already where they go: nothing for the view to remove
