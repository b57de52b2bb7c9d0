"""ThumbnailLoader: thumbnails from disk cache or source, decoded off the GUI thread.

A view asks for a key and paints a placeholder until :attr:`ThumbnailLoader.ready` fires for it.
Requests are deduplicated while in flight; a memory LRU of QPixmaps (made on the GUI thread only;
workers hand back QImage, which is safe across threads) holds a few screens' worth; queued
requests for rows that scrolled far away can be dropped with :meth:`retain_only`.
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage, QPixmap

from leodesk.qt.workers import CancelToken, Pools, Worker

log = logging.getLogger("leodesk.thumbs")


def key_for(kind: str, ident: str) -> str:
    """A stable cache key for something that has no content hash yet (an image id, a URL)."""
    return hashlib.sha256(f"{kind}:{ident}".encode()).hexdigest()


@dataclass(frozen=True)
class _Decoded:
    key: str
    image: QImage


class ThumbnailLoader(QObject):
    """Signals: ready(str key), failed(str key)."""

    ready = Signal(str)
    failed = Signal(str)

    def __init__(
        self,
        pools: Pools,
        cache: Any,  # leodesk.core.thumbs.ThumbCache
        fetch: Callable[[str], bytes],
        *,
        size: int = 256,
        memory_items: int = 400,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._pools = pools
        self._cache = cache
        self._fetch = fetch
        self.size = size
        self._memory: OrderedDict[str, QPixmap] = OrderedDict()
        self._memory_items = memory_items
        self._inflight: dict[str, Worker] = {}
        self._failed: set[str] = set()
        self._made_since_prune = 0
        self.prune_every = 500

    # -- memory -------------------------------------------------------------------------
    def pixmap(self, key: str) -> QPixmap | None:
        pm = self._memory.get(key)
        if pm is not None:
            self._memory.move_to_end(key)
        return pm

    def set_memory_items(self, n: int) -> None:
        self._memory_items = max(16, n)
        self._trim()

    def _trim(self) -> None:
        while len(self._memory) > self._memory_items:
            self._memory.popitem(last=False)

    def is_failed(self, key: str) -> bool:
        return key in self._failed

    @property
    def pending(self) -> int:
        return len(self._inflight)

    # -- requests -----------------------------------------------------------------------
    def request(self, key: str, *, path: Path | None = None, url: str | None = None) -> None:
        """Load ``key`` from the cache, else make it from ``path`` (a local file) or ``url``."""
        if key in self._memory or key in self._inflight or key in self._failed:
            return
        if path is None and url is None:
            return
        cache, size, fetch = self._cache, self.size, self._fetch

        def job(token: CancelToken) -> _Decoded | None:
            data = cache.get(key, size)
            if data is None:
                if token.cancelled:
                    return None
                if cache.is_failed(key):
                    raise RuntimeError("marked as failed")
                if path is not None and path.exists():
                    data = cache.make(key, size, source_path=path)
                elif url is not None:
                    data = cache.make(key, size, data=fetch(url))
                else:
                    raise FileNotFoundError(str(path))
            image = QImage.fromData(data)
            if image.isNull():
                raise ValueError("undecodable thumbnail")
            return _Decoded(key, image)

        worker = self._pools.submit(
            job,
            pool="thumbs",
            on_result=self._on_result,
            on_error=lambda exc, k=key: self._on_error(k, exc),
            name=f"thumb {key[:8]}",
        )
        worker.signals.finished.connect(lambda k=key: self._inflight.pop(k, None))
        self._inflight[key] = worker

    def retain_only(self, keys: Iterable[str]) -> int:
        """Drop queued (not yet started) requests whose key is not in ``keys``."""
        keep = set(keys)
        dropped = 0
        for key, worker in list(self._inflight.items()):
            if key in keep:
                continue
            if self._pools.thumbs.tryTake(worker):
                worker.token.cancel()
                self._inflight.pop(key, None)
                self._pools.forget(worker)
                dropped += 1
        return dropped

    def _on_result(self, decoded: _Decoded | None) -> None:
        if decoded is None:
            return
        self._inflight.pop(decoded.key, None)
        self._memory[decoded.key] = QPixmap.fromImage(decoded.image)
        self._trim()
        self.ready.emit(decoded.key)
        self._made_since_prune += 1
        if self._made_since_prune >= self.prune_every:
            self.prune_disk()

    def prune_disk(self) -> None:
        """Keep the disk cache under its size cap (least recently used go first), off-thread."""
        self._made_since_prune = 0
        cache = self._cache
        self._pools.submit(lambda token: cache.prune(), pool="thumbs", name="thumb prune")

    def _on_error(self, key: str, exc: BaseException) -> None:
        log.debug("thumbnail %s failed: %s", key[:8], exc)
        self._inflight.pop(key, None)
        self._failed.add(key)
        self.failed.emit(key)
