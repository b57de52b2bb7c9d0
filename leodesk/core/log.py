"""Logging set-up: a rotating file, stderr, and a filter that redacts secrets from every record.

The API key must never reach a log line, a crash report or the console. :class:`RedactingFilter`
is attached to every handler leodesk installs; :func:`register_secret` adds a value to redact.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import threading
from pathlib import Path

REDACTED = "«redacted»"

_lock = threading.Lock()
_secrets: set[str] = set()
# Bearer tokens are redacted even when the value was never registered (a key typed into a dialog).
_BEARER = re.compile(r"(?i)(bearer\s+)[^\s'\"]+")


def register_secret(value: str | None) -> None:
    """Remember ``value`` so that it is replaced by a marker wherever it appears in a log record."""
    if value and len(value) >= 4:
        with _lock:
            _secrets.add(value)


def forget_secret(value: str | None) -> None:
    with _lock:
        _secrets.discard(value or "")


def redact(text: str) -> str:
    """``text`` with every registered secret and every bearer token replaced."""
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for s in secrets:
        if s in text:
            text = text.replace(s, REDACTED)
    return _BEARER.sub(lambda m: m.group(1) + REDACTED, text)


class RedactingFilter(logging.Filter):
    """Formats the record's message once, redacts it, and freezes the result into the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            # Render the traceback now so that the redacted text is what handlers print.
            formatter = logging.Formatter()
            record.exc_text = redact(formatter.formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(threadName)s] %(message)s"


class _Contained:
    """A handler whose failed writes (a full disk, a closed pipe) are said once on stderr, in
    one line and without a traceback, then dropped quietly until a write succeeds again:
    logging never floods the console or disturbs the app."""

    _failing = False
    _failed_now = False

    def emit(self, record: logging.LogRecord) -> None:
        self._failed_now = False
        super().emit(record)  # type: ignore[misc]
        if not self._failed_now:
            self._failing = False

    def handleError(self, record: logging.LogRecord) -> None:
        self._failed_now = True
        if self._failing:
            return
        self._failing = True
        error = sys.exc_info()[1]
        with contextlib.suppress(Exception):  # stderr itself is gone: nothing more to do
            sys.stderr.write(
                f"leodesk: a log line could not be written ({error}); "
                "log lines are dropped until writing works again.\n"
            )

    def close(self) -> None:
        with contextlib.suppress(OSError):  # the last buffered lines could not be written
            super().close()  # type: ignore[misc]


class _ContainedStream(_Contained, logging.StreamHandler):  # type: ignore[type-arg]
    pass


class RotatingFile(logging.FileHandler):
    """A log file that moves aside before a line would take it past ``max_bytes``: ``app.log``
    becomes ``app.log.1``, ``.1`` becomes ``.2``…, and the oldest of ``backups`` goes. (The
    standard library's RotatingFileHandler does the same, but its module loads sockets, pickle and
    queues with it: ~5 ms of the app's start.)"""

    def __init__(self, path: Path, *, max_bytes: int, backups: int) -> None:
        super().__init__(path, encoding="utf-8")
        self.max_bytes = max_bytes
        self.backups = backups
        # A pipe or a device given as the log is written as it is (asked once, not per line).
        self.regular = os.path.isfile(self.baseFilename)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self._full(self.format(record)):
                self.rotate()
        except Exception:
            self.handleError(record)
            return
        super().emit(record)

    def _full(self, line: str) -> bool:
        if not self.regular:
            return False
        if self.stream is None:
            self.stream = self._open()
        self.stream.seek(0, os.SEEK_END)
        return self.stream.tell() + len(line) + 1 > self.max_bytes

    def rotate(self) -> None:
        if self.stream is not None:
            self.stream.close()
            self.stream = None
        base = self.baseFilename
        for n in range(self.backups - 1, 0, -1):
            if os.path.exists(f"{base}.{n}"):
                os.replace(f"{base}.{n}", f"{base}.{n + 1}")
        if self.backups > 0:
            os.replace(base, f"{base}.1")
        else:
            os.remove(base)
        self.stream = self._open()


class _ContainedFile(_Contained, RotatingFile):
    pass


def setup_logging(
    log_file: Path | None, *, level: int = logging.INFO, stderr_level: int = logging.WARNING
) -> None:
    """Install the stderr handler and, when ``log_file`` is given, a rotating file (5 × 1 MB)."""
    root = logging.getLogger()
    root.setLevel(min(level, stderr_level))
    for h in list(root.handlers):
        if getattr(h, "_leodesk", False):
            root.removeHandler(h)
            h.close()
    handlers: list[logging.Handler] = []
    stream = _ContainedStream()
    stream.setLevel(stderr_level)
    handlers.append(stream)
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        rotating = _ContainedFile(log_file, max_bytes=1_000_000, backups=5)
        rotating.setLevel(level)
        handlers.append(rotating)
    for h in handlers:
        h.setFormatter(logging.Formatter(FORMAT))
        h.addFilter(RedactingFilter())
        h._leodesk = True  # type: ignore[attr-defined]
        root.addHandler(h)
