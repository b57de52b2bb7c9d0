"""The main window's File and Account menus (View and Image arrive with the panes).

:class:`WindowMenus` makes the menus and their actions; the window keeps the actions it reacts to
(``key_action``, ``offline_action``, ``cost_limit_action``, ``refresh_action``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence

from leodesk.ui.widgets import add_menu

if TYPE_CHECKING:
    from leodesk.ui.main_window import MainWindow


class WindowMenus(QObject):
    """File ▸ Quit and the Account menu of ``window``."""

    def __init__(self, window: MainWindow, demo: bool) -> None:
        super().__init__(window)
        file_menu = add_menu(window.menuBar(), self.tr("&File"), "fileMenu")
        quit_action = QAction(self.tr("&Quit"), window)
        quit_action.setObjectName("quitAction")
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(window.close)
        file_menu.addAction(quit_action)
        self.file_menu = file_menu
        self.quit_action = quit_action
        account_menu = add_menu(window.menuBar(), self.tr("&Account"), "accountMenu")
        self.account_menu = account_menu  # the accounts go at its top (window_accounts)
        self.key_action = QAction(self.tr("API &key…"), window)
        self.key_action.setObjectName("changeKeyAction")
        self.key_action.setEnabled(not demo)
        self.key_action.triggered.connect(window.change_key_requested.emit)
        account_menu.addAction(self.key_action)
        self.offline_action = QAction(self.tr("Keep full images &offline"), window)
        self.offline_action.setObjectName("keepOfflineAction")
        self.offline_action.setCheckable(True)
        self.offline_action.setToolTip(
            self.tr(
                "Sync downloads every full image (otherwise only thumbnails, and full images "
                "when you open them)"
            )
        )
        self.offline_action.toggled.connect(
            lambda on: setattr(window, "keep_full_images_offline", on)
        )
        account_menu.addAction(self.offline_action)
        self.cost_limit_action = QAction(self.tr("Ask before a job costs more than…"), window)
        self.cost_limit_action.setObjectName("costLimitAction")
        self.cost_limit_action.triggered.connect(window.ask_cost_limit)
        account_menu.addAction(self.cost_limit_action)
        self.refresh_action = QAction(self.tr("&Refresh account and models"), window)
        self.refresh_action.setObjectName("refreshAction")
        self.refresh_action.setShortcut(QKeySequence.StandardKey.Refresh)
        account_menu.addAction(self.refresh_action)
