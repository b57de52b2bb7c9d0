"""The main window's status bar: demo badge, connection, account, balance, renewal, spending.

:class:`AccountStatus` builds the labels on the window's status bar and keeps them current from
the account service; it also opens the dialog shown when the API refuses a job for lack of
credits. Widgets only: the account service does the I/O.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel, QToolButton

from leodesk.ui.widgets import named

if TYPE_CHECKING:
    from leodesk.qt.context import AppContext
    from leodesk.qt.services import AccountState
    from leodesk.ui.main_window import MainWindow


class AccountStatus(QObject):
    """The status bar labels of ``window`` and what fills them."""

    def __init__(self, window: MainWindow, demo: bool) -> None:
        super().__init__(window)
        self.window = window
        bar = window.statusBar()
        self.demo_badge = named(
            QLabel(self.tr(" DEMO ")),
            "demoBadge",
            self.tr("Demo mode: the built-in simulator"),
            self.tr("Running on the built-in simulator: no key, no network, no cost"),
        )
        self.style_demo_badge(demo)
        self.connection_label = named(
            QLabel(self.tr("Connecting…")), "connectionLabel", self.tr("Connection state")
        )
        # The account leodesk runs on: filled and wired by window_accounts.AccountsLink.
        self.account_badge = QToolButton()
        self.account_badge.setVisible(False)
        self.account_label = named(QLabel(""), "accountLabel", self.tr("Account"))
        self.balance_label = named(QLabel(""), "balanceLabel", self.tr("API credit balance"))
        self.balance_hint = named(
            QLabel(self.tr("below zero")), "balanceHint", self.tr("The balance is negative")
        )
        # a palette and a font, not a style sheet: the first style sheet costs start-up time
        hint_palette = self.balance_hint.palette()
        hint_palette.setColor(QPalette.ColorRole.WindowText, QColor(185, 28, 28))
        self.balance_hint.setPalette(hint_palette)
        # (bold once shown, in show_account: the first QFont of the process costs ~1.4 ms)
        self.balance_hint.setVisible(False)
        self.renewal_label = named(QLabel(""), "renewalLabel", self.tr("API plan renewal date"))
        self.spent_label = named(QLabel(""), "spentLabel", self.tr("Credits spent this run"))
        self.slots_label = named(QLabel(""), "slotsLabel", self.tr("Concurrency slots"))
        bar.addWidget(self.demo_badge)
        bar.addWidget(self.connection_label)
        bar.addPermanentWidget(self.account_badge)
        bar.addPermanentWidget(self.account_label)
        bar.addPermanentWidget(self.balance_label)
        bar.addPermanentWidget(self.balance_hint)
        bar.addPermanentWidget(self.renewal_label)
        bar.addPermanentWidget(self.spent_label)
        bar.addPermanentWidget(self.slots_label)
        self.credits_dialog: Any = None  # InsufficientCreditsDialog, made on the first refusal

    def style_demo_badge(self, demo: bool) -> None:
        if demo:  # a style sheet costs a re-polish: only pay for it when the badge shows
            self.demo_badge.setStyleSheet(
                "QLabel { background: #d97706; color: white; font-weight: bold;"
                " border-radius: 3px; }"
            )
        self.demo_badge.setVisible(demo)

    def show_account(self, state: AccountState) -> None:
        from leodesk.core.credits import (  # after the first paint
            credits_text,
            date_text,
            renewal_datetime,
        )

        window = self.window
        self.account_label.setText(state.username or "")
        credits = state.credits
        self.balance_label.setText("" if credits is None else credits_text(credits))
        renews = renewal_datetime(state.renewal_date)
        negative = credits is not None and credits < 0
        if negative:
            tip = self.tr(
                "API credit balance (plan credits + paid top-ups), read from Leonardo. It is "
                "below zero (the API can let a balance go negative): new jobs may be refused "
                "until you top up or your plan renews and the balance covers their price."
            )
        else:
            tip = self.tr("API credit balance (plan credits + paid top-ups), read from Leonardo")
        self.balance_label.setToolTip(tip)
        self.balance_label.setStyleSheet("QLabel { color: #b91c1c; }" if negative else "")
        self.balance_hint.setToolTip(tip)
        if negative and not self.balance_hint.font().bold():
            hint_font = self.balance_hint.font()
            hint_font.setBold(True)
            self.balance_hint.setFont(hint_font)
        self.balance_hint.setVisible(negative)
        if renews is None:
            self.renewal_label.setText("")
            self.renewal_label.setToolTip("")
        else:
            self.renewal_label.setText(self.tr("renews {date}").format(date=date_text(renews)))
            self.renewal_label.setToolTip(
                self.tr("Your API plan's credits renew on {date} ({utc} UTC)").format(
                    date=date_text(renews), utc=f"{renews:%Y-%m-%d %H:%M}"
                )
            )
        self.renewal_label.setVisible(renews is not None)
        if window.ctx is not None:
            self.show_spent(window.ctx.account.ledger.snapshot())
            if window.queue_panel is not None:
                window.queue_panel.set_balance(credits)
        if self.credits_dialog is not None and self.credits_dialog.isVisible():
            self.credits_dialog.set_balance(credits)
        slots = state.slots
        self.slots_label.setText("" if slots is None else self.tr("{n} slots").format(n=slots))
        self.slots_label.setToolTip(self.tr("Jobs the API runs at once for this key"))
        self.connection_label.setText(self.tr("Demo") if window.demo else self.tr("Connected"))
        self.connection_label.setToolTip("")

    def show_connection_error(self, message: str) -> None:
        self.connection_label.setText(self.tr("Offline"))
        self.connection_label.setToolTip(message)
        self.window.statusBar().showMessage(message, 10000)

    def wire_credits(self, ctx: AppContext) -> None:
        """Charges and refunds into the ledger; the balance read again when a job is charged
        and when it ends (a failed job's refund shows); refused jobs open the credits dialog."""
        account = ctx.account
        ctx.generation.charged.connect(account.charge)
        ctx.generation.refunded.connect(account.refund)
        ctx.variations.charged.connect(account.charge)
        account.spent_changed.connect(self.show_spent)
        ctx.generation.job_changed.connect(self._job_ended_refresh)
        ctx.variations.job_changed.connect(self._job_ended_refresh)
        ctx.generation.insufficient_credits.connect(self.show_insufficient_credits)
        ctx.variations.insufficient_credits.connect(self.show_insufficient_credits)
        self.show_spent(account.ledger.snapshot())

    def _job_ended_refresh(self, view: Any) -> None:
        ctx = self.window.ctx
        assert ctx is not None
        if view.state in ("done", "failed"):
            ctx.account.refresh()

    def show_spent(self, spending: Any) -> None:
        ctx = self.window.ctx
        assert ctx is not None
        from leodesk.core.credits import credits_text, spent_explanation  # after the first paint

        account = ctx.account
        first = None if account.first is None else account.first.credits
        now = None if account.last is None else account.last.credits
        self.spent_label.setText(
            self.tr("spent this run: {credits}").format(credits=credits_text(spending.spent))
        )
        self.spent_label.setToolTip(spent_explanation(spending, first, now))

    def show_insufficient_credits(self, shortfall: Any) -> None:
        """The API refused a job for lack of credits: what it needed, what is left, top up."""
        window = self.window
        assert window.ctx is not None
        if self.credits_dialog is None:
            from leodesk.ui.credits import InsufficientCreditsDialog  # after the first paint

            self.credits_dialog = InsufficientCreditsDialog(
                lambda url: window.open_url(url), window
            )
        last = window.ctx.account.last
        left = None if last is None else last.credits
        self.credits_dialog.show_shortfall(shortfall.needed, left, shortfall.label)
