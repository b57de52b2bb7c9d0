"""The "Presets and drafts" menu beside the draft tabs: save the form as a named preset, apply
one (into this draft, keeping the prompt, or in a new draft), rename or delete it; and the
drafts (switch, new, close).

A preset is the whole form but the image slots (see :mod:`leodesk.core.library.history`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMenu, QMessageBox, QWidget

from leodesk.core.library import Preset, PresetError
from leodesk.core.library.history import clean_preset_name
from leodesk.ui.widgets import confirm_delete, named

if TYPE_CHECKING:
    from leodesk.qt.history import HistoryService
    from leodesk.ui.drafts import DraftsPane

_PROMPTS = ("prompt", "negative_prompt")


def ask_preset_name(parent: QWidget, title: str, text: str, error: str) -> str | None:
    """The name typed in a named dialog (None: cancelled); ``error`` says what was wrong with
    the last try, above the field."""
    dialog = named(QInputDialog(parent), "presetNameDialog", title)
    dialog.setWindowTitle(title)
    dialog.setInputMode(QInputDialog.InputMode.TextInput)
    label = QCoreApplication.translate("PresetsMenu", "Preset name:")
    dialog.setLabelText(f"{error}\n\n{label}" if error else label)
    dialog.setTextValue(text)
    dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
    for edit in dialog.findChildren(QLineEdit):
        named(edit, "presetNameEdit", QCoreApplication.translate("PresetsMenu", "Preset name"))
    accepted = dialog.exec() == QInputDialog.DialogCode.Accepted
    text = dialog.textValue()
    dialog.deleteLater()
    return text if accepted else None


class PresetsMenu(QMenu):
    """Built afresh each time it opens. Signals: message(str) for the status bar."""

    message = Signal(str)

    def __init__(self, drafts: DraftsPane, store: HistoryService) -> None:
        super().__init__(drafts)
        named(self, "presetsMenu", QCoreApplication.translate("PresetsMenu", "Presets and drafts"))
        self.drafts = drafts
        self.store = store
        self.aboutToShow.connect(self.rebuild)
        store.failed.connect(self.message.emit)

    def rebuild(self) -> None:
        self.clear()
        self.addSection(QCoreApplication.translate("PresetsMenu", "Presets"))
        save = self._action(
            QCoreApplication.translate("PresetsMenu", "Save form as preset…"),
            "savePresetAction",
            self.save_current,
        )
        save.setToolTip(
            QCoreApplication.translate(
                "PresetsMenu", "Model, size and every option, elements included (not the images)"
            )
        )
        presets = self.store.presets()
        for n, preset in enumerate(presets):
            self._preset_menu(n, preset)
        if not presets:
            hint = self.addAction(QCoreApplication.translate("PresetsMenu", "No presets yet"))
            hint.setObjectName("noPresetsAction")
            hint.setEnabled(False)
        self.addSection(QCoreApplication.translate("PresetsMenu", "Drafts"))
        for n in range(self.drafts.count()):
            act = self._action(
                self.drafts.tabs.tabText(n), f"draftAction{n}", lambda _c=False, i=n: self._go(i)
            )
            act.setCheckable(True)
            act.setChecked(n == self.drafts.current())
        self._action(
            QCoreApplication.translate("PresetsMenu", "New draft"),
            "newDraftAction",
            lambda: self.drafts.new_draft(None),
        )
        close = self._action(
            QCoreApplication.translate("PresetsMenu", "Close this draft"),
            "closeDraftAction",
            lambda: self.drafts.close_draft(self.drafts.current()),
        )
        close.setEnabled(self.drafts.count() > 1)

    def _action(self, text: str, name: str, slot: Callable[..., Any], menu: Any = None) -> QAction:
        act = (menu or self).addAction(text)
        act.setObjectName(name)
        act.triggered.connect(slot)
        return act

    def _preset_menu(self, n: int, preset: Preset) -> None:
        sub = named((QMenu(preset.name.replace("&", "&&"), self)), f"presetMenu{n}", preset.name)
        sub.menuAction().setObjectName(f"presetMenuAction{n}")
        self.addMenu(sub)
        name = preset.name
        entries: list[tuple[str, str, Callable[[], None]] | None] = [
            (
                QCoreApplication.translate("PresetsMenu", "Apply"),
                "applyPresetAction",
                lambda: self.apply(name),
            ),
            (
                QCoreApplication.translate("PresetsMenu", "Apply, keeping my prompt"),
                "applyPresetKeepPromptAction",
                lambda: self.apply(name, keep_prompt=True),
            ),
            (
                QCoreApplication.translate("PresetsMenu", "Open in a new draft"),
                "presetNewDraftAction",
                lambda: self.apply_new(name),
            ),
            None,
            (
                QCoreApplication.translate("PresetsMenu", "Rename…"),
                "renamePresetAction",
                lambda: self.rename(name),
            ),
            (
                QCoreApplication.translate("PresetsMenu", "Delete…"),
                "deletePresetAction",
                lambda: self.delete(name),
            ),
        ]
        for entry in entries:
            if entry is None:
                sub.addSeparator()
            else:
                self._action(*entry, sub)

    def _go(self, index: int) -> None:
        self.drafts.tabs.setCurrentIndex(index)

    # -- presets --------------------------------------------------------------------------------
    def _state(self, name: str) -> dict[str, Any] | None:
        preset = self.store.preset(name)
        if preset is None:
            self.message.emit(
                QCoreApplication.translate("PresetsMenu", "The preset “{name}” is gone").format(
                    name=name
                )
            )
            return None
        return dict(preset.state)

    def apply(self, name: str, *, keep_prompt: bool = False) -> None:
        state = self._state(name)
        if state is None:
            return
        if keep_prompt:
            for key in _PROMPTS:
                state.pop(key, None)
        self.drafts.form.restore_state(state)
        self.message.emit(
            QCoreApplication.translate("PresetsMenu", "Applied the preset “{name}”").format(
                name=name
            )
        )

    def apply_new(self, name: str) -> None:
        state = self._state(name)
        if state is not None:
            self.drafts.new_draft(state)
            self.message.emit(
                QCoreApplication.translate(
                    "PresetsMenu", "Opened the preset “{name}” in a new draft"
                ).format(name=name)
            )

    def _ask(self, title: str, text: str, taken: Callable[[str], str | None]) -> str | None:
        """A usable name, asked again (with the reason) until it is one or the user cancels."""
        error = ""
        while True:
            typed = ask_preset_name(self.drafts, title, text, error)
            if typed is None:
                return None
            text = typed
            try:
                name = clean_preset_name(typed)
            except PresetError as exc:
                error = str(exc)
                continue
            other = taken(name)
            if other is None:
                return name
            error = QCoreApplication.translate(
                "PresetsMenu", "There is already a preset named “{name}”"
            ).format(name=other)

    def save_current(self) -> None:
        state = self.drafts.form.state()
        name = self._ask(
            QCoreApplication.translate("PresetsMenu", "Save as preset"), "", self._kept_preset
        )
        if name is not None:
            self.store.save_preset(name, state)
            self.message.emit(
                QCoreApplication.translate("PresetsMenu", "Saved the preset “{name}”").format(
                    name=name
                )
            )

    def _kept_preset(self, name: str) -> str | None:
        """None when ``name`` is free or its preset may be replaced, else the kept name."""
        existing = self.store.preset(name)
        if existing is None:
            return None
        box = QMessageBox(
            QMessageBox.Icon.Question,
            QCoreApplication.translate("PresetsMenu", "Replace preset"),
            QCoreApplication.translate(
                "PresetsMenu", "Replace the preset “{name}” with the current form?"
            ).format(name=existing.name),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self.drafts,
        )
        named(
            box, "presetReplaceDialog", QCoreApplication.translate("PresetsMenu", "Replace preset")
        )
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        replace = box.exec() == QMessageBox.StandardButton.Yes
        box.deleteLater()
        return None if replace else existing.name

    def rename(self, old: str) -> None:
        def taken(new: str) -> str | None:
            found = self.store.preset(new)
            return found.name if found is not None and found.name != old else None

        new = self._ask(QCoreApplication.translate("PresetsMenu", "Rename preset"), old, taken)
        if new is not None and new != old:
            self.store.rename_preset(old, new)
            self.message.emit(
                QCoreApplication.translate("PresetsMenu", "Renamed the preset to “{name}”").format(
                    name=new
                )
            )

    def delete(self, name: str) -> None:
        question = QCoreApplication.translate(
            "PresetsMenu", "Delete the preset “{name}”? Drafts and images are not touched."
        )
        if confirm_delete(
            self.drafts,
            QCoreApplication.translate("PresetsMenu", "Delete preset"),
            question.format(name=name),
            "presetDeleteDialog",
        ):
            self.store.delete_preset(name)
            self.message.emit(
                QCoreApplication.translate("PresetsMenu", "Deleted the preset “{name}”").format(
                    name=name
                )
            )
