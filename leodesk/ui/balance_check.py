"""Before a job is queued: a warning when the balance is below its cost.

The cost is the pricing calculator's (the form's, the canvas's, the video dialog's, the
blueprint's); the balance is the account's last reading. The user can top up (Leonardo's API page
in the browser, as the "not enough credits" dialog does), send anyway (the API may still accept
it: the balance can go negative) or cancel. An unknown cost or balance asks nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QUrl
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from leodesk.ui.widgets import named

if TYPE_CHECKING:
    from leodesk.ui.main_window import MainWindow


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


class BalanceCheck(QObject):
    """``confirm(cost, what)``: True to send (``what``: "This video costs"). Asks only when both
    are known and the balance is below the cost."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window

    def balance(self) -> int | None:
        ctx = self.window.ctx
        last = None if ctx is None else ctx.account.last
        return None if last is None else last.credits

    def confirm(self, cost: int | float | None, what: str | None = None) -> bool:
        left = self.balance()
        if cost is None or left is None or cost <= left:
            return True
        from leodesk.core.credits import TOP_UP_URL  # after the first paint

        dialog = LowBalanceDialog(int(cost), left, what or self.tr("This job costs"), self.window)
        try:
            sent = dialog.exec() == QDialog.DialogCode.Accepted
            if dialog.topped_up:
                self.window.open_url(QUrl(TOP_UP_URL))
        finally:
            dialog.deleteLater()
        if not sent:
            self.window.statusBar().showMessage(self.not_sent(), 6000)
        return sent

    def not_sent(self) -> str:
        return self.tr("Not sent: your balance is below its cost")
