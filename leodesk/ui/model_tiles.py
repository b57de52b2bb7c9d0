"""Model tile names that can be told apart: a name too long for its tile is cut at the end
("Leonardo Phoen…"), unless another tile would then read the same; those are cut in the middle
("Leonardo…oenix 1.0"), so the end (often the version) stays. The tooltip has the full name."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QListView, QStyledItemDelegate, QStyleOptionViewItem

Elide = Callable[[str, Qt.TextElideMode], str]


def distinct_labels(names: Iterable[str], elide: Elide) -> dict[str, str]:
    """The label of each name: ``elide(name, ElideRight)``, or ``elide(name, ElideMiddle)`` for
    names whose right-cut label another name shares."""
    unique = list(dict.fromkeys(names))
    right = {n: elide(n, Qt.TextElideMode.ElideRight) for n in unique}
    seen: dict[str, int] = {}
    for label in right.values():
        seen[label] = seen.get(label, 0) + 1
    return {
        n: elide(n, Qt.TextElideMode.ElideMiddle) if seen[right[n]] > 1 else right[n]
        for n in unique
    }


class DistinctNameDelegate(QStyledItemDelegate):
    """Draws each tile's name on one line, cut so that two tiles never read the same where a
    cut in the middle tells them apart. Labels are worked out once per list and width."""

    def __init__(self, view: QListView) -> None:
        super().__init__(view)
        self._view = view
        self._labels: dict[str, str] = {}
        self._key: tuple[int, int, int] | None = None
        self._changes = 0

    def watch(self, model: QAbstractItemModel) -> None:
        """Work the labels out again when ``model``'s rows change (a search, another tab)."""
        for signal in (
            model.modelReset,
            model.layoutChanged,
            model.rowsInserted,
            model.rowsRemoved,
            model.dataChanged,
        ):
            signal.connect(self._changed)

    def _changed(self, *_args: object) -> None:
        self._changes += 1

    def label(self, name: str, metrics: QFontMetrics, width: int) -> str:
        model = self._view.model()
        key = (id(model), width, self._changes)
        if key != self._key:
            names = [
                str(model.index(r, 0).data(Qt.ItemDataRole.DisplayRole) or "")
                for r in range(model.rowCount())
            ]
            cut: Elide = lambda n, mode: metrics.elidedText(n, mode, width)  # noqa: E731
            self._labels = distinct_labels(names, cut)
            self._key = key
        return self._labels.get(name) or metrics.elidedText(
            name, Qt.TextElideMode.ElideRight, width
        )

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        width = self._view.gridSize().width() - 8
        if option.text and width > 0:
            option.text = self.label(option.text, option.fontMetrics, width)
