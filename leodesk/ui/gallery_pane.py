"""GalleryPane: search box, sync controls, the gallery grid and the job strip."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from leodesk.ui.gallery import MAX_CELL, MIN_CELL, GalleryView
from leodesk.ui.job_strip import JobStrip
from leodesk.ui.widgets import clear_button_with_text, named

if TYPE_CHECKING:
    from leodesk.core.sync import SyncProgress
    from leodesk.ui.date_scrubber import DateScrubber
    from leodesk.ui.filter_bar import FilterBar

SEARCH_DEBOUNCE_MS = 250

#: What a new FilterBar's values() are: everything, generations deleted on the server too
#: (tests/ui/test_gallery_view.py checks it against the bar).
FILTERS_AT_START: dict[str, Any] = {"include_deleted_remote": True}


def _tool(text: str) -> QToolButton:
    """A compact text button (narrower than a QPushButton, so the pane can be narrow)."""
    button = QToolButton()
    button.setText(text)
    return button


class ViewControls(QWidget):
    """The header bar's view controls (Group, the size slider). They never make the pane (and so
    the window) wider: their minimum width is 0, and the pane shows them only when the bar has
    room for them at their natural width (so they are never drawn clipped)."""

    def __init__(self, *widgets: QWidget) -> None:
        super().__init__()
        self.setObjectName("galleryViewControls")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        for w in widgets:
            row.addWidget(w)

    def minimumSizeHint(self) -> QSize:
        return QSize(0, self.sizeHint().height())


class GalleryPane(QWidget):
    """Signals: search_changed(str), sync_requested(), sync_cancel_requested()."""

    search_changed = Signal(str)
    sync_requested = Signal()
    full_sync_requested = Signal()
    sync_cancel_requested = Signal()
    undo_requested = Signal()
    view_changed = Signal()  # the thumbnail size or the grouping changed (to save)

    def __init__(self, gallery: GalleryView, jobs: JobStrip, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("galleryPane")
        self.gallery = gallery
        self.jobs = jobs
        self._build_search()
        self._build_sync()
        self._build_filters_and_undo()
        self._build_view_controls()
        self._lay_out(gallery, jobs)
        find = QShortcut(QKeySequence.StandardKey.Find, self, self.focus_search)
        find.setWhatsThis(self.tr("Search the library"))  # its line on Help ▸ Keyboard shortcuts
        model = gallery.model()
        if model is not None:  # pages the view fetches while scrolling count too
            model.rowsInserted.connect(self._recount)
            model.rowsRemoved.connect(self._recount)
            model.modelReset.connect(self._recount)
            if hasattr(model, "exhausted"):
                model.exhausted.connect(self._recount)
        gallery.empty_state.sync_requested.connect(self.sync_requested.emit)
        gallery.empty_state.clear_search_requested.connect(self.clear_search)

    def _build_search(self) -> None:
        """The search field (debounced) and the count of images shown."""
        self.search = named(
            QLineEdit(),
            "searchEdit",
            self.tr("Search the library"),
            self.tr("Search prompts in your library (Ctrl+F)"),
        )
        self.search.setPlaceholderText(self.tr("Search prompts…"))
        clear_button_with_text(self.search)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(lambda: self.search_changed.emit(self.search.text()))
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.count_label = named(QLabel(""), "countLabel", self.tr("Number of images shown"))

    def _build_sync(self) -> None:
        """Sync button with its Full check menu, progress, Cancel and the status line."""
        self.sync_button = named(
            _tool(self.tr("Sync library")),
            "syncButton",
            self.tr("Sync library"),
            self.tr("Bring every generation of your account into the local library"),
        )
        self.sync_button.clicked.connect(self.sync_requested.emit)
        sync_menu = QMenu(self.sync_button)
        sync_menu.setObjectName("syncMenu")
        full = QAction(
            self.tr("Full check (also finds generations deleted on the server)"), sync_menu
        )
        full.setObjectName("fullSyncAction")
        full.triggered.connect(self.full_sync_requested.emit)
        sync_menu.addAction(full)
        self.full_sync_action = full
        self.sync_button.setMenu(sync_menu)
        self.sync_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.sync_progress = named(QProgressBar(), "syncProgress", self.tr("Sync progress"))
        self.sync_progress.setRange(0, 0)
        self.sync_progress.setMaximumWidth(220)
        self.sync_progress.setTextVisible(True)
        self.sync_progress.setVisible(False)
        self.cancel_sync_button = named(
            QPushButton(self.tr("Cancel")),
            "cancelSyncButton",
            self.tr("Cancel the sync"),
            self.tr("Stop syncing; the next sync resumes"),
        )
        self.cancel_sync_button.clicked.connect(self.sync_cancel_requested.emit)
        self.cancel_sync_button.setVisible(False)
        self.sync_status = named(QLabel(""), "syncStatus", self.tr("Sync status"))

    def set_sync_ready(self, ready: bool) -> None:
        """Sync library works (the services are there: the account's key is known)."""
        self.sync_button.setEnabled(ready)
        self.gallery.empty_state.sync_button.setEnabled(ready)

    def _build_filters_and_undo(self) -> None:
        """The filter bar's toggle button and place (the bar itself is built when first used:
        :attr:`filters`); the undo bar shown after a delete."""
        self._filters: FilterBar | None = None
        self.filters_button = named(
            _tool(self.tr("Filters")),
            "filtersButton",
            self.tr("Show filters"),
            self.tr("Filter by model, date, size, seed, mode and rating"),
        )
        self.filters_button.setCheckable(True)
        # The bar scrolls sideways in a narrow pane rather than widen the window.
        self.filters_area = QScrollArea()
        self.filters_area.setObjectName("filtersArea")
        self.filters_area.setWidgetResizable(True)
        self.filters_area.setFrameShape(QFrame.Shape.NoFrame)
        self.filters_area.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.filters_area.setVisible(False)
        self.filters_button.toggled.connect(self._show_filters)
        self.undo_bar = QWidget()
        self.undo_bar.setObjectName("undoBar")
        self.undo_label = named(QLabel(""), "undoLabel", self.tr("Deleted images"))
        self.undo_label.setWordWrap(True)  # wraps rather than widen the window
        self.undo_button = named(
            QPushButton(self.tr("Undo")),
            "undoButton",
            self.tr("Undo the delete"),
            self.tr("Bring the deleted images back (Ctrl+Z)"),
        )
        self.undo_button.clicked.connect(self.undo_requested.emit)
        undo_row = QHBoxLayout(self.undo_bar)
        undo_row.setContentsMargins(4, 0, 4, 0)
        undo_row.addWidget(self.undo_label, 1)
        undo_row.addWidget(self.undo_button)
        self.undo_bar.setVisible(False)

    @property
    def filters(self) -> FilterBar:
        """The filter bar, built the first time it is asked for (~2 ms of the window's opening
        otherwise: the gallery shows before the window's other parts ask)."""
        if self._filters is None:
            from leodesk.ui.filter_bar import FilterBar  # loaded ahead (leodesk.app's preload)

            bar = FilterBar()
            bar.setVisible(False)
            self.filters_area.setWidget(bar)
            bar.changed.connect(self._count_filters)
            self._filters = bar
        return self._filters

    def filter_values(self) -> dict[str, Any]:
        """The filters' keywords for ``Filter`` (the bar's defaults while it is not built)."""
        if self._filters is None:
            return dict(FILTERS_AT_START)
        return self._filters.values()

    def _show_filters(self, on: bool) -> None:
        self.filters.setVisible(on)
        self.filters_area.setVisible(on)
        if on:  # tall enough for the bar and a sideways scroll bar
            bar = self.filters_area.horizontalScrollBar().sizeHint().height()
            self.filters_area.setFixedHeight(self.filters.sizeHint().height() + bar)

    def _build_view_controls(self) -> None:
        """The thumbnail-size slider and the group-by-generation toggle."""
        self.size_slider = named(
            QSlider(Qt.Orientation.Horizontal),
            "thumbSizeSlider",
            self.tr("Thumbnail size"),
            self.tr("Thumbnail size (drag to make the pictures smaller or larger)"),
        )
        self.size_slider.setRange(MIN_CELL, MAX_CELL)
        self.size_slider.setSingleStep(8)
        self.size_slider.setPageStep(32)
        self.size_slider.setValue(self.gallery.target_cell)
        self.size_slider.setFixedWidth(80)
        self.size_slider.valueChanged.connect(lambda v: self.gallery.set_cell_size(v, live=True))
        self.size_slider.sliderReleased.connect(self.gallery.commit_cell_size)
        self.group_button = named(
            _tool(self.tr("Group")),
            "groupByGenerationButton",
            self.tr("Group by generation"),
            self.tr("Show the images of one generation together, in one panel"),
        )
        self.group_button.setCheckable(True)
        self.group_button.toggled.connect(self.gallery.set_grouped)
        self.group_button.toggled.connect(lambda _on: self.view_changed.emit())
        self.gallery.cell_size_committed.connect(lambda _size: self.view_changed.emit())

    def restore_view(self, cell: int, grouped: bool) -> None:
        """The saved thumbnail size and grouping (at start)."""
        self.size_slider.blockSignals(True)
        self.size_slider.setValue(cell)
        self.size_slider.blockSignals(False)
        self.gallery.set_cell_size(self.size_slider.value())
        self.group_button.setChecked(grouped)

    def set_thumb_size(self, cell: int) -> None:
        """Another control (Preferences) chose the thumbnail size: the slider follows."""
        self.size_slider.setValue(cell)
        self.gallery.set_cell_size(self.size_slider.value())

    def view_snapshot(self) -> dict[str, Any]:
        """What to save: the thumbnail size and grouping (Settings fields)."""
        return {
            "gallery_thumb_size": self.gallery.target_cell,
            "gallery_group_by_generation": self.group_button.isChecked(),
        }

    def clear_search(self) -> None:
        """Empty the search and the filters, and show everything again at once."""
        if self._filters is not None and self._filters.active_count():
            self._filters.reset()
        self.search.clear()
        self._debounce.stop()
        self.search_changed.emit("")

    def _lay_out(self, gallery: GalleryView, jobs: JobStrip) -> None:
        # The header's two lines live in their own widgets, not nested layouts: PySide keeps a
        # wrapper for each item of a layout added with addLayout, and moving the view controls
        # (removeWidget deletes their item) would leave a stale one behind, which a later object
        # at the same address then comes back as.
        top_bar = QWidget()
        top_bar.setObjectName("galleryHeader")
        top = QHBoxLayout(top_bar)
        top.setContentsMargins(4, 4, 4, 0)
        top.addWidget(self.search, 1)
        top.addWidget(self.filters_button)
        self.view_controls = ViewControls(self.group_button, self.size_slider)
        top.addWidget(self.view_controls)
        self._top = top
        # a narrow pane: the view controls go to a second line of the header bar
        second_bar = QWidget()
        second_bar.setObjectName("galleryHeaderSecond")
        second_bar.setVisible(False)  # shown while it holds the view controls
        self._second_bar = second_bar
        self._second = QHBoxLayout(second_bar)
        self._second.setContentsMargins(4, 2, 4, 0)
        self._second.addStretch(1)
        top.addWidget(self.count_label)
        top.addWidget(self.sync_progress)
        top.addWidget(self.cancel_sync_button)
        top.addWidget(self.sync_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(top_bar)
        layout.addWidget(second_bar)
        layout.addWidget(self.filters_area)
        layout.addWidget(self.sync_status)
        layout.addWidget(self.undo_bar)
        self._scrubber: DateScrubber | None = None  # built when first asked for (scrubber)
        self._middle = QHBoxLayout()
        self._middle.setContentsMargins(0, 0, 0, 0)
        self._middle.setSpacing(0)
        self._middle.addWidget(gallery, 1)
        layout.addLayout(self._middle, 1)
        layout.addWidget(jobs)
        self.sync_status.setVisible(False)

    @property
    def scrubber(self) -> DateScrubber:
        """The date scrubber at the gallery's right, built when first asked for (the window
        wires it once the services are in: not needed to show the gallery). Hidden until the
        library's months are in (MainWindow._scrubber_visibility): shown empty at start-up it
        would be hidden and shown again, each a relayout of the gallery."""
        if self._scrubber is None:
            from leodesk.ui.date_scrubber import DateScrubber

            self._scrubber = DateScrubber()
            self._scrubber.setVisible(False)
            self._middle.addWidget(self._scrubber)
        return self._scrubber

    def add_header_widget(self, widget: QWidget) -> None:
        """Put ``widget`` at the right end of the header bar (the Details button)."""
        self._top.addWidget(widget)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_view_controls()

    def _place_view_controls(self) -> None:
        """The view controls sit in the header bar's first line when it has room for everything
        at its natural width, else on a second line (they never make the pane wider)."""
        controls, top = self.view_controls, self._top
        in_top = top.indexOf(controls) >= 0
        need = top.sizeHint().width()
        if not in_top:
            need += controls.sizeHint().width() + top.spacing()
        fits = need <= self.width()
        if fits == in_top:
            return
        (self._second if in_top else top).removeWidget(controls)
        if fits:
            top.insertWidget(top.indexOf(self.filters_button) + 1, controls)
        else:
            self._second.addWidget(controls)
        self._second_bar.setVisible(not fits)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _count_filters(self) -> None:
        n = self.filters.active_count()
        self.filters_button.setText(
            self.tr("Filters ({n})").format(n=n) if n else self.tr("Filters")
        )

    def show_undo(self, text: str) -> None:
        self.undo_label.setText(text)
        self.undo_bar.setVisible(True)

    def hide_undo(self) -> None:
        self.undo_bar.setVisible(False)

    def _recount(self, *_args: Any) -> None:
        model = self.gallery.model()
        if model is not None:
            self.set_count(model.rowCount(), model.canFetchMore(QModelIndex()))

    def set_count(self, shown: int, more: bool) -> None:
        if more:
            text = self.tr("{n}+ images").format(n=f"{shown:,}")
        elif shown == 1:
            text = self.tr("1 image")
        else:
            text = self.tr("{n} images").format(n=f"{shown:,}")
        self.count_label.setText(text)
        self._place_view_controls()
        self._update_empty_state(shown == 0 and not more)

    def _update_empty_state(self, empty: bool) -> None:
        """Say what to do when nothing is shown: generate or sync, or clear the search."""
        state = self.gallery.empty_state
        model = self.gallery.model()
        if not empty or getattr(model, "read_error", None) is not None:
            state.clear()
        else:
            searched = getattr(getattr(model, "filter", None), "text", None) or ""
            if searched.strip() or (self._filters is not None and self._filters.active_count()):
                state.show_no_match(searched)
                return
            state.show_new()

    # -- sync ---------------------------------------------------------------------------------
    def sync_started(self) -> None:
        self.sync_button.setEnabled(False)
        self.sync_progress.setVisible(True)
        self.cancel_sync_button.setVisible(True)
        self.sync_progress.setFormat(self.tr("Starting…"))
        self.sync_status.setVisible(False)
        self._place_view_controls()

    def sync_progressed(self, p: SyncProgress) -> None:
        self.sync_progress.setFormat(
            self.tr("{pages} pages · {generations} generations · {images} images").format(
                pages=p.pages, generations=f"{p.generations:,}", images=f"{p.images:,}"
            )
        )
        self.sync_progress.setToolTip(p.message or "")

    def sync_ended(self, message: str, error: bool = False) -> None:
        self.sync_button.setEnabled(True)
        self.sync_progress.setVisible(False)
        self.cancel_sync_button.setVisible(False)
        self.sync_status.setVisible(bool(message))
        self.sync_status.setStyleSheet("color: #e57373;" if error else "")
        self.sync_status.setText(message)
        self._place_view_controls()
