"""The gallery as an artist uses it: what an empty gallery says (and its Sync / Clear search
buttons), the thumbnail-size slider (live, remembered), grouping by generation (remembered),
and the badges the cells carry (painted from memory, no reads while painting)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QPoint, QRect, Qt
from PySide6.QtGui import QColor, QHelpEvent, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QToolTip, QWidget

from leodesk.core import paths
from leodesk.core.api.models import GeneratedImage, Generation
from leodesk.core.library import Library
from leodesk.qt.models.gallery_model import CELL_ROLE
from tests.ui.conftest import open_app
from tests.ui.helpers import Apps, child, fast_sync, load_all, sim_runtime, wait_idle


def _slider_x(slider: Any, value: int) -> int:
    """Where on the slider's groove ``value`` is (the handle's centre)."""
    span = slider.maximum() - slider.minimum()
    return 6 + round((value - slider.minimum()) * (slider.width() - 12) / span)


def _pixmap(window: Any, row: int) -> Any:
    return window.gallery.model().index(row).data(Qt.ItemDataRole.DecorationRole)


def test_a_new_gallery_says_what_to_do_and_a_search_with_no_match_offers_a_way_back(
    qtbot: Any, apps: Apps, make_sim: Any
) -> None:
    sim = make_sim(seed=5, seed_generations=6)
    window = apps.start(sim_runtime(sim))
    pane, gallery = window.gallery_pane, window.gallery
    empty = child(gallery.viewport(), QWidget, "galleryEmptyState")
    qtbot.waitUntil(empty.isVisible, timeout=10000)
    title = child(empty, QWidget, "galleryEmptyTitle").text()
    assert title.startswith("Nothing here yet") and "Sync library" in title and "Generate" in title
    clear = child(empty, QWidget, "emptyClearSearchButton")
    assert not clear.isVisible()
    fast_sync(window)
    sync = child(empty, QWidget, "emptySyncButton")
    qtbot.mouseClick(sync, Qt.MouseButton.LeftButton)  # the empty state's own Sync button
    qtbot.waitUntil(lambda: gallery.model().rowCount() > 0, timeout=20000)
    qtbot.waitUntil(lambda: not empty.isVisible(), timeout=5000)
    shown = gallery.model().rowCount()

    QTest.keyClicks(child(pane, QWidget, "searchEdit"), "zebra on the moon")
    qtbot.waitUntil(lambda: empty.isVisible() and empty.kind == "no-match", timeout=5000)
    assert (
        child(empty, QWidget, "galleryEmptyTitle").text() == "No images match “zebra on the moon”."
    )
    assert clear.isVisible() and not sync.isVisible()
    qtbot.mouseClick(clear, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: gallery.model().rowCount() == shown, timeout=5000)
    assert pane.search.text() == "" and not empty.isVisible()
    wait_idle(qtbot, window)


def test_the_size_slider_scales_live_asks_for_the_size_after_and_is_remembered(
    qtbot: Any, apps: Apps, make_sim: Any
) -> None:
    sim = make_sim(seed=6, seed_generations=4)
    window = apps.start(sim_runtime(sim))
    fast_sync(window)
    qtbot.mouseClick(child(window.gallery_pane, QWidget, "syncButton"), Qt.MouseButton.LeftButton)
    thumbs, gallery = window.ctx.thumbs, window.gallery
    qtbot.waitUntil(lambda: gallery.model().rowCount() > 0, timeout=20000)
    qtbot.waitUntil(lambda: not gallery.thumbs.live, timeout=5000)  # the layout settled
    before_cell, before_display = gallery.cell, thumbs.display
    assert before_display == before_cell - 12

    def side() -> int:
        pm = _pixmap(window, 0)
        return 0 if pm is None else max(pm.width(), pm.height())

    qtbot.waitUntil(lambda: side() == before_display, timeout=20000)

    slider = child(window.gallery_pane, QWidget, "thumbSizeSlider")
    assert slider.isVisible()  # in the header bar, beside the search
    y = slider.height() // 2
    start = QPoint(_slider_x(slider, slider.value()), y)
    QTest.mousePress(slider, Qt.MouseButton.LeftButton, pos=start)
    for k in range(1, 6):  # drag towards the small end
        QTest.mouseMove(slider, QPoint(start.x() - (start.x() - 3) * k // 5, y))
    assert slider.value() < 176
    # while dragging: the cells are smaller at once, the pictures in memory are only scaled
    qtbot.waitUntil(lambda: gallery.cell < before_cell, timeout=2000)
    assert thumbs.display == before_display and gallery.thumbs.live
    assert _pixmap(window, 0) is not None  # no placeholder flash
    QTest.mouseRelease(slider, Qt.MouseButton.LeftButton, pos=QPoint(3, y))
    small = gallery.cell
    assert thumbs.display == small - 12 and not gallery.thumbs.live
    qtbot.waitUntil(lambda: side() == small - 12, timeout=10000)
    target = slider.value()

    group = child(window.gallery_pane, QWidget, "groupByGenerationButton")
    assert group.isVisible()
    assert not group.isChecked() and not gallery.is_grouped()  # off by default
    qtbot.mouseClick(group, Qt.MouseButton.LeftButton)
    assert gallery.is_grouped()
    wait_idle(qtbot, window)
    window.close()

    again = apps.start(sim_runtime(sim))
    qtbot.waitUntil(lambda: again.gallery is not None, timeout=10000)
    assert child(again.gallery_pane, QWidget, "thumbSizeSlider").value() == target
    assert again.gallery.target_cell == target
    qtbot.waitUntil(lambda: not again.gallery.thumbs.live, timeout=5000)
    assert again.ctx.thumbs.display == again.gallery.cell - 12
    assert child(again.gallery_pane, QWidget, "groupByGenerationButton").isChecked()
    assert again.gallery.is_grouped()
    wait_idle(qtbot, again)


# -- badges and grouping on a library made here ---------------------------------------------------
UPSCALE_TEXT = QColor(129, 212, 250)
STACK = QColor(230, 230, 235)
ACCENT = QColor(90, 155, 230)


def _fill_library() -> None:
    """Generation "gen-a" with three images; "gen-b" with one, which has three variations."""
    lib = Library.open(paths.resolve().ensure().library_db)
    lib.upsert_generations(
        [
            Generation(
                id="gen-a",
                status="COMPLETE",
                prompt="three foxes",
                created_at="2026-11-01T10:00:00",
                images=tuple(GeneratedImage(id=f"a-{k}") for k in range(3)),
            ),
            Generation(
                id="gen-b",
                status="COMPLETE",
                prompt="one lighthouse",
                created_at="2026-11-01T09:00:00",
                images=(GeneratedImage(id="b-0"),),
            ),
        ]
    )
    parent = lib.image_records(["b-0"])["b-0"]
    for transform in ("UPSCALE", "NOBG", "UNZOOM"):
        lib.add_variation_child(
            image_id=f"b-{transform.lower()}",
            parent_image_id="b-0",
            transform=transform,
            url=None,
            created_ms=parent.created_ms,
        )
    lib.close()


def _has_colour(image: QImage, rect: QRect, colour: QColor, tolerance: int = 6) -> bool:
    for x in range(rect.left(), rect.right() + 1):
        for y in range(rect.top(), rect.bottom() + 1):
            c = image.pixelColor(x, y)
            if (
                abs(c.red() - colour.red()) <= tolerance
                and abs(c.green() - colour.green()) <= tolerance
                and abs(c.blue() - colour.blue()) <= tolerance
            ):
                return True
    return False


class _CountingSource:
    """The library reader, counting the reads of image details."""

    def __init__(self, reader: Any) -> None:
        self.reader = reader
        self.reads = 0

    def image_ids_page(self, *args: Any, **kwargs: Any) -> list[str]:
        return list(self.reader.image_ids_page(*args, **kwargs))

    def image_records(self, ids: list[str]) -> Any:
        self.reads += 1
        return self.reader.image_records(ids)

    def count_images(self, **kwargs: Any) -> int:
        return int(self.reader.count_images(**kwargs))


def test_badges_and_groups_are_painted_from_memory(qtbot: Any, sim: Any) -> None:
    _fill_library()
    window = open_app(qtbot, sim)
    try:
        gallery = window.gallery
        model = gallery.model()
        qtbot.waitUntil(lambda: load_all(model) == 7, timeout=10000)
        rows = {model.image_id(r): r for r in range(model.rowCount())}
        assert model.record(rows["b-0"]).has_children
        assert model.record(rows["b-upscale"]).transform == "UPSCALE"
        slider = child(window.gallery_pane, QWidget, "thumbSizeSlider")
        qtbot.waitUntil(slider.isVisible, timeout=10000)  # the panes are shown
        slider.setFocus()
        QTest.keyClick(slider, Qt.Key.Key_Home)  # the smallest cells: all seven on screen
        assert slider.value() == slider.minimum()
        qtbot.waitUntil(lambda: not gallery.thumbs.live, timeout=5000)
        last = gallery.visualRect(model.index(6))
        assert gallery.viewport().rect().contains(last), (last, gallery.viewport().rect())
        source = _CountingSource(window.ctx.backend.reader)
        model.set_source(source)
        gallery.viewport().repaint()  # placeholders; the details come from the reader thread
        qtbot.waitUntil(
            lambda: all(model.index(r).data(CELL_ROLE)[1] is not None for r in range(7)),
            timeout=5000,
        )
        gallery.viewport().repaint()
        reads = source.reads
        for _ in range(3):
            gallery.viewport().repaint()
        assert source.reads == reads  # repainting reads nothing

        def cell(image_id: str) -> QRect:
            return gallery.visualRect(model.index(rows[image_id]))

        def top_strip(image_id: str) -> QRect:  # where the corner badges are
            r = cell(image_id)
            return QRect(r.left() + 6, r.top() + 6, r.width() - 12, 24)

        shot = gallery.viewport().grab().toImage()
        assert _has_colour(shot, top_strip("b-upscale"), UPSCALE_TEXT)
        assert not _has_colour(shot, top_strip("a-0"), UPSCALE_TEXT)
        assert _has_colour(shot, top_strip("b-0"), STACK)  # the stack: made from it
        assert not _has_colour(shot, top_strip("a-1"), STACK)
        assert not _has_colour(shot, cell("a-0"), ACCENT)  # not grouped by default
        # hovering a cell: its tooltip names the badges too
        pos = cell("b-upscale").center()
        hover = QHelpEvent(QEvent.Type.ToolTip, pos, gallery.viewport().mapToGlobal(pos))
        QApplication.sendEvent(gallery.viewport(), hover)
        qtbot.waitUntil(lambda: QToolTip.text() == "one lighthouse\nUpscaled", timeout=3000)

        qtbot.mouseClick(
            child(window.gallery_pane, QWidget, "groupByGenerationButton"),
            Qt.MouseButton.LeftButton,
        )
        shot = gallery.viewport().grab().toImage()

        def left_edge(image_id: str) -> QRect:
            r = cell(image_id)
            return QRect(r.left(), r.top() + 20, 8, r.height() - 40)

        first_of_a = model.image_id(min(rows[f"a-{k}"] for k in range(3)))
        others = [f"a-{k}" for k in range(3) if f"a-{k}" != first_of_a]
        assert _has_colour(shot, left_edge(first_of_a), ACCENT)  # where a generation starts
        assert not any(_has_colour(shot, left_edge(i), ACCENT) for i in others)
        assert source.reads == reads
    finally:
        window.launcher.shutdown()


def test_a_change_to_the_whole_library_repaints_only_what_is_on_screen(qtbot: Any) -> None:
    """A change to every row (the details dropped after many files arrived, say) repaints the
    cells on screen with the new data, and does not walk the 100,000 rows off screen (the icon
    mode asks the model about each row of a range: the window froze)."""
    from PySide6.QtCore import QAbstractListModel, QModelIndex

    from leodesk.ui.gallery import GalleryView

    rows = 100_000

    class Counting(QAbstractListModel):
        def __init__(self) -> None:
            super().__init__()
            self.asked = 0  # rowCount calls: the icon mode makes one per index it builds
            self.painted: set[int] = set()
            self.colour = QColor(40, 40, 40)

        def rowCount(self, parent: Any = QModelIndex()) -> int:  # noqa: B008
            self.asked += 1
            return 0 if parent.isValid() else rows

        def data(self, index: Any, role: int = 0) -> Any:
            if role == Qt.ItemDataRole.DecorationRole:
                self.painted.add(index.row())
            return None

    model = Counting()
    view = GalleryView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(800, 600)
    view.show()
    qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: view.visible_rows()[1] > 0, timeout=10000)
    qtbot.wait(300)  # the batched layout of the rest
    lo, hi = view.visible_rows()
    model.asked = 0
    model.painted.clear()
    model.dataChanged.emit(model.index(0), model.index(rows - 1), [])
    assert model.asked < 2_000  # not one (or two) per row of the library
    qtbot.waitUntil(lambda: set(range(lo, hi + 1)) <= model.painted, timeout=5000)
    assert max(model.painted) < hi + 50  # what repainted is what is on screen


def test_the_filter_bar_is_built_when_first_asked_for_and_starts_as_the_gallery_reads(
    qtbot: Any,
) -> None:
    from leodesk.qt.models.jobs_model import JobListModel
    from leodesk.ui.filter_bar import FilterBar
    from leodesk.ui.gallery import GalleryView
    from leodesk.ui.gallery_pane import FILTERS_AT_START, GalleryPane
    from leodesk.ui.job_strip import JobStrip

    jobs = JobListModel()
    pane = GalleryPane(GalleryView(), JobStrip(jobs))
    qtbot.addWidget(pane)
    pane.show()
    # the window opens without it: the gallery reads what a new bar would say
    assert pane.findChild(FilterBar) is None
    assert pane.filter_values() == FILTERS_AT_START
    fresh = FilterBar()
    qtbot.addWidget(fresh)
    assert fresh.values() == FILTERS_AT_START
    # the Filters button brings it, in its place under the header
    button = child(pane, QWidget, "filtersButton")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    bar = child(pane, QWidget, "filterBar")
    qtbot.waitUntil(bar.isVisible, timeout=2000)
    assert bar is pane.filters and bar.parentWidget() is not None
    area = child(pane, QWidget, "filtersArea")
    assert area.isVisible() and area.isAncestorOf(bar)
    # a filter set counts on the button, and the pane reads it
    child(bar, QWidget, "filterFavouriteCheck").click()
    qtbot.waitUntil(lambda: "1" in button.text(), timeout=2000)
    assert pane.filter_values() == {**FILTERS_AT_START, "favourite": True}
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not bar.isVisible(), timeout=2000)
