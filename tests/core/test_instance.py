"""The profile lock: one writer per profile, across real processes; a lock left by a killed
process is cleared; the pid-file stand-in; the hand-over message."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from leodesk.core import paths as paths_mod
from leodesk.core.instance import (
    APP_ROLE,
    MAX_MESSAGE_BYTES,
    PID_FILE,
    PROTOCOL_VERSION,
    UNREADABLE_PID_FILE_S,
    Holder,
    MessageError,
    ProfileBusy,
    ProfileLock,
    decode_open,
    decode_reply,
    encode_open,
    encode_reply,
    server_name,
    writer_lock,
)
from tests.conftest import REPO

_HOLD = r"""
import sys, time
from pathlib import Path
from leodesk.core.instance import ProfileLock

lock = ProfileLock(Path(sys.argv[1]), sys.argv[2], server="srv", mode=sys.argv[3])
assert lock.try_acquire()
print("held", flush=True)
time.sleep(60)
"""


def _holder_process(data: Path, role: str, mode: str = "flock") -> subprocess.Popen[str]:
    """A real process holding ``data``'s lock for ``role`` (it prints ``held`` once it does)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(data), role, mode],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "held"
    return proc


def _kill(proc: subprocess.Popen[str]) -> None:
    proc.kill()
    proc.wait(timeout=10)
    if proc.stdout is not None:
        proc.stdout.close()


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(timeout=30)
    return proc.pid


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "profile" / "data"


def test_another_process_holding_the_profile_keeps_this_one_out(data: Path) -> None:
    proc = _holder_process(data, "sync")
    try:
        lock = ProfileLock(data, APP_ROLE)
        assert not lock.try_acquire()
        assert not lock.held
        holder = lock.holder()
        assert holder is not None
        assert (holder.pid, holder.role, holder.server) == (proc.pid, "sync", "srv")
        assert not holder.is_app
    finally:
        _kill(proc)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_lock_left_by_a_killed_process_is_cleared(data: Path) -> None:
    proc = _holder_process(data, APP_ROLE)
    _kill(proc)  # SIGKILL: it never let go; its record is still there
    assert json.loads((data / "instance.json").read_text())["pid"] == proc.pid
    lock = ProfileLock(data, "gen")
    assert lock.try_acquire()
    try:
        assert lock.stale is not None and lock.stale.pid == proc.pid
        now = lock.holder()
        assert now is not None and (now.pid, now.role) == (os.getpid(), "gen")
    finally:
        lock.release()
    assert not (data / "instance.json").exists()


def test_released_lock_can_be_taken_again_and_by_another_process(data: Path) -> None:
    first = ProfileLock(data, APP_ROLE)
    assert first.try_acquire()
    second = ProfileLock(data, "sync")
    assert not second.try_acquire()  # flock: even another handle in the same process waits
    first.release()
    assert second.try_acquire()
    second.release()
    r = subprocess.run(
        [sys.executable, "-c", _HOLD.replace("time.sleep(60)", ""), str(data), "gen", "flock"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert r.returncode == 0 and r.stdout.strip() == "held", r.stderr


def test_profiles_are_independent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEODESK_HOME", str(tmp_path / "home"))
    base = paths_mod.resolve().ensure()
    demo = base.profile("demo").ensure()
    real_lock = ProfileLock(base.data, APP_ROLE)
    demo_lock = ProfileLock(demo.data, APP_ROLE)
    try:
        assert real_lock.try_acquire() and demo_lock.try_acquire()
    finally:
        real_lock.release()
        demo_lock.release()
    assert server_name(base.data) != server_name(demo.data)
    assert server_name(demo.data) == server_name(Path(str(demo.data) + "/.")), "same folder"
    assert len(server_name(base.data)) < 40  # room in a Unix socket path


def test_a_cli_writer_never_waits_for_the_app(data: Path) -> None:
    app = ProfileLock(data, APP_ROLE, server="s")
    assert app.try_acquire()
    try:
        started = time.monotonic()
        with pytest.raises(ProfileBusy) as caught:
            writer_lock(data, "gen", wait=5.0)
        assert time.monotonic() - started < 2.0
        assert str(caught.value) == (
            f"leodesk is running on this profile (process {os.getpid()}); add the job from "
            "the app, or close it first"
        )
    finally:
        app.release()


def test_a_cli_writer_waits_briefly_for_another_then_says_which(data: Path) -> None:
    proc = _holder_process(data, "sync")
    try:
        started = time.monotonic()
        with pytest.raises(ProfileBusy) as caught:
            writer_lock(data, "gen", wait=0.5)
        assert time.monotonic() - started >= 0.5
        assert str(caught.value) == (
            f"another leodesk command (`leodesk sync`, process {proc.pid}) is writing this "
            "profile's library; run this one when it has finished"
        )
    finally:
        _kill(proc)


def test_a_record_naming_a_dead_app_is_not_trusted(data: Path) -> None:
    """The moment between a new holder's lock and its record: the old record names an app
    that is gone; a writer does not take it for the running app and waits as for any other."""
    proc = _holder_process(data, "sync")
    try:
        (data / "instance.json").write_text(Holder(pid=_dead_pid(), role=APP_ROLE).to_json())
        lock = ProfileLock(data, "gen")
        assert lock.holder() is not None and lock.live_holder() is None
        started = time.monotonic()
        with pytest.raises(ProfileBusy):
            writer_lock(data, "gen", wait=0.5)
        assert time.monotonic() - started >= 0.5  # waited: not refused as beside the app
    finally:
        _kill(proc)


def test_a_cli_writer_goes_on_when_the_other_finishes_within_the_wait(data: Path) -> None:
    other = ProfileLock(data, "sync")
    assert other.try_acquire()
    threading.Timer(0.3, other.release).start()
    lock = writer_lock(data, "gen", wait=5.0)
    try:
        holder = lock.holder()
        assert holder is not None and holder.role == "gen"
    finally:
        lock.release()


# -- the pid-file stand-in (a file system that takes no lock) ------------------------------------
def test_pid_file_of_a_dead_process_is_cleared(data: Path) -> None:
    data.mkdir(parents=True)
    dead = _dead_pid()
    (data / PID_FILE).write_text(Holder(pid=dead, role=APP_ROLE).to_json())
    lock = ProfileLock(data, "sync", mode="pidfile")
    assert lock.try_acquire()
    assert lock.stale is not None and lock.stale.pid == dead
    assert json.loads((data / PID_FILE).read_text())["pid"] == os.getpid()
    lock.release()
    assert not (data / PID_FILE).exists()


def test_pid_file_of_a_live_process_keeps_others_out(data: Path) -> None:
    proc = _holder_process(data, APP_ROLE, mode="pidfile")
    try:
        lock = ProfileLock(data, "sync", mode="pidfile")
        assert not lock.try_acquire()
        holder = lock.holder()
        assert holder is not None and holder.pid == proc.pid and holder.is_app
    finally:
        _kill(proc)
    # Killed: its pid file stays, names a process that is gone, and is cleared.
    assert (data / PID_FILE).exists()
    assert lock.try_acquire()
    assert lock.stale is not None and lock.stale.pid == proc.pid
    lock.release()


@pytest.mark.skipif(sys.platform == "win32", reason="flock")
def test_a_file_system_that_takes_no_lock_gets_the_pid_file(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import fcntl

    def no_locks(fd: int, op: int) -> None:
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)  # as on some network file systems
    lock = ProfileLock(data, APP_ROLE)
    assert lock.try_acquire()
    try:
        assert lock.mode == "pidfile"
        assert json.loads((data / PID_FILE).read_text())["pid"] == os.getpid()
        other = ProfileLock(data, "sync")
        assert not other.try_acquire()  # falls back the same way, and sees this one
        assert other.mode == "pidfile"
    finally:
        lock.release()
    assert not (data / PID_FILE).exists()


def test_unreadable_pid_file_waits_until_it_is_old(data: Path) -> None:
    data.mkdir(parents=True)
    path = data / PID_FILE
    path.write_text("")  # someone is writing it right now
    lock = ProfileLock(data, "sync", mode="pidfile")
    assert not lock.try_acquire()
    old = time.time() - UNREADABLE_PID_FILE_S - 1
    os.utime(path, (old, old))  # ... or died before writing it
    assert lock.try_acquire()
    lock.release()


# -- the hand-over message ----------------------------------------------------------------------
def test_open_message_round_trip() -> None:
    raw = encode_open(["/pictures/a.png", "/pictures/ü b.jpg"], demo=True)
    assert raw.endswith(b"\n") and raw.count(b"\n") == 1
    assert json.loads(raw)["version"] == PROTOCOL_VERSION
    assert decode_open(raw.strip()) == ["/pictures/a.png", "/pictures/ü b.jpg"]
    assert decode_reply(encode_reply(ok=True, message="opening 2 file(s)").strip()) == (
        True,
        "opening 2 file(s)",
    )


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (b"hello", "not a leodesk message"),
        (b"\xff\xfe", "not a leodesk message"),
        (b"[1, 2]", "not a leodesk message"),
        (b'{"version": 99, "kind": "open", "files": []}', "version 1 of the hand-over, not 99"),
        (b'{"version": 1, "kind": "quit"}', "unknown request 'quit'"),
        (b'{"version": 1, "kind": "open", "files": "a.png"}', "must be a list of paths"),
        (b'{"version": 1, "kind": "open", "files": [1]}', "must be a list of paths"),
        (b" " * (MAX_MESSAGE_BYTES + 1), "too large"),
    ],
)
def test_bad_messages_are_refused_with_a_reason(raw: bytes, says: str) -> None:
    with pytest.raises(MessageError, match=says.replace("(", r"\(").replace(")", r"\)")):
        decode_open(raw)
