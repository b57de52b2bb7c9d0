"""UploadService: turns what was dropped or pasted on an image slot into an id the API takes.

Sources: raw bytes, a ``QImage`` (clipboard, browser image data), a local path, an http(s) URL
(fetched with a size cap and a deadline) or a :class:`GalleryImage` (leodesk's own gallery).
Everything except a gallery image is prepared by :mod:`leodesk.core.imageprep` and uploaded
with ``POST /init-image`` + the presigned S3 POST; the id is cached in the library by the
sha256 of the prepared bytes, so the same picture is uploaded once. A generated image from the
gallery needs no upload: its id is sent as ``init_generation_image_id``.

All reading, decoding and network work runs on the network pool; the GUI thread only sees the
signals ``started(slot)``, ``ready(slot, UploadedImage)`` and ``failed(slot, message)``. A slot
that gets a new source (or :meth:`cancel`) ignores the answer for the previous one.
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtGui import QImage

from leodesk.core.errors import LeodeskError
from leodesk.core.imageprep import MAX_BYTES, ImagePrepError, PreparedImage, prepare_image
from leodesk.qt.backend import Backend
from leodesk.qt.imaging import decode, to_png

log = logging.getLogger("leodesk.uploads")

DB_WAIT = 30.0
FETCH_TIMEOUT_S = 30.0  # a remote image must arrive within this many seconds in all
FETCH_MAX_BYTES = MAX_BYTES
THUMB_SIZE = 96
UPLOAD_WAIT_S = 300.0  # a second request for the same picture waits this long for the first


@dataclass(frozen=True)
class GalleryImage:
    """An image of leodesk's own library (dragged from the gallery or the viewer)."""

    image_id: str


@dataclass(frozen=True)
class UploadedImage:
    """What a slot holds once ready.

    ``image_id`` is an uploaded init image id, or (``generated``) the id of a generated image,
    which is sent as ``init_generation_image_id``. ``source`` says where the picture came from.
    """

    image_id: str
    thumbnail: QImage
    source: str
    generated: bool = False
    width: int = 0
    height: int = 0


Source = bytes | Path | str | QImage | GalleryImage


def describe(source: Source) -> str:
    """A short label for ``source`` (a file name, a host and name, "Pasted image"...)."""
    if isinstance(source, GalleryImage):
        return QCoreApplication.translate("UploadService", "Gallery image")
    if isinstance(source, Path):
        return source.name
    if isinstance(source, str):
        parts = urlsplit(source)
        if parts.scheme in ("http", "https"):
            name = unquote(parts.path.rsplit("/", 1)[-1]) or parts.netloc
            return f"{name} ({parts.netloc})" if name != parts.netloc else name
        return Path(source).name
    return QCoreApplication.translate("UploadService", "Pasted image")


class FetchError(LeodeskError):
    """A remote image could not be fetched; ``str()`` is for the user."""


def fetch_url(
    url: str, *, max_bytes: int = FETCH_MAX_BYTES, timeout_s: float = FETCH_TIMEOUT_S
) -> bytes:
    """GET ``url`` (no credentials; redirects followed) within ``timeout_s`` and ``max_bytes``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise FetchError(
            QCoreApplication.translate("UploadService", "Only http and https links can be fetched.")
        )
    import httpx  # only when a link is fetched (the form imports this module at start-up)

    host = parts.netloc
    deadline = time.monotonic() + timeout_s
    limit = QCoreApplication.translate("UploadService", "{size:.0f} MB").format(
        size=max_bytes / (1024 * 1024)
    )
    try:
        with (
            httpx.Client(
                timeout=httpx.Timeout(min(10.0, timeout_s), read=min(15.0, timeout_s)),
                follow_redirects=True,
                max_redirects=5,
            ) as http,
            http.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                raise FetchError(
                    QCoreApplication.translate(
                        "UploadService", "{host} answered HTTP {status} for the image."
                    ).format(host=host, status=response.status_code)
                )
            declared = response.headers.get("content-length")
            if declared is not None and declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(
                    QCoreApplication.translate(
                        "UploadService", "The image at {host} is larger than {limit}."
                    ).format(host=host, limit=limit)
                )
            chunks: list[bytes] = []
            total = 0
            for chunk in response.iter_bytes():
                total += len(chunk)
                if total > max_bytes:
                    raise FetchError(
                        QCoreApplication.translate(
                            "UploadService", "The image at {host} is larger than {limit}."
                        ).format(host=host, limit=limit)
                    )
                if time.monotonic() > deadline:
                    raise FetchError(
                        QCoreApplication.translate(
                            "UploadService", "{host} took too long to send the image."
                        ).format(host=host)
                    )
                chunks.append(chunk)
            return b"".join(chunks)
    except httpx.TimeoutException:
        raise FetchError(
            QCoreApplication.translate(
                "UploadService", "{host} took too long to send the image."
            ).format(host=host)
        ) from None
    except httpx.RequestError as exc:
        raise FetchError(
            QCoreApplication.translate("UploadService", "Could not reach {host} ({error}).").format(
                host=host, error=type(exc).__name__
            )
        ) from None


def _qimage_png(image: QImage) -> bytes:
    try:
        return to_png(image)
    except (OSError, ValueError):
        raise ImagePrepError(
            QCoreApplication.translate("UploadService", "The pasted image could not be read.")
        ) from None


def _thumbnail(data: bytes) -> QImage:
    return decode(data, THUMB_SIZE)  # Pillow, not Qt's plugins (see leodesk.qt.imaging)


class UploadService(QObject):
    """Signals: started(str slot), ready(str slot, UploadedImage), failed(str slot, str)."""

    started = Signal(str)
    ready = Signal(str, object)
    failed = Signal(str, str)

    def __init__(self, backend: Backend, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._b = backend
        self._tickets: dict[str, int] = {}
        self._pending: set[str] = set()
        self._next_ticket = 0
        self._lock = threading.Lock()
        self._inflight: dict[str, concurrent.futures.Future[str]] = {}

    # -- GUI thread ---------------------------------------------------------------------------
    def prepare_and_upload(
        self, slot: str, source: Source, fit: tuple[int, int] | None = None
    ) -> None:
        """Prepare and upload ``source`` for ``slot`` in the background (see the module doc);
        ``fit``: the form's output size (a larger picture is scaled down to just cover it)."""
        ticket = self._new_ticket(slot)
        label = describe(source)
        if isinstance(source, GalleryImage):
            record = self._b.reader.image_records([source.image_id]).get(source.image_id)
            if record is None:
                self._fail(slot, ticket, self.tr("That image is not in the library any more."))
                return
            path = None
            if record.sha256 and record.ext:
                path = self._b.store.path_for(record.sha256, record.ext)
            if record.kind != "image" or record.deleted_remote:
                # Only generated images can be referenced by id; anything else is uploaded.
                if path is None or not path.exists():
                    self._fail(
                        slot,
                        ticket,
                        self.tr("This image cannot be used: it is not on this computer."),
                    )
                    return
                source, label = path, self.tr("Gallery {kind}").format(kind=record.kind)
            else:
                self._start(slot, ticket, lambda token: self._gallery_job(record.id, path, label))
                return
        self._start(slot, ticket, lambda token: self._upload_job(source, label, fit))

    def cancel(self, slot: str) -> None:
        """Forget whatever ``slot`` was waiting for (its answer will be ignored)."""
        self._new_ticket(slot)

    def busy(self, slot: str) -> bool:
        """True while ``slot`` waits for an answer."""
        return slot in self._pending

    # -- plumbing -----------------------------------------------------------------------------
    def _new_ticket(self, slot: str) -> int:
        self._next_ticket += 1
        self._tickets[slot] = self._next_ticket
        self._pending.discard(slot)
        return self._next_ticket

    def _current(self, slot: str, ticket: int) -> bool:
        return self._tickets.get(slot) == ticket

    def _fail(self, slot: str, ticket: int, message: str) -> None:
        if self._current(slot, ticket):
            self._pending.discard(slot)
            self.failed.emit(slot, message)

    def _start(self, slot: str, ticket: int, job: Any) -> None:
        self._pending.add(slot)
        self.started.emit(slot)

        def done(result: UploadedImage) -> None:
            if self._current(slot, ticket):
                self._pending.discard(slot)
                self.ready.emit(slot, result)

        def error(exc: BaseException) -> None:
            self._fail(slot, ticket, _message(exc))

        self._b.pools.submit(job, on_result=done, on_error=error, name="upload")

    # -- worker threads -----------------------------------------------------------------------
    def _gallery_job(self, image_id: str, path: Path | None, label: str) -> UploadedImage:
        thumb = QImage()
        if path is not None and path.exists():
            thumb = _thumbnail(path.read_bytes())
        return UploadedImage(image_id, thumb, label, generated=True)

    def _upload_job(
        self, source: Source, label: str, fit: tuple[int, int] | None = None
    ) -> UploadedImage:
        prepared = prepare_image(self._read(source), name=label, fit=fit)
        init_id = self._upload_once(prepared)
        return UploadedImage(
            init_id, _thumbnail(prepared.data), label, width=prepared.width, height=prepared.height
        )

    def _read(self, source: Source) -> bytes:
        if isinstance(source, bytes | bytearray):
            return bytes(source)
        if isinstance(source, QImage):
            if source.isNull():
                raise ImagePrepError(self.tr("The pasted image is empty."))
            return _qimage_png(source)
        if isinstance(source, str) and urlsplit(source).scheme in ("http", "https"):
            return fetch_url(source)
        path = Path(source) if isinstance(source, str) else source
        if not isinstance(path, Path):
            raise ImagePrepError(self.tr("Nothing usable was dropped."))
        try:
            size = path.stat().st_size
            if size > MAX_BYTES:
                raise ImagePrepError(
                    self.tr(
                        "{name} is too large ({size:.1f} MB; the limit is {limit:.0f} MB)."
                    ).format(
                        name=path.name, size=size / (1024 * 1024), limit=MAX_BYTES / (1024 * 1024)
                    )
                )
            return path.read_bytes()
        except OSError as exc:
            raise ImagePrepError(
                self.tr("Cannot read {name}: {error}").format(
                    name=path.name, error=exc.strerror or exc
                )
            ) from None

    def _upload_once(self, prepared: PreparedImage) -> str:
        sha = prepared.sha256
        with self._lock:
            first = self._inflight.get(sha)
            if first is None:
                mine: concurrent.futures.Future[str] = concurrent.futures.Future()
                self._inflight[sha] = mine
        if first is not None:  # the same picture is being uploaded for another slot
            return first.result(UPLOAD_WAIT_S)
        try:
            cached = self._b.db(lambda lib: lib.upload_id_for(sha)).result(DB_WAIT)
            if cached:
                log.debug("init image %s… reused from the upload cache", sha[:12])
                init_id = str(cached)
            else:
                init_id = str(self._b.client().upload_init_image(prepared.data, prepared.extension))
                self._b.db(lambda lib: lib.remember_upload(sha, init_id)).result(DB_WAIT)
            mine.set_result(init_id)
            return init_id
        except BaseException as exc:
            mine.set_exception(exc)
            raise
        finally:
            with self._lock:
                self._inflight.pop(sha, None)


def _message(exc: BaseException) -> str:
    if isinstance(exc, LeodeskError) and exc.user_message:
        return exc.user_message
    log.warning("upload failed: %r", exc)
    return str(exc) or type(exc).__name__
