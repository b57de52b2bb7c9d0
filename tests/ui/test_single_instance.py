"""One app per profile, as a user meets it.

* ``leodesk picture.png`` while the app runs on the profile: the second process exits at once
  saying it handed over; the running app opens the picture in a canvas and comes forward.
* What the running app cannot take (not a picture, a bad message) is said, nothing else changes.
* Real processes: the demo app and the app on the real profile run side by side; ``leodesk --demo
  gen`` beside the demo app refuses and writes nothing; an app killed with SIGKILL leaves its
  lock and socket behind, and the next launch clears them and starts normally.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage
from PySide6.QtNetwork import QLocalSocket
from PySide6.QtWidgets import QDialog, QPushButton

from leodesk.core import paths
from leodesk.core.instance import APP_ROLE, ProfileLock, server_name
from leodesk.qt.instance import HANDED_OVER, second_launch
from tests.conftest import REPO, SIM_KEY
from tests.ui.helpers import child, sim_runtime, wait_models

pytestmark = pytest.mark.timeout(120)


def _picture(path: Path, w: int, h: int) -> Path:
    image = QImage(w, h, QImage.Format.Format_RGB32)
    image.fill(0x3366AA)
    assert image.save(str(path))
    return path


def _env(**extra: str) -> dict[str, str]:
    return dict(os.environ, QT_QPA_PLATFORM="offscreen", **extra)


# -- in this process: the running app, a real second launch ------------------------------------
def test_a_second_launch_opens_its_picture_in_the_running_app(
    qtbot: Any, apps: Any, sim: Any, tmp_path: Path
) -> None:
    runtime = sim_runtime(sim)
    window = apps.start(runtime, idle_before_close=True)
    launcher = window.launcher
    assert launcher.serve(runtime.paths)  # as main() does after the first paint
    window.showMinimized()
    qtbot.waitUntil(window.isMinimized)
    _picture(tmp_path / "harbour.png", 320, 200)
    (tmp_path / "notes.txt").write_text("not a picture")

    started = time.monotonic()
    second = subprocess.Popen(
        [sys.executable, "-m", "leodesk", "harbour.png", "notes.txt"],  # relative to its folder
        cwd=tmp_path,
        env=_env(PYTHONPATH=str(REPO)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    qtbot.waitUntil(lambda: second.poll() is not None, timeout=30000)  # the app answers meanwhile
    out, err = second.communicate()
    assert second.returncode == 0, err
    assert out.strip() == f"{HANDED_OVER} (opening 2 file(s))"
    assert time.monotonic() - started < 15

    qtbot.waitUntil(lambda: len(launcher.window.canvas_link.canvases) == 1)
    canvas = window.canvas_link.canvases[0][0]
    try:
        assert canvas.isVisible()
        assert canvas.doc.size() == QSize(320, 200)
        assert canvas.windowTitle().startswith("harbour.png — ")
        assert window.statusBar().currentMessage() == ("Not a picture leodesk can open: notes.txt")
        assert not window.isMinimized()  # brought forward
    finally:
        canvas.close()


def _ask(qtbot: Any, name: str, raw: bytes) -> bytes:
    """Send ``raw`` to the server ``name`` without blocking this thread (the app answers on it);
    the answer line."""
    sock = QLocalSocket()
    sock.connectToServer(name)
    qtbot.waitUntil(lambda: sock.state() == QLocalSocket.LocalSocketState.ConnectedState)
    sock.write(raw)
    answer = bytearray()

    def answered() -> bool:
        answer.extend(bytes(sock.readAll().data()))
        return b"\n" in answer

    qtbot.waitUntil(answered)
    sock.abort()
    return bytes(answer)


def test_a_message_the_app_cannot_take_is_answered_with_the_reason(
    qtbot: Any, apps: Any, sim: Any
) -> None:
    runtime = sim_runtime(sim)
    window = apps.start(runtime, idle_before_close=True)
    assert window.launcher.serve(runtime.paths)
    name = server_name(runtime.paths.data)

    newer = _ask(qtbot, name, b'{"version": 2, "kind": "open", "files": ["/x.png"]}\n')
    assert b'"ok": false' in newer
    assert b"version 1 of the hand-over, not 2" in newer
    garbage = _ask(qtbot, name, b"GET / HTTP/1.0\r\n\r\n")
    assert b'"ok": false' in garbage and b"not a leodesk message" in garbage
    assert window.canvas_link.canvases == []  # nothing opened
    # The app still answers a good message afterwards.
    good = _ask(qtbot, name, b'{"version": 1, "kind": "open", "files": []}\n')
    assert b'"ok": true' in good


def _try_the_demo(qtbot: Any, window: Any) -> None:
    qtbot.waitUntil(lambda: window.findChild(QDialog, "keyDialog") is not None, timeout=10000)
    dialog = window.findChild(QDialog, "keyDialog")
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    qtbot.mouseClick(child(dialog, QPushButton, "tryDemoButton"), Qt.MouseButton.LeftButton)
    # closed, or gone with its window (the demo opens in a window of its own)
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog) or not dialog.isVisible(), timeout=5000)


def test_try_the_demo_takes_the_demo_profile_or_says_where_it_is_open(
    qtbot: Any, apps: Any, sim: Any, real_keychain: Any
) -> None:
    demo_data = paths.resolve().profile("demo").ensure().data
    elsewhere = ProfileLock(demo_data, APP_ROLE, server=server_name(demo_data))
    assert elsewhere.try_acquire()  # another app runs the demo
    try:
        window = apps.start(sim_runtime(sim, demo=False))
        _try_the_demo(qtbot, window)
        assert not window.demo_badge.isVisible()
        assert window.launcher.runtime.demo is False  # nothing switched, nothing started
        assert window.statusBar().currentMessage() == (
            "The demo is already open in another leodesk window: use that one."
        )
        assert window.key_action.isEnabled()  # a key can still be given
    finally:
        elsewhere.release()

    # The demo profile free: the demo takes it in a window of its own, and a demo launch hands
    # over to that window; the account's profile is let go with the account's window
    # (`leodesk` starts an app of its own).
    runtime = sim_runtime(sim, demo=False)
    window = apps.start(runtime)
    assert window.launcher.serve(runtime.paths)  # as main() does
    assert not ProfileLock(runtime.paths.data, "test").try_acquire()
    _try_the_demo(qtbot, window)
    window = apps.switched_from(window)
    assert window.demo_badge.isVisible()
    holder = ProfileLock(demo_data, "test").holder()
    assert holder is not None and holder.pid == os.getpid() and holder.is_app
    account = ProfileLock(runtime.paths.data, "test")
    assert account.try_acquire()
    account.release()
    answer = _ask(qtbot, server_name(demo_data), b'{"version": 1, "kind": "open", "files": []}\n')
    assert b'"ok": true' in answer
    window.showMinimized()
    qtbot.waitUntil(window.isMinimized)
    _ask(qtbot, server_name(demo_data), b'{"version": 1, "kind": "open", "files": []}\n')
    qtbot.waitUntil(lambda: not window.isMinimized())
    wait_models(qtbot, window)


# -- what a second launch says when it cannot hand over -----------------------------------------
def test_a_command_writing_the_library_is_named_at_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    cli = ProfileLock(data, "sync")
    assert cli.try_acquire()
    try:
        started = time.monotonic()
        outcome = second_launch(ProfileLock(data, APP_ROLE, server="x"), [], demo=False)
        assert time.monotonic() - started < 1.0
        assert outcome.code == 1 and outcome.lock is None
        assert outcome.message == (
            f"the command “leodesk sync” (process {os.getpid()}) is writing this profile's "
            "library; start the app again when it has finished"
        )
    finally:
        cli.release()


_READ_THE_BOX = r"""
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

app = QApplication(["leodesk"])

def look():
    boxes = [w for w in app.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    if not boxes:
        QTimer.singleShot(50, look)
        return
    print("box:", boxes[0].text(), flush=True)
    boxes[0].accept()  # as the user does

QTimer.singleShot(50, look)
from leodesk.app import main
code = main()
windows = [w.objectName() for w in app.topLevelWidgets() if w.objectName() == "mainWindow"]
print("windows:", windows, flush=True)
sys.exit(code)
"""


def test_the_app_launched_beside_a_writing_command_says_so_in_a_dialog() -> None:
    """A user starting the app from a menu sees why it does not open (and the terminal too)."""
    data = paths.resolve().data
    cli = ProfileLock(data, "sync")
    assert cli.try_acquire()
    try:
        r = subprocess.run(
            [sys.executable, "-c", _READ_THE_BOX],
            cwd=REPO,
            env=_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        cli.release()
    said = (
        f"the command “leodesk sync” (process {os.getpid()}) is writing this profile's "
        "library; start the app again when it has finished"
    )
    assert r.returncode == 1, r.stderr
    assert f"box: T{said[1:]}." in r.stdout.splitlines()
    assert "windows: []" in r.stdout.splitlines()  # no window was made
    assert f"leodesk: {said}" in r.stderr.splitlines()


def test_an_app_that_does_not_answer_is_said_after_a_while(tmp_path: Path) -> None:
    data = tmp_path / "data"
    name = server_name(data)
    hung = ProfileLock(data, APP_ROLE, server=name)  # holds the profile, listens nowhere
    assert hung.try_acquire()
    try:
        started = time.monotonic()
        outcome = second_launch(ProfileLock(data, APP_ROLE, server=name), [], demo=False, wait_s=1)
        assert time.monotonic() - started >= 1.0
        assert outcome.code == 1 and outcome.lock is None
        assert outcome.message == (
            f"leodesk is running on this profile (process {os.getpid()}) but does not answer; "
            "close it (or end that process) and start again"
        )
    finally:
        hung.release()


def test_an_app_that_goes_away_meanwhile_leaves_the_profile_to_the_launch(tmp_path: Path) -> None:
    data = tmp_path / "data"
    name = server_name(data)
    closing = ProfileLock(data, APP_ROLE, server=name)
    assert closing.try_acquire()
    threading.Timer(0.5, closing.release).start()
    lock = ProfileLock(data, APP_ROLE, server=name)
    outcome = second_launch(lock, [], demo=False, wait_s=10)
    try:
        assert outcome.code == 0 and outcome.lock is lock and lock.held
    finally:
        lock.release()


# -- real processes -----------------------------------------------------------------------------
class Gui:
    """``python -m leodesk ARGS`` (offscreen); its output goes to a file shown on failure."""

    def __init__(self, args: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.out = log_dir / f"gui-{time.monotonic_ns()}.out"
        with self.out.open("wb") as sink:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "leodesk", *args],
                cwd=REPO,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return self.out.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=30)


def _wait(cond: Callable[[], bool], what: str, gui: Gui | None = None, timeout: float = 40) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if gui is not None and gui.proc.poll() is not None:
            pytest.fail(f"the app exited ({gui.proc.returncode}) before {what}\n{gui.output()}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}" + (f"\n{gui.output()}" if gui else ""))
        time.sleep(0.1)


def _holder_pid(data: Path) -> int | None:
    lock = ProfileLock(data, "test")
    holder = lock.holder()
    return holder.pid if holder is not None and holder.is_app else None


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "leodesk", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _generations(db: Path) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM generations").fetchone()[0])


@pytest.fixture
def guis() -> Iterator[list[Gui]]:
    started: list[Gui] = []
    try:
        yield started
    finally:
        for gui in started:
            gui.stop()


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_real_apps_per_profile_side_by_side_refusing_cli_and_a_killed_one_cleared(
    sim: Any, tmp_path: Path, guis: list[Gui]
) -> None:
    base = paths.resolve()
    demo = base.profile("demo")
    log_file = base.log_file
    env = _env(LEODESK_API_URL=sim.base_url, LEONARDO_API_KEY=SIM_KEY)
    harbour = _picture(tmp_path / "harbour.png", 320, 200)
    lighthouse = _picture(tmp_path / "lighthouse.png", 200, 300)

    # The demo app; a second demo launch hands its picture over and ends.
    first = Gui(["--demo"], env, tmp_path)
    guis.append(first)
    _wait(lambda: _holder_pid(demo.data) == first.proc.pid, "the demo app holds its profile", first)
    r = _run(["--demo", str(harbour)], env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"{HANDED_OVER} (opening 1 file(s))"
    _wait(
        lambda: f"opened {harbour} in a canvas (320 × 200)" in log_file.read_text(),
        "the demo app opened the picture",
        first,
    )

    # A command writing the demo library beside the demo app: refused; nothing written.
    _wait(lambda: demo.library_db.exists(), "the demo library", first)
    before = _generations(demo.library_db)
    out_dir = tmp_path / "out"
    r = _run(["--demo", "gen", "a lighthouse", "--out", str(out_dir)], env)
    assert r.returncode == 1
    assert r.stderr.strip() == (
        f"leodesk: leodesk is running on this profile (process {first.proc.pid}); add the job "
        "from the app, or close it first"
    )
    assert not out_dir.exists() or not any(out_dir.iterdir())
    assert _generations(demo.library_db) == before
    # Reading it is fine.
    assert _run(["--demo", "search", "--json"], env).returncode == 0

    # The real profile is another: its app starts beside the demo one and takes its own hand-over.
    real = Gui([], env, tmp_path)
    guis.append(real)
    _wait(lambda: _holder_pid(base.data) == real.proc.pid, "the real app holds its profile", real)
    assert _holder_pid(demo.data) == first.proc.pid
    r = _run([str(lighthouse)], env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"{HANDED_OVER} (opening 1 file(s))"
    _wait(
        lambda: f"opened {lighthouse} in a canvas (200 × 300)" in log_file.read_text(),
        "the real app opened the picture",
        real,
    )
    assert first.proc.poll() is None and real.proc.poll() is None

    # SIGKILL: the demo app's lock record and its socket stay behind.
    old_pid = first.proc.pid
    first.proc.send_signal(signal.SIGKILL)
    first.proc.wait(timeout=30)
    assert _holder_pid(demo.data) == old_pid
    again = Gui(["--demo"], env, tmp_path)
    guis.append(again)
    _wait(lambda: _holder_pid(demo.data) == again.proc.pid, "the new demo app", again)
    cleared = f"cleared the stale lock of app (process {old_pid}): it ended without closing"
    _wait(lambda: cleared in log_file.read_text(), "the stale lock said cleared", again)
    # ... and it listens where the dead one did: a launch hands over to it.
    r = _run(["--demo"], env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"{HANDED_OVER} (coming forward)"
    assert again.proc.poll() is None, again.output()
