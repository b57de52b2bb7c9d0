"""MainWindow: model browser, prompt form and gallery in three panes, a job strip, a status bar.

The window is a shell first (shown before anything heavy loads); :meth:`MainWindow.attach` puts the
panes in once the app's context (services, item models) exists. Widgets only: the services arrive
through ``attach`` and do every piece of I/O.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QColor, QDesktopServices, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QWidget,
)

from leodesk.ui.widgets import named

if TYPE_CHECKING:  # the panes load in attach(), after the first paint
    from leodesk.core.library import ImageRecord
    from leodesk.core.settings import Settings
    from leodesk.qt.context import AppContext
    from leodesk.qt.services import AccountState
    from leodesk.ui.gallery import GalleryView
    from leodesk.ui.job_strip import JobStrip
    from leodesk.ui.model_browser import ModelBrowser
    from leodesk.ui.prompt_form import PromptForm
    from leodesk.ui.queue_panel import QueuePanel
    from leodesk.ui.tray import TrayNotifications
    from leodesk.ui.viewer import ImageViewer


def _b64(data: QByteArray) -> str:
    return base64.b64encode(bytes(data.data())).decode("ascii")


def _unb64(text: Any) -> QByteArray | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return QByteArray(base64.b64decode(text))
    except ValueError:
        return None


class MainWindow(QMainWindow):
    """Signals: change_key_requested(), closing()."""

    change_key_requested = Signal()
    closing = Signal()

    def __init__(self, *, demo: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.demo = demo
        self.ctx: AppContext | None = None
        self.setWindowTitle("leodesk — Demo" if demo else "leodesk")
        self.resize(1400, 860)

        # Rich text centres without touching the Qt namespace, whose first use costs ~15 ms.
        self.starting = QLabel("<p align='center'>Starting…</p>")
        named(self.starting, "startingLabel", "Starting")
        self.setCentralWidget(self.starting)

        bar = self.statusBar()
        self.demo_badge = named(
            QLabel(" DEMO "),
            "demoBadge",
            "Demo mode: the built-in simulator",
            "Running on the built-in simulator: no key, no network, no cost",
        )
        self._style_demo_badge(demo)
        self.connection_label = named(QLabel("Connecting…"), "connectionLabel", "Connection state")
        self.account_label = named(QLabel(""), "accountLabel", "Account")
        self.balance_label = named(QLabel(""), "balanceLabel", "API credit balance")
        self.balance_hint = named(QLabel("below zero"), "balanceHint", "The balance is negative")
        # a palette and a font, not a style sheet: the first style sheet costs start-up time
        hint_palette = self.balance_hint.palette()
        hint_palette.setColor(QPalette.ColorRole.WindowText, QColor(185, 28, 28))
        self.balance_hint.setPalette(hint_palette)
        hint_font = self.balance_hint.font()
        hint_font.setBold(True)
        self.balance_hint.setFont(hint_font)
        self.balance_hint.setVisible(False)
        self.renewal_label = named(QLabel(""), "renewalLabel", "API plan renewal date")
        self.spent_label = named(QLabel(""), "spentLabel", "Credits spent this run")
        self.slots_label = named(QLabel(""), "slotsLabel", "Concurrency slots")
        bar.addWidget(self.demo_badge)
        bar.addWidget(self.connection_label)
        bar.addPermanentWidget(self.account_label)
        bar.addPermanentWidget(self.balance_label)
        bar.addPermanentWidget(self.balance_hint)
        bar.addPermanentWidget(self.renewal_label)
        bar.addPermanentWidget(self.spent_label)
        bar.addPermanentWidget(self.slots_label)
        self.credits_dialog: Any = None  # InsufficientCreditsDialog, made on the first refusal

        file_menu = self.menuBar().addMenu("&File")
        quit_action = QAction("&Quit", self)
        quit_action.setObjectName("quitAction")
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        account_menu = self.menuBar().addMenu("&Account")
        self.key_action = QAction("API &key…", self)
        self.key_action.setObjectName("changeKeyAction")
        self.key_action.setEnabled(not demo)
        self.key_action.triggered.connect(self.change_key_requested.emit)
        account_menu.addAction(self.key_action)
        self.keep_full_images_offline = False  # a sync also downloads the full images
        self.offline_action = QAction("Keep full images &offline", self)
        self.offline_action.setObjectName("keepOfflineAction")
        self.offline_action.setCheckable(True)
        self.offline_action.setToolTip(
            "Sync downloads every full image (otherwise only thumbnails, and full images when "
            "you open them)"
        )
        self.offline_action.toggled.connect(
            lambda on: setattr(self, "keep_full_images_offline", on)
        )
        account_menu.addAction(self.offline_action)
        self.confirm_cost_above: float | None = None
        self.cost_limit_action = QAction("Ask before a job costs more than…", self)
        self.cost_limit_action.setObjectName("costLimitAction")
        self.cost_limit_action.triggered.connect(self.ask_cost_limit)
        account_menu.addAction(self.cost_limit_action)
        self.refresh_action = QAction("&Refresh account and models", self)
        self.refresh_action.setObjectName("refreshAction")
        self.refresh_action.setShortcut(QKeySequence.StandardKey.Refresh)
        account_menu.addAction(self.refresh_action)

        self.splitter: QSplitter | None = None
        self.browser: ModelBrowser | None = None
        self.form: PromptForm | None = None
        self.drafts: Any = None
        self.gallery_pane: Any = None
        self.metadata: Any = None
        self.gallery: GalleryView | None = None
        self.jobs: JobStrip | None = None
        self.viewer: ImageViewer | None = None
        self.queue_panel: QueuePanel | None = None
        self.notifications: TrayNotifications | None = None
        self._viewer_row = 0

    def _style_demo_badge(self, demo: bool) -> None:
        if demo:  # a style sheet costs a re-polish: only pay for it when the badge shows
            self.demo_badge.setStyleSheet(
                "QLabel { background: #d97706; color: white; font-weight: bold;"
                " border-radius: 3px; }"
            )
        self.demo_badge.setVisible(demo)

    def _default_dock_sizes(self) -> None:
        """Details narrow on the right, the queue a low strip; applied once the layout has run
        (a saved window state, restored later, wins)."""

        def apply() -> None:
            self.resizeDocks([self.metadata_dock], [260], Qt.Orientation.Horizontal)
            self.resizeDocks([self.queue_dock], [130], Qt.Orientation.Vertical)

        QTimer.singleShot(0, apply)

    def set_demo(self, demo: bool) -> None:
        self.demo = demo
        self._style_demo_badge(demo)
        self.setWindowTitle("leodesk — Demo" if demo else "leodesk")
        self.key_action.setEnabled(not demo)

    # -- assembly -----------------------------------------------------------------------------
    def attach(self, ctx: AppContext, settings: Settings | None = None) -> None:
        """Build the panes over ``ctx`` (an AppContext) and wire them to its services."""
        # The panes load here, after the first paint (tests/bench/startup.py measures it).
        from leodesk.ui.drafts import DraftsPane
        from leodesk.ui.gallery import GalleryView
        from leodesk.ui.gallery_pane import GalleryPane
        from leodesk.ui.job_strip import JobStrip
        from leodesk.ui.library_actions import LibraryActions
        from leodesk.ui.metadata_panel import MetadataPanel
        from leodesk.ui.model_browser import ModelBrowser
        from leodesk.ui.prompt_form import PromptForm
        from leodesk.ui.queue_panel import QueuePanel
        from leodesk.ui.tray import TrayNotifications

        self.ctx = ctx
        self.browser = ModelBrowser(ctx.platform_models, ctx.own_models)
        self.form = PromptForm()
        self.drafts = DraftsPane(self.form)
        self.gallery = GalleryView()
        self.gallery.setModel(ctx.gallery_model)
        self.jobs = JobStrip(ctx.jobs)
        self.gallery_pane = GalleryPane(self.gallery, self.jobs)
        self.metadata = MetadataPanel()
        dock = QDockWidget("Details", self)
        dock.setObjectName("metadataDock")
        dock.setWidget(self.metadata)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
        )
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.metadata_dock = dock
        view_menu = self.menuBar().addMenu("&View")
        toggle = dock.toggleViewAction()
        toggle.setObjectName("toggleDetailsAction")
        toggle.setText("&Details panel")
        view_menu.addAction(toggle)
        # The queue panel
        self.queue_panel = QueuePanel(ctx.queue, ctx.generation)
        queue_dock = QDockWidget("Queue", self)
        queue_dock.setObjectName("queueDock")
        queue_dock.setAccessibleName("Queue")
        queue_dock.setWidget(self.queue_panel)
        queue_dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
        )
        # A low strip along the bottom, so the form and the gallery keep most of the height.
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, queue_dock)
        self._default_dock_sizes()
        self.queue_dock = queue_dock
        queue_toggle = queue_dock.toggleViewAction()
        queue_toggle.setObjectName("toggleQueueAction")
        queue_toggle.setText("&Queue panel")
        view_menu.addAction(queue_toggle)
        # Notifications: tray icon, OS notices, View ▸ Notifications
        self.notifications = TrayNotifications(self, ctx.notifier, ctx.generation, settings)
        self.notifications.add_menu(view_menu)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.browser)
        self.splitter.addWidget(self.drafts)
        self.splitter.addWidget(self.gallery_pane)
        self.splitter.setStretchFactor(2, 1)
        self.splitter.setSizes([280, 420, 700])
        self.splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.splitter)
        self.starting.deleteLater()

        # model browser ⇄ catalog and form
        self.browser.model_chosen.connect(self.form.set_model)
        self.browser.favourite_toggled.connect(ctx.catalog.set_favourite)
        self.form.model_requested.connect(lambda: self.browser.search.setFocus())
        ctx.catalog.favourites_ready.connect(lambda _ids: self.browser.refresh_favourites_tab())
        ctx.catalog.failed.connect(
            lambda msg: self.browser.set_status(f"Could not refresh the models: {msg}")
        )
        ctx.catalog.models_ready.connect(lambda *_a: self.browser.set_status(""))
        ctx.catalog.models_ready.connect(
            lambda *_a: self.form.set_catalog(
                ctx.platform_models.models() + ctx.own_models.models()
            )
        )
        # form ⇄ generation, pricing, prompts
        self.form.generate_requested.connect(self.generate)
        self.form.cost_query.connect(lambda req: ctx.pricing.query(self.form.pricing_key(), req))
        ctx.pricing.cost_ready.connect(self.form.set_cost)
        self.form.random_prompt_requested.connect(ctx.prompts.random)
        self.form.improve_prompt_requested.connect(ctx.prompts.improve)
        ctx.prompts.prompt_ready.connect(self.form.set_prompt_text)
        ctx.prompts.busy.connect(self.form.set_busy_prompt)
        ctx.prompts.failed.connect(lambda m: self.statusBar().showMessage(m, 8000))
        # form image slots ⇄ uploads (init image, image prompts)
        self.form.image_source_dropped.connect(
            lambda slot, source: ctx.uploads.prepare_and_upload(
                slot, source, fit=(self.form.width_spin.value(), self.form.height_spin.value())
            )
        )
        self.form.image_cleared.connect(ctx.uploads.cancel)
        ctx.uploads.started.connect(self.form.set_image_busy)
        ctx.uploads.ready.connect(self.form.set_image_ready)
        ctx.uploads.failed.connect(self.form.set_image_failed)
        ctx.generation.failed.connect(lambda m: self.statusBar().showMessage(m, 10000))
        ctx.generation.generation_stored.connect(lambda _g: ctx.account.refresh())
        ctx.generation.generation_stored.connect(lambda _g: self._update_count())
        # gallery: search and filters, selection → details, viewer, curation, delete with undo
        self.collections: list[Any] = []
        self.library_actions = LibraryActions(self, ctx)
        image_menu = self.menuBar().addMenu("&Image")
        image_menu.setObjectName("imageMenu")
        for action in self.library_actions.actions.values():
            image_menu.addAction(action)
        self.gallery_pane.search_changed.connect(self.search)
        self.gallery_pane.filters.changed.connect(
            lambda: self.search(self.gallery_pane.search.text())
        )
        ctx.catalog.models_ready.connect(
            lambda *_a: self.gallery_pane.filters.set_models(
                ctx.platform_models.models() + ctx.own_models.models()
            )
        )
        ctx.curation.collections_changed.connect(self._collections)
        ctx.curation.changed.connect(lambda _ids: self._selection_changed())
        ctx.curation.failed.connect(lambda m: self.statusBar().showMessage(m, 8000))
        ctx.deleter.hidden.connect(self._deleted)
        ctx.deleter.restored.connect(lambda ids: self._undone(ids))
        ctx.deleter.done.connect(self._delete_done)
        ctx.deleter.failed.connect(self._delete_failed)
        self.gallery_pane.undo_requested.connect(ctx.deleter.undo)
        ctx.deleter.progress.connect(
            lambda n, total: self.statusBar().showMessage(f"Deleting on the server: {n}/{total}…")
        )
        ctx.exporter.finished.connect(lambda _paths, msg: self.statusBar().showMessage(msg, 8000))
        ctx.exporter.progress.connect(
            lambda n, total: self.statusBar().showMessage(f"Exporting {n}/{total}…")
        )
        ctx.curation.refresh_collections()
        # the date scrubber: months of the unfiltered library
        ctx.months.ready.connect(self._months)
        self.gallery_pane.scrubber.jump_requested.connect(self.jump_to_row)
        for signal in (ctx.sync.finished, ctx.generation.generation_stored, ctx.deleter.done):
            signal.connect(lambda *_a: ctx.months.refresh())
        ctx.months.refresh()
        self.gallery.selectionModel().selectionChanged.connect(self._selection_changed)
        ctx.gallery_model.modelReset.connect(self._rewire_selection)
        self.gallery.open_requested.connect(self.open_viewer)
        self.gallery.visible_rows_changed.connect(self._visible_rows)
        ctx.images.loaded.connect(self._image_loaded)
        ctx.images.failed.connect(self._image_failed)
        self.metadata.recall_field.connect(self.recall_field)
        self.metadata.recall_all.connect(self.recall_all)
        # library sync
        self.gallery_pane.sync_requested.connect(self.start_sync)
        self.gallery_pane.full_sync_requested.connect(lambda: self.start_sync(full=True))
        self.gallery_pane.sync_cancel_requested.connect(ctx.sync.cancel)
        ctx.sync.started.connect(self.gallery_pane.sync_started)
        ctx.sync.progress.connect(self.gallery_pane.sync_progressed)
        ctx.sync.stored.connect(self._library_grew)
        ctx.sync.finished.connect(self._sync_finished)
        # account
        ctx.account.loaded.connect(self.show_account)
        ctx.account.failed.connect(self.show_connection_error)
        self._wire_credits(ctx)
        self.refresh_action.triggered.connect(ctx.account.refresh)
        self.refresh_action.triggered.connect(ctx.catalog.refresh)

        if settings is not None:
            self.restore(settings)
        self.search("")  # the default filter: everything, generations deleted on the server too

    # -- library: search, selection, recall -------------------------------------------------------
    def current_filter(self, text: str | None = None) -> Any:
        from leodesk.core.search import Filter  # after the first paint

        text = self.gallery_pane.search.text() if text is None else text
        return Filter(text=text.strip() or None, **self.gallery_pane.filters.values())

    def search(self, text: str) -> None:
        """Show the images matching ``text`` and the filters; the selection survives where the
        images are still shown."""
        assert self.ctx is not None
        model = self.ctx.gallery_model
        assert self.gallery is not None
        current = self.gallery.currentIndex()
        keep_current = model.image_id(current.row()) if current.isValid() else None
        keep = set(self.gallery.selected_image_ids())
        model.reload(self.current_filter(text))
        if hasattr(self.gallery_pane, "scrubber"):
            self._scrubber_visibility()
        self._restore_selection(keep, keep_current)
        self._update_count()

    def _restore_selection(self, ids: set[str], current: str | None) -> None:
        assert self.ctx is not None
        model = self.ctx.gallery_model
        assert self.gallery is not None
        sel = self.gallery.selectionModel()
        for image_id in ids:
            row = model.row_of(image_id)
            if row is not None:
                sel.select(model.index(row), QItemSelectionModel.SelectionFlag.Select)
        row = model.row_of(current) if current else None
        if row is not None:
            sel.setCurrentIndex(model.index(row), QItemSelectionModel.SelectionFlag.NoUpdate)
            self.gallery.scrollTo(model.index(row))

    def _rewire_selection(self) -> None:
        self._selection_changed()

    # -- generate: the cost check ---------------------------------------------------------------
    def generate(self, request: Any) -> None:
        """Queue ``request`` (as many times as the form's repeat count says, as one batch);
        above the user's cost limit (or at an unknown cost) ask first."""
        assert self.ctx is not None
        assert self.form is not None
        times = self.form.repeat_count()
        limit = self.confirm_cost_above
        if limit:
            each = self.form.known_cost()
            cost = None if each is None else each * times
            what = "This job costs" if times == 1 else f"These {times} jobs cost"
            text = (
                f"{what} {cost:,} credits, more than your limit of {limit:,.0f}."
                if cost is not None
                else f"The cost of this job is not known yet (your limit is {limit:,.0f})."
            )
            if (cost is None or cost > limit) and not self.confirm_cost(text):
                self.statusBar().showMessage("Not sent: above your cost limit", 5000)
                return
        if times == 1:
            self.ctx.generation.submit(request)
        else:
            self.ctx.generation.submit_batch([request] * times)
            self.statusBar().showMessage(f"{times} jobs queued as one batch", 4000)

    def confirm_cost(self, text: str) -> bool:
        """Ask whether to send an expensive job (replaceable in tests)."""
        answer = QMessageBox.question(self, "Send this job?", f"{text}\n\nSend it anyway?")
        return answer == QMessageBox.StandardButton.Yes

    def ask_cost_limit(self) -> None:
        value, ok = QInputDialog.getInt(
            self,
            "Cost limit",
            "Ask before sending a job that costs more than (credits, 0 = never ask):",
            int(self.confirm_cost_above or 0),
            0,
            1_000_000,
        )
        if ok:
            self.set_cost_limit(value or None)

    def set_cost_limit(self, value: float | None) -> None:
        self.confirm_cost_above = value
        self.cost_limit_action.setText(
            f"Ask before a job costs more than… ({value:,.0f})"
            if value
            else "Ask before a job costs more than…"
        )

    def start_sync(self, full: bool = False) -> None:
        assert self.ctx is not None
        images = self.keep_full_images_offline
        self.ctx.sync.start(images=images, full=full)

    def _library_grew(self) -> None:
        # Newer rows go on top; older ones (a sync pages newest first) arrive through fetchMore.
        assert self.ctx is not None
        model = self.ctx.gallery_model
        model.prepend_new()
        model.refresh_tail()
        self._update_count()

    def _sync_finished(self, result: Any) -> None:
        assert self.ctx is not None
        self._library_grew()
        self.ctx.gallery_model.refresh_records()  # badges (deleted online, files) may have changed
        if result.ok:
            text = (
                f"Library synced: {result.generations:,} generations checked, "
                f"{result.new:,} new"
                + (
                    f", {result.deleted_remote:,} deleted on the server"
                    if result.deleted_remote
                    else ""
                )
            )
            self.gallery_pane.sync_ended(text)
        else:
            self.gallery_pane.sync_ended(
                result.message or "Sync stopped.", error=result.phase == "failed"
            )

    def _months(self, months: list[tuple[str, int]]) -> None:
        self.gallery_pane.scrubber.set_months(months)
        self._scrubber_visibility()

    def _scrubber_visibility(self) -> None:
        # Month offsets hold for the unfiltered, newest-first view only.
        f = self.current_filter()
        from leodesk.core.search import Filter  # after the first paint

        plain = f == Filter(include_deleted_remote=True)
        self.gallery_pane.scrubber.setVisible(plain and self.gallery_pane.scrubber.count() > 1)

    def jump_to_row(self, row: int) -> None:
        """Scroll the gallery to ``row`` (loading pages up to it) and make it current."""
        assert self.ctx is not None
        model = self.ctx.gallery_model
        while row >= model.rowCount() and model.canFetchMore():
            model.fetchMore()
        row = min(row, model.rowCount() - 1)
        if row < 0:
            return
        index = model.index(row)
        assert self.gallery is not None
        self.gallery.setCurrentIndex(index)
        self.gallery.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtTop)

    def _collections(self, collections: list[Any]) -> None:
        self.collections = list(collections)
        self.gallery_pane.filters.set_collections(self.collections)

    def _deleted(self, pending: Any) -> None:
        n = len(pending.image_ids)
        if pending.whole_generations:
            text = f"{n} image(s) deleted. They leave your account in a few seconds."
        else:
            text = (
                f"{n} image(s) hidden. Their generations keep other images, so they stay on "
                "your account (the API deletes whole generations only)."
            )
        self.gallery_pane.show_undo(text)
        self._update_count()

    def _undone(self, ids: list[str]) -> None:
        self.gallery_pane.hide_undo()
        self.statusBar().showMessage(f"{len(ids)} image(s) restored", 4000)
        self._update_count()

    def _delete_done(self, message: str) -> None:
        self.gallery_pane.hide_undo()
        self.statusBar().showMessage(message, 8000)
        self._update_count()

    def _delete_failed(self, message: str) -> None:
        self.gallery_pane.hide_undo()
        self.statusBar().showMessage(message, 12000)
        self._update_count()

    def _update_count(self) -> None:
        assert self.ctx is not None
        model = self.ctx.gallery_model
        self.gallery_pane.set_count(model.rowCount(), model.canFetchMore())

    def selected_generations(self) -> list[tuple[Any, Any]]:
        """(image record, generation record) for each selected image, in grid order."""
        assert self.ctx is not None
        model = self.ctx.gallery_model
        assert self.gallery is not None
        rows = sorted(i.row() for i in self.gallery.selectionModel().selectedIndexes())
        out = []
        for row in rows:
            image = model.record(row)
            if image is None:
                continue
            out.append((image, self.ctx.backend.reader.get_generation(image.generation_id)))
        return out

    def _selection_changed(self, *args: Any) -> None:
        assert self.gallery is not None
        n = len(self.gallery.selectionModel().selectedIndexes())
        if n == 0:
            self.metadata.show_none()
        elif n == 1:
            image, generation = self.selected_generations()[0]
            self.metadata.show_one(generation or image, image, self._model_names())
        elif n == 2:
            (_ia, ga), (_ib, gb) = self.selected_generations()
            self.metadata.show_two(ga, gb, self._model_names())
        else:
            self.metadata.show_many(n)

    def _model_names(self) -> dict[str, str]:
        assert self.ctx is not None
        models = self.ctx.platform_models.models() + self.ctx.own_models.models()
        return {m.id: m.name for m in models}

    def _model_for(self, model_id: str | None) -> Any:
        assert self.ctx is not None
        for m in self.ctx.platform_models.models() + self.ctx.own_models.models():
            if m.id == model_id:
                return m
        return None

    def recall_field(self, field: str) -> None:
        from leodesk.ui import recall  # after the first paint

        generation = self.metadata.generation
        if generation is None:
            return
        model = self._model_for(generation.model_id)
        assert self.form is not None
        self.form.restore_state(recall.field_state(generation, field, model))
        self.statusBar().showMessage("Recalled into the current draft", 3000)

    def recall_all(self) -> None:
        from leodesk.ui import recall  # after the first paint

        generation = self.metadata.generation
        if generation is None:
            return
        model = self._model_for(generation.model_id)
        self.drafts.new_draft(recall.draft_state(generation, model))
        self.statusBar().showMessage("Opened in a new draft", 3000)

    def _visible_rows(self, first: int, last: int, per_screen: int) -> None:
        # Keep about three screens of thumbnails in memory; forget queued requests two screens away.
        assert self.ctx is not None
        self.ctx.thumbs.set_memory_items(per_screen * 3)
        self.ctx.gallery_model.retain_rows(first - 2 * per_screen, last + 2 * per_screen)

    # -- settings -----------------------------------------------------------------------------
    def restore(self, settings: Settings) -> None:
        self.keep_full_images_offline = bool(settings.keep_full_images_offline)
        self.offline_action.setChecked(self.keep_full_images_offline)
        self.set_cost_limit(settings.confirm_cost_above)
        geometry = _unb64(settings.window_geometry)
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = _unb64(settings.window_state)
        if state is not None:
            # After the docks are laid out (this runs on a window that is already shown).
            QTimer.singleShot(0, lambda: self.restoreState(state))
        sizes = (settings.splitter_sizes or {}).get("main")
        if sizes and self.splitter is not None and len(sizes) == self.splitter.count():
            self.splitter.setSizes(list(sizes))
        form_state = settings.last_form
        if form_state and self.drafts is not None:
            self.drafts.restore(dict(form_state))

    def snapshot(self) -> dict[str, Any]:
        """What to save on close: window geometry, pane sizes, the form."""
        out: dict[str, Any] = {
            "window_geometry": _b64(self.saveGeometry()),
            "window_state": _b64(self.saveState()),
            "keep_full_images_offline": self.offline_action.isChecked(),
            "confirm_cost_above": self.confirm_cost_above,
        }
        if self.notifications is not None:  # -- notifications
            out.update(self.notifications.snapshot())
        if self.splitter is not None:
            out["splitter_sizes"] = {"main": tuple(self.splitter.sizes())}
        if self.form is not None and self.drafts is not None:
            out["last_form"] = self.drafts.snapshot()
            model = self.form.model()
            out["last_model_id"] = model.id if model is not None else None
        return out

    # -- status -------------------------------------------------------------------------------
    def show_account(self, state: AccountState) -> None:
        from leodesk.core.credits import (  # after the first paint
            credits_text,
            date_text,
            renewal_datetime,
        )

        self.account_label.setText(state.username or "")
        credits = state.credits
        self.balance_label.setText("" if credits is None else credits_text(credits))
        renews = renewal_datetime(state.renewal_date)
        tip = "API credit balance (plan credits + paid top-ups), read from Leonardo"
        negative = credits is not None and credits < 0
        if negative:
            tip += (
                ". It is below zero (the API can let a balance go negative): new jobs "
                "may be refused until you top up or your plan renews and the balance covers their "
                "price."
            )
        self.balance_label.setToolTip(tip)
        self.balance_label.setStyleSheet("QLabel { color: #b91c1c; }" if negative else "")
        self.balance_hint.setToolTip(tip)
        self.balance_hint.setVisible(negative)
        if renews is None:
            self.renewal_label.setText("")
            self.renewal_label.setToolTip("")
        else:
            self.renewal_label.setText(f"renews {date_text(renews)}")
            self.renewal_label.setToolTip(
                f"Your API plan's credits renew on {date_text(renews)} "
                f"({renews:%Y-%m-%d %H:%M} UTC)"
            )
        self.renewal_label.setVisible(renews is not None)
        if self.ctx is not None:
            self._show_spent(self.ctx.account.ledger.snapshot())
            if self.queue_panel is not None:
                self.queue_panel.set_balance(credits)
        if self.credits_dialog is not None and self.credits_dialog.isVisible():
            self.credits_dialog.set_balance(credits)
        self.slots_label.setText("" if state.slots is None else f"{state.slots} slots")
        self.slots_label.setToolTip("Jobs the API runs at once for this key")
        self.connection_label.setText("Demo" if self.demo else "Connected")
        self.connection_label.setToolTip("")

    def show_connection_error(self, message: str) -> None:
        self.connection_label.setText("Offline")
        self.connection_label.setToolTip(message)
        self.statusBar().showMessage(message, 10000)

    def _wire_credits(self, ctx: AppContext) -> None:
        """Charges and refunds into the ledger; the balance read again when a job is charged
        and when it ends (a failed job's refund shows); refused jobs open the credits dialog."""
        account = ctx.account
        ctx.generation.charged.connect(account.charge)
        ctx.generation.refunded.connect(account.refund)
        ctx.variations.charged.connect(account.charge)
        account.spent_changed.connect(self._show_spent)
        ctx.generation.job_changed.connect(self._job_ended_refresh)
        ctx.variations.job_changed.connect(self._job_ended_refresh)
        ctx.generation.insufficient_credits.connect(self.show_insufficient_credits)
        ctx.variations.insufficient_credits.connect(self.show_insufficient_credits)
        self._show_spent(account.ledger.snapshot())

    def _job_ended_refresh(self, view: Any) -> None:
        assert self.ctx is not None
        if view.state in ("done", "failed"):
            self.ctx.account.refresh()

    def _show_spent(self, spending: Any) -> None:
        assert self.ctx is not None
        from leodesk.core.credits import credits_text, spent_explanation  # after the first paint

        account = self.ctx.account
        first = None if account.first is None else account.first.credits
        now = None if account.last is None else account.last.credits
        self.spent_label.setText(f"spent this run: {credits_text(spending.spent)}")
        self.spent_label.setToolTip(spent_explanation(spending, first, now))

    def open_url(self, url: Any) -> bool:
        """Open ``url`` in the browser (replaceable in tests)."""
        return bool(QDesktopServices.openUrl(url))

    def show_insufficient_credits(self, shortfall: Any) -> None:
        """The API refused a job for lack of credits: what it needed, what is left, top up."""
        assert self.ctx is not None
        if self.credits_dialog is None:
            from leodesk.ui.credits import InsufficientCreditsDialog  # after the first paint

            self.credits_dialog = InsufficientCreditsDialog(lambda url: self.open_url(url), self)
        last = self.ctx.account.last
        left = None if last is None else last.credits
        self.credits_dialog.show_shortfall(shortfall.needed, left, shortfall.label)

    # -- viewer -------------------------------------------------------------------------------
    def open_viewer(self, image_id: str) -> None:
        if self.ctx is None:
            return
        row = self.ctx.gallery_model.row_of(image_id)
        if row is None:
            return
        if self._open_motion(row):  # a motion opens in the system player
            return
        if self.viewer is None:
            from leodesk.ui.viewer import ImageViewer  # after the first paint

            self.viewer = ImageViewer(self)
            self.viewer.navigate.connect(self._navigate)
            self._wire_viewer_lineage(self.viewer)
            model = self.ctx.gallery_model
            self.viewer.drag_mime = lambda record: model.mime_for([record])
        self._show_row(row)
        self.viewer.show()
        self.viewer.raise_()

    def _show_row(self, row: int) -> None:
        assert self.viewer is not None and self.ctx is not None
        model = self.ctx.gallery_model
        record = model.record(row)
        if record is None:
            return
        self._viewer_row = row
        path = self.ctx.image_path(record)
        self.viewer.show_record(record, path)
        self._show_lineage(record)
        self.ctx.images.load(record.id, path, record.url)
        if self.gallery is not None:
            self.gallery.setCurrentIndex(model.index(row))

    # -- variations, motion and lineage in the viewer -----------------------------------------
    def _open_motion(self, row: int) -> bool:
        assert self.ctx is not None
        record = self.ctx.gallery_model.record(row)
        if record is None or record.kind != "motion":
            return False
        return bool(self.library_actions.variations.play(record))

    def _wire_viewer_lineage(self, viewer: Any) -> None:
        assert self.ctx is not None
        actions = self.library_actions.variations
        viewer.variation_requested.connect(lambda kind: actions.request(kind, viewer.record))
        viewer.play_requested.connect(lambda: actions.play(viewer.record))
        viewer.open_image.connect(self.show_in_viewer)
        viewer.branch_requested.connect(self.branch_from_viewer)
        self.ctx.variations.child_stored.connect(self._child_stored)

    def _show_lineage(self, record: ImageRecord) -> None:
        assert self.viewer is not None and self.ctx is not None
        reader = self.ctx.backend.reader
        self.viewer.set_lineage(reader.ancestors_of(record.id), reader.children_of(record.id))

    def _child_stored(self, parent_id: str) -> None:
        record = None if self.viewer is None else self.viewer.record
        if record is not None and self.viewer is not None and self.viewer.isVisible():
            self._show_lineage(record)

    def show_in_viewer(self, image_id: str) -> None:
        """Show any library image in the viewer (a lineage link: it may be filtered out)."""
        if self.ctx is None or self.viewer is None:
            return
        row = self.ctx.gallery_model.row_of(image_id)
        if row is not None:
            self._show_row(row)
            return
        record = self.ctx.backend.reader.image_records([image_id]).get(image_id)
        if record is None:
            self.statusBar().showMessage("That image is not in the library.", 6000)
            return
        path = self.ctx.image_path(record)
        self.viewer.show_record(record, path)
        self._show_lineage(record)
        self.ctx.images.load(record.id, path, record.url)

    def branch_from_viewer(self) -> None:
        """'Branch from here': the shown image's generation in a new draft."""
        from leodesk.ui import recall  # after the first paint

        record = None if self.viewer is None else self.viewer.record
        if record is None or self.ctx is None:
            return
        reader = self.ctx.backend.reader
        generation_id = record.generation_id
        if record.kind == "motion":
            # a motion's own generation holds no parameters: branch from the image it came from
            ancestors = reader.ancestors_of(record.id)
            if ancestors:
                generation_id = ancestors[0].generation_id
        generation = reader.get_generation(generation_id)
        if generation is None:
            return
        model = self._model_for(generation.model_id)
        self.drafts.new_draft(recall.draft_state(generation, model))
        self.statusBar().showMessage("Opened in a new draft", 3000)

    def _navigate(self, delta: int) -> None:
        if self.ctx is None:
            return
        model = self.ctx.gallery_model
        row = self._viewer_row + delta
        if row >= model.rowCount() and model.canFetchMore():
            model.fetchMore()
        if 0 <= row < model.rowCount():
            self._show_row(row)

    def _image_loaded(self, image_id: str, image: Any) -> None:
        if self.viewer is not None:
            self.viewer.show_image(image_id, image)

    def _image_failed(self, image_id: str, message: str) -> None:
        if self.viewer is not None:
            self.viewer.show_error(image_id, message)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closing.emit()
        super().closeEvent(event)
