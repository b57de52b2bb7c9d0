"""The accounts in the main window: a checkable entry per account at the top of the Account
menu, Add account… and Remove account…, and the account badge in the status bar (a click opens
the same list). Widgets only: the app switches, adds and removes (see ``leodesk.app``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QToolButton

from leodesk.ui.widgets import named

if TYPE_CHECKING:
    from leodesk.ui.main_window import MainWindow

BADGE_STYLE = (
    "QToolButton#accountBadge { background: #2563eb; color: white; font-weight: bold;"
    " border: none; border-radius: 3px; padding: 1px 8px; }"
    "QToolButton#accountBadge::menu-indicator { image: none; width: 0; }"
)


class AccountsLink(QObject):
    """Signals: switch_requested(str name), add_requested(), remove_requested(),
    rename_requested()."""

    switch_requested = Signal(str)
    add_requested = Signal()
    remove_requested = Signal()
    rename_requested = Signal()

    def __init__(self, window: MainWindow, menu: QMenu) -> None:
        super().__init__(window)
        self.window = window
        self.menu = menu
        self.current: str | None = None
        self.group = QActionGroup(self)
        self.group.setExclusive(True)
        self.account_actions: list[QAction] = []
        self.add_action = QAction(self.tr("Add &account…"), window)
        self.add_action.setObjectName("addAccountAction")
        self.add_action.setToolTip(self.tr("Another Leonardo account, with its own library"))
        self.add_action.triggered.connect(self.add_requested.emit)
        self.remove_action = QAction(self.tr("Remove account…"), window)
        self.remove_action.setObjectName("removeAccountAction")
        self.remove_action.setEnabled(False)
        self.remove_action.triggered.connect(self.remove_requested.emit)
        self.rename_action = QAction(self.tr("Rename account…"), window)
        self.rename_action.setObjectName("renameAccountAction")
        self.rename_action.setEnabled(False)
        self.rename_action.triggered.connect(self.rename_requested.emit)
        self.accounts_end = QAction(window)
        self.accounts_end.setSeparator(True)
        self.list_end = QAction(window)  # between the accounts and Add account…
        self.list_end.setSeparator(True)
        ours = [
            self.list_end,
            self.add_action,
            self.rename_action,
            self.remove_action,
            self.accounts_end,
        ]
        if menu.actions():
            menu.insertActions(menu.actions()[0], ours)
        else:
            menu.addActions(ours)

        self.badge = named(
            window.status.account_badge,  # in the status bar before the user name and balance
            "accountBadge",
            self.tr("Account"),
            self.tr("The account leodesk is using: click to switch"),
        )
        self.badge.setStyleSheet(BADGE_STYLE)
        self.badge.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.badge_menu = QMenu(self.badge)
        self.badge_menu.setObjectName("accountBadgeMenu")
        self.badge.setMenu(self.badge_menu)
        self.badge.setVisible(False)  # until the app says which account runs

    def set_accounts(self, names: list[str], current: str | None) -> None:
        """List ``names`` (``current`` checked; ``None``: the demo, no account checked)."""
        self.current = current
        for action in self.account_actions:
            self.group.removeAction(action)
            self.menu.removeAction(action)
            action.deleteLater()
        self.account_actions = []
        self.badge_menu.clear()
        for n, name in enumerate(names):
            action = QAction(name, self.window)
            action.setObjectName(f"accountAction{n}")
            action.setCheckable(True)
            action.setChecked(name == current)
            action.setToolTip(self.tr("Switch to the account {name}").format(name=name))
            action.triggered.connect(lambda _on=False, name=name: self._chosen(name))
            self.group.addAction(action)
            self.account_actions.append(action)
        self.menu.insertActions(self.list_end, self.account_actions)
        self.badge_menu.addActions(self.account_actions)
        self.badge_menu.addSeparator()
        self.badge_menu.addAction(self.add_action)
        self.remove_action.setEnabled(len(names) > 1)
        self.rename_action.setEnabled(current is not None)
        if current is None:
            self.badge.setVisible(False)
            return
        self.badge.setText(f"{current} ▾")  # the arrow: a click opens the accounts
        self.badge.setAccessibleName(self.tr("Account: {name}").format(name=current))
        self.badge.setToolTip(
            self.tr("Account {name}: its own key, library and queue. Click to switch.").format(
                name=current
            )
        )
        self.badge.setVisible(True)

    def _chosen(self, name: str) -> None:
        if name == self.current:
            return
        for action in self.account_actions:  # checked once the other account runs
            action.setChecked(action.text() == self.current)
        self.switch_requested.emit(name)

    def show_removed(self, name: str, library_deleted: bool) -> None:
        text = self.tr("Account {name} removed.").format(name=name)
        if library_deleted:
            text += " " + self.tr("Its library was deleted.")
        self.window.statusBar().showMessage(text, 10000)

    def show_remove_failed(self, reason: str) -> None:
        self.window.statusBar().showMessage(
            self.tr("The account could not be removed: {reason}").format(reason=reason), 15000
        )

    def show_switch_failed(self, name: str, reason: str) -> None:
        self.window.statusBar().showMessage(
            self.tr("Could not switch to the account {name}: {reason}").format(
                name=name, reason=reason
            ),
            15000,
        )
