"""The prompt history and the form presets for the widgets: read on the GUI thread (the
read-only connection), written on the database thread."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import QObject, Signal

from leodesk.core.library import Library, Preset, PresetError, PromptEntry
from leodesk.qt.backend import DB_WAIT, Backend
from leodesk.qt.errors import user_message
from leodesk.qt.workers import CancelToken


class HistoryService(QObject):
    """Signals: prompts_changed(), presets_changed(), failed(str message for the user)."""

    prompts_changed = Signal()
    presets_changed = Signal()
    failed = Signal(str)

    def __init__(self, backend: Backend, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._b = backend

    # -- reading (GUI thread) -------------------------------------------------------------------
    def prompts(self, query: str = "") -> list[PromptEntry]:
        return self._b.reader.prompt_history(query)

    def presets(self) -> list[Preset]:
        return self._b.reader.presets()

    def preset(self, name: str) -> Preset | None:
        return self._b.reader.preset(name)

    # -- writing (database thread) --------------------------------------------------------------
    def forget_prompt(self, entry_id: int) -> None:
        self._write(lambda lib: lib.forget_prompt(entry_id), self.prompts_changed)

    def save_preset(self, name: str, state: Mapping[str, Any]) -> None:
        saved = dict(state)
        self._write(lambda lib: lib.save_preset(name, saved), self.presets_changed)

    def rename_preset(self, old: str, new: str) -> None:
        self._write(lambda lib: lib.rename_preset(old, new), self.presets_changed)

    def delete_preset(self, name: str) -> None:
        self._write(lambda lib: lib.delete_preset(name), self.presets_changed)

    def _write(self, fn: Callable[[Library], Any], done: Any) -> None:
        future = self._b.db(fn)

        def job(token: CancelToken) -> None:
            future.result(DB_WAIT)

        def fail(exc: BaseException) -> None:
            self.failed.emit(str(exc) if isinstance(exc, PresetError) else user_message(exc))

        self._b.pools.submit(job, on_result=lambda _r: done.emit(), on_error=fail, name="history")
