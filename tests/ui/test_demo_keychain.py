"""The demo runs on the simulator's own key: the app never reads or writes the keychain."""

from __future__ import annotations

from typing import Any

import keyring
from PySide6.QtWidgets import QDialog

from tests.ui.helpers import Apps, sim_runtime, wait_models


class _Recording(keyring.backend.KeyringBackend):
    priority = 10  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    def get_password(self, service: str, username: str) -> str | None:
        self.calls.append("get")
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        self.calls.append("set")

    def delete_password(self, service: str, username: str) -> None:
        self.calls.append("delete")


keyring.backend.KeyringBackend._classes.discard(_Recording)  # type: ignore[attr-defined]


def test_the_demo_app_never_touches_the_keychain(qtbot: Any, apps: Apps, sim: Any) -> None:
    spy = _Recording()
    previous = keyring.get_keyring()
    keyring.set_keyring(spy)
    try:
        window = apps.start(sim_runtime(sim, demo=True))
        wait_models(qtbot, window)
        assert not window.key_action.isEnabled()
        # Even asked directly (a stale shortcut, a script), the demo refuses to change keys.
        window.launcher.change_key()
        assert window.findChild(QDialog, "keyDialog") is None
        assert "simulator's own key" in window.statusBar().currentMessage()
    finally:
        keyring.set_keyring(previous)
    assert spy.calls == []
