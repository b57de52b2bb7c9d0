"""The dialog shown before a job is queued when the balance is below its cost (see
:mod:`leodesk.ui.balance_check`): what the job costs, what is left; Top up…, Send anyway,
Cancel. Its own module, loaded when first shown: QDialog is not needed to open the window."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from leodesk.ui.widgets import named


class LowBalanceDialog(QDialog):
    """What the job costs, what is left; Top up…, Send anyway, Cancel (the default)."""

    def __init__(self, cost: int, left: int, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from leodesk.core.credits import credits_text  # after the first paint

        named(self, "lowBalanceDialog", self.tr("Not enough credits for this job"))
        self.setWindowTitle(self.tr("Not enough credits"))
        self.topped_up = False
        text = self.tr("{what} {cost}, and your balance is {left}.").format(
            what=what, cost=credits_text(cost), left=credits_text(left)
        )
        self.message = named(QLabel(text), "lowBalanceMessage", text)
        self.message.setWordWrap(True)
        hint = self.tr(
            "Top up your API credits first, or send it anyway: the API may refuse it (nothing "
            "is charged then) or let the balance go below zero."
        )
        self.hint = named(QLabel(hint), "lowBalanceHint", self.tr("What to do"))
        self.hint.setWordWrap(True)
        self.top_up_button = named(
            QPushButton(self.tr("Top up credits…")),
            "lowBalanceTopUpButton",
            self.tr("Top up API credits on Leonardo's website"),
        )
        self.send_button = named(
            QPushButton(self.tr("Send anyway")), "lowBalanceSendButton", self.tr("Send anyway")
        )
        self.cancel_button = named(
            QPushButton(self.tr("Cancel")), "lowBalanceCancelButton", self.tr("Do not send")
        )
        self.top_up_button.clicked.connect(self._top_up)
        self.send_button.clicked.connect(self.accept)
        self.cancel_button.clicked.connect(self.reject)
        self.cancel_button.setDefault(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.top_up_button)
        buttons.addStretch(1)
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.hint)
        layout.addLayout(buttons)
        self.setMinimumWidth(440)

    def _top_up(self) -> None:
        self.topped_up = True
        self.reject()
