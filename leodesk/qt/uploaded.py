"""UploadedImagesService: the init images this library uploaded (its upload cache), each looked
up on the server (``GET /init-image/{id}``) for its picture, and deleted on request
(``DELETE /init-image/{id}``) and from the cache, so a later use uploads it afresh."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from leodesk.core.library import Library
from leodesk.qt.backend import DB_WAIT, Backend
from leodesk.qt.errors import user_message
from leodesk.qt.workers import CancelToken


@dataclass(frozen=True)
class Uploaded:
    """An uploaded init image: its id, its picture's URL (None: not told), when it was sent."""

    init_image_id: str
    url: str | None
    uploaded_ms: int


class UploadedImagesService(QObject):
    """Signals: listed(list[Uploaded]), deleted(str id), failed(str message)."""

    listed = Signal(object)
    deleted = Signal(str)
    failed = Signal(str)

    def __init__(self, backend: Backend, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._b = backend

    def load(self) -> None:
        """List the cache's uploads; those gone from the server are dropped from the cache."""

        def job(token: CancelToken) -> list[Uploaded]:
            client = self._b.client()
            out: list[Uploaded] = []
            for init_id, when in self._b.db(lambda lib: lib.uploads()).result(DB_WAIT):
                if token.cancelled:
                    break
                found = client.get_init_image(init_id)
                if found is None:
                    self._forget(init_id)
                    continue
                out.append(Uploaded(init_id, found.url, when))
            return out

        self._b.pools.submit(
            job,
            on_result=self.listed.emit,
            on_error=lambda e: self.failed.emit(user_message(e)),
            name="uploaded",
        )

    def delete(self, init_image_id: str) -> None:
        """Delete one uploaded image on the server and from the cache."""

        def job(token: CancelToken) -> str:
            self._b.client().delete_init_image(init_image_id)  # None: already gone
            self._forget(init_image_id)
            return init_image_id

        self._b.pools.submit(
            job,
            on_result=self.deleted.emit,
            on_error=lambda e: self.failed.emit(user_message(e)),
            name="uploaded",
        )

    def _forget(self, init_image_id: str) -> None:
        def write(lib: Library) -> None:
            lib.forget_upload(init_image_id)

        self._b.db(write).result(DB_WAIT)
