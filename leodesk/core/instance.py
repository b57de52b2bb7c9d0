"""One leodesk per profile: the profile lock, who holds it, and the hand-over message.

A profile (its data folder) is written by one process at a time: the desktop app for its whole
life, or one CLI command that writes the library (``gen``, ``sync``...) while it runs. The lock is
``instance.lock`` in the profile's data folder, held with ``fcntl.flock`` (Linux, macOS) or
``msvcrt.locking`` (Windows): the operating system lets go of it when the holder dies, however
it dies, so a lock left by a killed process is never in the way. Where neither works (a network
file system that refuses locks) a pid file stands in: ``instance.pid`` created exclusively, and
cleared when the process it names is gone.

Beside the lock, ``instance.json`` says who holds it (process id, ``app`` or the command, the app's
local server name), so a second process can say what is in its way, or hand its files over to the
running app (see :mod:`leodesk.qt.instance`, which carries the messages built here).

Qt-free: the CLI uses this module without loading Qt.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from leodesk.core.digest import sha256_hex
from leodesk.core.errors import LeodeskError

log = logging.getLogger("leodesk.instance")

LOCK_FILE = "instance.lock"
PID_FILE = "instance.pid"  # the stand-in where the file system takes no lock
RECORD_FILE = "instance.json"
APP_ROLE = "app"
#: How long a CLI command that writes the library waits for another such command to finish.
WRITER_WAIT_S = 2.0
#: A pid file that cannot be read is someone's half-written one for this long, then stale.
UNREADABLE_PID_FILE_S = 10.0

#: The hand-over message (one JSON line each way); a running app answers an unknown version
#: with an error the second process shows.
PROTOCOL_VERSION = 1
MAX_MESSAGE_BYTES = 1 << 20

# What flock / locking say when another process holds the lock.
_HELD_ERRNOS = {errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES, getattr(errno, "EDEADLOCK", -1)}


@dataclass(frozen=True)
class Holder:
    """Who holds a profile's lock, as its record says."""

    pid: int
    role: str  # APP_ROLE, or the CLI command ("sync", "gen"...)
    server: str = ""  # the app's local server name
    started: float = 0.0

    @property
    def is_app(self) -> bool:
        return self.role == APP_ROLE

    def to_json(self) -> str:
        return json.dumps(
            {"pid": self.pid, "role": self.role, "server": self.server, "started": self.started}
        )

    @classmethod
    def from_json(cls, text: str) -> Holder | None:
        try:
            data = json.loads(text)
            return cls(
                pid=int(data["pid"]),
                role=str(data["role"]),
                server=str(data.get("server", "")),
                started=float(data.get("started", 0.0)),
            )
        except (ValueError, TypeError, KeyError, AttributeError):
            return None


class ProfileBusy(LeodeskError):
    """Another process holds the profile; the message says which and what to do."""

    def __init__(self, message: str, holder: Holder | None) -> None:
        super().__init__(message)
        self.holder = holder


def server_name(data_dir: Path) -> str:
    """The app's local server name for the profile kept in ``data_dir``: this user's own, one
    per profile (a hash of the resolved folder), short enough for a Unix socket path."""
    try:
        user = str(os.getuid())
    except AttributeError:  # Windows
        import getpass  # Windows only

        user = getpass.getuser()
    digest = sha256_hex(f"{user}\0{data_dir.resolve()}".encode())[:20]
    return f"leodesk-{digest}"


def pid_alive(pid: int) -> bool:
    """True while process ``pid`` exists (a process of another user counts as alive)."""
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    if os.name == "nt":  # pragma: no cover - the pid file is not used on Windows (msvcrt locks)
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _lock_modes() -> str:
    """The lock this platform offers: ``flock``, ``msvcrt`` or ``pidfile``."""
    try:
        import fcntl  # noqa: F401  # the platform decides which lock module exists
    except ImportError:
        try:
            import msvcrt  # noqa: F401
        except ImportError:  # pragma: no cover - neither POSIX nor Windows
            return "pidfile"
        return "msvcrt"  # pragma: no cover - Windows
    return "flock"


class ProfileLock:
    """The lock of the profile kept in ``data_dir``, taken for ``role``.

    ``mode`` is the platform's lock unless given (``pidfile`` for tests of the stand-in).
    """

    def __init__(
        self, data_dir: Path, role: str, *, server: str = "", mode: str | None = None
    ) -> None:
        self.data_dir = data_dir
        self.role = role
        self.server = server
        self.mode = mode or _lock_modes()
        self._handle: IO[bytes] | None = None
        self._pid_file = False  # this process created instance.pid
        self._started = 0.0
        #: The record of a holder that died with the lock, found (and replaced) on acquiring.
        self.stale: Holder | None = None

    @property
    def lock_path(self) -> Path:
        return self.data_dir / LOCK_FILE

    @property
    def record_path(self) -> Path:
        return self.data_dir / RECORD_FILE

    @property
    def held(self) -> bool:
        return self._handle is not None or self._pid_file

    # -- taking and giving up -------------------------------------------------------------------
    def try_acquire(self) -> bool:
        """Take the lock if nobody holds it; True when this process holds it now."""
        if self.held:
            return True
        self.stale = None
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        if self.mode == "pidfile":
            taken = self._take_pid_file()
        else:
            try:
                taken = self._take_os_lock()
            except OSError as exc:  # this file system takes no lock: the pid file stands in
                log.warning("no file lock on %s (%s): using a pid file", self.data_dir, exc)
                self.mode = "pidfile"
                taken = self._take_pid_file()
        if taken:
            self._write_record()
        return taken

    def acquire(self, wait: float = 0.0, poll: float = 0.05) -> bool:
        """:meth:`try_acquire`, again every ``poll`` seconds for up to ``wait`` seconds."""
        deadline = time.monotonic() + wait
        while not self.try_acquire():
            if time.monotonic() >= deadline:
                return False
            time.sleep(poll)
        return True

    def release(self) -> None:
        """Give the lock up (the record goes first, while the lock still keeps others out)."""
        if not self.held:
            return
        with contextlib.suppress(OSError, UnicodeDecodeError):
            if Holder.from_json(self.record_path.read_text(encoding="utf-8")) == self._record():
                self.record_path.unlink()
        if self._pid_file:
            self._pid_file = False
            with contextlib.suppress(OSError):
                (self.data_dir / PID_FILE).unlink()
        handle, self._handle = self._handle, None
        if handle is not None:
            handle.close()  # closing the file lets go of flock / msvcrt locks

    def __enter__(self) -> ProfileLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    # -- who holds it ---------------------------------------------------------------------------
    def holder(self) -> Holder | None:
        """Who holds the lock, as its record says (None when there is no readable record)."""
        path = self.data_dir / PID_FILE if self.mode == "pidfile" else self.record_path
        try:
            return Holder.from_json(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            return None

    def live_holder(self) -> Holder | None:
        """:meth:`holder` unless its process is gone (a record a killed holder left, read in
        the moment before the new holder replaces it)."""
        holder = self.holder()
        return holder if holder is not None and pid_alive(holder.pid) else None

    def _record(self) -> Holder:
        return Holder(pid=os.getpid(), role=self.role, server=self.server, started=self._started)

    def _write_record(self) -> None:
        previous = self.holder() if self.mode != "pidfile" else None  # (pid file: said)
        if previous is not None and previous.pid != os.getpid():
            # The lock was free, so whoever wrote this record is gone (killed, crashed).
            self.stale = previous
            log.warning(
                "cleared the stale lock of %s (process %d), which ended without letting go",
                previous.role,
                previous.pid,
            )
        self._started = time.time()
        tmp = self.record_path.with_name(f"{RECORD_FILE}.{os.getpid()}.tmp")
        try:
            tmp.write_text(self._record().to_json(), encoding="utf-8")
            os.replace(tmp, self.record_path)
        except OSError as exc:  # the record only names the holder: the lock stands without it
            log.warning("could not write %s: %s", self.record_path, exc)
            with contextlib.suppress(OSError):
                tmp.unlink()

    # -- the lock itself ------------------------------------------------------------------------
    def _take_os_lock(self) -> bool:
        """flock / msvcrt; raises OSError when the file system takes no lock at all."""
        handle = open(self.lock_path, "a+b")  # noqa: SIM115  # held open while the lock is
        try:
            if self.mode == "msvcrt":  # pragma: no cover - Windows
                import msvcrt  # the platform decides which lock module exists

                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
            else:
                import fcntl  # the platform decides which lock module exists

                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            handle.close()
            if exc.errno in _HELD_ERRNOS:
                return False
            raise
        except BaseException:
            handle.close()
            raise
        self._handle = handle
        return True

    def _take_pid_file(self) -> bool:
        """The stand-in: create ``instance.pid`` exclusively; clear it when its process is gone."""
        path = self.data_dir / PID_FILE
        for _attempt in range(2):
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                if not self._pid_file_stale(path):
                    return False
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                continue
            self._started = time.time()
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(self._record().to_json())
            self._pid_file = True
            return True
        return False

    def _pid_file_stale(self, path: Path) -> bool:
        """True when the pid file names a process that is gone (kept in :attr:`stale`)."""
        holder = self.holder()
        if holder is None:  # being written, or damaged: stale once old enough
            try:
                age = time.time() - path.stat().st_mtime
            except FileNotFoundError:
                return True
            return age > UNREADABLE_PID_FILE_S
        if pid_alive(holder.pid):
            return False
        self.stale = holder
        log.warning("cleared the stale lock of %s (process %d)", holder.role, holder.pid)
        return True


# -- what a second process says -----------------------------------------------------------------
def busy_message(holder: Holder | None, command: str) -> str:
    """Why ``command`` (a CLI command, or ``app``) cannot write the profile now."""
    who = f" (process {holder.pid})" if holder is not None else ""
    if command == APP_ROLE:
        if holder is not None and not holder.is_app:
            return (
                f"the command “leodesk {holder.role}”{who} is writing this profile's library; "
                "start the app again when it has finished"
            )
        return (
            f"leodesk is running on this profile{who} but does not answer; close it "
            "(or end that process) and start again"
        )
    if holder is None or holder.is_app:
        return (
            f"leodesk is running on this profile{who}; add the job from the app, or close it first"
        )
    return (
        f"another leodesk command (`leodesk {holder.role}`, process {holder.pid}) is writing "
        "this profile's library; run this one when it has finished"
    )


def writer_lock(data_dir: Path, command: str, wait: float = WRITER_WAIT_S) -> ProfileLock:
    """The profile's lock for a CLI command that writes the library, held on return.

    The running app is never waited for (it may run for hours); another command is, briefly.
    Raises :class:`ProfileBusy` with the message to show.
    """
    lock = ProfileLock(data_dir, command)
    deadline = time.monotonic() + wait
    while not lock.try_acquire():
        holder = lock.live_holder()
        if (holder is not None and holder.is_app) or time.monotonic() >= deadline:
            raise ProfileBusy(busy_message(holder, command), holder)
        time.sleep(0.05)
    return lock


# -- the hand-over message ----------------------------------------------------------------------
class MessageError(LeodeskError):
    """A hand-over message that is not one (bad JSON, wrong shape, too large)."""


def absolute_files(files: list[str]) -> list[str]:
    """The files as absolute paths: the running app has its own working folder."""
    return [str(Path(f).expanduser().absolute()) for f in files]


def encode_open(files: list[str], *, demo: bool) -> bytes:
    """The second process's message: open these files (absolute paths) and come forward."""
    body = {"version": PROTOCOL_VERSION, "kind": "open", "files": files, "demo": demo}
    return json.dumps(body).encode("utf-8") + b"\n"


def decode_open(raw: bytes) -> list[str]:
    """The files of an ``open`` message; :class:`MessageError` saying what is wrong with it."""
    data = _decode(raw)
    version = data.get("version")
    if version != PROTOCOL_VERSION:
        raise MessageError(
            f"this leodesk speaks version {PROTOCOL_VERSION} of the hand-over, not {version!r}; "
            "use the same leodesk for both, or close the running one"
        )
    if data.get("kind") != "open":
        raise MessageError(f"unknown request {data.get('kind')!r}")
    files = data.get("files", [])
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        raise MessageError("'files' must be a list of paths")
    return list(files)


def encode_reply(*, ok: bool, message: str = "") -> bytes:
    body = {"version": PROTOCOL_VERSION, "ok": ok, "message": message}
    return json.dumps(body).encode("utf-8") + b"\n"


def decode_reply(raw: bytes) -> tuple[bool, str]:
    """(ok, message) of the running app's answer; :class:`MessageError` if it is not one."""
    data = _decode(raw)
    return bool(data.get("ok")), str(data.get("message", ""))


def _decode(raw: bytes) -> dict[str, Any]:
    if len(raw) > MAX_MESSAGE_BYTES:
        raise MessageError("the message is too large")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise MessageError(f"not a leodesk message ({exc})") from None
    if not isinstance(data, dict):
        raise MessageError("not a leodesk message")
    return data
