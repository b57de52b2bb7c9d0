"""Help ▸ Keyboard shortcuts and Help ▸ About leodesk.

The cheat sheet is read from the window's own actions each time it opens (menu by menu, then the
actions that live outside the menus), so it always shows the shortcuts as they are now.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from leodesk.core.diagnostics import app_version
from leodesk.ui.widgets import clear_button_with_text, named

Group = tuple[str, list[tuple[str, str]]]


def plain(text: str) -> str:
    """A menu text without its mnemonic marks and trailing dots ("&Quit" → "Quit")."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip(".…").strip()


def keys_text(action: QAction) -> str:
    fmt = QKeySequence.SequenceFormat.NativeText
    return ", ".join(s.toString(fmt) for s in action.shortcuts() if not s.isEmpty())


def _menu_rows(menu: QMenu, seen: set[QAction], prefix: str = "") -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for action in menu.actions():
        seen.add(action)
        sub = action.menu()
        if isinstance(sub, QMenu):
            rows += _menu_rows(sub, seen, f"{prefix}{plain(action.text())} ▸ ")
        elif not action.isSeparator() and keys_text(action):
            rows.append((prefix + plain(action.text()), keys_text(action)))
    return rows


def shortcut_groups(window: QMainWindow) -> list[Group]:
    """(area, [(action, keys)]) for every action of ``window`` with a shortcut: one group per
    menu in menu-bar order, then the ones found only outside the menus (gallery, panes) and the
    panes' QShortcuts that describe themselves (``whatsThis``)."""
    groups: list[Group] = []
    seen: set[QAction] = set()
    for top in window.menuBar().actions():
        menu = top.menu()
        if isinstance(menu, QMenu):
            rows = _menu_rows(menu, seen)
            if rows:
                groups.append((plain(top.text()), rows))
    other = [
        (plain(a.text()), keys_text(a))
        for a in window.findChildren(QAction)
        if a not in seen and a.text() and keys_text(a)
    ]
    # QShortcuts that say what they do (whatsThis), such as the gallery's Find
    fmt = QKeySequence.SequenceFormat.NativeText
    other += [
        (s.whatsThis(), s.key().toString(fmt))
        for s in window.findChildren(QShortcut)
        if s.whatsThis() and s.isEnabled() and not s.key().isEmpty()
    ]
    if other:
        groups.append((QCoreApplication.translate("ShortcutSheet", "Gallery and panes"), other))
    return groups


class ShortcutSheet(QDialog):
    """The keyboard shortcuts of a window, grouped by menu, filtered as the user types."""

    def __init__(self, groups: Sequence[Group], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "shortcutSheet", self.tr("Keyboard shortcuts"))
        self.setWindowTitle(self.tr("Keyboard shortcuts"))
        self.search = named(
            QLineEdit(),
            "shortcutSearch",
            self.tr("Search the shortcuts"),
            self.tr("Type part of a command or a key, for example “export” or “Ctrl”"),
        )
        self.search.setPlaceholderText(self.tr("Search commands or keys…"))
        clear_button_with_text(self.search)
        self.tree = named(QTreeWidget(), "shortcutTree", self.tr("Shortcuts"))
        self.tree.setHeaderLabels([self.tr("Command"), self.tr("Keys")])
        self.tree.setRootIsDecorated(False)
        named(self.tree.header(), "shortcutHeader", self.tr("Columns: command and keys"))
        self.tree.setAlternatingRowColors(True)
        self.empty = named(QLabel(self.tr("No shortcut matches.")), "shortcutEmpty", "")
        self.empty.setAccessibleName(self.tr("No shortcut matches"))
        self.empty.setVisible(False)
        self.close_button = named(
            QPushButton(self.tr("Close")), "shortcutCloseButton", self.tr("Close")
        )
        self.close_button.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.empty)
        layout.addLayout(buttons)
        self.set_groups(groups)
        self.search.textChanged.connect(self.apply_filter)
        self.resize(520, 600)

    def set_groups(self, groups: Sequence[Group]) -> None:
        self.tree.clear()
        for area, rows in groups:
            head = QTreeWidgetItem([area, ""])
            font = head.font(0)
            font.setBold(True)
            head.setFont(0, font)
            head.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.tree.addTopLevelItem(head)
            for text, keys in rows:
                head.addChild(QTreeWidgetItem([text, keys]))
            head.setExpanded(True)
        self.tree.resizeColumnToContents(0)
        self.apply_filter(self.search.text())

    def _items(self) -> list[tuple[QTreeWidgetItem, list[QTreeWidgetItem]]]:
        out = []
        for i in range(self.tree.topLevelItemCount()):
            head = self.tree.topLevelItem(i)
            if head is not None:
                rows = [head.child(j) for j in range(head.childCount())]
                out.append((head, [r for r in rows if r is not None]))
        return out

    def apply_filter(self, text: str) -> None:
        """Show the rows whose command, keys or area contain ``text`` (any case)."""
        needle = text.strip().casefold()
        shown = 0
        for head, rows in self._items():
            area_hit = needle in head.text(0).casefold()
            visible = 0
            for row in rows:
                hit = area_hit or any(needle in row.text(c).casefold() for c in (0, 1))
                row.setHidden(not hit)
                visible += hit
            head.setHidden(visible == 0)
            shown += visible
        self.empty.setVisible(shown == 0)

    def visible_rows(self) -> list[tuple[str, str, str]]:
        """(area, command, keys) of the rows shown now."""
        return [
            (head.text(0), row.text(0), row.text(1))
            for head, rows in self._items()
            for row in rows
            if not head.isHidden() and not row.isHidden()
        ]


class AboutDialog(QDialog):
    """The version, what it runs on, the profile in use and a way to its log folder.
    ``facts``: (object name, label, value) rows."""

    def __init__(
        self,
        facts: Sequence[tuple[str, str, str]],
        open_logs: Callable[[], object],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        named(self, "aboutDialog", self.tr("About leodesk"))
        self.setWindowTitle(self.tr("About leodesk"))
        version = QCoreApplication.applicationVersion() or app_version()
        title = named(QLabel(f"<h2>leodesk {version}</h2>"), "aboutTitle", f"leodesk {version}")
        blurb = QLabel(self.tr("A desktop client for the Leonardo.Ai API."))
        blurb.setObjectName("aboutBlurb")
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.values: dict[str, QLabel] = {}
        for name, label, value in facts:
            shown = named(QLabel(value), name, label)
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            shown.setWordWrap(True)
            form.addRow(f"{label}:", shown)
            self.values[name] = shown
        self.logs_button = named(
            QPushButton(self.tr("Open log folder")),
            "aboutOpenLogsButton",
            self.tr("Open the log folder"),
        )
        self.logs_button.clicked.connect(lambda: open_logs())
        self.close_button = named(
            QPushButton(self.tr("Close")), "aboutCloseButton", self.tr("Close")
        )
        self.close_button.clicked.connect(self.close)
        self.close_button.setDefault(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.logs_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(blurb)
        layout.addLayout(form)
        layout.addLayout(buttons)
        self.setMinimumWidth(540)  # the folders fit on a line or two
