"""KeyDialog: paste a Production API key (checked with the API before it is stored) or try the demo.

The dialog only collects and reports: the check (``/me``) and the keychain write happen in the Qt
layer, which answers through :meth:`show_checking`, :meth:`show_error` and :meth:`done_ok`. Where
no secure keychain exists (no Secret Service running, e.g. a bundle started outside a desktop
session) :meth:`show_no_keychain` says so and offers the demo instead of a key it could not keep.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from leodesk.ui.key_input import key_input
from leodesk.ui.widgets import named

DEMO = 2  # QDialog result code for "Try the demo"


class KeyDialog(QDialog):
    """Signals: key_submitted(str), remove_requested()."""

    key_submitted = Signal(str)
    remove_requested = Signal()

    def __init__(
        self, *, replacing: bool = False, allow_demo: bool = True, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        named(self, "keyDialog", self.tr("API key"))
        self.setWindowTitle(self.tr("leodesk — API key"))
        self.setMinimumWidth(520)
        self.intro = intro = named(QLabel(), "keyIntro", self.tr("About the API key"))
        intro.setText(
            self.tr(
                "<b>Connect your Leonardo.Ai account</b><br>Paste a Production API key "
                "(app.leonardo.ai → API Access). leodesk checks it with the API, then keeps it "
                "only in your system keychain."
            )
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        self.key_edit, self.show_check = key_input(
            "apiKeyEdit", "showKeyButton", self._text_changed, self._submit
        )
        self.message = named(QLabel(""), "keyMessage", self.tr("Key check result"))
        self.message.setWordWrap(True)
        self.save_button = named(
            QPushButton(self.tr("Check and save")),
            "saveKeyButton",
            self.tr("Check the key and save it in the keychain"),
        )
        self.save_button.setDefault(True)
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self._submit)
        self.demo_button = named(
            QPushButton(self.tr("Try the demo")),
            "tryDemoButton",
            self.tr("Use the built-in simulator: no key, no cost"),
        )
        self.demo_button.clicked.connect(lambda: self.done(DEMO))
        self.demo_button.setVisible(allow_demo)
        self.remove_button = named(
            QPushButton(self.tr("Remove key")),
            "removeKeyButton",
            self.tr("Remove the stored key from the keychain"),
        )
        self.remove_button.clicked.connect(self.remove_requested.emit)
        self.remove_button.setVisible(replacing)
        self.cancel_button = named(
            QPushButton(self.tr("Cancel")), "cancelKeyButton", self.tr("Cancel")
        )
        self.cancel_button.clicked.connect(self.reject)

        row = QHBoxLayout()
        row.addWidget(self.key_edit, 1)
        row.addWidget(self.show_check)
        buttons = QHBoxLayout()
        buttons.addWidget(self.demo_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

    def _text_changed(self, text: str) -> None:
        self.save_button.setEnabled(bool(text.strip()))
        self.message.setText("")

    def _submit(self) -> None:
        key = self.key_edit.text().strip()
        if key:
            self.key_submitted.emit(key)

    def show_no_keychain(self) -> None:
        """No secure keychain: a key cannot be kept, so the dialog explains what to install and
        makes the demo its default action (the key field stays disabled)."""
        self.intro.setText(
            self.tr(
                "<b>No keychain found</b><br>leodesk keeps your API key only in your system "
                "keychain, and none is available here. Install and unlock one (on Linux GNOME "
                "Keyring or KWallet, e.g. <nobr><code>apt install gnome-keyring</code></nobr>), "
                "then start leodesk again."
            )
        )
        self.message.setStyleSheet("")
        self.message.setText(
            self.tr(
                "Meanwhile you can try the demo: the built-in simulator needs no key and bills "
                "nothing."
            )
        )
        for widget in (self.key_edit, self.show_check, self.save_button):
            widget.setEnabled(False)
        self.save_button.setDefault(False)
        self.demo_button.setVisible(True)
        self.demo_button.setDefault(True)
        self.demo_button.setFocus()

    def show_checking(self) -> None:
        self.message.setStyleSheet("")
        self.message.setText(self.tr("Checking the key with Leonardo…"))
        self.save_button.setEnabled(False)
        self.key_edit.setEnabled(False)

    def show_error(self, text: str) -> None:
        self.message.setStyleSheet("color: #e57373;")
        self.message.setText(text)
        self.key_edit.setEnabled(True)
        self.save_button.setEnabled(bool(self.key_edit.text().strip()))
        self.key_edit.setFocus()

    def done_ok(self, username: str | None) -> None:
        self.message.setStyleSheet("")
        self.message.setText(
            self.tr("Connected as {username}.").format(username=username)
            if username
            else self.tr("Connected.")
        )
        self.key_edit.clear()
        self.accept()
