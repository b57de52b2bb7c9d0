"""The dialogs of Account ▸ Add account… and Account ▸ Remove account….

They only collect and report: the key check, the keychain and the folders are the app's work,
which answers through :meth:`AddAccountDialog.show_checking`, :meth:`~AddAccountDialog.show_error`
and :meth:`~AddAccountDialog.done_ok`.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from leodesk.core.accounts import MAX_NAME, Account, AccountError, check_name
from leodesk.ui.key_input import key_input
from leodesk.ui.widgets import named

ERROR_STYLE = "color: #e57373;"


class AddAccountDialog(QDialog):
    """A name and a Production API key. Signal: submitted(name, key)."""

    submitted = Signal(str, str)

    def __init__(self, existing: list[Account], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "addAccountDialog", self.tr("Add account"))
        self.setWindowTitle(self.tr("leodesk — Add account"))
        self.setMinimumWidth(520)
        self._existing = existing
        intro = QLabel(
            self.tr(
                "<b>Add a Leonardo.Ai account</b><br>It gets its own library, settings and queue. "
                "Its key is checked with the API, then kept only in your system keychain."
            )
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        self.name_edit = named(QLineEdit(), "accountNameEdit", self.tr("Account name"))
        self.name_edit.setMaxLength(MAX_NAME + 10)  # longer is said, not cut silently
        self.name_edit.setPlaceholderText(self.tr("e.g. Work"))
        self.name_edit.textChanged.connect(self._changed)
        self.key_edit, self.show_key = key_input(
            "accountKeyEdit", "showAccountKeyButton", self._changed, self._submit
        )
        self.message = named(QLabel(""), "accountMessage", self.tr("Account check result"))
        self.message.setWordWrap(True)
        self.add_button = named(
            QPushButton(self.tr("Check and add")),
            "addAccountButton",
            self.tr("Check the key, add the account and switch to it"),
        )
        self.add_button.setDefault(True)
        self.add_button.setEnabled(False)
        self.add_button.clicked.connect(self._submit)
        self.cancel_button = named(
            QPushButton(self.tr("Cancel")), "cancelAddAccountButton", self.tr("Cancel")
        )
        self.cancel_button.clicked.connect(self.reject)

        key_row = QHBoxLayout()
        key_row.addWidget(self.key_edit, 1)
        key_row.addWidget(self.show_key)
        form = QFormLayout()
        name_label = QLabel(self.tr("&Name:"))
        name_label.setBuddy(self.name_edit)
        key_label = QLabel(self.tr("API &key:"))
        key_label.setBuddy(self.key_edit)
        form.addRow(name_label, self.name_edit)
        form.addRow(key_label, key_row)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

    def name_problem(self) -> str | None:
        """Why the name typed cannot be used (``None``: it can)."""
        try:
            check_name(self.name_edit.text(), self._existing)
        except AccountError as exc:
            return exc.user_message
        return None

    def _changed(self) -> None:
        name = self.name_edit.text()
        problem = self.name_problem() if name.strip() else None
        self._show(problem or "", error=bool(problem))
        self.add_button.setEnabled(
            bool(name.strip()) and problem is None and bool(self.key_edit.text().strip())
        )

    def _show(self, text: str, *, error: bool) -> None:
        self.message.setStyleSheet(ERROR_STYLE if error else "")
        self.message.setText(text)

    def _submit(self) -> None:
        problem = self.name_problem()
        key = self.key_edit.text().strip()
        if problem is not None:
            self.show_error(problem)
            self.name_edit.setFocus()
            return
        if key:
            self.submitted.emit(" ".join(self.name_edit.text().split()), key)

    def show_checking(self) -> None:
        self._show(self.tr("Checking the key with Leonardo…"), error=False)
        for w in (self.add_button, self.name_edit, self.key_edit):
            w.setEnabled(False)

    def show_error(self, text: str) -> None:
        """A refusal: said, and everything typed is kept to correct."""
        self._show(text, error=True)
        self.name_edit.setEnabled(True)
        self.key_edit.setEnabled(True)
        self.add_button.setEnabled(
            self.name_problem() is None and bool(self.key_edit.text().strip())
        )
        self.key_edit.setFocus()

    def done_ok(self) -> None:
        self.key_edit.clear()
        self.accept()


class RemoveAccountDialog(QDialog):
    """Which account to remove, and whether its library goes too. Signal: confirmed(name, bool)."""

    confirmed = Signal(str, bool)

    def __init__(
        self,
        removable: list[Account],
        current: str | None,
        images: dict[str, int],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        named(self, "removeAccountDialog", self.tr("Remove account"))
        self.setWindowTitle(self.tr("leodesk — Remove account"))
        self.setMinimumWidth(480)
        self._images = images
        self._current = current
        self.combo = named(QComboBox(), "removeAccountCombo", self.tr("Account to remove"))
        for acct in removable:
            self.combo.addItem(acct.name)
        if current is not None and self.combo.findText(current) >= 0:
            self.combo.setCurrentText(current)
        self.combo.currentTextChanged.connect(self._update)
        self.explain = named(QLabel(""), "removeAccountText", self.tr("What removing does"))
        self.explain.setWordWrap(True)
        self.delete_library = named(
            QCheckBox(""), "deleteLibraryCheck", self.tr("Also delete the account's library")
        )
        self.delete_library.toggled.connect(lambda _on: self._update())
        self.remove_button = named(
            QPushButton(self.tr("Remove")), "confirmRemoveAccountButton", self.tr("Remove account")
        )
        self.remove_button.setAutoDefault(False)
        self.remove_button.clicked.connect(self._confirm)
        self.cancel_button = named(
            QPushButton(self.tr("Cancel")), "cancelRemoveAccountButton", self.tr("Cancel")
        )
        self.cancel_button.setDefault(True)
        self.cancel_button.clicked.connect(self.reject)
        form = QFormLayout()
        form.addRow(self.tr("&Account:"), self.combo)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.explain)
        layout.addWidget(self.delete_library)
        layout.addLayout(buttons)
        self._update()

    def _update(self) -> None:
        name = self.combo.currentText()
        count = self._images.get(name, -1)
        if count == 1:
            text = self.tr("Also delete its library (1 image), settings and queue")
        elif count >= 0:
            text = self.tr("Also delete its library ({count} images), settings and queue").format(
                count=f"{count:,}"
            )
        else:
            text = self.tr("Also delete its library, settings and queue")
        self.delete_library.setText(text)
        said = self.tr(
            "Remove the account {name}? Its API key leaves the keychain. Its library stays on "
            "this computer (found again if you add an account of that name) unless you tick "
            "the box below."
        ).format(name=name)
        if name == self._current:
            said += " " + self.tr("leodesk switches to the Default account first.")
        if self.delete_library.isChecked():
            said += " " + self.tr("<b>Deleting the library cannot be undone.</b>")
        self.explain.setText(said)
        self.remove_button.setEnabled(bool(name))

    def _confirm(self) -> None:
        name = self.combo.currentText()
        if name:
            self.confirmed.emit(name, self.delete_library.isChecked())
            self.accept()


class RenameAccountDialog(QDialog):
    """A new name for the account ``current``. Signal: submitted(new name)."""

    submitted = Signal(str)

    def __init__(
        self, current: Account, existing: list[Account], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        named(self, "renameAccountDialog", self.tr("Rename account"))
        self.setWindowTitle(self.tr("leodesk — Rename account"))
        self.setMinimumWidth(420)
        self._others = [a for a in existing if a.slug != current.slug]
        self._current = current.name
        self.name_edit = named(QLineEdit(current.name), "renameAccountEdit", self.tr("New name"))
        self.name_edit.setMaxLength(MAX_NAME + 10)
        self.name_edit.selectAll()
        self.name_edit.textChanged.connect(self._changed)
        self.name_edit.returnPressed.connect(self._submit)
        self.message = named(QLabel(""), "renameAccountMessage", self.tr("Why the name is refused"))
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        self.ok_button = named(
            QPushButton(self.tr("Rename")), "confirmRenameAccountButton", self.tr("Rename")
        )
        self.ok_button.setDefault(True)
        self.ok_button.setEnabled(False)
        self.ok_button.clicked.connect(self._submit)
        self.cancel_button = named(
            QPushButton(self.tr("Cancel")), "cancelRenameAccountButton", self.tr("Cancel")
        )
        self.cancel_button.clicked.connect(self.reject)
        form = QFormLayout()
        form.addRow(self.tr("&Name:"), self.name_edit)
        note = QLabel(self.tr("Its library, settings, queue and key stay as they are."))
        note.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.ok_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

    def _problem(self) -> str | None:
        try:
            check_name(self.name_edit.text(), self._others)
        except AccountError as exc:
            return exc.user_message
        return None

    def _changed(self) -> None:
        problem = self._problem()
        self.message.setText(problem or "")
        same = " ".join(self.name_edit.text().split()) == self._current
        self.ok_button.setEnabled(problem is None and not same)

    def _submit(self) -> None:
        if self.ok_button.isEnabled():
            self.submitted.emit(" ".join(self.name_edit.text().split()))

    def show_error(self, text: str) -> None:
        self.message.setText(text)
