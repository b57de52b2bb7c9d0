"""Credits in the window: the "not enough credits" dialog with its top-up button.

One non-modal dialog: a second refusal while it is open updates it instead of stacking another.
The page is opened through the ``opener`` it is given (``QDesktopServices.openUrl`` in the
app, something observable in tests), never directly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from leodesk.core.credits import TOP_UP_URL, shortfall_text
from leodesk.ui.widgets import named


class InsufficientCreditsDialog(QDialog):
    """Says what the refused job needed and what is left; "Top up credits…" opens Leonardo's
    API page."""

    def __init__(self, opener: Callable[[QUrl], Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("insufficientCreditsDialog")
        self.setAccessibleName(self.tr("Not enough API credits"))
        self.setWindowTitle(self.tr("Not enough API credits"))
        self.setModal(False)
        self._opener = opener
        self.needed: int | None = None
        self.left: int | None = None
        self.refused: list[str] = []  # labels of the jobs refused while the dialog was open

        self.title = named(
            QLabel(self.tr("<b>Not enough API credits</b>")), "creditsTitle", self.tr("Title")
        )
        self.message = named(
            QLabel(""), "creditsMessage", self.tr("What the job needed and what is left")
        )
        self.message.setWordWrap(True)
        self.jobs = named(QLabel(""), "creditsJobs", self.tr("Jobs that were not sent"))
        self.jobs.setWordWrap(True)
        self.hint = named(
            QLabel(
                self.tr(
                    "Nothing was charged for the refused job. Top up your API credits (or wait for "
                    "your plan to renew), then retry it from the queue."
                )
            ),
            "creditsHint",
            self.tr("What to do"),
        )
        self.hint.setWordWrap(True)
        self.top_up_button = named(
            QPushButton(self.tr("Top up credits…")),
            "topUpButton",
            self.tr("Top up API credits on Leonardo's website"),
            self.tr("Opens {url} in your browser").format(url=TOP_UP_URL),
        )
        self.top_up_button.clicked.connect(self.top_up)
        self.close_button = named(
            QPushButton(self.tr("Close")), "creditsCloseButton", self.tr("Close")
        )
        self.close_button.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.top_up_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        for label in (self.title, self.message, self.jobs, self.hint):
            layout.addWidget(label)
        layout.addLayout(buttons)
        self.top_up_button.setDefault(True)

    def show_shortfall(self, needed: int | None, left: int | None, label: str = "") -> None:
        """A job was refused: say what it needed and what is left, and show the dialog."""
        if not self.isVisible():
            self.refused = []
        if label:
            self.refused.append(label)
        self.needed = needed
        self.left = left
        self._render()
        self.show()
        self.raise_()

    def set_balance(self, left: int | None) -> None:
        """A fresher balance (the account was read again)."""
        if left is not None and left != self.left:
            self.left = left
            self._render()

    def _render(self) -> None:
        text = shortfall_text(self.needed, self.left)
        self.message.setText(text)
        self.message.setAccessibleDescription(text)
        if len(self.refused) > 1:
            jobs = self.tr("{n} jobs were not sent: {names}").format(
                n=len(self.refused), names=", ".join(f"“{t}”" for t in self.refused[-3:])
            )
            jobs += "…" if len(self.refused) > 3 else ""
        elif self.refused:
            jobs = self.tr("Not sent: “{name}”").format(name=self.refused[0])
        else:
            jobs = ""
        self.jobs.setText(jobs)
        self.jobs.setVisible(bool(jobs))

    def top_up(self) -> None:
        self._opener(QUrl(TOP_UP_URL))
