"""What the gallery needs, built before the rest of the app (light imports: no httpx, no
services): the library (writer and reader), the image store and thumbnail cache, the thumbnail
loaders, the gallery's model and the job strip's model.

The app builds these right after its first paint, shows the gallery and the prompt over them,
and only then builds the services around them (:func:`leodesk.qt.context.build_context`), so
the window is usable while the rest of the app loads (tests/bench/startup.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject

from leodesk.qt.backend import Backend
from leodesk.qt.models.gallery_model import GalleryModel
from leodesk.qt.models.jobs_model import JobListModel
from leodesk.qt.thumbnails import ThumbnailLoader

if TYPE_CHECKING:
    from leodesk.core.library import ImageRecord
    from leodesk.core.paths import Paths

GALLERY_CELL = 164  # the gallery's picture box (leodesk.ui.gallery.INNER; qt cannot import ui)


def stored_path(backend: Backend, record: ImageRecord) -> Path | None:
    """Where the image store keeps ``record``'s file (None when it has none)."""
    if record.sha256 and record.ext:
        return backend.store.path_for(record.sha256, record.ext)
    return None


@dataclass
class GalleryParts:
    """The gallery's half of the app context; ``context`` is set once the rest is built (the
    model asks it for drag files, which need the whole context)."""

    backend: Backend
    thumbs: ThumbnailLoader
    model_thumbs: ThumbnailLoader
    gallery_model: GalleryModel
    jobs: JobListModel
    context: Any = field(default=None)

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Close what was built when the rest never came (the app closed meanwhile)."""
        self.gallery_model.detach()
        return self.backend.shutdown(timeout_ms)


def build_gallery(
    paths: Paths,
    client_factory: Callable[[], Any],
    *,
    network_threads: int = 4,
    thumb_cache_bytes: int = 512 * 1024 * 1024,
    gallery_first: bool = False,
    parent: QObject | None = None,
) -> GalleryParts:
    """Open the library and build the gallery's model (raises LibraryError like Library.open).
    With ``gallery_first``, only the gallery's reader is opened when the library is current;
    the rest of it opens with the services (:meth:`Backend.open_library`), and the model reads
    nothing until the window reloads it with its filter."""
    backend = Backend(
        paths,
        client_factory,
        network_threads=network_threads,
        thumb_cache_bytes=thumb_cache_bytes,
        gallery_first=gallery_first,
        parent=parent,
    )

    def fetch(url: str) -> bytes:
        data: bytes = backend.client().download(url)
        return data

    thumbs = ThumbnailLoader(
        backend.pools, backend.thumb_cache, fetch, size=256, display=GALLERY_CELL, parent=backend
    )
    model_thumbs = ThumbnailLoader(
        backend.pools, backend.thumb_cache, fetch, size=128, parent=backend
    )
    for loader in (thumbs, model_thumbs):  # a new key: downloads that failed may work now
        backend.client_reset.connect(loader.forget_failures)
    holder: list[GalleryParts] = []

    def drag_files(records: list[ImageRecord]) -> list[Path]:
        ctx = holder[0].context
        return [] if ctx is None else list(ctx.drag_files(records))

    model = GalleryModel(
        backend.gallery_reader,
        thumbs,
        lambda record: stored_path(backend, record),
        drag_files=drag_files,
        load=not gallery_first,  # the window reloads it with its filter at once
        parent=backend,
    )
    parts = GalleryParts(backend, thumbs, model_thumbs, model, JobListModel(parent=backend))
    holder.append(parts)
    return parts
