"""Keeping a simulated account in a folder (``SimConfig.state_dir``).

The folder holds:

* ``state.json``: the whole account (see :meth:`SimState.snapshot`), replaced atomically
  (temporary file, fsync, ``os.replace``, fsync of the folder) by :meth:`StateFile.save`;
* ``uploads/<init image id>``: the bytes of each uploaded init image, written once, before the
  ``state.json`` that mentions them;
* ``lock``: held (``flock``) by the one process that keeps the account. Another process that
  opens the same folder meanwhile gets a copy of the account that it does not write back.

A ``state.json`` that cannot be read or understood is moved aside to
``state.json.unreadable-<UTC time>`` (kept for inspection) and the account starts afresh.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

log = logging.getLogger("leodesk.sim")

FORMAT = "leodesk-sim-state"
VERSION = 1
STATE_NAME = "state.json"
UPLOADS_NAME = "uploads"
LOCK_NAME = "lock"


@dataclass
class Snapshot:
    """An account ready to write: top-level values, lists of encoded JSON items, upload bytes."""

    head: dict[str, Any]
    parts: dict[str, list[str]]
    uploads: dict[str, bytes]

    def encode(self) -> bytes:
        """The ``state.json`` bytes: ``head`` plus each part as a JSON array."""
        head = {"format": FORMAT, "version": VERSION, "saved_at": time.time(), **self.head}
        text = json.dumps(head, separators=(",", ":"))
        lists = "".join(
            f',"{name}":[' + ",".join(items) + "]" for name, items in self.parts.items()
        )
        return (text[:-1] + lists + "}").encode()


class StateError(ValueError):
    """A ``state.json`` whose content is not a simulator account this version understands."""


def _lock(handle: IO[bytes]) -> bool:
    """Take an exclusive, non-blocking lock on an open file; False when another holds it."""
    if sys.platform == "win32":
        import msvcrt  # the platform decides which lock module exists

        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl  # POSIX only

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _fsync_dir(folder: Path) -> None:
    """Make a rename inside ``folder`` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)


class StateFile:
    """The folder of one kept account: its lock, its ``state.json`` and its uploads."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        self.path = self.folder / STATE_NAME
        self.uploads = self.folder / UPLOADS_NAME
        self._lock_handle: IO[bytes] | None = None
        self._written_uploads: dict[str, bytes] = {}
        self.set_aside: Path | None = None
        """Where an unreadable ``state.json`` was moved by :meth:`load` (None otherwise)."""

    # ------------------------------------------------------------------ ownership

    def acquire(self) -> bool:
        """Create the folder and take its lock; False when another process keeps the account."""
        if self._lock_handle is not None:
            return True
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle = open(self.folder / LOCK_NAME, "ab")  # noqa: SIM115 (held until release)
        if not _lock(handle):
            handle.close()
            return False
        self._lock_handle = handle
        return True

    @property
    def owned(self) -> bool:
        """True while this process holds the folder's lock (and so may write it)."""
        return self._lock_handle is not None

    def release(self) -> None:
        """Give the folder up (closing the lock file releases the lock)."""
        handle, self._lock_handle = self._lock_handle, None
        if handle is not None:
            handle.close()

    # ------------------------------------------------------------------ reading

    def load(self) -> tuple[dict[str, Any], dict[str, bytes]] | None:
        """The saved account and its uploads; None when there is none (or it was unreadable).

        An unreadable file is moved aside (only by the owner) and the reason logged.
        """
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            self._set_aside(f"it cannot be read ({exc})")
            return None
        try:
            data = json.loads(raw)
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                raise StateError("it is not a simulator account file")
            if data.get("version") != VERSION:
                raise StateError(f"its format version {data.get('version')!r} is not {VERSION}")
            uploads = self._read_uploads(data["init_images"])
        except Exception as exc:  # any damage (bad JSON, bad encoding, absurd nesting...)
            self._set_aside(str(exc) if isinstance(exc, StateError) else f"it is damaged ({exc!r})")
            return None
        self._written_uploads = dict(uploads)
        return data, uploads

    def _read_uploads(self, init_images: list[dict[str, Any]]) -> dict[str, bytes]:
        uploads: dict[str, bytes] = {}
        for init in init_images:
            if not init["uploaded"]:
                continue
            init_id = str(init["id"])
            try:
                uploads[init_id] = (self.uploads / _upload_name(init_id)).read_bytes()
            except OSError as exc:
                log.warning(
                    "demo account: the upload of init image %s is missing (%s)", init_id, exc
                )
        return uploads

    def reject(self, reason: str) -> None:
        """Move a ``state.json`` that loaded but could not be restored aside."""
        self._set_aside(reason)

    def _set_aside(self, reason: str) -> None:
        if not self.owned:
            log.warning(
                "demo account in %s cannot be read (%s); this copy starts afresh and leaves "
                "the file to the process that keeps it",
                self.folder,
                reason,
            )
            return
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        target = self.path.with_name(f"{STATE_NAME}.unreadable-{stamp}")
        n = 1
        while target.exists():
            n += 1
            target = self.path.with_name(f"{STATE_NAME}.unreadable-{stamp}-{n}")
        try:
            os.replace(self.path, target)
        except OSError as exc:
            log.error(
                "demo account file %s is unreadable (%s) and cannot be moved aside (%s); "
                "starting a new demo account",
                self.path,
                reason,
                exc,
            )
            return
        self.set_aside = target
        log.warning(
            "demo account file was unreadable (%s); kept it as %s and started a new demo account",
            reason,
            target,
        )

    # ------------------------------------------------------------------ writing

    def save(self, snapshot: Snapshot) -> None:
        """Write the uploads not yet on disk, then replace ``state.json`` atomically."""
        if not self.owned:
            return
        uploads = snapshot.uploads
        if uploads:
            self.uploads.mkdir(exist_ok=True, mode=0o700)
        for init_id, data in uploads.items():
            if self._written_uploads.get(init_id) is data:
                continue
            _write_atomic(self.uploads / _upload_name(init_id), data)
            self._written_uploads[init_id] = data
        _write_atomic(self.path, snapshot.encode())
        for init_id in set(self._written_uploads) - set(uploads):
            with contextlib.suppress(OSError, ValueError):
                (self.uploads / _upload_name(init_id)).unlink()
            del self._written_uploads[init_id]


def _upload_name(init_id: str) -> str:
    """The file name of an upload: the id itself, refused when it could leave the folder."""
    if not init_id or not all(c.isalnum() or c == "-" for c in init_id):
        raise ValueError(f"unexpected init image id {init_id!r}")
    return init_id
