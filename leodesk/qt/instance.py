"""One app per profile: the running app's local server, and a second launch handing over to it.

The running app holds the profile's lock (:mod:`leodesk.core.instance`) and listens on the
profile's local server name. A second ``leodesk`` on the same profile cannot take the lock: it
connects, sends the files it was given (one JSON line), reads the answer and exits; the running
app opens the files and comes forward. Only a second launch and the running app's server load
QtNetwork (after the first paint).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from leodesk.core.instance import (
    APP_ROLE,
    MAX_MESSAGE_BYTES,
    MessageError,
    ProfileLock,
    busy_message,
    decode_open,
    decode_reply,
    encode_open,
    encode_reply,
)

log = logging.getLogger("leodesk.instance")

CONNECT_MS = 1000
REPLY_MS = 5000
#: How long a second launch keeps trying a running app that does not answer yet (it may be
#: starting: the lock is taken before the window shows, the server listens after the first paint).
UNANSWERED_WAIT_S = 8.0
HANDED_OVER = "leodesk is already running; handed over to it"


class InstanceServer(QObject):
    """The running app's end: each message of a second launch asks to open files (absolute
    paths, perhaps none) and bring the window forward."""

    open_requested = Signal(list)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._accept)

    def listen(self) -> bool:
        """Listen on :attr:`name`. The caller holds the profile's lock, so a socket left under
        that name is a dead app's: it is removed first."""
        QLocalServer.removeServer(self.name)
        if self._server.listen(self.name):
            return True
        log.warning("cannot listen on %s: %s", self.name, self._server.errorString())
        return False

    def is_listening(self) -> bool:
        return self._server.isListening()

    def close(self) -> None:
        self._server.close()

    def _accept(self) -> None:
        while self._server.hasPendingConnections():
            sock = self._server.nextPendingConnection()
            buf = bytearray()
            sock.readyRead.connect(lambda s=sock, b=buf: self._read(s, b))
            sock.disconnected.connect(sock.deleteLater)
            QTimer.singleShot(REPLY_MS, sock, sock.abort)  # a client that never finishes

    def _read(self, sock: QLocalSocket, buf: bytearray) -> None:
        if sock.property("answered"):
            sock.readAll()
            return
        buf += bytes(sock.readAll().data())
        if b"\n" not in buf and len(buf) <= MAX_MESSAGE_BYTES:
            return
        sock.setProperty("answered", True)
        try:
            files = decode_open(bytes(buf).split(b"\n", 1)[0])
        except MessageError as exc:
            log.warning("a second launch sent what this app cannot take: %s", exc)
            self._answer(sock, ok=False, message=str(exc))
            return
        what = self.tr("opening %n file(s)", "", len(files)) if files else self.tr("coming forward")
        log.info("a second launch handed over: %s", what)
        self._answer(sock, ok=True, message=what)
        self.open_requested.emit(files)

    @staticmethod
    def _answer(sock: QLocalSocket, *, ok: bool, message: str) -> None:
        sock.write(encode_reply(ok=ok, message=message))
        sock.flush()
        sock.disconnectFromServer()


@dataclass(frozen=True)
class HandOver:
    reached: bool  # a running app answered
    ok: bool  # ... and took the files
    message: str


def hand_over(name: str, files: list[str], *, demo: bool, connect_ms: int = CONNECT_MS) -> HandOver:
    """Send ``files`` to the app listening on ``name`` and read its answer (blocking)."""
    sock = QLocalSocket()
    try:
        sock.connectToServer(name)
        if not sock.waitForConnected(connect_ms):
            return HandOver(reached=False, ok=False, message=sock.errorString())
        sock.write(encode_open(files, demo=demo))
        sock.flush()
        buf = bytearray()
        deadline = time.monotonic() + REPLY_MS / 1000
        while b"\n" not in buf and len(buf) <= MAX_MESSAGE_BYTES:
            left = int((deadline - time.monotonic()) * 1000)
            if left <= 0 or not sock.waitForReadyRead(left):
                buf += bytes(sock.readAll().data())
                break
            buf += bytes(sock.readAll().data())
        if b"\n" not in buf:
            return HandOver(reached=False, ok=False, message="no answer")
        try:
            ok, message = decode_reply(bytes(buf).split(b"\n", 1)[0])
        except MessageError as exc:
            return HandOver(reached=True, ok=False, message=str(exc))
        return HandOver(reached=True, ok=ok, message=message)
    finally:
        sock.abort()


@dataclass(frozen=True)
class SecondLaunch:
    """What a launch that found the profile's lock taken came to."""

    code: int  # the process's exit code (0: handed over)
    message: str  # one line for the terminal (and a dialog when it failed)
    lock: ProfileLock | None = None  # the app went away meanwhile: this launch holds the lock


def second_launch(
    lock: ProfileLock, files: list[str], *, demo: bool, wait_s: float = UNANSWERED_WAIT_S
) -> SecondLaunch:
    """Hand ``files`` over to the app that holds ``lock``'s profile.

    A command writing the library holds it: refused at once, saying which. The app does not
    answer yet (it is starting): tried again until ``wait_s`` passes. The app went away
    meanwhile (or died: the lock was free): this launch takes the lock and starts normally.
    """
    deadline = time.monotonic() + wait_s
    while True:
        holder = lock.live_holder()
        if holder is not None and not holder.is_app:
            return SecondLaunch(1, busy_message(holder, APP_ROLE))
        result = hand_over(lock.server, files, demo=demo)
        if result.ok:
            return SecondLaunch(0, f"{HANDED_OVER} ({result.message})")
        if result.reached:
            refused = QCoreApplication.translate(
                "InstanceClient", "the running leodesk refused: {reason}"
            )
            return SecondLaunch(1, refused.format(reason=result.message))
        if lock.try_acquire():
            return SecondLaunch(0, "", lock)
        if time.monotonic() >= deadline:
            return SecondLaunch(1, busy_message(lock.live_holder(), APP_ROLE))
        time.sleep(0.2)
