"""The Shortcuts page of the Preferences dialog: every action with its keys, editable.

Pick a row, press the new keys in the editor below, then Assign. Keys another action already
has are refused and that action is named, until one of the two gets other keys (or none).
Reset gives the picked action its default keys back; Reset all does so for every action.
The page edits a pending map only: the dialog's OK applies it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QKeySequenceEdit,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from leodesk.ui.shortcuts import Shortcuts, action_label, keys_text
from leodesk.ui.widgets import named

NAME_ROLE = Qt.ItemDataRole.UserRole
_NATIVE = QKeySequence.SequenceFormat.NativeText


class ShortcutsPage(QWidget):
    """Edits the keys of ``shortcuts``' actions; :meth:`custom` is the map to save."""

    def __init__(self, shortcuts: Shortcuts, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutsPage")
        self.shortcuts = shortcuts
        actions = shortcuts.actions()
        # Every action's keys as they will be once OK is pressed.
        self.pending: dict[str, str] = {n: keys_text(a.shortcuts()) for n, a in actions.items()}
        self.labels = {n: action_label(a) for n, a in actions.items()}
        self.table = named(QTableWidget(0, 3), "shortcutsTable", self.tr("Keyboard shortcuts"))
        self.table.setHorizontalHeaderLabels(
            [self.tr("Action"), self.tr("Menu"), self.tr("Shortcut")]
        )
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.editor = named(
            QKeySequenceEdit(), "shortcutEdit", self.tr("New shortcut for the chosen action")
        )
        self.editor.setMaximumSequenceLength(1)
        self._name_parts()
        self.assign_button = self._button(self.tr("Assign"), "assignShortcutButton", self.assign)
        self.clear_button = self._button(self.tr("No key"), "clearShortcutButton", self.clear)
        self.reset_button = self._button(self.tr("Reset"), "resetShortcutButton", self.reset)
        self.reset_all_button = self._button(
            self.tr("Reset all"), "resetAllShortcutsButton", self.reset_all
        )
        self.message = named(QLabel(""), "shortcutMessage", self.tr("Shortcut message"))
        self.message.setWordWrap(True)
        self._layout()
        self._fill()
        self.table.currentCellChanged.connect(lambda *_a: self._row_changed())
        self.editor.keySequenceChanged.connect(lambda _k: self.message.setText(""))
        if self.table.rowCount():
            self.table.setCurrentCell(0, 0)

    def _name_parts(self) -> None:
        """Names for the parts Qt makes inside the table and the key editor."""
        named(self.table.horizontalHeader(), "shortcutsHeader", self.tr("Columns"))
        named(self.table.verticalHeader(), "shortcutsRowHeader", self.tr("Rows"))
        corner = self.table.findChild(QAbstractButton, "qt_tableview_cornerbutton")
        if corner is not None:
            corner.setAccessibleName(self.tr("Select all"))
        line = self.editor.findChild(QLineEdit)
        if line is not None:
            named(line, "shortcutEditLine", self.tr("New shortcut for the chosen action"))

    def _button(self, text: str, name: str, slot: Any) -> QPushButton:
        button = named(QPushButton(text), name, text)
        button.clicked.connect(slot)
        return button

    def _layout(self) -> None:
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Keys:")))
        row.addWidget(self.editor, 1)
        for button in (self.assign_button, self.clear_button, self.reset_button):
            row.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        bottom = QHBoxLayout()
        bottom.addWidget(self.message, 1)
        bottom.addWidget(self.reset_all_button)
        layout.addLayout(bottom)

    def _fill(self) -> None:
        names = sorted(self.pending, key=lambda n: self.labels[n].casefold())
        self.table.setRowCount(len(names))
        for row, name in enumerate(names):
            label = QTableWidgetItem(self.labels[name])
            label.setData(NAME_ROLE, name)
            label.setToolTip(name)
            self.table.setItem(row, 0, label)
            self.table.setItem(row, 1, QTableWidgetItem(self.shortcuts.menus.get(name, "")))
            self.table.setItem(row, 2, QTableWidgetItem(self._shown(name)))

    def _shown(self, name: str) -> str:
        return QKeySequence(self.pending[name]).toString(_NATIVE)

    def row_of(self, name: str) -> int:
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None and item.data(NAME_ROLE) == name:
                return row
        return -1

    def current_name(self) -> str | None:
        item = self.table.item(self.table.currentRow(), 0)
        return None if item is None else str(item.data(NAME_ROLE))

    def _row_changed(self) -> None:
        name = self.current_name()
        if name is not None:
            self.editor.setKeySequence(QKeySequence(self.pending[name].split(";")[0]))
        self.message.setText("")

    def _set(self, name: str, keys: str) -> None:
        self.pending[name] = keys
        item = self.table.item(self.row_of(name), 2)
        if item is not None:
            item.setText(self._shown(name))

    # -- the buttons -------------------------------------------------------------------------
    def assign(self) -> bool:
        """Give the chosen action the editor's keys, unless another action has them."""
        name = self.current_name()
        if name is None:
            return False
        keys = keys_text(self.editor.keySequence())
        if self.shortcuts.fixed(keys):
            self.message.setText(
                self.tr(
                    "{keys} is a fixed key of the window (such as Find). Choose other keys."
                ).format(keys=self.editor.keySequence().toString(_NATIVE))
            )
            return False
        other = self.shortcuts.conflict(name, keys, self.pending)
        if other is not None:
            self.message.setText(
                self.tr(
                    "{keys} is already the shortcut of “{other}”. Give that action other "
                    "keys (or none) first, or choose other keys."
                ).format(
                    keys=self.editor.keySequence().toString(_NATIVE),
                    other=self.labels[other],
                )
            )
            return False
        self._set(name, keys)
        self.message.setText(self.tr("“{name}” set.").format(name=self.labels[name]))
        return True

    def clear(self) -> None:
        name = self.current_name()
        if name is not None:
            self.editor.clear()
            self._set(name, "")

    def reset(self) -> None:
        name = self.current_name()
        if name is None:
            return
        keys = self.shortcuts.default_text(name)
        other = self.shortcuts.conflict(name, keys, self.pending)
        if other is not None:
            self.message.setText(
                self.tr(
                    "The default keys of this action now belong to “{other}”: change "
                    "that one first."
                ).format(other=self.labels[other])
            )
            return
        self._set(name, keys)
        self.editor.setKeySequence(QKeySequence(keys.split(";")[0]))

    def reset_all(self) -> None:
        for name in self.pending:
            self._set(name, self.shortcuts.default_text(name))
        self._row_changed()
        self.message.setText(self.tr("Every shortcut is back to its default."))

    def custom(self) -> dict[str, str]:
        """The keys that differ from the defaults, to save."""
        return {
            name: keys
            for name, keys in self.pending.items()
            if keys != self.shortcuts.default_text(name)
        }
