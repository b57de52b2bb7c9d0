"""The main window's Help menu: Keyboard shortcuts, About leodesk, Copy diagnostics and Open
log folder.

Diagnostics never include the API key or anything else from the keychain (only the name of the
keychain's backend).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QUrl, qVersion
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMenu

if TYPE_CHECKING:
    from leodesk.core.paths import Paths
    from leodesk.ui.help_dialogs import AboutDialog, ShortcutSheet
    from leodesk.ui.main_window import MainWindow


class HelpLink(QObject):
    """Makes ``window``'s Help menu and answers its actions."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.sheet: ShortcutSheet | None = None
        self.about: AboutDialog | None = None
        # made here, not by addMenu(str): its returned wrapper can be a stale one of another type
        menu = QMenu(self.tr("&Help"), window)
        menu.setObjectName("helpMenu")
        window.menuBar().addMenu(menu)
        self.menu = menu
        self.shortcuts_action = self._add(
            "shortcutsAction", self.tr("&Keyboard shortcuts…"), self.show_shortcuts, "Ctrl+/"
        )
        self.about_action = self._add("aboutAction", self.tr("&About leodesk…"), self.show_about)
        self.diagnostics_action = self._add(
            "copyDiagnosticsAction", self.tr("&Copy diagnostics"), self.copy_diagnostics
        )
        self.diagnostics_action.setToolTip(
            self.tr("Versions, paths and library counts for a bug report (never your API key)")
        )
        self.logs_action = self._add(
            "openLogFolderAction", self.tr("Open &log folder"), self.open_log_folder
        )

    def _add(self, name: str, text: str, slot: Any, keys: str | None = None) -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(name)
        if keys:
            action.setShortcut(QKeySequence(keys))
        action.triggered.connect(slot)
        self.menu.addAction(action)
        return action

    # -- where things are -----------------------------------------------------------------------
    def paths(self) -> Paths:
        """The profile in use: the running context's, else the one the app would open."""
        ctx = self.window.ctx
        if ctx is not None:
            return ctx.backend.paths
        from leodesk.core import paths

        base = paths.resolve()
        return base.profile("demo") if self.window.demo else base

    def profile_name(self) -> str:
        name = self.tr("demo (the built-in simulator)") if self.window.demo else self.tr("default")
        if os.environ.get("LEODESK_HOME"):
            name += self.tr(", portable (LEODESK_HOME)")
        return name

    @staticmethod
    def qt_versions() -> dict[str, str]:
        import PySide6

        return {"Qt": qVersion(), "PySide6": PySide6.__version__}

    # -- actions --------------------------------------------------------------------------------
    def show_shortcuts(self) -> ShortcutSheet:
        """The cheat sheet, read afresh from the window's actions."""
        from leodesk.ui.help_dialogs import ShortcutSheet, shortcut_groups

        groups = shortcut_groups(self.window)
        if self.sheet is None:
            self.sheet = ShortcutSheet(groups, self.window)
        else:
            self.sheet.set_groups(groups)
        self.sheet.show()
        self.sheet.raise_()
        self.sheet.search.setFocus()
        return self.sheet

    def show_about(self) -> AboutDialog:
        from leodesk.ui.help_dialogs import AboutDialog

        if self.about is not None:
            self.about.deleteLater()  # the profile or versions may differ: build it again
        paths = self.paths()
        facts = [
            ("aboutQt", self.tr("Qt"), qVersion()),
            ("aboutPySide", self.tr("PySide6"), self.qt_versions()["PySide6"]),
            ("aboutProfile", self.tr("Profile"), self.profile_name()),
            ("aboutData", self.tr("Library and images"), str(paths.data)),
            ("aboutLogs", self.tr("Logs"), str(paths.logs)),
        ]
        self.about = AboutDialog(facts, self.open_log_folder, self.window)
        self.about.show()
        self.about.raise_()
        return self.about

    def diagnostics(self) -> str:
        from leodesk.core.diagnostics import report

        ctx = self.window.ctx
        library = ctx.backend.reader if ctx is not None else None
        return report(
            self.paths(), profile=self.profile_name(), qt=self.qt_versions(), library=library
        )

    def copy_diagnostics(self) -> str:
        text = self.diagnostics()
        QGuiApplication.clipboard().setText(text)
        self.window.statusBar().showMessage(
            self.tr("Diagnostics copied to the clipboard (no API key in them)"), 5000
        )
        return text

    def open_log_folder(self) -> bool:
        folder = self.paths().logs
        folder.mkdir(parents=True, exist_ok=True)
        return self.window.open_url(QUrl.fromLocalFile(str(folder)))
