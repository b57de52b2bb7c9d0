"""Before a job is queued: a warning when the balance is below its cost.

The cost is the pricing calculator's (the form's, the canvas's, the video dialog's, the
blueprint's); the balance is the account's last reading. The user can top up (Leonardo's API page
in the browser, as the "not enough credits" dialog does), send anyway (the API may still accept
it: the balance can go negative) or cancel. An unknown cost or balance asks nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

if TYPE_CHECKING:
    from leodesk.ui.main_window import MainWindow


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
        from PySide6.QtWidgets import QDialog  # on first use (not at start-up)

        from leodesk.core.credits import TOP_UP_URL  # after the first paint
        from leodesk.ui.low_balance_dialog import LowBalanceDialog  # on first use

        dialog = LowBalanceDialog(int(cost), left, what or self.tr("This job costs"), self.window)
        try:
            sent = dialog.exec() == QDialog.DialogCode.Accepted
            if dialog.topped_up:
                from PySide6.QtCore import QUrl  # on first use (not at start-up)

                self.window.open_url(QUrl(TOP_UP_URL))
        finally:
            dialog.deleteLater()
        if not sent:
            self.window.statusBar().showMessage(self.not_sent(), 6000)
        return sent

    def not_sent(self) -> str:
        return self.tr("Not sent: your balance is below its cost")
