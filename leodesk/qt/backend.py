"""Backend: the pools and core objects the services share, with the threading rules in one place.

- Network calls run on the ``network`` pool with one shared (thread-safe) API client.
- Every SQLite write runs on the ``db`` pool (exactly one thread) through :meth:`Backend.db`.
- The GUI thread reads the library through its own read-only connection (WAL: readers never wait
  for the writer); those reads are single indexed page queries, well under a millisecond.
- Decoding runs on the ``thumbs`` pool.
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QObject, QRunnable, QThread, Signal

from leodesk.core.imagestore import ImageStore
from leodesk.core.library.db import LibraryError
from leodesk.core.library.images import Images
from leodesk.core.paths import Paths
from leodesk.core.thumbs import ThumbCache
from leodesk.qt.workers import CancelToken, Pools

if TYPE_CHECKING:
    from leodesk.core.api.models import Generation
    from leodesk.core.api.protocol import LeonardoApi
    from leodesk.core.library import ImageRecord, Library, UpsertBatch

log = logging.getLogger("leodesk.backend")
T = TypeVar("T")

DB_WAIT = 30.0  # seconds a network worker waits for its database write


class Backend(QObject):
    """The library, the image store, the thumbnail cache, the worker pools and the API client,
    shared by the services.

    ``library`` (the writer, used on the database thread only) and ``reader`` (GUI-thread reads)
    are the whole :class:`~leodesk.core.library.Library`; ``gallery_reader`` is the gallery
    model's own read-only connection, :class:`~leodesk.core.library.images.Images` only. With
    ``gallery_first`` the whole library is opened later (:meth:`open_library`), once the rest
    of the app has loaded: the gallery reads a library at the current schema meanwhile, and a
    new or older one is created or upgraded here first, as before."""

    library: Library
    reader: Library
    #: The client was dropped (the key changed, or is known at last): what failed for want of
    #: one (thumbnails' downloads) may work now.
    client_reset = Signal()

    def __init__(
        self,
        paths: Paths,
        client_factory: Callable[[], LeonardoApi],
        *,
        network_threads: int = 4,
        thumb_cache_bytes: int = 512 * 1024 * 1024,
        gallery_first: bool = False,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.paths = paths
        self.pools = Pools(network_threads, parent=self)
        self._client_factory = client_factory
        self._client: LeonardoApi | None = None
        self._client_lock = threading.Lock()
        self._library_open = False
        if not gallery_first:
            self.open_library()
        try:
            self.gallery_reader = Images.open_readonly(paths.library_db)
        except LibraryError as exc:
            if self._library_open or exc.reason in ("corrupt", "newer"):
                raise
            # No library yet, or one of an older schema: the writer makes it current.
            self.open_library()
            self.gallery_reader = Images.open_readonly(paths.library_db)
        self.store = ImageStore(paths.images)
        self.thumb_cache = ThumbCache(paths.thumbs, max_bytes=thumb_cache_bytes)
        # The database thread lives as long as the pool (created here, on the GUI thread), so a
        # worker handing it a write never makes the pool create a thread.
        self._plain: list[_Plain] = []
        self._plain_lock = threading.Lock()
        self.pools.db.setExpiryTimeout(-1)
        self.pools.submit(lambda token: None, pool="db", name="db thread")

    def open_library(self) -> None:
        """Open the whole library, writer and reader (creating or upgrading the file), once;
        raises :class:`~leodesk.core.library.LibraryError` as ``Library.open`` does."""
        if self._library_open:
            return
        from leodesk.core.library import Library  # every part: ~20 ms of imports

        library = Library.open(self.paths.library_db)
        try:
            self.reader = Library.open_readonly(self.paths.library_db)
        except BaseException:
            library.close()
            raise
        self.library = library
        self._library_open = True

    # -- the API client ---------------------------------------------------------------------
    def client(self) -> LeonardoApi:
        """The shared client, built on first use (from a worker: httpx loads off the GUI thread)."""
        with self._client_lock:
            if self._client is None:
                self._client = self._client_factory()
            return self._client

    def reset_client(self) -> None:
        """Drop the client (the key changed); the next call builds a new one."""
        with self._client_lock:
            old, self._client = self._client, None
        if old is not None:
            old.close()
        self.client_reset.emit()

    # -- the database thread ----------------------------------------------------------------
    def db(self, fn: Callable[[Library], T]) -> concurrent.futures.Future[T]:
        """Run ``fn(library)`` on the database thread; the future carries its result.

        Called from a worker, the job is a bare QRunnable (no QObject, no signal connection):
        creating or destroying QObjects on a worker while it holds the GIL can deadlock against
        the GUI thread (see leodesk.qt.imaging).
        """
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        library = self.library  # raises AttributeError before open_library()

        def job(token: CancelToken | None = None) -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(fn(library))
            except BaseException as exc:
                future.set_exception(exc)

        if QThread.currentThread() != self.thread():
            runnable = _Plain(job)
            with self._plain_lock:
                # Keep each one referenced until it ran and the pool let go of it: finished ones
                # are dropped, but never the newest few (the pool may still be returning).
                recent = self._plain[-64:]
                self._plain = [r for r in self._plain[:-64] if not r.done] + recent
                self._plain.append(runnable)
            self.pools.db.start(runnable)
            return future
        worker = self.pools.submit(job, pool="db", name="db")
        if worker.token.cancelled and future.set_running_or_notify_cancel():
            future.set_exception(RuntimeError("the library is closed"))
        return future

    def db_proxy(self, timeout: float = 60.0) -> DbThreadLibrary:
        """The library calls of the syncer, each run on the database thread.

        For core code that takes a library (the syncer) but runs on a network worker: its
        writes still all happen on the one database thread.
        """
        return DbThreadLibrary(self, timeout)

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        done = self.pools.shutdown(timeout_ms)
        with self._client_lock:
            if self._client is not None:
                self._client.close()
                self._client = None
        self.gallery_reader.close()
        if self._library_open:
            self.reader.close()
            self.library.close()
        return done


class DbThreadLibrary:
    """The library as :class:`leodesk.core.sync.SyncLibrary`: each call runs on the database
    thread, and the calling worker waits up to ``timeout`` seconds for its result."""

    def __init__(self, backend: Backend, timeout: float) -> None:
        self._backend = backend
        self._timeout = timeout

    def _run(self, fn: Callable[[Library], T]) -> T:
        return self._backend.db(fn).result(self._timeout)

    def now_ms(self) -> int:
        return self._run(lambda lib: lib.now_ms())

    def sync_state(self) -> dict[str, str]:
        return self._run(lambda lib: lib.sync_state())

    def set_sync_state(self, values: Mapping[str, str | int | None]) -> None:
        self._run(lambda lib: lib.set_sync_state(values))

    def upsert_generations(
        self,
        gens: Sequence[Generation],
        *,
        sync_pass: int | None = None,
        state: Mapping[str, str | int | None] | None = None,
    ) -> UpsertBatch:
        return self._run(lambda lib: lib.upsert_generations(gens, sync_pass=sync_pass, state=state))

    def seen_in_pass(self, generation_ids: Iterable[str], sync_pass: int) -> set[str]:
        return self._run(lambda lib: lib.seen_in_pass(generation_ids, sync_pass))

    def mark_unseen_deleted_remote(
        self,
        sync_pass: int,
        started_ms: int,
        *,
        state: Mapping[str, str | int | None] | None = None,
    ) -> list[str]:
        return self._run(
            lambda lib: lib.mark_unseen_deleted_remote(sync_pass, started_ms, state=state)
        )

    def images_to_download(self, limit: int, *, after: str | None = None) -> list[ImageRecord]:
        return self._run(lambda lib: lib.images_to_download(limit, after=after))

    def mark_image_failed(self, image_id: str) -> None:
        self._run(lambda lib: lib.mark_image_failed(image_id))

    def set_image_file(
        self,
        image_id: str,
        sha256: str,
        ext: str,
        *,
        width: int | None = None,
        height: int | None = None,
    ) -> None:
        self._run(lambda lib: lib.set_image_file(image_id, sha256, ext, width=width, height=height))


class _Plain(QRunnable):
    """A job without signals (for the database thread, when a worker hands it a write)."""

    def __init__(self, fn: Callable[[], None]) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self._fn = fn
        self.done = False

    def run(self) -> None:
        try:
            self._fn()
        finally:
            self.done = True
