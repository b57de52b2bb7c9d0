"""ThumbnailLoader: thumbnails from disk cache or source, decoded off the GUI thread.

A view asks for a key and paints a placeholder until :attr:`ThumbnailLoader.ready` fires for it.
Requests go into one queue, drained newest-first (the rows on screen now come before the ones
scrolled past) by at most ``thumbs``-pool-size long-lived workers, so asking for a thumbnail costs
the GUI thread a dict insert, not a new runnable. Requests are deduplicated while queued or in
flight; :meth:`retain_only` drops queued requests for rows far out of view. Decoded pictures come
back as QImage (safe across threads), scaled once to the size they are drawn and already in the
pixmap's own format, and become QPixmaps on the GUI thread only (sharing the QImage's pixels), in
a memory LRU sized to a few screens. Finished pictures reach the GUI thread in batches: one queued
call takes every picture finished since the last one.

Where a worker's time goes (measured with py-spy on 2 cores): the JPEG decode, resizes and the
cache file's encode run in Pillow without the GIL; what holds it (Pillow's Python around those
calls, file names, the QImage) is kept short, since the other worker and the GUI thread wait for
it. The cached JPEG is encoded straight into its file, not into bytes (Pillow holds the GIL while
encoding into a BytesIO).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QPixmap

from leodesk.core.digest import sha256_hex
from leodesk.qt.imaging import qimage_for_screen
from leodesk.qt.workers import CancelToken, Pools

if TYPE_CHECKING:  # (made on the workers: PySide makes the class when a picture first comes)
    from PySide6.QtGui import QImage

log = logging.getLogger("leodesk.thumbs")
#: How much less CPU a thumbnail worker asks for than the GUI thread (Linux: nice). The lowest:
#: while the gallery scrolls, the GUI thread and the display server (which must take each
#: frame before the next is drawn) come first; decoding takes what they leave, which is all
#: of it once scrolling stops (the gallery benchmark, 6 runs each, frames over 16 ms: 11 at
#: nice 5, 5 at 19; thumbnails decoded during the runs 5 % fewer).
_NICE = 19
_lowered = threading.local()


def _lower_priority() -> None:
    """Make this worker thread yield the CPU to the GUI thread (once per thread). On Linux a
    thread's nice value is its own; elsewhere this does nothing."""
    if getattr(_lowered, "done", False):
        return
    _lowered.done = True
    if sys.platform.startswith("linux"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _NICE)
        except (OSError, AttributeError) as exc:
            log.debug("cannot lower the thumbnail worker's priority: %s", exc)


_MADE_FOR = "leodesk-display"  # the QImage text naming the display size it was made for


def key_for(kind: str, ident: str) -> str:
    """A stable cache key for something that has no content hash yet (an image id, a URL)."""
    return sha256_hex(f"{kind}:{ident}".encode())


@dataclass(frozen=True)
class _Request:
    key: str
    path: Path | None
    url: str | None


class ThumbnailLoader(QObject):
    """Signals: ready(str key), failed(str key)."""

    ready = Signal(str)
    failed = Signal(str)
    # Worker → GUI thread: "results are waiting in _done". Sent only by the worker that finds
    # the list empty, so the GUI thread takes every result that arrived meanwhile in one call
    # (not one queued call, and one Python slot, per thumbnail).
    _wake = Signal()

    def __init__(
        self,
        pools: Pools,
        cache: Any,  # leodesk.core.thumbs.ThumbCache
        fetch: Callable[[str], bytes],
        *,
        size: int = 256,
        display: int | None = None,
        memory_items: int = 400,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._pools = pools
        self._cache = cache
        self._fetch = fetch
        self.size = size
        # Pictures are kept in memory at the size they are drawn (scaled once, off-thread), so
        # painting a cell is a plain copy, not a smooth rescale on every frame.
        self.display = display
        self._memory: OrderedDict[str, QPixmap] = OrderedDict()
        self._stale: set[str] = set()  # in memory at an older display size: shown, asked again
        self._memory_items = memory_items
        self._failed: set[str] = set()
        self._lock = threading.Lock()
        self._queue: OrderedDict[str, _Request] = OrderedDict()  # newest request last
        self._working: set[str] = set()  # keys a worker is decoding now
        self._done: list[tuple[str, QImage | Exception]] = []  # for the GUI thread
        self._drainers = 0
        self._made_since_prune = 0
        self.prune_every = 500
        self._wake.connect(self._arrived)

    # -- memory ---------------------------------------------------------------------------
    def pixmap(self, key: str) -> QPixmap | None:
        pm = self._memory.get(key)
        if pm is not None:
            self._memory.move_to_end(key)
        return pm

    def set_display(self, display: int) -> None:
        """Draw at ``display`` pixels from now on. Pictures in memory stay (the view scales
        them meanwhile) and are decoded again at the new size when next asked for, from the
        disk cache (its size stays: a larger display never fetches an image again)."""
        if display == self.display:
            return
        self.display = display
        self._stale = set(self._memory)

    def is_stale(self, key: str) -> bool:
        """True when the picture in memory was made for another display size."""
        return key in self._stale

    def set_memory_items(self, n: int) -> None:
        self._memory_items = max(16, n)
        self._trim()

    def _trim(self) -> None:
        while len(self._memory) > self._memory_items:
            key, _pm = self._memory.popitem(last=False)
            self._stale.discard(key)

    def is_failed(self, key: str) -> bool:
        return key in self._failed

    def forget_failures(self) -> None:
        """Ask again for what failed this session (a new client, Backend.client_reset: the
        account's key came or changed). Files found undecodable stay marked on disk."""
        self._failed.clear()

    @property
    def pending(self) -> int:
        """Requests queued or being decoded."""
        with self._lock:
            return len(self._queue) + len(self._working)

    # -- requests -------------------------------------------------------------------------
    def request(self, key: str, *, path: Path | None = None, url: str | None = None) -> None:
        """Load ``key`` from the cache, else make it from ``path`` (a local file) or ``url``."""
        if key in self._failed or (path is None and url is None):
            return
        if key in self._memory and key not in self._stale:
            return
        with self._lock:
            if key in self._working:
                return
            if key in self._queue:
                self._queue.move_to_end(key)  # asked again: it is on screen now
                return
            self._queue[key] = _Request(key, path, url)
            start = self._drainers < self._pools.thumbs.maxThreadCount()
            if start:
                self._drainers += 1
        if start:
            self._pools.submit(self._drain, pool="thumbs", name="thumbnails")

    def retain_only(self, keys: Iterable[str]) -> int:
        """Drop queued (not yet started) requests whose key is not in ``keys``."""
        keep = set(keys)
        with self._lock:
            gone = [k for k in self._queue if k not in keep]
            for k in gone:
                del self._queue[k]
        return len(gone)

    def set_disk_cap(self, max_bytes: int) -> None:
        """A new size cap for the disk cache (Preferences), applied by a prune now."""
        if max_bytes != self._cache.max_bytes:
            self._cache.max_bytes = max_bytes
            self.prune_disk()

    def prune_disk(self) -> None:
        """Keep the disk cache under its size cap (least recently used go first), off-thread."""
        self._made_since_prune = 0
        cache = self._cache
        self._pools.submit(lambda token: cache.prune(), pool="thumbs", name="thumb prune")

    # -- the workers ----------------------------------------------------------------------
    def _drain(self, token: CancelToken) -> None:
        _lower_priority()
        while True:
            with self._lock:
                if token.cancelled or not self._queue:
                    self._drainers -= 1
                    return
                key, req = self._queue.popitem(last=True)  # newest first
                self._working.add(key)
            try:
                result: QImage | Exception = self._decode(req)
            except Exception as exc:  # reported to the GUI thread, the loop goes on
                result = exc
            if token.cancelled:
                with self._lock:
                    self._working.discard(key)
                    self._drainers -= 1
                return
            with self._lock:
                wake = not self._done
                self._done.append((key, result))
            if wake:
                self._wake.emit()

    def _decode(self, req: _Request) -> QImage:
        cache, size = self._cache, self.size
        display = self.display  # (the slider may change it meanwhile: the picture says which)
        # The picture comes at the size it is drawn: from the cached file, or from the decode
        # that makes that file (the JPEG just written is not decoded a second time).
        # The cache is asked once (making refuses a key marked as failed by itself).
        picture = cache.picture(req.key, size, display)
        if picture is None:
            if req.path is not None and req.path.exists():
                picture = cache.make_picture(
                    req.key, size, display, source_path=req.path, look_in_cache=False
                )
            elif req.url is not None:
                if cache.is_failed(req.key):  # (before fetching it again)
                    raise RuntimeError("marked as failed")
                picture = cache.make_picture(
                    req.key, size, display, data=self._fetch(req.url), look_in_cache=False
                )
            else:
                raise FileNotFoundError(str(req.path))
        image = qimage_for_screen(picture)  # Pillow, not Qt's plugins (see leodesk.qt.imaging)
        image.setText(_MADE_FOR, str(display))
        if image.isNull():
            raise ValueError("undecodable thumbnail")
        return image

    def _arrived(self) -> None:
        """Take every result the workers finished since the last call (GUI thread)."""
        with self._lock:
            done, self._done = self._done, []
            for key, _result in done:
                self._working.discard(key)
        if self._pools.closed:
            return
        display = str(self.display)
        made = 0
        for key, result in done:
            if not isinstance(result, Exception):
                if result.text(_MADE_FOR) == display:
                    self._stale.discard(key)
                else:  # made for a size no longer shown: shown scaled, asked for again
                    self._stale.add(key)
                self._memory[key] = QPixmap.fromImage(result)
                self._memory.move_to_end(key)
                made += 1
            else:
                log.debug("thumbnail %s failed: %s", key[:8], result)
                self._failed.add(key)
        self._trim()
        for key, result in done:
            if not isinstance(result, Exception):
                if key in self._memory:  # (a batch larger than the memory: the oldest went)
                    self.ready.emit(key)
            else:
                self.failed.emit(key)
        self._made_since_prune += made
        if self._made_since_prune >= self.prune_every:
            self.prune_disk()
