"""MediaService: videos uploaded to the account (``POST /media``; listed from the library's
``uploaded_media``, each looked up with ``GET /media/{id}``, played after a download, deleted
with ``DELETE /media/{id}``) and the motion variations of video items
(``GET /motion-variations/{id}``, recorded as child videos). Every call runs on a worker."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from leodesk.core.api.media_models import UploadedMedia
from leodesk.core.library import Library
from leodesk.core.media import (
    MediaFileError,
    media_extension,
    record_motion_variations,
    upload_video_file,
)
from leodesk.qt.backend import DB_WAIT, Backend
from leodesk.qt.errors import user_message
from leodesk.qt.workers import CancelToken

MAX_PLAY_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class MediaRow:
    """An uploaded video: what the library recorded and what the server says (None: gone or
    not asked yet)."""

    media_id: str
    name: str
    size: int
    uploaded_ms: int
    media: UploadedMedia | None = None

    @property
    def status(self) -> str:
        return (self.media.status if self.media else None) or "UNKNOWN"


def media_file(store_root: Path, media_id: str, name: str) -> Path:
    """Where an uploaded video is kept once downloaded for playing."""
    safe = "".join(ch for ch in media_id if ch.isalnum() or ch in "-_")
    ext = Path(name).suffix.lower() or ".mp4"
    return store_root / "media" / f"{safe}{ext}"


class MediaService(QObject):
    """Signals: listed(list[MediaRow]), uploaded(MediaRow), deleted(str id), failed(str),
    playable(str id, Path), variations_found(int new children)."""

    listed = Signal(object)
    uploaded = Signal(object)
    deleted = Signal(str)
    failed = Signal(str)
    playable = Signal(str, object)
    variations_found = Signal(int)

    def __init__(self, backend: Backend, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._b = backend

    def _submit(self, job: Any, on_result: Any, name: str) -> None:
        self._b.pools.submit(
            job,
            on_result=on_result,
            on_error=lambda e: self.failed.emit(user_message(e)),
            name=name,
        )

    def load(self) -> None:
        """List the uploaded videos; those gone from the server are dropped from the library."""

        def job(token: CancelToken) -> list[MediaRow]:
            client = self._b.client()
            out: list[MediaRow] = []
            for up in self._b.db(lambda lib: lib.media_uploads()).result(DB_WAIT):
                if token.cancelled:
                    break
                found = client.get_media(up.media_id)
                if found is None:
                    self._forget(up.media_id)
                    continue
                out.append(MediaRow(up.media_id, up.name, up.size, up.created_ms, found))
            return out

        self._submit(job, self.listed.emit, "media")

    def upload(self, path: Path) -> bool:
        """Upload a video file on a worker; False (and ``failed``) for a file type Leonardo
        does not take, sending nothing."""
        try:
            media_extension(path)
        except MediaFileError as exc:
            self.failed.emit(str(exc))
            return False

        def job(token: CancelToken) -> MediaRow:
            client = self._b.client()
            lib_id = upload_video_file(client, None, path)
            size = path.stat().st_size
            self._b.db(lambda lib: lib.remember_media(lib_id, path.name, size)).result(DB_WAIT)
            found = client.get_media(lib_id)
            return MediaRow(lib_id, path.name, size, int(time.time() * 1000), found)

        self._submit(job, self.uploaded.emit, "media upload")
        return True

    def delete(self, media_id: str) -> None:
        """Delete an uploaded video on the server and from the library."""

        def job(token: CancelToken) -> str:
            self._b.client().delete_media(media_id)  # None: already gone
            self._forget(media_id)
            return media_id

        self._submit(job, self.deleted.emit, "media")

    def play(self, row: MediaRow) -> None:
        """Download an uploaded video (once) and say where it is (``playable``)."""
        url = row.media.url if row.media else None
        if not url:
            self.failed.emit(self.tr("This video is not ready on the server yet."))
            return
        path = media_file(self._b.store.root, row.media_id, row.name)

        def job(token: CancelToken) -> Path:
            if not path.is_file():
                data = self._b.client().download(url, max_bytes=MAX_PLAY_BYTES)
                path.parent.mkdir(parents=True, exist_ok=True)
                part = path.with_suffix(path.suffix + ".part")
                part.write_bytes(data)
                part.replace(path)
            return path

        self._submit(job, lambda p: self.playable.emit(row.media_id, p), "media download")

    # -- motion variations ---------------------------------------------------------------------
    def check_video(self, image_id: str) -> None:
        """Ask for one video item's motion variations (when it is opened)."""
        self._submit(lambda token: self._check([image_id]), self.variations_found.emit, "motion")

    def check_library(self) -> None:
        """Ask for the motion variations of the newest videos not asked about lately (after a
        sync)."""

        def job(token: CancelToken) -> int:
            return self._check(self._b.db(lambda lib: lib.videos_to_check()).result(DB_WAIT))

        self._submit(job, self.variations_found.emit, "motion")

    def _check(self, video_ids: list[str]) -> int:
        """On a worker: the network call, then the library write, per video."""
        client = self._b.client()
        added = 0
        for video_id in video_ids:
            found = client.get_motion_variations(video_id)

            def write(lib: Library, vid: str = video_id, rows: Any = found) -> int:
                return record_motion_variations(lib, vid, rows)

            added += self._b.db(write).result(DB_WAIT)
        return added

    def _forget(self, media_id: str) -> None:
        def write(lib: Library) -> None:
            lib.forget_media(media_id)

        self._b.db(write).result(DB_WAIT)


def wire(ctx: Any) -> None:
    """Motion variations are looked for after each sync; new ones show in the gallery."""
    service: MediaService = ctx.media
    ctx.sync.finished.connect(lambda _p: service.check_library())

    def found(count: int) -> None:
        if count:  # new children sit beside their videos (by date): read the rows again
            ctx.gallery_model.reload_keep()

    service.variations_found.connect(found)
