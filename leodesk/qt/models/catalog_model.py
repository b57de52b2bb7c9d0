"""Models for the model browser: a list of ModelInfo with previews, and a search filter."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor, QIcon, QPixmap

from leodesk.core.catalog import ModelInfo
from leodesk.core.rules import model_summary
from leodesk.qt.thumbnails import ThumbnailLoader, key_for

MODEL_ROLE = Qt.ItemDataRole.UserRole + 1
FAVOURITE_ROLE = Qt.ItemDataRole.UserRole + 2
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 3

_Index = QModelIndex | QPersistentModelIndex


class ModelListModel(QAbstractListModel):
    def __init__(self, thumbs: ThumbnailLoader, parent: Any = None) -> None:
        super().__init__(parent)
        self._thumbs = thumbs
        self._models: list[ModelInfo] = []
        self._favourites: set[str] = set()
        self._key_rows: dict[str, int] = {}
        self._placeholder = QPixmap(thumbs.size, thumbs.size)
        self._placeholder.fill(QColor(48, 48, 52))
        self._placeholder_icon = QIcon(self._placeholder)
        thumbs.ready.connect(self._thumb_ready)

    def set_models(self, models: list[ModelInfo]) -> None:
        """Show ``models``. The same models in the same order (their facts arrived) are updated
        in place, so the view keeps its selection and scroll position."""
        models = list(models)
        if models and [m.id for m in models] == [m.id for m in self._models]:
            changed = [row for row, m in enumerate(models) if m != self._models[row]]
            self._models = models
            if changed:
                self.dataChanged.emit(self.index(min(changed)), self.index(max(changed)))
            return
        self.beginResetModel()
        self._models = models
        self._key_rows = {}
        self.endResetModel()

    def set_favourites(self, ids: set[str]) -> None:
        self._favourites = set(ids)
        if self._models:
            self.dataChanged.emit(self.index(0), self.index(len(self._models) - 1))

    def models(self) -> list[ModelInfo]:
        return list(self._models)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._models)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._models):
            return None
        m = self._models[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return m.name or m.id
        if role == MODEL_ROLE:
            return m
        if role == FAVOURITE_ROLE:
            return m.id in self._favourites
        if role == SEARCH_ROLE:
            return f"{m.name}\n{m.description}\n{m.id}"
        if role == Qt.ItemDataRole.ToolTipRole:
            about = f"\n{m.description}" if m.description and m.description != m.name else ""
            return f"{m.name or m.id}{about}\n{model_summary(m)}"  # the full name first
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self.tr("Model {name}").format(name=m.name)
        if role == Qt.ItemDataRole.DecorationRole:
            # A QIcon, so that the view scales the picture to its icon size.
            if not m.thumbnail_url:
                return self._placeholder_icon
            key = key_for("model", m.thumbnail_url)
            pm = self._thumbs.pixmap(key)
            if pm is not None:
                return QIcon(pm)
            self._key_rows[key] = index.row()
            self._thumbs.request(key, url=m.thumbnail_url)
            return self._placeholder_icon
        return None

    def _thumb_ready(self, key: str) -> None:
        row = self._key_rows.pop(key, None)
        if row is not None and row < len(self._models):
            idx = self.index(row)
            self.dataChanged.emit(idx, idx, [Qt.ItemDataRole.DecorationRole])


class ModelFilterProxy(QSortFilterProxyModel):
    """Case-insensitive search over name, description and id; optionally favourites only."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setFilterRole(SEARCH_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._favourites_only = False

    def set_favourites_only(self, on: bool) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt 6.10+: invalidateFilter is deprecated
            self.beginFilterChange()
            self._favourites_only = on
            self.endFilterChange()
        else:
            self._favourites_only = on
            self.invalidateFilter()

    def set_search(self, text: str) -> None:
        self.setFilterFixedString(text.strip())

    def filterAcceptsRow(self, row: int, parent: _Index) -> bool:
        if self._favourites_only:
            idx = self.sourceModel().index(row, 0, parent)
            if not idx.data(FAVOURITE_ROLE):
                return False
        return super().filterAcceptsRow(row, parent)
