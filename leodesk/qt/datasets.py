"""DatasetService: the user's datasets and their images (create, add files or gallery images,
remove images, delete), uploads run on the network pool with every step stored first on the
database thread (see :class:`leodesk.core.training.DatasetUploader`), so they resume per image.

The API has no call to take one image out of a dataset: removing uploaded images makes a new
dataset of the same name with the others (gallery images copied again by ``upload/gen``, files
uploaded again) and deletes the old one.

Signals: datasets_changed(list[DatasetRecord]), images_changed(str dataset id,
list[DatasetImageRecord]), info(str), error(str), created(str dataset id), busy(bool).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QCoreApplication, QObject, Signal

from leodesk.core import training as tr
from leodesk.core.library.training import UPLOADED
from leodesk.qt.backend import DB_WAIT, Backend
from leodesk.qt.errors import user_message
from leodesk.qt.workers import CancelToken

if TYPE_CHECKING:
    from leodesk.core.library import DatasetImageRecord, Library

T = TypeVar("T")


class _DbStore:
    """:class:`leodesk.core.training.DatasetStore` on the database thread."""

    def __init__(self, backend: Backend) -> None:
        self._b = backend

    def dataset_images(self, dataset_id: str) -> list[DatasetImageRecord]:
        return self._b.db(lambda lib: lib.dataset_images(dataset_id)).result(DB_WAIT)

    def set_dataset_image(
        self,
        local_id: int,
        state: str,
        *,
        remote_id: str | None = None,
        url: str | None = None,
        error: str | None = None,
    ) -> None:
        self._b.db(
            lambda lib: lib.set_dataset_image(
                local_id, state, remote_id=remote_id, url=url, error=error
            )
        ).result(DB_WAIT)


class DatasetService(QObject):
    datasets_changed = Signal(object)
    images_changed = Signal(str, object)
    info = Signal(str)
    error = Signal(str)
    created = Signal(str)
    busy = Signal(bool)

    def __init__(self, backend: Backend, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._b = backend
        self._running = 0

    # -- plumbing -----------------------------------------------------------------------------
    def _db(self, fn: Callable[[Library], T]) -> T:
        return self._b.db(fn).result(DB_WAIT)

    def _work(self, fn: Callable[[CancelToken], Any], then: Callable[[Any], None]) -> None:
        self._running += 1
        self.busy.emit(True)

        def done(result: Any) -> None:
            self._end()
            then(result)

        def failed(exc: BaseException) -> None:
            self._end()
            self.error.emit(user_message(exc))
            self.reload()

        self._b.pools.submit(fn, on_result=done, on_error=failed, name="datasets")

    def _end(self) -> None:
        self._running -= 1
        if not self._running:
            self.busy.emit(False)

    # -- reading ------------------------------------------------------------------------------
    def reload(self) -> None:
        self._b.pools.submit(
            lambda t: self._db(lambda lib: lib.datasets()),
            pool="network",
            on_result=self.datasets_changed.emit,
            name="datasets",
        )

    def load_images(self, dataset_id: str) -> None:
        self._b.pools.submit(
            lambda t: self._db(lambda lib: lib.dataset_images(dataset_id)),
            on_result=lambda images: self.images_changed.emit(dataset_id, images),
            name="dataset images",
        )

    def _changed(self, dataset_id: str) -> None:
        self.reload()
        self.load_images(dataset_id)

    def _told(self, dataset_id: str, text: str) -> None:
        self._changed(dataset_id)
        self.info.emit(text)

    def _created(self, dataset_id: str) -> None:
        self.reload()
        self.created.emit(dataset_id)

    # -- changes ------------------------------------------------------------------------------
    def create(self, name: str, description: str | None = None) -> None:
        def job(token: CancelToken) -> str:
            ds_id = self._b.client().create_dataset(name, description or None)
            self._db(lambda lib: lib.add_dataset(ds_id, name, description or None))
            return ds_id

        self._work(job, self._created)

    def add_paths(self, dataset_id: str, paths: list[Path]) -> None:
        """Files and folders: the images are added and uploaded, the rest listed."""

        def job(token: CancelToken) -> str:
            sort = tr.collect_files(paths)
            added = self._db(lambda lib: tr.add_files(lib, dataset_id, sort.images))
            report = self._upload(dataset_id, token)
            return _summary(added, len(sort.images) - added, report, sort)

        self._work(job, lambda text: self._told(dataset_id, text))

    def add_gallery(self, dataset_id: str, image_ids: list[str]) -> None:
        """Gallery images join the dataset by ``upload/gen`` (no re-upload)."""

        def job(token: CancelToken) -> str:
            def write(lib: Library) -> int:
                return sum(lib.add_dataset_generated(dataset_id, i) for i in image_ids)

            added = self._db(write)
            report = self._upload(dataset_id, token)
            return _summary(added, len(image_ids) - added, report, tr.FileSort())

        self._work(job, lambda text: self._told(dataset_id, text))

    def resume_uploads(self) -> None:
        """After a start: the images a previous run did not finish sending."""

        def job(token: CancelToken) -> None:
            for ds in self._db(lambda lib: lib.datasets()):
                if ds.uploaded < ds.images:
                    self._upload(ds.id, token)

        self._work(job, lambda _r: self.reload())

    def _upload(self, dataset_id: str, token: CancelToken) -> tr.UploadReport:
        def tell(_rec: Any) -> None:
            self.images_changed.emit(dataset_id, _DbStore(self._b).dataset_images(dataset_id))

        uploader = tr.DatasetUploader(
            _DbStore(self._b), self._b.client(), on_image=tell, cancelled=lambda: token.cancelled
        )
        report = uploader.run(dataset_id)
        tr.refresh_urls(_DbStore(self._b), self._b.client(), dataset_id)
        return report

    def remove_images(self, dataset_id: str, local_ids: list[int]) -> None:
        def job(token: CancelToken) -> str:
            images = self._db(lambda lib: lib.dataset_images(dataset_id))
            gone = [r for r in images if r.local_id in local_ids]
            if all(r.state != UPLOADED for r in gone):
                ids = [r.local_id for r in gone]
                self._db(lambda lib: lib.remove_dataset_images(ids))
                return dataset_id
            return self._rebuild(dataset_id, [r for r in images if r.local_id not in local_ids])

        self._work(job, self._changed)

    def _rebuild(self, dataset_id: str, keep: list[DatasetImageRecord]) -> str:
        record = self._db(lambda lib: lib.get_dataset_record(dataset_id))
        name = record.name if record is not None else self.tr("Dataset")
        description = record.description if record is not None else None
        client = self._b.client()
        new_id = client.create_dataset(name, description)

        def write(lib: Library) -> None:
            lib.add_dataset(new_id, name, description)
            for r in keep:
                if r.source == "gen" and r.gen_image_id:
                    lib.add_dataset_generated(new_id, r.gen_image_id)
                elif r.path and r.sha256 and r.ext:
                    lib.add_dataset_file(new_id, r.path, r.sha256, r.ext)

        self._db(write)
        tr.DatasetUploader(_DbStore(self._b), client).run(new_id)
        client.delete_dataset(dataset_id)
        self._db(lambda lib: lib.remove_dataset(dataset_id))
        self.created.emit(new_id)
        return new_id

    def delete(self, dataset_id: str) -> None:
        def job(token: CancelToken) -> None:
            self._b.client().delete_dataset(dataset_id)
            self._db(lambda lib: lib.remove_dataset(dataset_id))

        self._work(job, lambda _r: self.reload())

    def server_count(self, dataset_id: str, then: Callable[[int], None]) -> None:
        """How many images the dataset holds on the server (checked before a training)."""
        self._work(lambda t: tr.refresh_urls(_DbStore(self._b), self._b.client(), dataset_id), then)


def _summary(added: int, again: int, report: tr.UploadReport, sort: tr.FileSort) -> str:
    added_text = (
        QCoreApplication.translate("DatasetService", "Added {n} image.")
        if report.uploaded == 1
        else QCoreApplication.translate("DatasetService", "Added {n} images.")
    )
    parts = [added_text.format(n=report.uploaded)]
    if again:
        parts.append(
            QCoreApplication.translate("DatasetService", "{n} already in the dataset.").format(
                n=again
            )
        )
    if report.failed:
        failed = "; ".join(f"{n}: {m}" for n, m in report.failed[:5])
        parts.append(
            QCoreApplication.translate(
                "DatasetService", "Not uploaded ({n}): {failed} (they are tried again)."
            ).format(n=len(report.failed), failed=failed)
        )
    if sort.refused:
        listed = "; ".join(f"{p.name} ({why})" for p, why in sort.refused[:8])
        if len(sort.refused) > 8:
            text = QCoreApplication.translate(
                "DatasetService", "Not added ({n}): {listed} and {more} more."
            ).format(n=len(sort.refused), listed=listed, more=len(sort.refused) - 8)
        else:
            text = QCoreApplication.translate(
                "DatasetService", "Not added ({n}): {listed}."
            ).format(n=len(sort.refused), listed=listed)
        parts.append(text)
    return " ".join(parts)
