"""QRunnable workers and the pools they run on.

Background code never touches widgets: a worker calls a plain function off the GUI thread and
reports through the signals of a small QObject (queued to the GUI thread). Payloads are whatever
the function returns (frozen dataclasses by convention). A worker is kept referenced until it
finishes, and carries a cooperative cancel flag the function may poll.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable
from typing import Any, ClassVar

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThread, QThreadPool, Signal

log = logging.getLogger("leodesk.workers")


class CancelToken:
    """A flag a long-running function checks between steps."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


class WorkerSignals(QObject):
    """Signals: started(), result(object), error(object: the exception), finished()."""

    started = Signal()
    result = Signal(object)
    error = Signal(object)
    finished = Signal()


class Worker(QRunnable):
    def __init__(self, fn: Callable[[CancelToken], Any], name: str = "") -> None:
        super().__init__()
        self.setAutoDelete(False)  # Python owns it; the pool must not delete it under us
        self.fn = fn
        self.name = name or getattr(fn, "__name__", "worker")
        self.token = CancelToken()
        self.signals = WorkerSignals()
        # Set for workers submitted from a thread without an event loop (a worker handing the
        # database thread a write): they are forgotten as soon as they end.
        self.on_end: Callable[[Worker], None] | None = None
        self.pool = "network"

    def run(self) -> None:
        self._emit(self.signals.started)
        try:
            if self.token.cancelled:
                return
            value = self.fn(self.token)
        except BaseException as exc:  # reported, never raised into Qt
            if not isinstance(exc, Exception):
                log.warning("worker %s ended by %s", self.name, type(exc).__name__)
            self._emit(self.signals.error, exc)
        else:
            if not self.token.cancelled:
                self._emit(self.signals.result, value)
        finally:
            self._emit(self.signals.finished)
            if self.on_end is not None:
                self.on_end(self)

    def _emit(self, signal: Any, *args: Any) -> None:
        """Emit unless the app is gone: a worker that outlived the app's shutdown (a download
        still retrying when the window closed) ends quietly, its result dropped."""
        if not shiboken6.isValid(self.signals):
            return
        try:
            signal.emit(*args)
        except RuntimeError:  # deleted between the check and the emit
            log.debug("worker %s ended after the app: result dropped", self.name)


class Pools(QObject):
    """Named pools: ``network`` (bounded), ``db`` (one thread: all SQLite writes), ``thumbs``."""

    #: Every live Pools object (tests use it to fail on workers left running).
    instances: ClassVar[weakref.WeakSet[Pools]] = weakref.WeakSet()

    def __init__(self, network_threads: int = 4, parent: QObject | None = None) -> None:
        super().__init__(parent)
        Pools.instances.add(self)
        self.network = QThreadPool(self)
        self.network.setMaxThreadCount(network_threads)
        self.db = QThreadPool(self)
        self.db.setMaxThreadCount(1)
        self.thumbs = QThreadPool(self)
        # Decoding is CPU work that Pillow does without the GIL: one thread per core. The GUI
        # thread keeps its share because the thumbnail workers lower their own scheduling
        # priority (leodesk.qt.thumbnails), so they take only what the GUI leaves.
        self.thumbs.setMaxThreadCount(max(1, QThreadPool.globalInstance().maxThreadCount()))
        self._running: set[Worker] = set()
        self._lock = threading.Lock()
        self.closed = False

    def submit(
        self,
        fn: Callable[[CancelToken], Any],
        *,
        pool: str = "network",
        on_result: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        name: str = "",
    ) -> Worker:
        worker = Worker(fn, name)
        worker.pool = pool
        if self.closed and pool != "db":
            # Shutting down: late requests (a debounce timer firing) are dropped. Database work
            # still runs: it is what a worker finishing its job writes, and closing loses nothing.
            worker.token.cancel()
            return worker
        # After shutdown the receivers may be gone: late results are dropped, not delivered.
        if on_result is not None:
            worker.signals.result.connect(lambda v, f=on_result: None if self.closed else f(v))
        if on_error is not None:
            worker.signals.error.connect(lambda e, f=on_error: None if self.closed else f(e))
        if QThread.currentThread() == self.thread():
            # Forgotten when its finished signal reaches this (GUI) thread, after its results.
            worker.signals.finished.connect(lambda w=worker: self.forget(w))
        else:
            worker.on_end = self.forget
        with self._lock:
            self._running.add(worker)
        getattr(self, pool).start(worker)
        return worker

    def forget(self, worker: Worker) -> None:
        """Stop tracking a worker (it ended, or it was taken back before it ran)."""
        with self._lock:
            self._running.discard(worker)

    @property
    def active(self) -> int:
        return len(self._running)

    def running_names(self) -> list[str]:
        with self._lock:
            return sorted(w.name for w in self._running)

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        """Cancel everything, drop queued network and decode work, and wait (bounded).

        Database work is not dropped: pending writes finish, so closing loses nothing. The
        database pool is drained last, since network workers may still be handing it writes.
        """
        self.closed = True
        with self._lock:
            running = list(self._running)
        for w in running:
            if w.pool != "db":  # pending writes must still run
                w.token.cancel()
        self.network.clear()
        self.thumbs.clear()
        done = self.network.waitForDone(timeout_ms)
        done = self.thumbs.waitForDone(timeout_ms) and done
        return self.db.waitForDone(timeout_ms) and done
