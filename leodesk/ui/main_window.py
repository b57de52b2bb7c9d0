"""MainWindow: the application's window. Widgets only: services arrive through the constructor."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QWidget


def _name(widget: QWidget, object_name: str, accessible: str) -> None:
    widget.setObjectName(object_name)
    widget.setAccessibleName(accessible)


class MainWindow(QMainWindow):
    def __init__(self, *, demo: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle("leodesk — Demo" if demo else "leodesk")
        self.resize(1280, 800)

        welcome = QLabel(
            "<h2>leodesk</h2><p>Connected to the built-in simulator: nothing here costs "
            "credits.</p>" if demo else "<h2>leodesk</h2>"
        )
        welcome.setAlignment(Qt.AlignmentFlag.AlignCenter)
        _name(welcome, "welcomeLabel", "Welcome")
        self.setCentralWidget(welcome)

        bar = self.statusBar()
        self.demo_badge = QLabel(" DEMO ")
        _name(self.demo_badge, "demoBadge", "Demo mode: the built-in simulator")
        self.demo_badge.setToolTip("Running on the built-in simulator: no key, no network, no cost")
        self.demo_badge.setStyleSheet(
            "QLabel { background: #d97706; color: white; font-weight: bold; border-radius: 3px; }"
        )
        self.demo_badge.setVisible(demo)
        self.account_label = QLabel("")
        _name(self.account_label, "accountLabel", "Account")
        self.balance_label = QLabel("")
        _name(self.balance_label, "balanceLabel", "API credit balance")
        self.connection_label = QLabel("Connecting…")
        _name(self.connection_label, "connectionLabel", "Connection state")
        bar.addWidget(self.demo_badge)
        bar.addWidget(self.connection_label)
        bar.addPermanentWidget(self.account_label)
        bar.addPermanentWidget(self.balance_label)

        quit_action = QAction("&Quit", self)
        quit_action.setObjectName("quitAction")
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        self.menuBar().addMenu("&File").addAction(quit_action)

    # Slots fed by the account service (wired in leodesk.app).
    def show_account(self, username: str | None, credits: int | None, slots: int | None) -> None:
        self.account_label.setText(username or "")
        self.balance_label.setText("" if credits is None else f"{credits:,} credits")
        self.balance_label.setToolTip(
            "API credit balance (subscription + paid)"
            + ("; a negative balance means jobs ran on credit" if (credits or 0) < 0 else "")
        )
        self.connection_label.setText(
            "Connected" + (f" · {slots} slots" if slots is not None else "")
        )

    def show_connection_error(self, message: str) -> None:
        self.connection_label.setText(f"Offline: {message}")
        self.connection_label.setToolTip(message)
