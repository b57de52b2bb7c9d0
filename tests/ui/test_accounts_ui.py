"""Several accounts in the app: add one through its dialog, the badge, switching, a queued job
that stays with its account, removing one. Two simulators over HTTP, each accepting only its own
account's key; the keys live in the real keychain."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
)

from leodesk.core import paths
from leodesk.core.accounts import Registry
from leodesk.core.instance import APP_ROLE, ProfileLock
from leodesk.runtime import start as start_runtime
from leodesk.sim import SimServer
from tests.helpers.keychain import RealKeychain
from tests.helpers.two_accounts import two_sims
from tests.ui.helpers import (
    Apps,
    child,
    fast_polls,
    retype,
    shown_records,
    submit_prompt,
    type_text,
    wait_idle,
    wait_models,
)

KEY_A = "key-of-the-default-account"
KEY_B = "key-of-the-work-account"


@pytest.fixture
def sims() -> Iterator[tuple[SimServer, SimServer]]:
    with two_sims(KEY_A, KEY_B, seeds=(3, 4)) as pair:
        yield pair


class Current:
    """The window of the account that runs now (switching makes a new one, and deletes the old
    one: so the windows are not handed to qtbot, and :meth:`close` ends the last one)."""

    def __init__(self, qtbot: Any, apps: Apps, runtime: Any) -> None:
        from leodesk.app import Launcher
        from leodesk.ui.main_window import MainWindow

        self.apps = apps
        window = MainWindow(demo=runtime.demo)
        launcher = Launcher(window, demo=runtime.demo, runtime=runtime)
        window.launcher = launcher
        apps.launchers.append(launcher)
        window.show()
        qtbot.waitExposed(window)
        launcher.start()
        fast_polls(launcher)
        self.window = window
        launcher.switched.connect(self._switched)

    def close(self) -> None:
        self.window.launcher.shutdown()
        self.window.close()
        self.window.deleteLater()

    def _switched(self, launcher: Any) -> None:
        self.apps.launchers.append(launcher)
        launcher.window.launcher = launcher
        fast_polls(launcher)
        self.window = launcher.window
        launcher.switched.connect(self._switched)


def _api_keys(sim: SimServer) -> set[str]:
    api = [r for r in sim.requests if not r.path.startswith(("/cdn/", "/s3/"))]
    return {r.headers.get("authorization", "") for r in api}


def _prompts_sent(sim: SimServer) -> list[str]:
    return [
        r.json.get("prompt", "")
        for r in sim.requests
        if r.method == "POST" and r.path == "/generations" and isinstance(r.json, dict)
    ]


def _choose_from_badge(qtbot: Any, window: Any, name: str) -> list[str]:
    """Click the account badge, then the entry ``name`` in the menu it opens; the entries."""
    badge = window.accounts_link.badge
    assert badge.isVisible()
    seen: list[str] = []

    def pick() -> None:
        menu = next(
            (
                w
                for w in QApplication.topLevelWidgets()
                if isinstance(w, QMenu) and w.objectName() == "accountBadgeMenu" and w.isVisible()
            ),
            None,
        )
        if menu is None:
            QTimer.singleShot(50, pick)
            return
        seen.extend(a.text() for a in menu.actions() if not a.isSeparator())
        target = next((a for a in menu.actions() if a.text() == name), None)
        if target is None:
            menu.close()
            return
        qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(target).center())

    QTimer.singleShot(50, pick)
    qtbot.mouseClick(badge, Qt.MouseButton.LeftButton)
    return seen


def _gallery_prompts(window: Any) -> set[str]:
    return {r.prompt for r in shown_records(window)}


def test_accounts_add_switch_queue_and_remove(
    qtbot: Any,
    apps: Apps,
    sims: tuple[SimServer, SimServer],
    real_keychain: RealKeychain,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_keychain.put(KEY_A)  # the default account's key, as before there were accounts
    monkeypatch.setenv("LEODESK_API_URL", sims[0].base_url)
    now = Current(qtbot, apps, start_runtime())
    try:
        _flow(qtbot, now, sims, real_keychain, monkeypatch)
    finally:
        now.close()


def _visible_windows() -> list[Any]:
    from leodesk.ui.main_window import MainWindow

    return [
        w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()
    ]


def _flow(
    qtbot: Any,
    now: Current,
    sims: tuple[SimServer, SimServer],
    real_keychain: RealKeychain,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a, b = sims
    w = now.window
    wait_models(qtbot, w)
    assert w.accounts_link.badge.text() == "Default ▾"
    submit_prompt(qtbot, w, "a fox of the default account", num_images=1)
    qtbot.waitUntil(lambda: "a fox of the default account" in _gallery_prompts(w), timeout=20000)

    # Account ▸ Add account…: a taken name is refused in the dialog, with the reason.
    w.accounts_link.add_action.trigger()
    qtbot.waitUntil(lambda: w.launcher.add_dialog is not None, timeout=5000)
    dialog = w.launcher.add_dialog
    name_edit = child(dialog, QLineEdit, "accountNameEdit")
    add_button = child(dialog, QPushButton, "addAccountButton")
    message = child(dialog, QLabel, "accountMessage")
    key_edit = child(dialog, QLineEdit, "accountKeyEdit")
    type_text(qtbot, name_edit, "DEFAULT")
    type_text(qtbot, key_edit, "a-wrong-key")
    assert "already an account named 'Default'" in message.text()
    assert not add_button.isEnabled()
    # The Work account's API is the test's second server from here on.
    monkeypatch.setenv("LEODESK_API_URL", b.base_url)
    # A key the API refuses: said in the dialog, nothing added, what was typed kept.
    retype(qtbot, name_edit, "Work")
    assert message.text() == "" and add_button.isEnabled()
    qtbot.mouseClick(add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: "key" in message.text().lower() and add_button.isEnabled(), timeout=10000
    )
    assert name_edit.text() == "Work"
    assert Registry(paths.resolve()).names() == ["Default"]
    assert real_keychain.store == {real_keychain.entry: KEY_A}
    retype(qtbot, key_edit, KEY_B)
    qtbot.mouseClick(add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: now.window is not w, timeout=20000)

    # The app now runs on Work: its badge, its (empty) gallery, its key in the keychain.
    work = now.window
    wait_models(qtbot, work)
    assert work.accounts_link.badge.text() == "Work ▾"
    assert _visible_windows() == [work]
    svc = real_keychain.service
    assert real_keychain.store == {(svc, "default"): KEY_A, (svc, "account-work"): KEY_B}
    assert _gallery_prompts(work) == set()
    checked = [act.text() for act in work.accounts_link.account_actions if act.isChecked()]
    assert checked == ["Work"]
    submit_prompt(qtbot, work, "a bird of the work account", num_images=1)
    qtbot.waitUntil(lambda: "a bird of the work account" in _gallery_prompts(work), timeout=20000)

    # A job queued under Work (queue paused), then a switch to Default from the badge.
    pause = child(work, QPushButton, "pauseQueueButton")
    qtbot.mouseClick(pause, Qt.MouseButton.LeftButton)
    submit_prompt(qtbot, work, "queued under work")
    qtbot.waitUntil(lambda: "queued" in work.ctx.queue.states(), timeout=10000)
    wait_idle(qtbot, work)
    monkeypatch.setenv("LEODESK_API_URL", a.base_url)
    assert _choose_from_badge(qtbot, work, "Default") == ["Default", "Work", "Add &account…"]
    qtbot.waitUntil(lambda: now.window is not work, timeout=20000)
    default = now.window
    wait_models(qtbot, default)
    assert default.accounts_link.badge.text() == "Default ▾"
    assert _gallery_prompts(default) == {"a fox of the default account"}
    assert "queued" not in default.ctx.queue.states()  # Work's queue stayed in Work's library
    qtbot.wait(1500)  # Default's queue runs: Work's job must not go out with Default's key
    assert "queued under work" not in _prompts_sent(a)
    assert _api_keys(a) == {f"Bearer {KEY_A}"}

    # Work open in another leodesk process: the switch is refused and Default runs on.
    wait_idle(qtbot, default)
    base = paths.resolve()
    elsewhere = ProfileLock(Registry(base).get("Work").paths(base).data, APP_ROLE, server="x")
    assert elsewhere.try_acquire()
    try:
        _choose_from_badge(qtbot, default, "Work")
        qtbot.waitUntil(
            lambda: "open in another leodesk window" in default.statusBar().currentMessage(),
            timeout=5000,
        )
        assert now.window is default and default.isVisible()
        assert Registry(base).current().name == "Default"  # not remembered: it did not happen
        checked = [act.text() for act in default.accounts_link.account_actions if act.isChecked()]
        assert checked == ["Default"]
    finally:
        elsewhere.release()

    # Back on Work: the job is still there, and resuming sends it with Work's key.
    monkeypatch.setenv("LEODESK_API_URL", b.base_url)
    _choose_from_badge(qtbot, default, "Work")
    qtbot.waitUntil(lambda: now.window is not default, timeout=20000)
    work = now.window
    wait_models(qtbot, work)
    assert _gallery_prompts(work) == {"a bird of the work account"}
    qtbot.waitUntil(lambda: "queued" in work.ctx.queue.states(), timeout=10000)
    qtbot.mouseClick(child(work, QPushButton, "pauseQueueButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "queued under work" in _gallery_prompts(work), timeout=20000)
    assert _prompts_sent(b).count("queued under work") == 1
    assert _api_keys(b) == {f"Bearer {KEY_B}", "Bearer a-wrong-key"}  # that one: on /me only
    assert {r.path for r in b.requests if "a-wrong-key" in r.headers.get("authorization", "")} == {
        "/me"
    }
    assert "queued under work" not in _prompts_sent(a)
    assert Registry(paths.resolve()).current().name == "Work"  # remembered for the next start

    # Remove Work with its library, from Default (the account it runs on is switched first).
    wait_idle(qtbot, work)
    monkeypatch.setenv("LEODESK_API_URL", a.base_url)
    work_dirs = Registry(paths.resolve()).library_dirs(Registry(paths.resolve()).get("Work"))
    work.accounts_link.remove_action.trigger()
    qtbot.waitUntil(lambda: work.launcher.remove_dialog is not None, timeout=10000)
    remove = work.launcher.remove_dialog
    assert child(remove, QComboBox, "removeAccountCombo").currentText() == "Work"
    box = child(remove, QCheckBox, "deleteLibraryCheck")
    assert "(2 images)" in box.text()
    assert (
        "switches to the Default account first" in child(remove, QLabel, "removeAccountText").text()
    )
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(
        child(remove, QPushButton, "confirmRemoveAccountButton"), Qt.MouseButton.LeftButton
    )
    qtbot.waitUntil(lambda: now.window is not work, timeout=20000)
    last = now.window
    qtbot.waitUntil(
        lambda: [x.text() for x in last.accounts_link.account_actions] == ["Default"], timeout=10000
    )
    assert all(not d.exists() for d in work_dirs)
    assert real_keychain.store == {(svc, "default"): KEY_A}
    assert last.accounts_link.badge.text() == "Default ▾"
    assert "Work removed" in last.statusBar().currentMessage()
    wait_models(qtbot, last)
    wait_idle(qtbot, last)


def test_the_demo_lists_the_accounts_and_leaves_for_one(
    qtbot: Any,
    apps: Apps,
    sim: Any,
    sims: tuple[SimServer, SimServer],
    real_keychain: RealKeychain,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from leodesk.core import secrets
    from tests.conftest import SIM_KEY
    from tests.ui.helpers import sim_runtime

    b = sims[1]
    work = Registry(paths.resolve()).add("Work")
    secrets.set_api_key(KEY_B, work.keychain_entry)
    monkeypatch.setenv("LEODESK_API_URL", b.base_url)
    now = Current(qtbot, apps, sim_runtime(sim, demo=True))
    try:
        demo = now.window
        wait_models(qtbot, demo)
        link = demo.accounts_link
        assert demo.demo_badge.isVisible() and not link.badge.isVisible()
        assert [(x.text(), x.isChecked()) for x in link.account_actions] == [
            ("Default", False),
            ("Work", False),
        ]
        wait_idle(qtbot, demo)
        link.account_actions[1].trigger()  # Account ▸ Work
        qtbot.waitUntil(lambda: now.window is not demo, timeout=20000)
        real = now.window
        wait_models(qtbot, real)
        assert not real.demo and not real.demo_badge.isVisible()
        assert real.accounts_link.badge.text() == "Work ▾"
        assert real.windowTitle() == "leodesk"
        assert _api_keys(b) == {f"Bearer {KEY_B}"}
        assert _api_keys(sim) == {f"Bearer {SIM_KEY}"}
        # The demo wrote nothing to the keychain: only the key stored for Work is there.
        assert real_keychain.store == {(real_keychain.service, "account-work"): KEY_B}
        wait_idle(qtbot, real)
    finally:
        now.close()


def test_rename_the_account_the_app_runs_on(
    qtbot: Any,
    apps: Apps,
    sims: tuple[SimServer, SimServer],
    real_keychain: RealKeychain,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a = sims[0]
    real_keychain.put(KEY_A)
    registry = Registry(paths.resolve())
    registry.add("Work")
    monkeypatch.setenv("LEODESK_API_URL", a.base_url)
    now = Current(qtbot, apps, start_runtime())
    try:
        w = now.window
        wait_models(qtbot, w)
        w.accounts_link.rename_action.trigger()  # Account ▸ Rename account…
        qtbot.waitUntil(lambda: w.launcher.rename_dialog is not None, timeout=5000)
        dialog = w.launcher.rename_dialog
        edit = child(dialog, QLineEdit, "renameAccountEdit")
        ok = child(dialog, QPushButton, "confirmRenameAccountButton")
        message = child(dialog, QLabel, "renameAccountMessage")
        assert edit.text() == "Default" and not ok.isEnabled()
        retype(qtbot, edit, "work")
        assert message.text() == "There is already an account named 'Work'."
        assert not ok.isEnabled()
        retype(qtbot, edit, "Personal")
        assert message.text() == "" and ok.isEnabled()
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: w.launcher.rename_dialog is None, timeout=5000)
        assert w.accounts_link.badge.text() == "Personal ▾"
        assert [x.text() for x in w.accounts_link.account_actions] == ["Personal", "Work"]
        assert registry.names() == ["Personal", "Work"]
        assert registry.current().paths(registry.base) == registry.base  # the same library
        assert real_keychain.store == {real_keychain.entry: KEY_A}  # the same key entry
        wait_idle(qtbot, w)
    finally:
        now.close()
