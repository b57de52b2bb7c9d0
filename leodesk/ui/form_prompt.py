"""The prompt form's first section: the prompt, its length, the prompt helpers, the negative
prompt."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from leodesk.ui.form_section import name_widget, restyle
from leodesk.ui.widgets import clear_button_with_text

if TYPE_CHECKING:  # the rules come with the form (FormShell shows this section before it)
    from leodesk.core.form import FormRules

_BUSY_TIP = str(QT_TRANSLATE_NOOP("PromptSection", "Waiting for the prompt service…"))
#: Reading: the spec gives no limit for ``promptInstructions``; a few sentences are plenty.
INSTRUCTION_MAX = 500


class PromptSection(QWidget):
    """The prompt and negative prompt boxes, the length counter and the prompt helper buttons."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # The counter's state (not read back from the Qt property, which is None when unset).
        self._over_limit = False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)

        self.prompt_edit = QPlainTextEdit()
        name_widget(self.prompt_edit, "promptEdit", self.tr("Prompt"))
        self.prompt_edit.setPlaceholderText(self.tr("Describe the image… (Ctrl+Enter generates)"))
        self.prompt_edit.setTabChangesFocus(True)
        self.prompt_edit.setMinimumHeight(80)
        lay.addWidget(self.prompt_edit)

        row = QHBoxLayout()
        self.prompt_counter = QLabel()
        name_widget(self.prompt_counter, "promptCounterLabel", self.tr("Prompt length"))
        row.addWidget(self.prompt_counter)
        row.addStretch(1)
        self.random_prompt_button = QPushButton(self.tr("Random prompt"))
        name_widget(self.random_prompt_button, "randomPromptButton", self.tr("Random prompt"))
        self.random_prompt_button.setToolTip(self.tr("Ask Leonardo for a random prompt"))
        self.improve_prompt_button = QPushButton(self.tr("Improve prompt"))
        name_widget(self.improve_prompt_button, "improvePromptButton", self.tr("Improve prompt"))
        row.addWidget(self.random_prompt_button)
        row.addWidget(self.improve_prompt_button)
        # Opens the recent prompts (the window connects it once the library is there).
        self.history_button = QPushButton(QCoreApplication.translate("PromptSection", "History"))
        name_widget(
            self.history_button,
            "promptHistoryButton",
            QCoreApplication.translate("PromptSection", "Recent prompts"),
        )
        self.history_button.setToolTip(
            QCoreApplication.translate(
                "PromptSection", "Recent prompts: search and recall (Ctrl+H)"
            )
        )
        row.addWidget(self.history_button)
        lay.addLayout(row)
        self.improve_instruction_edit = QLineEdit()
        name_widget(
            self.improve_instruction_edit,
            "improveInstructionEdit",
            self.tr("How to improve the prompt"),
        )
        self.improve_instruction_edit.setPlaceholderText(
            self.tr("How to improve it (optional), e.g. moodier")
        )
        self.improve_instruction_edit.setMaxLength(INSTRUCTION_MAX)
        clear_button_with_text(self.improve_instruction_edit)
        self.improve_instruction_edit.setToolTip(
            self.tr(
                "Sent with Improve prompt (promptInstructions): the prompt is improved that way"
            )
        )
        lay.addWidget(self.improve_instruction_edit)

        self.negative_prompt_edit = QPlainTextEdit()
        name_widget(self.negative_prompt_edit, "negativePromptEdit", self.tr("Negative prompt"))
        self.negative_prompt_edit.setPlaceholderText(self.tr("What to leave out (optional)"))
        self.negative_prompt_edit.setTabChangesFocus(True)
        self.negative_prompt_edit.setMaximumHeight(60)
        lay.addWidget(self.negative_prompt_edit)
        self.prompt_counter.setProperty("overLimit", False)

    def set_prompt_text(self, text: str) -> None:
        """Replace the prompt as one undoable edit."""
        from PySide6.QtGui import QTextCursor  # on first use (not at start-up)

        cursor = self.prompt_edit.textCursor()
        cursor.beginEditBlock()
        cursor.select(QTextCursor.SelectionType.Document)
        cursor.insertText(text)
        cursor.endEditBlock()
        self.prompt_edit.setTextCursor(cursor)

    def show_rules(self, rules: FormRules, *, busy: bool) -> None:
        """The counter and the helper buttons (disabled while a helper request runs)."""
        self.prompt_counter.setText(rules.prompt_length)
        self.prompt_counter.setToolTip(rules.prompt_length_tip)
        if self._over_limit != rules.prompt_over_limit:
            self._over_limit = rules.prompt_over_limit
            self.prompt_counter.setProperty("overLimit", self._over_limit)
            restyle(self.prompt_counter)
        self.random_prompt_button.setEnabled(not busy)
        self.improve_prompt_button.setEnabled(rules.can_improve and not busy)
        if busy:
            self.improve_prompt_button.setToolTip(self.tr(_BUSY_TIP))
            self.random_prompt_button.setToolTip(self.tr(_BUSY_TIP))
        else:
            self.improve_prompt_button.setToolTip(rules.improve_tip)
            self.random_prompt_button.setToolTip(self.tr("Ask Leonardo for a random prompt"))
