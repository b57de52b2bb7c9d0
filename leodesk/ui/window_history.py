"""The main window's prompt history and presets: the recent prompts popup (the History button
by the prompt, Ctrl+H, View ▸ Prompt history) and the "Presets and drafts" menu beside the
draft tabs, both over the library (:class:`~leodesk.qt.history.HistoryService`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence

from leodesk.qt.history import HistoryService
from leodesk.ui.presets_menu import PresetsMenu
from leodesk.ui.prompt_history import PromptHistoryPopup

if TYPE_CHECKING:
    from leodesk.qt.context import AppContext
    from leodesk.ui.main_window import MainWindow

#: Free in the main window (Find is Ctrl+F, the drafts use Ctrl+T).
HISTORY_SHORTCUT = "Ctrl+H"


class HistoryLink(QObject):
    """Creates the service, the popup, the menu and the action, and connects them."""

    def __init__(self, window: MainWindow, ctx: AppContext) -> None:
        super().__init__(window)
        self.window = window
        self.service = HistoryService(ctx.backend, self)
        form = window.form
        assert form is not None and window.drafts is not None
        self.popup = PromptHistoryPopup(self.service.prompts, window)
        self.popup.recalled.connect(self.recall)
        self.popup.forget_requested.connect(self.service.forget_prompt)
        self.action = QAction(self.tr("Prompt &history…"), window)
        self.action.setObjectName("promptHistoryAction")
        self.action.setShortcut(QKeySequence(HISTORY_SHORTCUT))
        self.action.setToolTip(self.tr("Recent prompts: search and recall"))
        self.action.triggered.connect(self.open)
        window.addAction(self.action)  # the shortcut works wherever the focus is
        form.prompt_section.history_button.clicked.connect(self.open)
        self.menu = PresetsMenu(window.drafts, self.service)
        self.menu.message.connect(lambda text: window.statusBar().showMessage(text, 5000))
        window.drafts.presets_button.setMenu(self.menu)

    def open(self) -> None:
        form = self.window.form
        assert form is not None
        self.popup.open_at(form.prompt_section.history_button)

    def recall(self, prompt: str, negative: str) -> None:
        """The prompt (one undoable edit) and its negative prompt, into the current draft."""
        form = self.window.form
        assert form is not None
        form.set_prompt_text(prompt)
        form.restore_state({"negative_prompt": negative})
        form.prompt_edit.setFocus()
        self.window.statusBar().showMessage(self.tr("Recalled a recent prompt"), 3000)
