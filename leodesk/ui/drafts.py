"""DraftsPane: the prompt form with draft tabs, so recalling never overwrites the work in progress.

Each tab holds a complete form state; switching tabs stores the form into the old tab and loads
the new one. "Recall all" opens a new tab. Closing the last tab is not possible.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QTabBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from leodesk.ui.form_prompt import PromptSection
from leodesk.ui.form_section import form_column
from leodesk.ui.widgets import named

if TYPE_CHECKING:  # the form loads after the first paint, behind FormShell
    from leodesk.ui.prompt_form import PromptForm


def _title(state: dict[str, Any], n: int) -> str:
    words = str(state.get("prompt") or "").split()
    text = " ".join(words[:3])
    return (
        (text[:22] + "…")
        if len(text) > 22
        else (text or QCoreApplication.translate("DraftsPane", "Draft {n}").format(n=n))
    )


def _saved_drafts(saved: dict[str, Any]) -> tuple[list[dict[str, Any]], int] | None:
    """The drafts of a saved form (see DraftsPane.snapshot), each without the list itself, and
    the one that was open (the first when the index is not one of them); None without drafts."""
    drafts = saved.get("drafts")
    if not isinstance(drafts, list):
        return None
    skip = ("drafts", "draft_index")
    states = [{k: v for k, v in d.items() if k not in skip} for d in drafts if isinstance(d, dict)]
    if not states:
        return None
    index = saved.get("draft_index")
    return states, index if isinstance(index, int) and 0 <= index < len(states) else 0


def _top_row() -> tuple[QTabBar, QToolButton, QToolButton, QHBoxLayout]:
    """The drafts' tab bar with the New draft and Presets buttons, in their row."""
    tabs = named(QTabBar(), "draftTabs", QCoreApplication.translate("DraftsPane", "Drafts"))
    tabs.setMovable(False)
    tabs.setExpanding(False)
    tabs.setDocumentMode(True)
    # The tabs scroll and elide rather than widen the pane (the Presets button sits beside).
    tabs.setUsesScrollButtons(True)
    tabs.setElideMode(Qt.TextElideMode.ElideRight)
    tabs.setMinimumWidth(48)
    new_button = named(
        QToolButton(),
        "newDraftButton",
        QCoreApplication.translate("DraftsPane", "New draft"),
        QCoreApplication.translate(
            "DraftsPane", "Start a new draft from the current settings (Ctrl+T)"
        ),
    )
    new_button.setText("+")
    # Its menu (presets and drafts) is set by the window once the library is there.
    presets_button = named(
        QToolButton(),
        "presetsMenuButton",
        QCoreApplication.translate("DraftsPane", "Presets and drafts"),
        QCoreApplication.translate(
            "DraftsPane", "Save the form as a preset, apply a preset, switch drafts"
        ),
    )
    presets_button.setText(QCoreApplication.translate("DraftsPane", "Presets") + " ▾")
    # The arrow is in the text: the style's own indicator crowds the label.
    presets_button.setStyleSheet("QToolButton::menu-indicator { image: none; width: 0; }")
    presets_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    top = QHBoxLayout()
    top.setContentsMargins(0, 0, 0, 0)
    top.addWidget(tabs, 1)
    top.addWidget(new_button)
    top.addWidget(presets_button)
    return tabs, new_button, presets_button, top


class DraftsPane(QWidget):
    """Signals: draft_changed(int index)."""

    draft_changed = Signal(int)

    def __init__(self, form: PromptForm, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("draftsPane")
        self.form = form
        self.tabs, self.new_button, self.presets_button, top = _top_row()
        self.new_button.clicked.connect(lambda: self.new_draft(None))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(top)
        layout.addWidget(form, 1)
        self._states: list[dict[str, Any]] = [form.state()]
        self._current = 0
        self.tabs.addTab(_title(self._states[0], 1))
        self.tabs.setTabsClosable(False)  # closable once there are two drafts
        self.tabs.currentChanged.connect(self._switch)
        self.tabs.tabCloseRequested.connect(self.close_draft)
        form.state_changed.connect(self._retitle)

    # -- drafts -------------------------------------------------------------------------------
    def count(self) -> int:
        return len(self._states)

    def current(self) -> int:
        return self._current

    def states(self) -> list[dict[str, Any]]:
        self._states[self._current] = self.form.state()
        return [dict(s) for s in self._states]

    def new_draft(self, changes: dict[str, Any] | None) -> int:
        """Open a new tab: the current settings, with ``changes`` applied on top."""
        self._states[self._current] = self.form.state()
        state = dict(self._states[self._current])
        state.update(changes or {})
        self._states.append(state)
        index = self.tabs.addTab(_title(state, len(self._states)))
        self.tabs.setTabsClosable(True)
        self.tabs.setCurrentIndex(index)  # → _switch loads it
        return index

    def close_draft(self, index: int) -> None:
        if len(self._states) <= 1 or not 0 <= index < len(self._states):
            return
        if index == self._current:
            self._states[self._current] = self.form.state()
        del self._states[index]
        self.tabs.blockSignals(True)
        self.tabs.removeTab(index)
        self.tabs.blockSignals(False)
        self._current = min(
            self._current if index > self._current else self._current - 1, len(self._states) - 1
        )
        self._current = max(0, self._current)
        self.tabs.setCurrentIndex(self._current)
        self.tabs.setTabsClosable(len(self._states) > 1)
        self.form.restore_state(self._states[self._current])
        self.draft_changed.emit(self._current)

    def _switch(self, index: int) -> None:
        if index < 0 or index == self._current or index >= len(self._states):
            return
        self._states[self._current] = self.form.state()
        self._current = index
        self.form.restore_state(self._states[index])
        self.draft_changed.emit(index)

    def _retitle(self) -> None:
        self.tabs.setTabText(
            self._current,
            _title({"prompt": self.form.prompt_edit.toPlainText()}, self._current + 1),
        )

    # -- persistence ----------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """The current form state plus every draft (stored as the settings' ``last_form``)."""
        states = self.states()
        current = dict(states[self._current])
        current["drafts"] = states
        current["draft_index"] = self._current
        return current

    def restore(self, saved: dict[str, Any]) -> None:
        if not isinstance(saved.get("drafts"), list) or not saved["drafts"]:
            self.form.restore_state(saved)
            self._states = [self.form.state()]
            self.tabs.setTabText(0, _title(self._states[0], 1))
            return
        found = _saved_drafts(saved)
        if found is None:
            return
        base = self.form.state()
        states = [{**base, **d} for d in found[0]]
        index = found[1]
        self.tabs.blockSignals(True)
        while self.tabs.count():
            self.tabs.removeTab(0)
        for n, s in enumerate(states, start=1):
            self.tabs.addTab(_title(s, n))
        self.tabs.setCurrentIndex(index)
        self.tabs.setTabsClosable(len(states) > 1)
        self.tabs.blockSignals(False)
        self._states = states
        self._current = index
        self.form.restore_state(states[index])


class FormShell(QWidget):
    """The form pane while the rest of the app loads: the drafts' row and the prompt section
    where :class:`DraftsPane` and :class:`~leodesk.ui.prompt_form.PromptForm` put them, with the
    saved drafts and prompt, so the prompt takes typing from the first moment. The form adopts
    the section (:meth:`adopt`): what was typed meanwhile stays."""

    def __init__(self, saved: dict[str, Any] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("formShell")
        saved = saved or {}
        self.tabs, new_button, presets_button, top = _top_row()
        states, index = _saved_drafts(saved) or ([saved], 0)
        for n, state in enumerate(states, start=1):
            self.tabs.addTab(_title(state, n))
        self.tabs.setCurrentIndex(index)
        current = states[index]
        for widget in (self.tabs, new_button, presets_button):
            widget.setEnabled(False)  # until the drafts are there
        form = QWidget()  # as in PromptForm: the prompt section at the top of the column
        _outer, _scroll, col = form_column(form)
        self.section = PromptSection()
        col.addWidget(self.section)
        col.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(top)
        layout.addWidget(form, 1)
        self._saved = (
            str(current.get("prompt") or ""),
            str(current.get("negative_prompt") or ""),
        )
        self.section.prompt_edit.setPlainText(self._saved[0])
        self.section.negative_prompt_edit.setPlainText(self._saved[1])
        # The helpers need the services: off until the form takes the section over.
        for button in (
            self.section.random_prompt_button,
            self.section.improve_prompt_button,
            self.section.history_button,
        ):
            button.setEnabled(False)
        self.typed: tuple[str, str] | None = None  # set by adopt() when the user typed

    def adopt(self) -> PromptSection:
        """The prompt section, for the form; remembers what was typed since it showed."""
        section = self.section
        now = (section.prompt_edit.toPlainText(), section.negative_prompt_edit.toPlainText())
        self.typed = now if now != self._saved else None
        section.history_button.setEnabled(True)  # the other two: the form's rules say
        return section
