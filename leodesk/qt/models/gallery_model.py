"""GalleryModel: every image of the library, newest first, holding ids only.

``rowCount`` is the whole count of images matching the filter, so the scroll bar spans the
library and a drag reaches any of it. The first page of ids is read at once; the count, the
other pages and the per-row details (prompt, size, file) are read on a reader thread as the view
paints rows, newest request first, and kept (details in a bounded cache). The delegate asks one
role per cell (``CELL_ROLE``: picture and details from memory); a cell whose ids or details are
not there yet paints a placeholder until they arrive. Thumbnails that arrive within one frame
are repainted together.

Reading never raises into a paint: a library read that fails (a damaged file) gives empty pages
and placeholder cells, is logged once (not once per paint) and is reported once through
``read_failed`` so the app can say what happened; rows whose details could not be read are not
read again until the source changes.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)

from leodesk.core.search import Filter
from leodesk.qt.thumbnails import ThumbnailLoader, key_for

log = logging.getLogger("leodesk.gallery")

IMAGE_ID_ROLE = Qt.ItemDataRole.UserRole + 1
RECORD_ROLE = Qt.ItemDataRole.UserRole + 2
PATH_ROLE = Qt.ItemDataRole.UserRole + 3
#: What the delegate paints, in one call: (QPixmap or None, ImageRecord or None), memory only.
CELL_ROLE = Qt.ItemDataRole.UserRole + 4
FRAME_MS = 16  # thumbnails that arrive within one frame are repainted together
_CHUNK = 100  # rows whose details are read together
KEEP_PAGES = 16  # the ids of this many pages stay in memory (a drag through 100k leaves no trail)
_EMPTY: tuple[None, None] = (None, None)
# What changes when ids, details or a picture arrive (never the size hint: no relayout needed).
_SHOWN = [
    CELL_ROLE,
    IMAGE_ID_ROLE,
    RECORD_ROLE,
    PATH_ROLE,
    Qt.ItemDataRole.DecorationRole,
    Qt.ItemDataRole.ToolTipRole,
    Qt.ItemDataRole.AccessibleTextRole,
]
_RECORD_ROLES = frozenset(
    {
        RECORD_ROLE,
        PATH_ROLE,
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.AccessibleTextRole,
    }
)
IMAGE_IDS_MIME = "application/x-leodesk-image-ids"
_FLAGS = (
    Qt.ItemFlag.ItemIsEnabled
    | Qt.ItemFlag.ItemIsSelectable
    | Qt.ItemFlag.ItemIsDragEnabled
    | Qt.ItemFlag.ItemNeverHasChildren
)

if TYPE_CHECKING:
    from leodesk.core.library import ImageRecord

_Index = QModelIndex | QPersistentModelIndex


class GallerySource(Protocol):
    def image_ids_page(
        self, offset: int, limit: int, *, filter: Any = None, after: str | None = None
    ) -> list[str]: ...
    def image_records(self, ids: list[str]) -> dict[str, ImageRecord]: ...
    def count_images(self, *, filter: Any = None) -> int: ...


class _Detached:
    """The source after :meth:`GalleryModel.detach`: nothing to list."""

    def image_ids_page(
        self, offset: int, limit: int, *, filter: Any = None, after: str | None = None
    ) -> list[str]:
        return []

    def image_records(self, ids: list[str]) -> dict[str, ImageRecord]:
        return {}

    def count_images(self, *, filter: Any = None) -> int:
        return 0


class _Reader:
    """One daemon thread that runs the model's library reads (pages of ids, counts, records)
    newest request first, so the GUI thread never waits for SQLite while painting. Results come
    back through the model's ``_loaded`` signal (queued to the GUI thread)."""

    def __init__(self, deliver: Callable[[object], None], *, keep: int = 12) -> None:
        self._deliver = deliver
        self._jobs: deque[tuple[Callable[[], object], Callable[[], None] | None]] = deque()
        self._keep = keep  # older requests than this many are dropped (scrolled past)
        self._cond = threading.Condition()
        self._closed = False
        self._thread: threading.Thread | None = None

    def submit(self, job: Callable[[], object], on_drop: Callable[[], None] | None = None) -> None:
        """Run ``job`` on the thread; ``on_drop`` is called here (the caller's thread) if the
        job is dropped unrun, so that what it was for can be asked again."""
        dropped = []
        with self._cond:
            if self._closed:
                return
            self._jobs.append((job, on_drop))
            while len(self._jobs) > self._keep:
                dropped.append(self._jobs.popleft()[1])
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="gallery-reader", daemon=True
                )
                self._thread.start()
            self._cond.notify()
        for callback in dropped:
            if callback is not None:
                callback()

    def clear(self) -> None:
        with self._cond:
            self._jobs.clear()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._jobs.clear()
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._jobs and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                job, _on_drop = self._jobs.pop()  # newest first: the rows on screen now
            try:
                result = job()
            except Exception as exc:  # reported on the GUI thread
                result = exc
            try:
                self._deliver(result)
            except RuntimeError:  # the model is gone (the app is closing)
                return


@dataclass(frozen=True)
class _Done:
    epoch: int
    kind: str  # "page" | "count" | "records"
    key: object  # page number, None, or (chunk number, records generation)
    value: object  # list[str] | int | dict[str, ImageRecord] | BaseException


class GalleryModel(QAbstractListModel):
    """Every image matching the filter, newest first: ``rowCount`` is the whole count (the scroll
    bar spans the library), ids arrive by page and details by chunk from a reader thread as
    the view paints rows; cells without them paint a placeholder until they arrive."""

    #: Fired when the count comes back: every row is known (kept for listeners of paging).
    exhausted = Signal()
    #: The library could not be read (the exception), once until the source changes.
    read_failed = Signal(object)
    _loaded = Signal(object)  # a _Done, from the reader thread

    def __init__(
        self,
        source: GallerySource,
        thumbs: ThumbnailLoader,
        image_path: Callable[[ImageRecord], Path | None],
        *,
        drag_files: Callable[[list[ImageRecord]], list[Path]] | None = None,
        page_size: int = 500,
        record_cache: int = 2000,
        load: bool = True,
        parent: Any = None,
    ) -> None:
        """``load``: read the first page now (everything); False when the owner calls
        :meth:`reload` with its filter right away (one read, not two)."""
        super().__init__(parent)
        self._source = source
        self._thumbs = thumbs
        self._image_path = image_path
        self._drag_files = drag_files
        self._page = page_size
        self._ids: list[str | None] = []  # one slot per row; None until its page is read
        self._row_of: dict[str, int] = {}
        self._counted = True  # the row count is the library's (not only the first page's)
        self._epoch = 0  # bumped on every reset: results of older reads are dropped
        # Bumped when cached details are dropped (files arrived): details read before that are
        # read again rather than cached (they may predate what changed).
        self._records_gen = 0
        self._filter: Any = None  # leodesk.core.search.Filter, or None for everything
        self._records: OrderedDict[str, ImageRecord] = OrderedDict()
        self._record_cache = record_cache
        self._key_rows: dict[str, str] = {}  # thumbnail key -> image id
        self._thumb_keys: dict[str, str] = {}
        self._unreadable: set[str] = set()  # ids whose details could not be read
        self._read_error: BaseException | None = None
        self._pages_asked: set[int] = set()
        self._page_lru: OrderedDict[int, None] = OrderedDict()  # pages whose ids are held
        self._chunks_asked: set[int] = set()
        self._wanted: set[int] = set()  # chunks painted before their page's ids were there
        self._count_asked = False
        self._arrived: set[str] = set()  # thumbnails in memory since the last repaint
        self._repaint = QTimer(self)
        self._repaint.setSingleShot(True)
        self._repaint.setInterval(FRAME_MS)
        self._repaint.timeout.connect(self._repaint_arrived)
        self._reader = _Reader(self._loaded.emit)
        self._loaded.connect(self._on_loaded)
        thumbs.ready.connect(self._thumb_ready)
        if load:
            self.reload()

    # -- reading the library ----------------------------------------------------------------
    def _failed(self, exc: BaseException) -> None:
        """A read failed: logged and reported the first time only."""
        if self._read_error is not None:
            return
        self._read_error = exc
        log.error("the gallery cannot read the library: %s", exc)
        self.read_failed.emit(exc)

    @property
    def read_error(self) -> BaseException | None:
        """The first read that failed since the source was set, or None."""
        return self._read_error

    def set_source(self, source: GallerySource) -> None:
        """Read from ``source`` from now on (a new library) and start again from the top."""
        self._source = source
        self._read_error = None
        self._unreadable.clear()
        self.reload(self._filter)

    # -- rows ---------------------------------------------------------------------------------
    def _reset_state(self) -> None:
        self._epoch += 1
        self._reader.clear()
        self._ids = []
        self._row_of = {}
        self._records.clear()
        self._unreadable.clear()
        self._pages_asked.clear()
        self._page_lru.clear()
        self._chunks_asked.clear()
        self._wanted.clear()
        self._count_asked = False
        self._counted = True

    def current_filter(self) -> Any:
        """The filter of the last :meth:`reload` (None: everything)."""
        return self._filter

    def reload(self, filter: Any = None, *, count_now: bool = False) -> None:
        """Start again from the newest image matching ``filter`` (a Filter, a search text, or
        None for everything). The first page is read at once; the count (when the page is
        full) on the reader thread, unless ``count_now``."""
        if isinstance(filter, str):
            filter = Filter(text=filter) if filter.strip() else None
        self.beginResetModel()
        self._reset_state()
        self._filter = filter
        first = self._page_ids(0)
        self._put(0, first)
        if len(first) >= self._page:
            if count_now:
                total = self._count()
                if total is not None and total > len(self._ids):
                    self._ids.extend([None] * (total - len(self._ids)))
            else:
                self._counted = False
        self.endResetModel()
        if not self._counted:
            self._ask_count()

    def detach(self) -> None:
        """Let go of the library (it is closing): the list becomes empty and stays so."""
        self.beginResetModel()
        self._reset_state()
        self._source = _Detached()
        self.endResetModel()

    def close(self) -> None:
        """Stop the reader thread (the app is closing)."""
        self._reader.close()

    @property
    def filter(self) -> Any:
        return self._filter

    def reload_keep(self) -> None:
        """Reload with the same filter (images were deleted or restored), counted at once so
        the view keeps its place."""
        self.reload(self._filter, count_now=True)

    def _page_ids(self, page: int, after: str | None = None) -> list[str]:
        try:
            return self._read_page(self._source, self._filter, page, after)
        except Exception as exc:
            self._failed(exc)
            return []

    def _read_page(
        self, source: GallerySource, flt: Any, page: int, after: str | None
    ) -> list[str]:
        # Keyset paging (``after`` the row before the page) keeps a deep page as fast as the
        # first; without it, an offset.
        if after is not None:
            return source.image_ids_page(0, self._page, filter=flt, after=after)
        return source.image_ids_page(page * self._page, self._page, filter=flt)

    def _count(self) -> int | None:
        try:
            return int(self._source.count_images(filter=self._filter))
        except Exception as exc:
            self._failed(exc)
            return None

    def _put(self, page: int, ids: list[str]) -> None:
        """Place a page's ids in their rows (growing the list at the end, before a count); the
        ids of pages not shown for a while are let go (read again when shown)."""
        self._touch(page)
        lo = page * self._page
        need = lo + len(ids)
        if need > len(self._ids):
            self._ids.extend([None] * (need - len(self._ids)))
        for n, image_id in enumerate(ids):
            old = self._ids[lo + n]
            if old is not None and self._row_of.get(old) == lo + n:
                del self._row_of[old]
            self._ids[lo + n] = image_id
            self._row_of[image_id] = lo + n

    def _touch(self, page: int) -> None:
        lru = self._page_lru
        if page in lru:
            lru.move_to_end(page)
            return
        lru[page] = None
        while len(lru) > KEEP_PAGES:
            old, _none = lru.popitem(last=False)
            lo = old * self._page
            for row in range(lo, min(lo + self._page, len(self._ids))):
                image_id = self._ids[row]
                if image_id is not None:
                    if self._row_of.get(image_id) == row:
                        del self._row_of[image_id]
                    self._ids[row] = None

    def _ask_count(self) -> None:
        if self._count_asked:
            return
        self._count_asked = True
        source, flt, epoch = self._source, self._filter, self._epoch

        def job() -> _Done:
            try:
                value: object = int(source.count_images(filter=flt))
            except Exception as exc:
                value = exc
            return _Done(epoch, "count", None, value)

        def dropped() -> None:  # the count is still wanted: asked again, as the newest
            if epoch == self._epoch:
                self._count_asked = False
                self._ask_count()

        self._reader.submit(job, dropped)

    def _ask_page(self, page: int) -> None:
        if page in self._pages_asked or self._read_error is not None:
            return
        self._pages_asked.add(page)
        source, flt, epoch = self._source, self._filter, self._epoch
        before = page * self._page - 1
        after = self._ids[before] if 0 <= before < len(self._ids) else None

        def job() -> _Done:
            try:
                value: object = self._read_page(source, flt, page, after)
            except Exception as exc:
                value = exc
            return _Done(epoch, "page", page, value)

        self._reader.submit(job, lambda: self._pages_asked.discard(page))

    def _ask_records(self, row: int) -> None:
        chunk = row // _CHUNK
        if chunk in self._chunks_asked or self._read_error is not None:
            return
        ids = [
            i
            for i in self._ids[chunk * _CHUNK : (chunk + 1) * _CHUNK]
            if i is not None and i not in self._records and i not in self._unreadable
        ]
        if not ids:
            return
        self._chunks_asked.add(chunk)
        source, epoch, gen = self._source, self._epoch, self._records_gen

        def job() -> _Done:
            try:
                value: object = source.image_records(ids)
            except Exception as exc:
                value = (ids, exc)
            return _Done(epoch, "records", (chunk, gen), value)

        self._reader.submit(job, lambda: self._chunks_asked.discard(chunk))

    def _on_loaded(self, done: object) -> None:
        assert isinstance(done, _Done)
        if done.epoch != self._epoch:
            return
        if done.kind == "count":
            self._count_arrived(done.value)
        elif done.kind == "page":
            self._page_arrived(int(done.key), done.value)  # type: ignore[call-overload]
        elif done.kind == "records":
            chunk, gen = cast(tuple[int, int], done.key)
            if gen != self._records_gen:  # read before the details were dropped: again
                self._chunks_asked.discard(chunk)
                self._ask_records(chunk * _CHUNK)
                return
            self._records_arrived(chunk, done.value)

    def _count_arrived(self, value: object) -> None:
        if isinstance(value, BaseException):
            self._failed(value)
            self._counted = True
            self.exhausted.emit()
            return
        total = int(value)  # type: ignore[call-overload]
        self._counted = True
        self._set_total(total)
        self.exhausted.emit()

    def _set_total(self, total: int) -> None:
        have = len(self._ids)
        if total > have:
            self.beginInsertRows(QModelIndex(), have, total - 1)
            self._ids.extend([None] * (total - have))
            self.endInsertRows()
        elif total < have:
            self.beginRemoveRows(QModelIndex(), total, have - 1)
            for image_id in self._ids[total:]:
                if image_id is not None and self._row_of.get(image_id, -1) >= total:
                    del self._row_of[image_id]
            del self._ids[total:]
            self.endRemoveRows()

    def _page_arrived(self, page: int, value: object) -> None:
        self._pages_asked.discard(page)
        if isinstance(value, BaseException):
            self._failed(value)
            return
        ids = list(value)  # type: ignore[call-overload]
        lo = page * self._page
        ids = ids[: max(0, len(self._ids) - lo)]  # rows come from the count, not from pages
        if not ids:
            return
        self._put(page, ids)
        # Ids alone change nothing on screen (a cell paints once its details are there): ask
        # for the details of the rows painted meanwhile; repaint only rows already known.
        hi = lo + len(ids)
        for chunk in sorted(c for c in self._wanted if lo <= c * _CHUNK < hi):
            self._wanted.discard(chunk)
            self._ask_records(chunk * _CHUNK)
        if any(i in self._records for i in ids):
            self.dataChanged.emit(self.index(lo), self.index(hi - 1), _SHOWN)

    def _records_arrived(self, chunk: int, value: object) -> None:
        self._chunks_asked.discard(chunk)
        if isinstance(value, tuple):
            ids, exc = value
            self._failed(exc)
            self._unreadable.update(ids)  # placeholders, not a read per paint
            return
        found: dict[str, ImageRecord] = value  # type: ignore[assignment]
        for image_id, rec in found.items():
            self._records[image_id] = rec
        while len(self._records) > self._record_cache:
            self._records.popitem(last=False)
        rows = [r for r in (self._row_of.get(i) for i in found) if r is not None]
        if rows:
            self.dataChanged.emit(self.index(min(rows)), self.index(max(rows)), _SHOWN)

    # -- paging (the whole list is there: these are for callers that still page) ---------------
    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._counted

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: B008
        """Count now (rather than wait for the reader): every row is then in the model."""
        if parent.isValid() or self._counted:
            return
        self._counted = True
        self._count_asked = True  # a count the reader brings later changes nothing
        total = self._count()
        if total is not None:
            self._set_total(total)
        self.exhausted.emit()

    def prepend_new(self) -> int:
        """Insert images newer than the current first row (a generation just finished)."""
        if self._read_error is not None:
            return 0  # an empty page now would read as "nothing new"; the list stays as it is
        newest = self._page_ids(0)
        fresh = []
        for i in newest:
            if i in self._row_of:
                break
            fresh.append(i)
        if not fresh:
            return 0
        self.beginInsertRows(QModelIndex(), 0, len(fresh) - 1)
        self._ids[0:0] = fresh
        self._row_of = {i: n for n, i in enumerate(self._ids) if i is not None}
        # pages not read yet now start elsewhere: ask again by offset from here on
        self._pages_asked.clear()
        self._chunks_asked.clear()
        self.endInsertRows()
        return len(fresh)

    def refresh_tail(self) -> None:
        """Older rows may have arrived (a sync): count again (on the reader thread)."""
        if self._counted:
            self._count_asked = False
            self._ask_count()

    def refresh_records(self) -> None:
        """Drop every cached detail (many files arrived) and repaint; rows stay where they are."""
        self._records_gen += 1
        self._records.clear()
        self._chunks_asked.clear()
        if self._ids:
            self.dataChanged.emit(self.index(0), self.index(len(self._ids) - 1), _SHOWN)

    def forget_records(self, ids: list[str]) -> None:
        """Drop cached details (an image's file arrived) and repaint those rows."""
        self._records_gen += 1
        for i in ids:
            self._records.pop(i, None)
            row = self._row_of.get(i)
            if row is not None:
                self._chunks_asked.discard(row // _CHUNK)
                idx = self.index(row)
                self.dataChanged.emit(idx, idx, _SHOWN)

    # -- data -----------------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def image_id(self, row: int) -> str:
        """The id of ``row`` (its page is read now if the reader has not brought it yet)."""
        image_id = self._ids[row]
        if image_id is None:
            page = row // self._page
            self._put_page_now(page)
            image_id = self._ids[row]
        return image_id or ""

    def _put_page_now(self, page: int) -> None:
        before = page * self._page - 1
        after = self._ids[before] if 0 <= before < len(self._ids) else None
        ids = self._page_ids(page, after)
        lo = page * self._page
        ids = ids[: max(0, len(self._ids) - lo)]
        if ids:
            self._put(page, ids)

    def row_of(self, image_id: str) -> int | None:
        return self._row_of.get(image_id)

    def record(self, row: int) -> ImageRecord | None:
        """The details of ``row``, read now if they are not in memory (not for painting)."""
        image_id = self.image_id(row)
        if not image_id:
            return None
        rec = self._records.get(image_id)
        if rec is not None:
            self._records.move_to_end(image_id)
            return rec
        if image_id in self._unreadable:
            return None
        lo = max(0, row - 20)
        batch = [
            i
            for i in self._ids[lo : row + 60]
            if i is not None and i not in self._records and i not in self._unreadable
        ]
        try:
            found = self._source.image_records(batch)
        except Exception as exc:
            self._failed(exc)
            self._unreadable.update(batch)  # placeholders, not a query per paint
            return None
        for i in batch:
            if i in found:
                self._records[i] = found[i]
        while len(self._records) > self._record_cache:
            self._records.popitem(last=False)
        return self._records.get(image_id)

    def retain_rows(self, first: int, last: int) -> int:
        """Drop queued thumbnail requests for rows outside ``first..last`` (scrolled far away)."""
        keys = []
        for image_id in self._ids[max(0, first) : max(0, last + 1)]:
            rec = self._records.get(image_id) if image_id is not None else None
            if rec is not None:
                keys.append(self.thumb_key(rec))
        return self._thumbs.retain_only(keys)

    def set_thumb_display(self, size: int) -> None:
        """Thumbnails are drawn ``size`` pixels wide from now on: the ones in memory are shown
        scaled until their new size arrives (rows on screen ask for it as they repaint)."""
        self._thumbs.set_display(size)

    def same_generation(self, row: int, other: int) -> bool:
        """True if rows ``row`` and ``other`` hold images of one generation, from the details
        in memory only (never a read: the delegate asks while painting)."""
        if not (0 <= row < len(self._ids) and 0 <= other < len(self._ids)):
            return False
        ia, ib = self._ids[row], self._ids[other]
        a = self._records.get(ia) if ia is not None else None
        b = self._records.get(ib) if ib is not None else None
        return a is not None and b is not None and a.generation_id == b.generation_id

    def thumb_key(self, rec: ImageRecord) -> str:
        key = self._thumb_keys.get(rec.id)
        if key is None:
            if len(self._thumb_keys) > 5000:  # keys are cheap to make again
                self._thumb_keys.clear()
            key = self._thumb_keys[rec.id] = key_for("image", rec.id)
        return key

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        try:
            if role == CELL_ROLE:
                return self._cell(index.row())
            return self._data(index.row(), role)
        except Exception as exc:  # a paint must never raise: the cell shows its placeholder
            self._failed(exc)
            return None

    def _cell(self, row: int) -> tuple[Any, ImageRecord | None]:
        """What the delegate paints, from memory only: (pixmap or None, record or None); asks
        the reader for what is missing."""
        image_id = self._ids[row]
        if image_id is None:
            self._wanted.add(row // _CHUNK)  # its details, once its page is there
            self._ask_page(row // self._page)
            return _EMPTY
        page = row // self._page
        if page in self._page_lru:  # shown: its ids are kept
            self._page_lru.move_to_end(page)
        rec = self._records.get(image_id)
        if rec is None:
            if image_id not in self._unreadable:
                self._ask_records(row)
            return _EMPTY
        return self._picture(rec), rec

    def _picture(self, rec: ImageRecord) -> Any:
        key = self.thumb_key(rec)
        pm = self._thumbs.pixmap(key)
        if pm is not None and not self._thumbs.is_stale(key):
            return pm
        if len(self._key_rows) > 5000:  # requests dropped while queued never answer
            self._key_rows.clear()
        self._key_rows[key] = rec.id
        path = self._image_path(rec)
        self._thumbs.request(key, path=path, url=None if path else rec.url)
        return pm  # None: the delegate paints a placeholder until the picture is in memory

    def _data(self, row: int, role: int) -> Any:
        if role == IMAGE_ID_ROLE:
            return self.image_id(row)
        if role not in _RECORD_ROLES:
            return None  # (the view asks for roles like the status tip on every hover move)
        rec = self.record(row)
        if rec is None:
            return None
        if role == RECORD_ROLE:
            return rec
        if role == Qt.ItemDataRole.DecorationRole:
            return self._picture(rec)
        if role == Qt.ItemDataRole.ToolTipRole:
            return rec.prompt or ""
        if role == PATH_ROLE:
            return self._image_path(rec)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            if rec.prompt:
                return self.tr("Image: {prompt}").format(prompt=rec.prompt)
            return self.tr("Image: no prompt")
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        return _FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    # -- drag out ---------------------------------------------------------------------------------
    def mimeTypes(self) -> list[str]:
        return [IMAGE_IDS_MIME, "text/uri-list"]

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction

    def mimeData(self, indexes: Any) -> QMimeData:
        """Image ids (for drops inside leodesk) and PNG files with their parameters (outside)."""
        rows = sorted({i.row() for i in indexes if i.isValid()})
        return self.mime_for([r for r in (self.record(row) for row in rows) if r is not None])

    def mime_for(self, records: list[ImageRecord]) -> QMimeData:
        """What a drag of ``records`` carries (from the gallery, or the viewer's picture)."""
        data = QMimeData()
        data.setData(IMAGE_IDS_MIME, QByteArray("\n".join(r.id for r in records).encode()))
        if self._drag_files is not None:
            from PySide6.QtCore import QUrl  # on first use (not at start-up)

            files = self._drag_files(records)
            data.setUrls([QUrl.fromLocalFile(str(p)) for p in files])
        return data

    def _thumb_ready(self, key: str) -> None:
        # Pictures arriving within one frame are shown by one repaint.
        image_id = self._key_rows.pop(key, None)
        if image_id is None:
            return
        self._arrived.add(image_id)
        if not self._repaint.isActive():
            self._repaint.start()

    def _repaint_arrived(self) -> None:
        arrived, self._arrived = self._arrived, set()
        roles = [Qt.ItemDataRole.DecorationRole]
        for image_id in arrived:
            row = self._row_of.get(image_id)
            if row is not None:
                idx = self.index(row)
                self.dataChanged.emit(idx, idx, roles)
