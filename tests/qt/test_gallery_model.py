"""GalleryModel over a real library: paging, prepend, records, and Qt's model tester."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from leodesk.core.api.models import GeneratedImage, Generation
from leodesk.core.library import Library
from leodesk.core.thumbs import ThumbCache
from leodesk.qt.models.gallery_model import CELL_ROLE, IMAGE_ID_ROLE, KEEP_PAGES, GalleryModel
from leodesk.qt.thumbnails import ThumbnailLoader
from leodesk.qt.workers import Pools


def _gen(n: int) -> Generation:
    return Generation(
        id=f"gen-{n:05d}",
        status="COMPLETE",
        prompt=f"prompt number {n} lighthouse" if n % 10 == 0 else f"prompt number {n}",
        created_at=f"2026-01-01T00:{n // 60 % 60:02d}:{n % 60:02d}.000Z",
        image_width=512,
        image_height=512,
        images=(GeneratedImage(id=f"img-{n:05d}", url=f"http://cdn/{n}.jpg"),),
    )


@contextlib.contextmanager
def _library_model(tmp_path: Path, page_size: int) -> Iterator[tuple[Library, Any, GalleryModel]]:
    """1,200 generations in a library file, its read-only reader, and a model on the reader."""
    db = tmp_path / "lib.sqlite3"
    lib = Library.open(db)
    for n in range(1200):
        lib.upsert_generation(_gen(n))
    reader = Library.open_readonly(db)
    pools = Pools()
    thumbs = ThumbnailLoader(pools, ThumbCache(tmp_path / "t"), fetch=lambda url: b"", size=64)
    try:
        yield (
            lib,
            reader,
            GalleryModel(reader, thumbs, image_path=lambda rec: None, page_size=page_size),
        )
    finally:
        pools.shutdown()
        reader.close()
        lib.close()


@pytest.fixture
def setup(qtbot: Any, tmp_path: Path) -> Any:
    with _library_model(tmp_path, 500) as (lib, _reader, model):
        yield lib, model


def test_rows_span_the_whole_library_read_on_a_thread(qtbot: Any, setup: Any) -> None:
    _lib, model = setup
    # the first page at once; the count arrives from the reader thread: every row is there
    assert model.index(0).data(IMAGE_ID_ROLE) == "img-01199"
    qtbot.waitUntil(lambda: model.rowCount() == 1200 and not model.canFetchMore())
    # painting a row of a page not read yet: a placeholder now, its id and details soon
    assert model.index(1199).data(CELL_ROLE) == (None, None)
    qtbot.waitUntil(lambda: model.index(1199).data(CELL_ROLE)[1] is not None)
    _pm, rec = model.index(1199).data(CELL_ROLE)
    assert rec.id == "img-00000" and "prompt number 0" in rec.prompt
    assert model.row_of("img-00000") == 1199
    assert "prompt number 1" in model.index(1198).data(Qt.ItemDataRole.ToolTipRole)


def test_rows_of_unread_pages_are_read_when_asked_for_outside_a_paint(setup: Any) -> None:
    _lib, model = setup
    model.fetchMore()  # counts now
    assert model.rowCount() == 1200 and not model.canFetchMore()
    assert model.image_id(700) == "img-00499"
    assert model.record(1199).id == "img-00000"


def test_arrived_thumbnails_repaint_once_per_frame(qtbot: Any, setup: Any) -> None:
    _lib, model = setup
    rows: list[int] = []
    model.dataChanged.connect(lambda a, b, roles=(): rows.append(a.row()))
    model._key_rows.update({"k1": "img-01199", "k2": "img-01198"})
    model._thumb_ready("k1")
    model._thumb_ready("k2")
    assert rows == []  # not one repaint per picture
    qtbot.waitUntil(lambda: sorted(rows) == [0, 1], timeout=1000)


def test_search_reloads_in_place(setup: Any) -> None:
    _lib, model = setup
    model.reload("lighthouse")
    assert model.rowCount() == 120
    assert all("lighthouse" in model.record(r).prompt for r in range(model.rowCount()))


def test_prepend_new(setup: Any) -> None:
    lib, model = setup
    lib.upsert_generation(_gen(5000))
    assert model.prepend_new() == 1
    assert model.index(0).data(IMAGE_ID_ROLE) == "img-05000"
    assert model.prepend_new() == 0


def test_model_tester(qtmodeltester: Any, setup: Any) -> None:
    _lib, model = setup
    qtmodeltester.check(model)


def test_drag_carries_ids_and_files(setup: Any, tmp_path: Path) -> None:
    _lib, base = setup
    calls: list[list[str]] = []

    def drag_files(records: list[Any]) -> list[Path]:
        calls.append([r.id for r in records])
        return [tmp_path / f"{r.id}.png" for r in records]

    model = GalleryModel(base._source, base._thumbs, lambda rec: None, drag_files=drag_files)
    data = model.mimeData([model.index(0), model.index(2)])
    ids = bytes(data.data("application/x-leodesk-image-ids").data()).decode().split("\n")
    assert ids == ["img-01199", "img-01197"]
    assert [u.toLocalFile() for u in data.urls()] == [
        str(tmp_path / "img-01199.png"),
        str(tmp_path / "img-01197.png"),
    ]
    assert calls == [ids]
    assert model.supportedDragActions() == Qt.DropAction.CopyAction


def test_detached_model_is_empty_after_the_library_closes(qtbot: Any, tmp_path: Path) -> None:
    db = tmp_path / "lib.sqlite3"
    lib = Library.open(db)
    lib.upsert_generation(_gen(1))
    reader = Library.open_readonly(db)
    pools = Pools()
    thumbs = ThumbnailLoader(pools, ThumbCache(tmp_path / "t"), fetch=lambda url: b"", size=64)
    model = GalleryModel(reader, thumbs, image_path=lambda rec: None, page_size=500)
    assert model.rowCount() == 1
    reader.close()
    with pytest.raises(RuntimeError):
        reader.image_ids_page(0, 10)  # what a late paint or fetchMore may hit
    model.detach()
    assert model.rowCount() == 0 and not model.canFetchMore()
    model.fetchMore()
    model.reload()
    assert model.rowCount() == 0
    pools.shutdown()
    lib.close()


def test_ids_of_pages_scrolled_far_away_are_let_go_and_read_again(
    qtbot: Any, tmp_path: Path
) -> None:
    with _library_model(tmp_path, 20) as (_lib, _reader, model):
        model.fetchMore()  # the count
        assert model.rowCount() == 1200
        for row in range(0, 1200, 20):  # a drag through the whole list
            assert model.image_id(row) == f"img-{1199 - row:05d}"
        held = sum(1 for row in range(1200) if model.row_of(f"img-{1199 - row:05d}") is not None)
        assert held == KEEP_PAGES * 20  # not every id seen
        assert model.row_of("img-01199") is None  # the top, long ago
        assert model.image_id(0) == "img-01199"  # read again when wanted


def test_pages_dropped_while_dragging_fast_are_read_when_shown_again(
    qtbot: Any, tmp_path: Path
) -> None:
    with _library_model(tmp_path, 20) as (_lib, reader, model):
        model.fetchMore()  # the count
        with reader._lock:  # the reader thread waits: every page asked now queues up
            for row in range(20, 1200, 20):  # a fast drag paints a row of each page once
                assert model.index(row).data(CELL_ROLE) == (None, None)
        # the oldest requests were dropped unread; painted again, they are asked for again
        qtbot.waitUntil(lambda: model.index(20).data(CELL_ROLE)[1] is not None, timeout=5000)
        assert model.index(20).data(CELL_ROLE)[1].id == "img-01179"
        qtbot.waitUntil(lambda: model.index(1180).data(CELL_ROLE)[1] is not None, timeout=5000)


def test_details_read_before_a_refresh_are_read_again(qtbot: Any, tmp_path: Path) -> None:
    """A file arrives (refresh_records) while a read of the details is under way: what that
    read brings predates the change, so the details are read again rather than kept."""
    with _library_model(tmp_path, 500) as (lib, reader, model):
        gate, reading = threading.Event(), threading.Event()
        plain = reader.image_records

        def held_back(ids: Any) -> Any:
            found = plain(ids)
            if not gate.is_set():
                reading.set()
                gate.wait(10)
            return found

        reader.image_records = held_back  # type: ignore[method-assign]
        qtbot.waitUntil(lambda: model.rowCount() == 1200)
        assert model.index(0).data(CELL_ROLE) == (None, None)  # asks for its details
        assert reading.wait(10)
        lib.set_favourite(["img-01199"], True)  # what a newly arrived file changes
        model.refresh_records()
        # the read from before the change comes back now; nothing asks for the row meanwhile
        with qtbot.waitSignal(model.dataChanged, timeout=5000):
            gate.set()
        _pm, rec = model.index(0).data(CELL_ROLE)
        assert rec is not None and rec.favourite
