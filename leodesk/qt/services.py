"""Services: QObjects that run core work on the backend's pools and report typed signals.

Background code never touches widgets: workers call core functions and the results come back to
the GUI thread as signals carrying frozen dataclasses or plain values.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal
from PySide6.QtGui import QImage

from leodesk.core.catalog import ModelInfo, carry_facts, needing_facts
from leodesk.core.credits import CreditLedger
from leodesk.core.export import export
from leodesk.core.imagestore import verify_image
from leodesk.core.library import Library
from leodesk.core.sync import Phase, Syncer, SyncProgress
from leodesk.qt.backend import DB_WAIT, Backend
from leodesk.qt.errors import user_message
from leodesk.qt.imaging import decode
from leodesk.qt.queue import JobView as JobView  # the job strip's payload, imported from here too
from leodesk.qt.workers import CancelToken

if TYPE_CHECKING:
    from leodesk.core.library import Library, Pick

log = logging.getLogger("leodesk.services")


# ---------------------------------------------------------------------------------------------
class CatalogService(QObject):
    """The model lists and each model's facts, kept in the library.

    :meth:`refresh` reads the lists; the facts (version, size, status) that the lists lack are
    then read from each model's own record (``GET /models/{id}``), :data:`FACTS_AT_ONCE` at a
    time in the background, and cached with the list. A model whose record cannot be read stays
    usable with an unknown version and is asked for again on the next refresh.

    Signals: models_ready(str kind, list[ModelInfo]) (again when facts arrive),
    favourites_ready(set), failed(str).
    """

    models_ready = Signal(str, object)
    favourites_ready = Signal(object)
    failed = Signal(str)

    #: How many model records are read at the same time.
    FACTS_AT_ONCE = 3

    def __init__(self, backend: Backend, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._b = backend
        self._facts_workers = 0  # facts readers still running (GUI thread only)
        self._facts_again: dict[str, list[ModelInfo]] | None = None

    def load_cached(self) -> None:
        """Fill the browser from the library at once (the last refresh's lists and facts)."""
        for kind in ("platform", "own"):
            self.models_ready.emit(kind, self._b.reader.load_models(kind))
        self.favourites_ready.emit(self._b.reader.model_favourites())

    def refresh(self) -> None:
        def job(token: CancelToken) -> dict[str, list[ModelInfo]]:
            client = self._b.client()
            platform = [_platform_info(m) for m in client.list_platform_models() if m.id]
            user_id = client.get_me().user_id
            own = (
                [_own_info(m) for m in client.list_user_models(user_id) if m.id] if user_id else []
            )
            result: dict[str, list[ModelInfo]] = {}
            for kind, models in (("platform", platform), ("own", own)):

                def write(
                    lib: Library, k: str = kind, m: list[ModelInfo] = models
                ) -> list[ModelInfo]:
                    fresh = carry_facts(m, lib.load_models(k))
                    lib.save_models(k, fresh)
                    return fresh

                result[kind] = self._b.db(write).result(DB_WAIT)
            return result

        def done(result: dict[str, list[ModelInfo]]) -> None:
            for kind, models in result.items():
                self.models_ready.emit(kind, models)
            self._read_facts(result)

        self._b.pools.submit(
            job, on_result=done, on_error=lambda e: self.failed.emit(user_message(e)), name="models"
        )

    def _read_facts(self, lists: dict[str, list[ModelInfo]]) -> None:
        """Read the records of the listed models whose facts are not cached (GUI thread)."""
        if self._facts_workers:
            self._facts_again = lists  # after the pass under way
            return
        todo = deque((kind, m) for kind, models in lists.items() for m in needing_facts(models))
        if not todo:
            return
        lock = threading.Lock()

        def read(token: CancelToken) -> set[str]:
            client = self._b.client()
            got: list[tuple[str, ModelInfo]] = []
            while not token.cancelled:
                with lock:
                    if not todo:
                        break
                    kind, model = todo.popleft()
                try:
                    record = client.get_model(model.id)
                except Exception as exc:  # the model stays usable, its version unknown
                    log.info("the facts of model %s could not be read: %s", model.id, exc)
                    continue
                if record is None:
                    log.info("the API has no record of model %s", model.id)
                    continue
                got.append(
                    (
                        kind,
                        model.with_facts(
                            sd_version=record.sd_version,
                            width=record.model_width,
                            height=record.model_height,
                            status=record.status,
                        ),
                    )
                )
            kinds = {kind for kind, _ in got}
            if got:

                def write(lib: Library) -> None:
                    for k in kinds:
                        lib.update_models(k, [m for kind, m in got if kind == k])

                self._b.db(write).result(DB_WAIT)
            return kinds

        changed: set[str] = set()

        def ended(kinds: set[str] | None) -> None:
            changed.update(kinds or ())
            self._facts_workers -= 1
            if self._facts_workers:
                return
            for kind in sorted(changed):
                self.models_ready.emit(kind, self._b.reader.load_models(kind))
            again, self._facts_again = self._facts_again, None
            if again is not None:
                self._read_facts({kind: self._b.reader.load_models(kind) for kind in again})

        def failed(exc: BaseException) -> None:
            log.info("reading model facts stopped: %s", exc)
            ended(None)

        workers = min(self.FACTS_AT_ONCE, len(todo))
        self._facts_workers = workers
        for _ in range(workers):
            self._b.pools.submit(read, on_result=ended, on_error=failed, name="model-facts")

    def set_favourite(self, model_id: str, on: bool) -> None:
        def job(token: CancelToken) -> set[str]:
            def write(lib: Library) -> set[str]:
                lib.set_model_favourite(model_id, on)
                return set(lib.model_favourites())

            return self._b.db(write).result(DB_WAIT)

        self._b.pools.submit(
            job,
            on_result=self.favourites_ready.emit,
            on_error=lambda e: self.failed.emit(user_message(e)),
        )


def _platform_info(m: Any) -> ModelInfo:
    """A ``/platformModels`` item; its facts come from the model's record afterwards (the list
    is not known to carry them: the spec lists no ``sdVersion`` or size there)."""
    return ModelInfo(
        id=m.id,
        name=m.name or m.id,
        kind="platform",
        description=m.description or "",
        sd_version=m.sd_version,
        featured=bool(m.featured),
        nsfw=bool(m.nsfw),
        thumbnail_url=m.thumbnail_url,
        width=m.model_width,
        height=m.model_height,
    )


def _own_info(m: Any) -> ModelInfo:
    """A ``/models/user/{userId}`` row: the model's whole record, facts included."""
    info = ModelInfo(
        id=m.id,
        name=m.name or m.id,
        kind="own",
        description=m.description or "",
    )
    if m.sd_version is None:  # a row without its version: read the record itself
        return info
    return info.with_facts(
        sd_version=m.sd_version, width=m.model_width, height=m.model_height, status=m.status
    )


# ---------------------------------------------------------------------------------------------
class PricingService(QObject):
    """Signals: cost_ready(object key, object cost: int | None)."""

    cost_ready = Signal(object, object)

    def __init__(self, backend: Backend, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._b = backend
        self._cache: dict[Any, int] = {}

    def query(self, key: Any, request: Any) -> None:
        if key in self._cache:
            self.cost_ready.emit(key, self._cache[key])
            return

        def job(token: CancelToken) -> tuple[Any, int]:
            return key, int(self._b.client().price(request))

        def done(result: tuple[Any, int]) -> None:
            self._cache[result[0]] = result[1]
            self.cost_ready.emit(*result)

        self._b.pools.submit(
            job, on_result=done, on_error=lambda e: self.cost_ready.emit(key, None), name="price"
        )


class PromptService(QObject):
    """Signals: prompt_ready(str), failed(str), busy(bool)."""

    prompt_ready = Signal(str)
    failed = Signal(str)
    busy = Signal(bool)

    def __init__(self, backend: Backend, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._b = backend

    def _run(self, fn: Callable[[Any], Any]) -> None:
        self.busy.emit(True)

        def job(token: CancelToken) -> str:
            return str(fn(self._b.client()).prompt or "")

        def done(text: str) -> None:
            self.busy.emit(False)
            if text:
                self.prompt_ready.emit(text)
            else:
                self.failed.emit(
                    QCoreApplication.translate(
                        "PromptService", "The server returned an empty prompt."
                    )
                )

        def error(exc: BaseException) -> None:
            self.busy.emit(False)
            self.failed.emit(user_message(exc))

        self._b.pools.submit(job, on_result=done, on_error=error, name="prompt")

    def random(self) -> None:
        self._run(lambda c: c.random_prompt())

    def improve(self, prompt: str, instructions: str = "") -> None:
        """Improve ``prompt``, the way ``instructions`` says when given (``promptInstructions``)."""
        self._run(lambda c: c.improve_prompt(prompt, instructions.strip() or None))


class ImageLoader(QObject):
    """Full-size images for the viewer, decoded off the GUI thread.

    Signals: loaded(str image id, QImage), failed(str image id, str message).
    """

    loaded = Signal(str, QImage)
    failed = Signal(str, str)

    def __init__(self, backend: Backend, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._b = backend

    stored = Signal(str)  # image id: a full image was downloaded into the store

    def load(self, image_id: str, path: Path | None, url: str | None) -> None:
        """Decode the image; one that is not on this computer yet is downloaded into the
        content-addressed store first (and recorded in the library), so it opens offline next
        time."""
        backend = self._b
        fetched: list[bool] = []

        def job(token: CancelToken) -> tuple[str, QImage]:
            if path is not None and path.exists():
                image = decode(path)
            elif url:
                data = backend.client().download(url)
                info = verify_image(data)
                kept = backend.store.put(data, info.ext)
                backend.db(lambda lib: lib.set_image_file(image_id, kept.sha256, kept.ext)).result(
                    DB_WAIT
                )
                fetched.append(True)
                image = decode(data)
            else:
                raise FileNotFoundError(self.tr("the image is not on this computer yet"))
            if image.isNull():
                raise ValueError(self.tr("the image file cannot be decoded"))
            return image_id, image

        def done(r: tuple[str, QImage]) -> None:
            if fetched:
                self.stored.emit(image_id)
            self.loaded.emit(*r)

        self._b.pools.submit(
            job,
            pool="thumbs",
            on_result=done,
            on_error=lambda e: self.failed.emit(image_id, user_message(e)),
            name="image",
        )


@dataclass(frozen=True)
class AccountState:
    username: str | None
    user_id: str | None
    credits: int | None  # apiSubscriptionTokens + apiPaidTokens; may be negative
    slots: int | None
    checked_at: float
    renewal_date: str | None = None  # apiPlanTokenRenewalDate, as the API sent it


class AccountService(QObject):
    """The account (``/me``) and what this run spent.

    ``refresh()`` asks ``/me`` again; calls while one is under way make one more afterwards, so
    the last answer is never older than the last call (a refund right after a job shows).
    ``charge(key, cost)`` / ``refund(key)`` keep the ledger of this run's jobs (see
    :mod:`leodesk.core.credits`).

    Signals: loaded(AccountState), failed(str), spent_changed(Spending).
    """

    loaded = Signal(object)
    failed = Signal(str)
    spent_changed = Signal(object)

    def __init__(self, backend: Backend, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._b = backend
        self.ledger = CreditLedger()
        self.first: AccountState | None = None  # the first balance this run saw
        self.last: AccountState | None = None
        self._asking = False
        self._again = False

    def refresh(self) -> None:
        if self._asking:
            self._again = True
            return
        self._asking = True

        def job(token: CancelToken) -> AccountState:
            me = self._b.client().get_me()
            return AccountState(
                me.username,
                me.user_id,
                me.api_credits,
                me.api_concurrency_slots,
                time.time(),
                me.api_plan_token_renewal_date,
            )

        self._b.pools.submit(job, on_result=self._loaded, on_error=self._failed, name="me")

    def _settled(self) -> None:
        self._asking = False
        if self._again:
            self._again = False
            self.refresh()

    def _loaded(self, state: AccountState) -> None:
        if state.credits is not None and (
            self.first is None or self.first.user_id != state.user_id  # another key's account
        ):
            self.first = state
        self.last = state
        self.loaded.emit(state)
        self._settled()

    def _failed(self, exc: BaseException) -> None:
        self.failed.emit(user_message(exc))
        self._settled()

    def charge(self, key: str, cost: int) -> None:
        """A job this run sent was charged ``cost`` credits (the API's ``apiCreditCost``); the
        balance is read again to show it."""
        if self.ledger.charge(key, cost):
            self.spent_changed.emit(self.ledger.snapshot())
            self.refresh()

    def refund(self, key: str) -> None:
        """Job ``key`` ended FAILED on the server: its charge is refunded (the balance is read
        again when the job's end is reported)."""
        if self.ledger.refund(key):
            self.spent_changed.emit(self.ledger.snapshot())


class SyncService(QObject):
    """Runs a library sync in the background.

    Signals: started(), progress(SyncProgress), finished(SyncProgress), stored() (a page of
    generations reached the library: the gallery can show it).
    """

    started = Signal()
    progress = Signal(object)
    finished = Signal(object)
    stored = Signal()

    def __init__(self, backend: Backend, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._b = backend
        self._worker: Any = None
        # Its own flag, not the worker's token: a cancelled sync still reports how it ended.
        self._cancel = threading.Event()
        self.page_size = 50
        self.min_interval = 0.05
        self.full_after_days = 7.0

    @property
    def running(self) -> bool:
        return self._worker is not None

    def start(self, *, images: bool = False, full: bool = False) -> bool:
        """Start a sync; False if one runs. A full pass (which also notices generations deleted
        on the server) when ``full``, when none completed yet, or when the last one is older
        than ``full_after_days``; an incremental pass otherwise."""
        if self._worker is not None:
            return False
        last = [0]

        def report(p: Any) -> None:  # on the worker: signals only
            self.progress.emit(p)
            if p.generations != last[0]:  # rises once a page is committed
                last[0] = p.generations
                self.stored.emit()

        def job(token: CancelToken) -> Any:
            syncer = Syncer(
                self._b.client(),
                self._b.db_proxy(),
                page_size=self.page_size,
                min_interval=self.min_interval,
                on_progress=report,
                cancelled=lambda: self._cancel.is_set() or token.cancelled,
                full_after_days=self.full_after_days,
            )
            result = syncer.full() if full else syncer.sync()
            if images and result.ok and not self._cancel.is_set():
                result = syncer.download_images(self._b.store)
            return result

        self._cancel.clear()
        self.started.emit()
        self._worker = self._b.pools.submit(
            job, on_result=self._done, on_error=self._failed, name="sync"
        )
        return True

    def cancel(self) -> None:
        self._cancel.set()

    def _done(self, result: Any) -> None:
        self._worker = None
        self.stored.emit()
        self.finished.emit(result)

    def _failed(self, exc: BaseException) -> None:
        self._worker = None
        self.finished.emit(SyncProgress(Phase.FAILED, message=user_message(exc)))


class ExportService(QObject):
    """Exports images (PNG + parameters + JSON sidecar) to a folder in the background.

    Signals: progress(int done, int total), finished(list[str] written paths, str message).
    """

    progress = Signal(int, int)
    finished = Signal(object, str)

    def __init__(self, backend: Backend, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._b = backend
        self._worker: Any = None

    def export(self, items: list[Any], dest: Path) -> None:
        def job(token: CancelToken) -> list[str]:
            written = export(
                items,
                dest,
                on_progress=lambda n, total: self.progress.emit(n, total),
                cancelled=lambda: token.cancelled,
            )
            return [str(p) for p in written]

        def done(paths: list[str]) -> None:
            self._worker = None
            self.finished.emit(
                paths, self.tr("Exported {n} image(s) to {dest}").format(n=len(paths), dest=dest)
            )

        def error(exc: BaseException) -> None:
            self._worker = None
            self.finished.emit([], self.tr("Export failed: {why}").format(why=user_message(exc)))

        self._worker = self._b.pools.submit(job, on_result=done, on_error=error, name="export")

    def cancel(self) -> None:
        if self._worker is not None:
            self._worker.token.cancel()
            self._worker = None
            self.finished.emit([], self.tr("Export cancelled"))


class CurationService(QObject):
    """Favourites, ratings, picks and collections: written on the database thread.

    Signals: changed(list[str] image ids), collections_changed(list), failed(str).
    """

    changed = Signal(object)
    collections_changed = Signal(object)
    failed = Signal(str)

    def __init__(self, backend: Backend, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._b = backend

    def _write(self, fn: Callable[[Any], Any], ids: list[str]) -> None:
        future = self._b.db(fn)

        def job(token: CancelToken) -> list[str]:
            future.result(DB_WAIT)
            return ids

        self._b.pools.submit(
            job,
            on_result=self.changed.emit,
            on_error=lambda e: self.failed.emit(user_message(e)),
            name="curate",
        )

    def set_favourite(self, ids: list[str], on: bool) -> None:
        self._write(lambda lib: lib.set_favourite(ids, on), ids)

    def set_rating(self, ids: list[str], rating: int) -> None:
        self._write(lambda lib: lib.set_rating(ids, rating), ids)

    def set_pick(self, ids: list[str], state: Pick | None) -> None:
        self._write(lambda lib: lib.set_pick(ids, state), ids)

    def add_to_collection(self, ids: list[str], name: str) -> None:
        def write(lib: Library) -> None:
            existing = {c.name: c.id for c in lib.collections()}
            cid = existing.get(name)
            if cid is None:
                cid = lib.create_collection(name)
            lib.add_to_collection(cid, ids)

        self._write(write, ids)
        self.refresh_collections()

    def refresh_collections(self) -> None:
        future = self._b.db(lambda lib: lib.collections())

        def job(token: CancelToken) -> list[Any]:
            return list(future.result(DB_WAIT))

        self._b.pools.submit(
            job,
            on_result=self.collections_changed.emit,
            on_error=lambda e: self.failed.emit(user_message(e)),
        )


@dataclass(frozen=True)
class PendingDelete:
    """Images hidden now, deleted for good when the undo window closes."""

    image_ids: tuple[str, ...]
    whole_generations: tuple[str, ...]  # generations all of whose images are in the delete
    partial_images: int = 0  # images whose generation keeps others: hidden, not deleted remotely
    local_generations: tuple[
        str, ...
    ] = ()  # kept on this computer only: nothing to delete remotely


def _image_ids_of(lib: Library, generation_ids: Any) -> list[str]:
    out: list[str] = []
    for gid in generation_ids:
        record = lib.get_generation(gid)
        if record is not None:
            out += [im.id for im in record.images]
    return out


def _pending(lib: Library, ids: list[str]) -> PendingDelete:
    """Which generations of the (already marked) images can go: those with every image marked."""
    whole, local, partial = [], [], 0
    for gid in lib.generation_ids_for(ids):
        record = lib.get_generation(gid)
        if record is None:
            continue
        if record.local:
            local.append(gid)
        elif all(im.deleted_local for im in record.images):
            whole.append(gid)
        else:
            partial += sum(1 for im in record.images if im.id in ids)
    return PendingDelete(tuple(ids), tuple(whole), partial, tuple(local))


class DeleteService(QObject):
    """Delete with undo: hide at once, then (after ``undo_seconds``) delete on the server and
    remove the files. The server deletes whole generations; images of a generation only partly
    deleted stay hidden here and stay on the account.

    Signals: hidden(PendingDelete), restored(list[str]), done(str message), failed(str message).
    """

    hidden = Signal(object)
    restored = Signal(object)
    done = Signal(str)
    failed = Signal(str)
    progress = Signal(int, int)  # generations deleted on the server so far, of how many

    def __init__(self, backend: Backend, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._b = backend
        self.undo_seconds = 6.0
        self.pending: PendingDelete | None = None
        self._committing: threading.Event | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.commit)

    def _run(self, fn: Callable[[Any], Any], on_result: Callable[[Any], None], name: str) -> None:
        future = self._b.db(fn)
        self._b.pools.submit(
            lambda token: future.result(DB_WAIT),
            on_result=on_result,
            on_error=lambda e: self.failed.emit(user_message(e)),
            name=name,
        )

    def delete(self, image_ids: list[str]) -> None:
        """Hide ``image_ids`` now; commit after the undo window (a previous one commits first)."""
        if self.pending is not None:
            self.commit()
        ids = list(dict.fromkeys(image_ids))

        def write(lib: Library) -> PendingDelete:
            lib.mark_deleted_local(ids, True)
            return _pending(lib, ids)

        def hidden(p: PendingDelete) -> None:
            self.pending = p
            self._timer.start(int(self.undo_seconds * 1000))
            self.hidden.emit(p)

        self._run(write, hidden, "delete")

    def resume(self) -> None:
        """Finish deletes a previous run left (it closed inside the undo window)."""

        def read(lib: Library) -> PendingDelete:
            return _pending(lib, list(lib.deleted_local_ids()))

        def go(p: PendingDelete) -> None:
            if p.whole_generations:
                self.commit_now(p)

        self._run(read, go, "resume deletes")

    def undo(self) -> None:
        p, self.pending = self.pending, None
        self._timer.stop()
        if p is None:
            return
        ids = list(p.image_ids)
        self._run(
            lambda lib: (lib.mark_deleted_local(ids, False), ids)[1],
            self.restored.emit,
            "undo delete",
        )

    def commit(self) -> None:
        """Delete the pending generations on the server, then their rows and files."""
        p, self.pending = self.pending, None
        self._timer.stop()
        if p is not None:
            self.commit_now(p)

    def wait_committed(self, timeout: float) -> bool:
        """Wait (bounded) for the server deletes under way, e.g. when the app closes."""
        done = self._committing
        return done is None or done.wait(timeout)

    def commit_now(self, p: PendingDelete) -> None:
        store = self._b.store
        finished = self._committing = threading.Event()

        def job(token: CancelToken) -> str:
            try:
                return run()
            finally:
                finished.set()

        def run() -> str:
            client = self._b.client()
            deleted: list[str] = []
            errors: list[str] = []
            total = len(p.whole_generations)
            for n, gid in enumerate(p.whole_generations, start=1):
                try:
                    client.delete_generation(gid)
                    deleted.append(gid)
                except Exception as exc:  # the others still go; this one comes back
                    errors.append(user_message(exc))
                if total > 1:
                    self.progress.emit(n, total)
            failed = [g for g in p.whole_generations if g not in deleted]

            def finish(lib: Library) -> list[Any]:
                lib.mark_deleted_local(_image_ids_of(lib, failed), False)
                gone = _image_ids_of(lib, deleted) + _image_ids_of(lib, p.local_generations)
                return list(lib.purge_deleted(gone))

            for ref in self._b.db(finish).result(DB_WAIT):
                store.path_for(ref.sha256, ref.ext).unlink(missing_ok=True)
            parts = []
            if deleted:
                parts.append(
                    self.tr("Deleted %n generation(s) from your account", "", len(deleted))
                )
            if p.local_generations:
                parts.append(
                    self.tr(
                        "Deleted %n picture(s) kept on this computer", "", len(p.local_generations)
                    )
                )
            if p.partial_images:
                parts.append(
                    self.tr(
                        "%n image(s) hidden here: their generations keep other "
                        "images, and the API deletes whole generations only",
                        "",
                        p.partial_images,
                    )
                )
            text = "; ".join(parts) or self.tr("Nothing to delete")
            if errors:
                raise RuntimeError(
                    self.tr("Could not delete on the server, shown again: {error}").format(
                        error=errors[0]
                    )
                )
            return text

        self._b.pools.submit(
            job,
            on_result=self.done.emit,
            on_error=lambda e: self.failed.emit(user_message(e)),
            name="delete on server",
        )


class MonthsService(QObject):
    """Images per month for the date scrubber, counted off the GUI thread.

    Signals: ready(list[tuple[str, int]]).
    """

    ready = Signal(object)

    def __init__(self, backend: Backend, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._b = backend

    def refresh(self) -> None:
        path = self._b.paths.library_db

        def job(token: CancelToken) -> list[tuple[str, int]]:
            reader = Library.open_readonly(path)
            try:
                return reader.month_counts()
            finally:
                reader.close()

        self._b.pools.submit(job, on_result=self.ready.emit, name="months")
