"""GalleryModel: every image of the library, newest first, holding ids only.

Rows arrive in pages through ``canFetchMore``/``fetchMore``. Per-row details (prompt, size, file)
are read in small batches when a row is first painted and kept in a bounded cache. The decoration
is a shared placeholder until the thumbnail loader has the picture in memory; then exactly that
row gets ``dataChanged``.

Reading never raises into a paint: a library read that fails (a damaged file) gives empty pages
and placeholder cells, is logged once (not once per paint) and is reported once through
``read_failed`` so the app can say what happened; rows whose details could not be read are not
read again until the source changes.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QUrl,
    Signal,
)

from leodesk.core.search import Filter
from leodesk.qt.thumbnails import ThumbnailLoader, key_for

log = logging.getLogger("leodesk.gallery")

IMAGE_ID_ROLE = Qt.ItemDataRole.UserRole + 1
RECORD_ROLE = Qt.ItemDataRole.UserRole + 2
PATH_ROLE = Qt.ItemDataRole.UserRole + 3
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


class _Detached:
    """The source after :meth:`GalleryModel.detach`: nothing to list."""

    def image_ids_page(
        self, offset: int, limit: int, *, filter: Any = None, after: str | None = None
    ) -> list[str]:
        return []

    def image_records(self, ids: list[str]) -> dict[str, ImageRecord]:
        return {}


class GalleryModel(QAbstractListModel):
    #: Fired when a page comes back empty: the end of the list is reached without new rows.
    exhausted = Signal()
    #: The library could not be read (the exception), once until the source changes.
    read_failed = Signal(object)

    def __init__(
        self,
        source: GallerySource,
        thumbs: ThumbnailLoader,
        image_path: Callable[[ImageRecord], Path | None],
        *,
        drag_files: Callable[[list[ImageRecord]], list[Path]] | None = None,
        page_size: int = 500,
        record_cache: int = 2000,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self._source = source
        self._thumbs = thumbs
        self._image_path = image_path
        self._drag_files = drag_files
        self._page = page_size
        self._ids: list[str] = []
        self._row_of: dict[str, int] = {}
        self._exhausted = False
        self._filter: Any = None  # leodesk.core.search.Filter, or None for everything
        self._records: OrderedDict[str, ImageRecord] = OrderedDict()
        self._record_cache = record_cache
        self._key_rows: dict[str, str] = {}  # thumbnail key -> image id
        self._thumb_keys: dict[str, str] = {}
        self._unreadable: set[str] = set()  # ids whose details could not be read
        self._read_error: BaseException | None = None
        thumbs.ready.connect(self._thumb_ready)
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

    # -- paging ---------------------------------------------------------------------------
    def reload(self, filter: Any = None) -> None:
        """Start again from the newest image matching ``filter`` (a Filter, a search text, or
        None for everything)."""
        if isinstance(filter, str):
            filter = Filter(text=filter) if filter.strip() else None
        self.beginResetModel()
        self._filter = filter
        self._ids = []
        self._row_of = {}
        self._records.clear()
        self._unreadable.clear()
        self._exhausted = False
        self._append(self._page_ids(0))
        self.endResetModel()

    def detach(self) -> None:
        """Let go of the library (it is closing): the list becomes empty and stays so."""
        self.beginResetModel()
        self._source = _Detached()
        self._ids = []
        self._row_of = {}
        self._records.clear()
        self._unreadable.clear()
        self._exhausted = True
        self.endResetModel()

    @property
    def filter(self) -> Any:
        return self._filter

    def reload_keep(self) -> None:
        """Reload with the same filter, keeping as many loaded rows as before."""
        wanted = len(self._ids)
        self.reload(self._filter)
        while len(self._ids) < wanted and self.canFetchMore():
            self.fetchMore()

    def _page_ids(self, offset: int, after: str | None = None) -> list[str]:
        # Keyset paging (``after`` the last loaded id) keeps a deep page as fast as the first.
        try:
            if after is not None:
                return self._source.image_ids_page(0, self._page, filter=self._filter, after=after)
            return self._source.image_ids_page(offset, self._page, filter=self._filter)
        except Exception as exc:
            self._failed(exc)
            return []

    def _append(self, ids: list[str]) -> list[str]:
        fresh = [i for i in ids if i not in self._row_of]
        for i in fresh:
            self._row_of[i] = len(self._ids)
            self._ids.append(i)
        if len(ids) < self._page:
            self._exhausted = True
        return fresh

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or self._exhausted:
            return
        ids = self._page_ids(len(self._ids), after=self._ids[-1] if self._ids else None)
        fresh = [i for i in ids if i not in self._row_of]
        if not fresh:
            self._exhausted = True
            self.exhausted.emit()  # no rows to insert, but "more to load" just became false
            return
        start = len(self._ids)
        self.beginInsertRows(QModelIndex(), start, start + len(fresh) - 1)
        self._append(ids)
        self.endInsertRows()

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
        self._row_of = {i: n for n, i in enumerate(self._ids)}
        self.endInsertRows()
        return len(fresh)

    def refresh_tail(self) -> None:
        """Older rows may have arrived (a sync): let ``fetchMore`` look again."""
        self._exhausted = False

    def refresh_records(self) -> None:
        """Drop every cached detail (many files arrived) and repaint; rows stay where they are."""
        self._records.clear()
        if self._ids:
            self.dataChanged.emit(self.index(0), self.index(len(self._ids) - 1))

    def forget_records(self, ids: list[str]) -> None:
        """Drop cached details (an image's file arrived) and repaint those rows."""
        for i in ids:
            self._records.pop(i, None)
            row = self._row_of.get(i)
            if row is not None:
                idx = self.index(row)
                self.dataChanged.emit(idx, idx)

    # -- data -----------------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def image_id(self, row: int) -> str:
        return self._ids[row]

    def row_of(self, image_id: str) -> int | None:
        return self._row_of.get(image_id)

    def record(self, row: int) -> ImageRecord | None:
        image_id = self._ids[row]
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
            if i not in self._records and i not in self._unreadable
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
            rec = self._records.get(image_id)
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
        a = self._records.get(self._ids[row])
        b = self._records.get(self._ids[other])
        return a is not None and b is not None and a.generation_id == b.generation_id

    def thumb_key(self, rec: ImageRecord) -> str:
        key = self._thumb_keys.get(rec.id)
        if key is None:
            key = self._thumb_keys[rec.id] = key_for("image", rec.id)
        return key

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        try:
            return self._data(index.row(), role)
        except Exception as exc:  # a paint must never raise: the cell shows its placeholder
            self._failed(exc)
            return None

    def _data(self, row: int, role: int) -> Any:
        if role == IMAGE_ID_ROLE:
            return self._ids[row]
        rec = self.record(row)
        if rec is None:
            return None
        if role == RECORD_ROLE:
            return rec
        if role == Qt.ItemDataRole.DecorationRole:
            key = self.thumb_key(rec)
            pm = self._thumbs.pixmap(key)
            if pm is not None and not self._thumbs.is_stale(key):
                return pm
            self._key_rows[key] = rec.id
            path = self._image_path(rec)
            self._thumbs.request(key, path=path, url=None if path else rec.url)
            return pm  # None: the delegate paints a placeholder until the picture is in memory
        if role == Qt.ItemDataRole.ToolTipRole:
            return rec.prompt or ""
        if role == PATH_ROLE:
            return self._image_path(rec)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"Image: {rec.prompt or 'no prompt'}"
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
            files = self._drag_files(records)
            data.setUrls([QUrl.fromLocalFile(str(p)) for p in files])
        return data

    def _thumb_ready(self, key: str) -> None:
        image_id = self._key_rows.pop(key, None)
        if image_id is None:
            return
        row = self._row_of.get(image_id)
        if row is not None:
            idx = self.index(row)
            self.dataChanged.emit(idx, idx, [Qt.ItemDataRole.DecorationRole])
