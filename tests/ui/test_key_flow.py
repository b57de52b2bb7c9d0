"""First run without a key: the key dialog, the environment key, the demo, removing the key."""

from __future__ import annotations

import threading
from typing import Any

import keyring
import pytest
from keyring.backend import KeyringBackend
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QPlainTextEdit, QPushButton

from leodesk.core import secrets
from tests.conftest import SIM_KEY
from tests.helpers.memkeyring import MemoryKeyring, PlaintextLikeKeyring
from tests.ui.helpers import (
    Apps,
    child,
    fast_polls,
    replace_text,
    sim_runtime,
    submit_prompt,
    wait_idle,
    wait_models,
)


def _key_dialog(qtbot: Any, window: Any) -> Any:
    qtbot.waitUntil(lambda: window.findChild(QDialog, "keyDialog") is not None, timeout=10000)
    dialog = window.findChild(QDialog, "keyDialog")
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    return dialog


def _type_key(qtbot: Any, dialog: Any, key: str) -> None:
    replace_text(qtbot, child(dialog, QLineEdit, "apiKeyEdit"), key)


def _attached(qtbot: Any, window: Any) -> None:
    wait_models(qtbot, window)
    qtbot.waitUntil(lambda: window.balance_label.text().endswith("credits"), timeout=10000)


def _me_calls(sim: Any, key: str) -> list[Any]:
    return [
        r
        for r in sim.requests
        if r.method == "GET"
        and r.path == "/me"
        and r.headers.get("authorization") == f"Bearer {key}"
    ]


def test_first_run_wrong_key_then_right_key(
    qtbot: Any, apps: Apps, sim: Any, real_keychain: Any
) -> None:
    window = apps.start(sim_runtime(sim, demo=False))
    dialog = _key_dialog(qtbot, window)
    assert window.browser is None  # nothing opens before there is a key
    save = child(dialog, QPushButton, "saveKeyButton")
    message = child(dialog, QLabel, "keyMessage")
    assert child(dialog, QPushButton, "tryDemoButton").isVisible()
    assert not child(dialog, QPushButton, "removeKeyButton").isVisible()
    assert not save.isEnabled()  # nothing typed yet

    _type_key(qtbot, dialog, "not-the-key")
    assert save.isEnabled()
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "rejected" in message.text(), timeout=10000)
    assert message.text() == "The API key was rejected. Check it in the settings."
    assert dialog.isVisible()
    assert save.isEnabled()  # the user can try again at once
    assert child(dialog, QLineEdit, "apiKeyEdit").isEnabled()
    assert real_keychain.store == {}
    # It was the server that said no.
    assert [r.status for r in _me_calls(sim, "not-the-key")] == [401]
    assert window.browser is None

    _type_key(qtbot, dialog, SIM_KEY)
    assert message.text() == ""  # typing clears the old error
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10000)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert real_keychain.store == {real_keychain.entry: SIM_KEY}

    _attached(qtbot, window)
    assert window.account_label.text() == "leodesk-sim"
    assert window.balance_label.text() == f"{sim.state.credits:,} credits"
    assert window.connection_label.text() == "Connected"
    assert not window.demo_badge.isVisible()
    assert window.key_action.isEnabled()
    assert window.windowTitle() == "leodesk"


class _SlowKeychain(MemoryKeyring):
    """A keychain that answers only when the test says so (a locked keychain's prompt, a slow
    D-Bus): the window must not wait for it to show the library."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key
        self.asked = threading.Event()
        self.answer = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        self.asked.set()
        self.answer.wait(20)
        return self.key


KeyringBackend._classes.discard(_SlowKeychain)  # type: ignore[attr-defined]  # see memkeyring


def test_the_library_shows_and_takes_typing_while_the_keychain_is_read(
    qtbot: Any, apps: Apps, sim: Any, real_keychain: Any
) -> None:
    slow = _SlowKeychain(SIM_KEY)
    keyring.set_keyring(slow)  # real_keychain puts the real backend back afterwards
    try:
        window = apps.start(sim_runtime(sim, demo=False))
        qtbot.waitUntil(slow.asked.is_set, timeout=10000)
        # the keychain has not answered: the gallery and the prompt are there, and take input
        assert window.gallery is not None and window.gallery.isVisible()
        prompt = window.findChild(QPlainTextEdit, "promptEdit")
        assert prompt is not None and prompt.isVisible()
        QTest.keyClicks(prompt, "a lighthouse")
        assert prompt.toPlainText() == "a lighthouse"
        # what talks to the account waits for its key: no request has gone out, and Sync
        # library says it cannot go yet (greyed out, not a button that does nothing)
        assert window.browser is None and window.findChild(QDialog, "keyDialog") is None
        assert _me_calls(sim, SIM_KEY) == []
        assert not window.gallery_pane.sync_button.isEnabled()
    finally:
        slow.answer.set()
    _attached(qtbot, window)  # then the services come, with the key the keychain gave
    assert window.account_label.text() == "leodesk-sim"
    assert window.gallery_pane.sync_button.isEnabled()
    assert _me_calls(sim, SIM_KEY)
    # what was typed meanwhile is in the real form
    assert window.form.prompt_edit.toPlainText() == "a lighthouse"
    wait_idle(qtbot, window)


def test_thumbnails_that_could_not_download_without_a_key_come_once_it_is_given(
    qtbot: Any, apps: Apps, make_sim: Any, real_keychain: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The library shows before there is a key; its pictures not in the cache cannot download
    then. Once the key is given they are asked for again and come (not left as placeholders)."""
    import shutil

    from leodesk.qt.models.gallery_model import RECORD_ROLE
    from tests.ui.helpers import fast_sync, sync_library

    sim = make_sim(seed=5, seed_generations=4)
    monkeypatch.setenv(secrets.ENV_KEY, SIM_KEY)  # a first session with the key: a sync
    first = apps.start(sim_runtime(sim, demo=False))
    _attached(qtbot, first)
    fast_sync(first)
    sync_library(qtbot, first)
    qtbot.waitUntil(lambda: first.gallery.model().rowCount() > 0, timeout=10000)
    wait_idle(qtbot, first)
    thumbs_dir = first.launcher.runtime.paths.thumbs
    assert any(thumbs_dir.rglob("*"))
    apps.shutdown_all()
    shutil.rmtree(thumbs_dir)  # they must download again
    monkeypatch.delenv(secrets.ENV_KEY)

    window = apps.start(sim_runtime(sim, demo=False))  # no key anywhere now
    dialog = _key_dialog(qtbot, window)
    model = window.gallery.model()
    assert model.rowCount() > 0  # the library shows behind the dialog
    thumbs = window.launcher.gallery.thumbs
    keys = [model.thumb_key(model.index(r, 0).data(RECORD_ROLE)) for r in range(model.rowCount())]
    # no key: no download (each picture asked for failed)
    qtbot.waitUntil(lambda: any(thumbs.is_failed(k) for k in keys), timeout=10000)
    failed = [k for k in keys if thumbs.is_failed(k)]
    _type_key(qtbot, dialog, SIM_KEY)
    qtbot.mouseClick(child(dialog, QPushButton, "saveKeyButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10000)
    _attached(qtbot, window)
    # asked for again, they come
    qtbot.waitUntil(
        lambda: all(window.ctx.thumbs.pixmap(k) is not None for k in failed), timeout=10000
    )
    assert not any(window.ctx.thumbs.is_failed(k) for k in failed)
    wait_idle(qtbot, window)


def test_cancelled_first_run_then_key_from_the_account_menu(
    qtbot: Any, apps: Apps, sim: Any, real_keychain: Any
) -> None:
    window = apps.start(sim_runtime(sim, demo=False))
    first = _key_dialog(qtbot, window)
    assert first.isModal()  # the window waits for an answer
    qtbot.mouseClick(child(first, QPushButton, "cancelKeyButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not first.isVisible(), timeout=5000)
    assert window.connection_label.text() == "Offline"
    assert "No API key" in window.statusBar().currentMessage()
    assert window.browser is None
    assert window.key_action.isEnabled()

    window.key_action.trigger()  # Account → API key…
    qtbot.waitUntil(lambda: len(window.findChildren(QDialog, "keyDialog")) == 2, timeout=5000)
    second = window.findChildren(QDialog, "keyDialog")[-1]
    qtbot.waitUntil(second.isVisible, timeout=5000)
    _type_key(qtbot, second, SIM_KEY)
    QTest.keyClick(child(second, QLineEdit, "apiKeyEdit"), Qt.Key.Key_Return)  # Enter submits
    qtbot.waitUntil(lambda: not second.isVisible(), timeout=10000)
    assert real_keychain.store == {real_keychain.entry: SIM_KEY}
    _attached(qtbot, window)
    assert window.account_label.text() == "leodesk-sim"


def test_environment_key_skips_the_dialog_and_stores_nothing(
    qtbot: Any, apps: Apps, sim: Any, real_keychain: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(secrets.ENV_KEY, SIM_KEY)
    window = apps.start(sim_runtime(sim, demo=False))
    _attached(qtbot, window)
    assert window.findChild(QDialog, "keyDialog") is None
    assert window.account_label.text() == "leodesk-sim"
    assert real_keychain.store == {}
    assert _me_calls(sim, SIM_KEY)


def test_try_the_demo_runs_on_its_own_simulator(
    qtbot: Any, apps: Apps, sim: Any, real_keychain: Any
) -> None:
    window = apps.start(sim_runtime(sim, demo=False))
    dialog = _key_dialog(qtbot, window)
    assert not window.demo_badge.isVisible()
    account_gallery = window.gallery
    assert account_gallery is not None  # the account's library showed while the key was read
    qtbot.mouseClick(child(dialog, QPushButton, "tryDemoButton"), Qt.MouseButton.LeftButton)
    # the demo opens in a window of its own; the account's closes
    window = apps.switched_from(window)
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: window.gallery is not None, timeout=10000)
    assert window.gallery is not account_gallery
    assert window.demo_badge.isVisible()
    assert window.windowTitle() == "leodesk — Demo"
    assert not window.key_action.isEnabled()  # no key to change in the demo
    launcher = window.launcher
    demo_sim = launcher.runtime.sim
    assert demo_sim is not None and demo_sim.base_url != sim.base_url
    _attached(qtbot, window)
    fast_polls(launcher)
    assert window.connection_label.text() == "Demo"
    assert window.account_label.text() == "leodesk-sim"
    assert real_keychain.store == {}

    # A generation runs on the in-process simulator, not on the test's.
    submit_prompt(qtbot, window, "a paper boat on a puddle", num_images=1)

    def accepted() -> bool:
        posts = [r for r in demo_sim.requests if r.path == "/generations" and r.method == "POST"]
        return len(posts) == 1 and posts[0].status == 200

    qtbot.waitUntil(accepted, timeout=10000)
    demo_sim.complete_all()  # no need to wait out the demo's generation time
    qtbot.waitUntil(lambda: window.gallery.model().rowCount() == 1, timeout=10000)
    assert sim.count("POST", "/generations") == 0
    assert sim.count("GET", "/platformModels") == 0


def test_remove_key_from_the_account_menu(
    qtbot: Any, apps: Apps, sim: Any, real_keychain: Any
) -> None:
    real_keychain.put(SIM_KEY)
    window = apps.start(sim_runtime(sim, demo=False))
    _attached(qtbot, window)
    assert window.findChild(QDialog, "keyDialog") is None

    # Account → API key…
    action = window.key_action
    account_menu = next(
        a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == "Account"
    )
    assert action in account_menu.actions()
    assert action.isEnabled()
    action.trigger()
    dialog = _key_dialog(qtbot, window)
    assert not child(dialog, QPushButton, "tryDemoButton").isVisible()
    remove = child(dialog, QPushButton, "removeKeyButton")
    assert remove.isVisible()

    qtbot.mouseClick(remove, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10000)
    assert real_keychain.store == {}
    assert window.statusBar().currentMessage() == "API key removed from the keychain."

    # Removing again: the dialog says there was nothing to remove.
    action.trigger()
    qtbot.waitUntil(
        lambda: (
            len(window.findChildren(QDialog, "keyDialog")) == 2
            and window.findChildren(QDialog, "keyDialog")[-1].isVisible()
        ),
        timeout=5000,
    )
    again = window.findChildren(QDialog, "keyDialog")[-1]
    qtbot.mouseClick(child(again, QPushButton, "removeKeyButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not again.isVisible(), timeout=10000)
    assert window.statusBar().currentMessage() == "No API key was stored."


def test_a_removed_key_is_no_longer_used(
    qtbot: Any, apps: Apps, sim: Any, real_keychain: Any
) -> None:
    real_keychain.put(SIM_KEY)
    window = apps.start(sim_runtime(sim, demo=False))
    _attached(qtbot, window)
    window.key_action.trigger()
    dialog = _key_dialog(qtbot, window)
    qtbot.mouseClick(child(dialog, QPushButton, "removeKeyButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: real_keychain.store == {}, timeout=10000)
    # what the user sees confirms it (the app has dropped its client by then)
    qtbot.waitUntil(lambda: "removed" in window.statusBar().currentMessage(), timeout=10000)
    wait_idle(qtbot, window)
    used = len(_me_calls(sim, SIM_KEY))

    window.refresh_action.trigger()  # Account → Refresh account and models
    qtbot.waitUntil(
        lambda: len(_me_calls(sim, SIM_KEY)) > used or window.connection_label.text() == "Offline",
        timeout=10000,
    )
    wait_idle(qtbot, window)  # the model refresh too: closing while it runs would block
    assert len(_me_calls(sim, SIM_KEY)) == used  # the removed key never goes out again
    assert "No API key" in window.connection_label.toolTip()


@pytest.mark.parametrize("backend", ["none", "plaintext"])
def test_no_keychain_says_so_and_offers_the_demo(
    qtbot: Any, apps: Apps, sim: Any, real_keychain: Any, backend: str
) -> None:
    # "none": keyring's fail backend, what it picks where no Secret Service runs (a bundle started
    # outside a desktop session); "plaintext": a backend that would keep the key in a file.
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring() if backend == "none" else PlaintextLikeKeyring())
    window = apps.start(sim_runtime(sim, demo=False))
    dialog = _key_dialog(qtbot, window)
    intro = child(dialog, QLabel, "keyIntro")
    qtbot.waitUntil(lambda: "No keychain found" in intro.text(), timeout=10000)
    assert "apt install gnome-keyring" in intro.text()
    assert "try the demo" in child(dialog, QLabel, "keyMessage").text()
    # A key could not be kept, so none is asked for: the demo is the way on.
    assert not child(dialog, QLineEdit, "apiKeyEdit").isEnabled()
    assert not child(dialog, QPushButton, "saveKeyButton").isEnabled()
    demo = child(dialog, QPushButton, "tryDemoButton")
    assert demo.isVisible() and demo.isDefault() and demo.hasFocus()
    assert window.browser is None

    QTest.keyClick(demo, Qt.Key.Key_Return)  # Enter takes the default: the demo
    window = apps.switched_from(window)  # the demo's own window
    assert window.demo_badge.isVisible()
    _attached(qtbot, window)
    assert window.connection_label.text() == "Demo"
    assert real_keychain.store == {}
    assert _me_calls(sim, SIM_KEY) == []  # the test's simulator (the real API) was never asked


def test_insecure_keychain_refuses_a_key_from_the_account_menu(
    qtbot: Any, apps: Apps, sim: Any, real_keychain: Any
) -> None:
    insecure = PlaintextLikeKeyring()
    keyring.set_keyring(insecure)  # real_keychain puts the previous backend back afterwards
    window = apps.start(sim_runtime(sim, demo=False))
    first = _key_dialog(qtbot, window)
    qtbot.waitUntil(lambda: not child(first, QLineEdit, "apiKeyEdit").isEnabled(), timeout=10000)
    qtbot.mouseClick(child(first, QPushButton, "cancelKeyButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not first.isVisible(), timeout=5000)

    window.key_action.trigger()  # Account → API key…: a key typed anyway is refused
    qtbot.waitUntil(lambda: len(window.findChildren(QDialog, "keyDialog")) == 2, timeout=5000)
    dialog = window.findChildren(QDialog, "keyDialog")[-1]
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    message = child(dialog, QLabel, "keyMessage")
    _type_key(qtbot, dialog, SIM_KEY)
    qtbot.mouseClick(child(dialog, QPushButton, "saveKeyButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "No secure keychain" in message.text(), timeout=10000)
    assert message.text() == secrets.INSTALL_HINT
    assert dialog.isVisible()
    assert insecure.store == {} and real_keychain.store == {}
    assert _me_calls(sim, SIM_KEY) == []  # refused before the key left the machine
    assert window.browser is None
