"""MainWindow: model browser, prompt form and gallery in three panes, a job strip, a status bar.

The window is a shell first (shown before anything heavy loads); :meth:`MainWindow.attach` puts the
panes in once the app's context (services, item models) exists. Widgets only: the services arrive
through ``attach`` and do every piece of I/O.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QItemSelectionModel, QRect, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QDesktopServices
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMainWindow, QVBoxLayout, QWidget

from leodesk.ui.widgets import add_menu, named

# The window's parts (menus, status bar, the links to the dialogs and panes) load in furnish(),
# after the first paint when the app starts: this module and the empty window it shows first
# stay light (no Qt namespace, whose enums cost ~10 ms to create).
DEFAULT_SIZE = (1400, 860)  # the first window, where it fits
#: The modules furnish() builds the window's bars from (leodesk.app loads them on its preload
#: thread first, with the gallery's).
FURNISH_MODULES = (
    "leodesk.ui.balance_check",
    "leodesk.ui.window_menus",
    "leodesk.ui.window_panes",
    "leodesk.ui.window_status",
    "leodesk.ui.window_accounts",
)
#: The modules furnish_links() builds the links to the dialogs from (loaded with the second
#: stage: the app builds them once it is in).
LINK_MODULES = (
    "leodesk.ui.window_viewer",
    "leodesk.ui.window_canvas",
    "leodesk.ui.window_blueprints",
    "leodesk.ui.window_training",
    "leodesk.ui.window_video",
    "leodesk.ui.window_prefs",
)


def default_geometry(available: QRect) -> QRect:
    """The first window's rect: 1400 × 860 where it fits, else the available screen (a margin
    for the frame), centred."""
    width = min(DEFAULT_SIZE[0], available.width() - 16)
    height = min(DEFAULT_SIZE[1], available.height() - 40)
    rect = QRect(0, 0, width, height)
    rect.moveCenter(available.center())
    return rect


if TYPE_CHECKING:  # the panes load in attach(), after the first paint; the links in furnish()
    from PySide6.QtWidgets import QSplitter

    from leodesk.core.settings import Settings
    from leodesk.qt.context import AppContext
    from leodesk.qt.services import AccountState
    from leodesk.ui.balance_check import BalanceCheck
    from leodesk.ui.drafts import FormShell
    from leodesk.ui.gallery import GalleryView
    from leodesk.ui.job_strip import JobStrip
    from leodesk.ui.model_browser import ModelBrowser
    from leodesk.ui.prompt_form import PromptForm
    from leodesk.ui.queue_panel import QueuePanel
    from leodesk.ui.tray import TrayNotifications
    from leodesk.ui.viewer import ImageViewer
    from leodesk.ui.window_accounts import AccountsLink
    from leodesk.ui.window_blueprints import BlueprintLink
    from leodesk.ui.window_canvas import CanvasLink
    from leodesk.ui.window_menus import WindowMenus
    from leodesk.ui.window_panes import PanesLink
    from leodesk.ui.window_prefs import PreferencesLink
    from leodesk.ui.window_status import AccountStatus
    from leodesk.ui.window_training import TrainingLink
    from leodesk.ui.window_video import VideoLink
    from leodesk.ui.window_viewer import ViewerLink


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

    def __init__(
        self, *, demo: bool = False, parent: QWidget | None = None, furnish: bool = True
    ) -> None:
        """``furnish``: build the menus, the status bar and the links now (else
        :meth:`attach_gallery_steps` or the caller calls :meth:`furnish`)."""
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.demo = demo
        self.ctx: AppContext | None = None
        self.setWindowTitle(self.tr("leodesk — Demo") if demo else "leodesk")
        self.setGeometry(default_geometry(self.screen().availableGeometry()))  # fits the screen
        # The first frame is the bare window; "Starting…" comes right after it (say_starting):
        # the first text drawn loads the fonts (~3 ms before the first paint).
        self.starting = QWidget()
        self.setCentralWidget(self.starting)
        self.geometry_restored = False  # see restore_geometry
        self.form_shell: FormShell | None = None  # the form's stand-in while the app loads
        self.typed_early: tuple[str, str] | None = None  # typed in the stand-in (prompt, negative)
        self.splitter: QSplitter | None = None
        self.browser: ModelBrowser | None = None
        self.form: PromptForm | None = None
        self.drafts: Any = None
        self.gallery_pane: Any = None
        self.metadata: Any = None
        self.gallery: GalleryView | None = None
        self.jobs: JobStrip | None = None
        self.queue_panel: QueuePanel | None = None
        self.notifications: TrayNotifications | None = None
        self.furnished = False
        self.links_furnished = False
        if furnish:
            self.furnish()

    def say_starting(self) -> None:
        """Show "Starting…" in the middle of the window until the panes come (centred by
        stretches: no Qt namespace, whose first use costs ~12 ms, and no rich text, ~6 ms)."""
        if self.centralWidget() is not self.starting or self.starting.layout() is not None:
            return
        label = named(QLabel(self.tr("Starting…")), "startingLabel", self.tr("Starting"))
        rows, row = QVBoxLayout(self.starting), QHBoxLayout()
        row.addStretch()
        row.addWidget(label)
        row.addStretch()
        rows.addStretch()
        rows.addLayout(row)
        rows.addStretch()

    def furnish(self, links: bool = True) -> None:
        """The menus and their actions, the status bar, the links to the panes (from
        FURNISH_MODULES); with ``links``, the links to the dialogs too (:meth:`furnish_links`).
        Again: what is missing only."""
        if not self.furnished:
            self.furnished = True
            self._furnish_bars()
        if links:
            self.furnish_links()

    def _furnish_bars(self) -> None:
        from leodesk.ui.balance_check import BalanceCheck
        from leodesk.ui.window_accounts import AccountsLink
        from leodesk.ui.window_menus import WindowMenus
        from leodesk.ui.window_panes import PanesLink
        from leodesk.ui.window_status import AccountStatus

        demo = self.demo
        self.panes_link: PanesLink = PanesLink(self)  # side panes, Details, the queue chip
        self.status: AccountStatus = AccountStatus(self, demo)
        self.demo_badge = self.status.demo_badge
        self.connection_label = self.status.connection_label
        self.account_label = self.status.account_label
        self.balance_label = self.status.balance_label
        self.balance_hint = self.status.balance_hint
        self.renewal_label = self.status.renewal_label
        self.spent_label = self.status.spent_label
        self.slots_label = self.status.slots_label
        self.keep_full_images_offline = False  # a sync also downloads the full images
        self.confirm_cost_above: float | None = None
        # warns when the balance is below a job's cost
        self.balance_check: BalanceCheck = BalanceCheck(self)
        menus = WindowMenus(self, demo)
        self.key_action = menus.key_action
        self.offline_action = menus.offline_action
        self.cost_limit_action = menus.cost_limit_action
        self.refresh_action = menus.refresh_action
        # the menu's list, the badge
        self.accounts_link: AccountsLink = AccountsLink(self, menus.account_menu)
        self.menus: WindowMenus = menus

    def furnish_links(self) -> None:
        """The links to the viewer, the canvas, Blueprints, training, video and Preferences,
        their actions in the File menu (from LINK_MODULES; after :meth:`furnish`'s bars). The
        app builds them once the preload's second stage is in: not needed to show the gallery.
        Again: nothing."""
        if self.links_furnished:
            return
        self.links_furnished = True
        from leodesk.ui.window_blueprints import BlueprintLink
        from leodesk.ui.window_canvas import CanvasLink
        from leodesk.ui.window_prefs import PreferencesLink
        from leodesk.ui.window_training import TrainingLink
        from leodesk.ui.window_video import VideoLink
        from leodesk.ui.window_viewer import ViewerLink

        menus = self.menus
        self.viewer_link: ViewerLink = ViewerLink(self)
        self.canvas_link: CanvasLink = CanvasLink(self)
        canvas_actions = [self.canvas_link.new_action, self.canvas_link.open_action]
        self.blueprint_link: BlueprintLink = BlueprintLink(self)
        canvas_actions.append(self.blueprint_link.action)
        menus.file_menu.insertActions(menus.quit_action, canvas_actions)
        self.training_link: TrainingLink = TrainingLink(self)
        menus.file_menu.insertAction(menus.quit_action, self.training_link.open_action)
        self.video_link: VideoLink = VideoLink(self)  # Make video…, Text to video…, open_video
        video_actions = [self.video_link.text_action, self.video_link.file_action]
        menus.file_menu.insertActions(menus.quit_action, video_actions)
        menus.file_menu.insertSeparator(menus.quit_action)
        # Preferences…, theme, shortcuts, Cancel job
        self.prefs_link: PreferencesLink = PreferencesLink(self)
        menus.file_menu.insertActions(menus.quit_action, [self.prefs_link.action])

    def _default_dock_sizes(self) -> None:
        """Details narrow on the right, the queue a low strip; applied once the layout has run
        (a saved window state, restored later, wins)."""

        from PySide6.QtCore import Qt

        def apply() -> None:
            self.resizeDocks([self.metadata_dock], [260], Qt.Orientation.Horizontal)
            self.resizeDocks([self.queue_dock], [130], Qt.Orientation.Vertical)

        QTimer.singleShot(0, apply)

    def set_demo(self, demo: bool) -> None:
        self.demo = demo
        self.status.style_demo_badge(demo)
        self.setWindowTitle(self.tr("leodesk — Demo") if demo else "leodesk")
        self.key_action.setEnabled(not demo)

    # -- assembly -----------------------------------------------------------------------------
    def attach(self, ctx: AppContext, settings: Settings | None = None) -> None:
        """Build the panes over ``ctx`` (an AppContext) and wire them to its services."""
        for _step in self.attach_steps(ctx, settings):
            pass

    def attach_steps(self, ctx: AppContext, settings: Settings | None = None) -> Iterator[None]:
        """:meth:`attach` in short steps: the app runs one per turn of the event loop, so the
        window answers input while the panes load (tests/bench/startup.py measures each)."""
        # The panes load in these steps, after the first paint: each step imports the widget
        # modules it needs. The gallery and the form come first (attach_gallery_steps, which the
        # app runs before the services exist): the window is usable once they are in.
        if self.gallery is None:
            yield from self.attach_gallery_steps(ctx.gallery_model, ctx.jobs, settings)
        self.ctx = ctx
        from leodesk.ui.model_browser import ModelBrowser

        self.browser = ModelBrowser(ctx.platform_models, ctx.own_models)
        self.panes_link.panes["browser"].set_content(self.browser)
        yield
        from leodesk.ui.drafts import DraftsPane
        from leodesk.ui.prompt_form import PromptForm

        shell = self.form_shell
        assert shell is not None  # built with the gallery
        prompt_edit = shell.section.prompt_edit
        had_focus = prompt_edit.hasFocus()
        self.form = PromptForm(prompt_section=shell.adopt())
        self.typed_early = shell.typed
        yield
        self.drafts = DraftsPane(self.form)
        self.panes_link.panes["form"].set_content(self.drafts)  # the stand-in goes
        self.form_shell = None
        self.panes_link.fit_form()
        if had_focus:
            prompt_edit.setFocus()
        yield
        self._build_docks(ctx, settings)
        yield
        self._wire_models_and_form(ctx)
        self._wire_library(ctx)
        yield
        self._wire_gallery(ctx)
        self.blueprint_link.attach(ctx)
        self._wire_sync_and_account(ctx)
        yield
        from leodesk.ui.window_elements import ElementsLink
        from leodesk.ui.window_media import MediaLink
        from leodesk.ui.window_uploads import UploadsLink

        self.elements_link = ElementsLink(self, ctx)
        self.uploads_link = UploadsLink(self, ctx)
        self.media_link = MediaLink(self, ctx)  # Upload a video…, the uploads dialog's videos
        from leodesk.ui.window_history import HistoryLink  # recent prompts, presets

        self.history_link = HistoryLink(self, ctx)
        self.view_menu.addAction(self.history_link.action)
        yield
        if settings is not None:
            self.restore(settings)
        yield
        self.prefs_link.attach(ctx, settings)  # after the last action exists: shortcuts
        yield
        # The gallery shows everything since attach_gallery_steps (generations deleted on the
        # server too); a search typed meanwhile runs now.
        text = self.gallery_pane.search.text()
        if self.current_filter(text) != self.ctx.gallery_model.current_filter():
            self.search(text)
        else:
            self._after_reload(set(), None)
        from leodesk.ui.window_help import HelpLink

        self.help_link = HelpLink(self)  # Help: shortcuts, About, diagnostics (after the menus)
        self.panes_link.apply_details()  # nothing selected yet: no Details

    def attach_gallery_steps(
        self, gallery_model: Any, jobs: Any, settings: Settings | None = None
    ) -> Iterator[None]:
        """The gallery (over ``gallery_model``, showing the library at once), the job strip and
        the prompt (:class:`~leodesk.ui.drafts.FormShell`, the form's stand-in) in their panes,
        laid out as saved: what the window needs to be used, built before the services
        (leodesk.qt.gallery_parts). The model browser's pane holds a stand-in too; both are
        replaced in :meth:`attach_steps`."""
        from leodesk.ui.gallery import GalleryView
        from leodesk.ui.gallery_pane import GalleryPane
        from leodesk.ui.job_strip import JobStrip

        self.gallery = GalleryView()
        self.gallery.setModel(gallery_model)
        self.jobs = JobStrip(jobs)
        self.gallery_pane = GalleryPane(self.gallery, self.jobs)
        if settings is not None:
            self.gallery_pane.restore_view(
                settings.gallery_thumb_size, settings.gallery_group_by_generation
            )
        # The default filter (everything, generations deleted on the server too), read on the
        # model's thread: rows as soon as it answers.
        gallery_model.reload(self.current_filter(""))
        self.gallery_pane.set_sync_ready(False)  # until the services are in (the key known)
        yield
        # The menus, the status bar and the panes' links come in the same turn as the panes:
        # the window then repaints once for all of them (not once for the menus, then again for
        # the gallery, while the user waits for it). The dialogs' links come once the preload's
        # second stage is in (furnish_links).
        self.furnish(links=False)
        from leodesk.ui.drafts import FormShell

        saved = settings.last_form if settings is not None else None
        self.form_shell = FormShell(dict(saved) if isinstance(saved, dict) else None)
        self._build_splitter()
        if settings is not None:
            self._restore_panes(settings)

    def _build_docks(self, ctx: AppContext, settings: Settings | None) -> None:
        """Details and queue docks, the View menu, the tray notifications."""
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QDockWidget

        from leodesk.ui.metadata_panel import MetadataPanel
        from leodesk.ui.queue_panel import QueuePanel
        from leodesk.ui.tray import TrayNotifications

        self.metadata = MetadataPanel()
        dock = QDockWidget(self.tr("Details"), self)
        dock.setObjectName("metadataDock")
        dock.setWidget(self.metadata)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)  # shown with a selection
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        # Hidden until something is selected (PanesLink.apply_details): shown now, it would
        # narrow the panes for a turn and widen them again, each a repaint of the whole window.
        dock.hide()
        self.metadata_dock = dock
        view_menu = add_menu(self.menuBar(), self.tr("&View"), "viewMenu")
        self.view_menu = view_menu
        view_menu.addAction(self.panes_link.details_action)
        # The queue panel
        self.queue_panel = QueuePanel(ctx.queue, ctx.generation)
        queue_dock = QDockWidget(self.tr("Queue"), self)
        queue_dock.setObjectName("queueDock")
        queue_dock.setAccessibleName(self.tr("Queue"))
        queue_dock.setWidget(self.queue_panel)
        queue_dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
        )
        # A low strip along the bottom, so the form and the gallery keep most of the height.
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, queue_dock)
        self._default_dock_sizes()
        self.queue_dock = queue_dock
        queue_dock.hide()  # the chip's popup shows the queue; View ▸ Queue panel the full panel
        queue_toggle = queue_dock.toggleViewAction()
        queue_toggle.setObjectName("toggleQueueAction")
        queue_toggle.setText(self.tr("&Queue panel"))
        view_menu.addAction(queue_toggle)
        self.panes_link.attach_queue(ctx, queue_toggle)
        view_menu.addAction(self.prefs_link.cancel_action)
        self.prefs_link.add_theme_menu(view_menu)
        # Notifications: tray icon, OS notices, View ▸ Notifications
        self.notifications = TrayNotifications(self, ctx.notifier, ctx.generation, settings)
        self.notifications.add_menu(view_menu)

    def _build_splitter(self) -> None:
        """The three panes side by side, in place of the start-up label (stand-ins in the model
        browser's pane and the form's until they are built: see attach_steps)."""
        assert self.form_shell is not None
        self.splitter = self.panes_link.build_splitter(
            QWidget(), self.form_shell, self.gallery_pane
        )
        self.gallery_pane.add_header_widget(self.panes_link.details_button)
        self.setCentralWidget(self.splitter)
        self.starting.deleteLater()

    def _wire_models_and_form(self, ctx: AppContext) -> None:
        """Model browser ⇄ catalog and form; form ⇄ generation, pricing, prompts, uploads."""
        assert self.browser is not None and self.form is not None
        # model browser ⇄ catalog and form
        self.browser.model_chosen.connect(self.form.set_model)
        self.browser.favourite_toggled.connect(ctx.catalog.set_favourite)
        self.form.model_requested.connect(self.panes_link.show_browser)
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

    def _wire_library(self, ctx: AppContext) -> None:
        """Image menu, search and filters, curation, delete with undo, export."""
        from leodesk.ui.library_actions import LibraryActions

        # gallery: search and filters, curation, delete with undo
        self.collections: list[Any] = []
        self.library_actions = LibraryActions(self, ctx)
        self.library_actions.extra_actions.append(self.training_link.add_action)
        image_menu = add_menu(self.menuBar(), self.tr("&Image"), "imageMenu")
        for action in self.library_actions.actions.values():
            image_menu.addAction(action)
        self.video_link.attach(image_menu, self.library_actions)
        from leodesk.ui.window_compare import CompareLink

        self.compare_link = CompareLink(self)  # Compare, Compare with original
        self.compare_link.attach(image_menu, self.library_actions)
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

    def _wire_gallery(self, ctx: AppContext) -> None:
        """Date scrubber, selection → details, viewer, thumbnails in memory, recall."""
        assert self.gallery is not None
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
        ctx.images.loaded.connect(self.viewer_link.image_loaded)
        ctx.images.failed.connect(self.viewer_link.image_failed)
        self.metadata.recall_field.connect(self.recall_field)
        self.metadata.recall_all.connect(self.recall_all)

    def _wire_sync_and_account(self, ctx: AppContext) -> None:
        """Library sync, the account and credits in the status bar, Refresh."""
        # library sync
        self.gallery_pane.set_sync_ready(True)
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
        self.status.wire_credits(ctx)
        self.refresh_action.triggered.connect(ctx.account.refresh)
        self.refresh_action.triggered.connect(ctx.catalog.refresh)

    # -- library: search, selection, recall -------------------------------------------------------
    def current_filter(self, text: str | None = None) -> Any:
        from leodesk.core.search import Filter  # after the first paint

        text = self.gallery_pane.search.text() if text is None else text
        return Filter(text=text.strip() or None, **self.gallery_pane.filter_values())

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
        self._after_reload(keep, keep_current)

    def _after_reload(self, keep: set[str], keep_current: str | None) -> None:
        """The scrubber, the selection (where its images are still shown) and the count."""
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
        above the user's cost limit (or at an unknown cost) ask first, and warn when the
        balance is below the cost."""
        assert self.ctx is not None
        assert self.form is not None
        times = self.form.repeat_count()
        each = self.form.known_cost()
        cost = None if each is None else each * times
        limit = self.confirm_cost_above
        if limit:
            if cost is None:
                text = self.tr(
                    "The cost of this job is not known yet (your limit is {limit})."
                ).format(limit=f"{limit:,.0f}")
            elif times == 1:
                text = self.tr(
                    "This job costs {cost} credits, more than your limit of {limit}."
                ).format(cost=f"{cost:,}", limit=f"{limit:,.0f}")
            else:
                text = self.tr(
                    "These {times} jobs cost {cost} credits, more than your limit of {limit}."
                ).format(times=times, cost=f"{cost:,}", limit=f"{limit:,.0f}")
            if (cost is None or cost > limit) and not self.confirm_cost(text):
                self.statusBar().showMessage(self.tr("Not sent: above your cost limit"), 5000)
                return
        these = self.tr("These {times} jobs cost").format(times=times)
        if not self.balance_check.confirm(cost, None if times == 1 else these):
            return
        if times == 1:
            self.ctx.generation.submit(request)
        else:
            self.ctx.generation.submit_batch([request] * times)
            self.statusBar().showMessage(
                self.tr("{times} jobs queued as one batch").format(times=times), 4000
            )

    def confirm_cost(self, text: str) -> bool:
        """Ask whether to send an expensive job (replaceable in tests)."""
        question = self.tr("{text}\n\nSend it anyway?").format(text=text)
        from PySide6.QtWidgets import QMessageBox

        answer = QMessageBox.question(self, self.tr("Send this job?"), question)
        return answer == QMessageBox.StandardButton.Yes

    def ask_cost_limit(self) -> None:
        from PySide6.QtWidgets import QInputDialog

        value, ok = QInputDialog.getInt(
            self,
            self.tr("Cost limit"),
            self.tr("Ask before sending a job that costs more than (credits, 0 = never ask):"),
            int(self.confirm_cost_above or 0),
            0,
            1_000_000,
        )
        if ok:
            self.set_cost_limit(value or None)

    def set_cost_limit(self, value: float | None) -> None:
        self.confirm_cost_above = value
        self.cost_limit_action.setText(
            self.tr("Ask before a job costs more than… ({value})").format(value=f"{value:,.0f}")
            if value
            else self.tr("Ask before a job costs more than…")
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
            counts = {
                "checked": f"{result.generations:,}",
                "new": f"{result.new:,}",
                "deleted": f"{result.deleted_remote:,}",
            }
            if result.deleted_remote:
                text = self.tr(
                    "Library synced: {checked} generations checked, {new} new, {deleted} "
                    "deleted on the server"
                ).format(**counts)
            else:
                text = self.tr("Library synced: {checked} generations checked, {new} new").format(
                    **counts
                )
            self.gallery_pane.sync_ended(text)
        else:
            self.gallery_pane.sync_ended(
                result.message or self.tr("Sync stopped."), error=result.phase == "failed"
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
        from PySide6.QtWidgets import QAbstractItemView

        self.gallery.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtTop)

    def _collections(self, collections: list[Any]) -> None:
        self.collections = list(collections)
        self.gallery_pane.filters.set_collections(self.collections)

    def _deleted(self, pending: Any) -> None:
        n = len(pending.image_ids)
        if pending.whole_generations:
            text = self.tr("%n image(s) deleted. They leave your account in a few seconds.", "", n)
        else:
            text = self.tr(
                "%n image(s) hidden. Their generations keep other images, so they stay on "
                "your account (the API deletes whole generations only).",
                "",
                n,
            )
        self.gallery_pane.show_undo(text)
        self._update_count()

    def _undone(self, ids: list[str]) -> None:
        self.gallery_pane.hide_undo()
        self.statusBar().showMessage(self.tr("%n image(s) restored", "", len(ids)), 4000)
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
        self.panes_link.apply_details()
        if n == 0:
            self.metadata.show_none()
        elif n == 1:
            image, generation = self.selected_generations()[0]
            from leodesk.qt.imaging import pixel_size  # the file's own size (after first paint)

            pixels = pixel_size(self.ctx.image_path(image)) if self.ctx else None
            self.metadata.show_one(generation or image, image, self._model_names(), pixels)
        elif n == 2:
            (_ia, ga), (_ib, gb) = self.selected_generations()
            self.metadata.show_two(ga, gb, self._model_names())
        else:
            self.metadata.show_many(n)

    def _model_names(self) -> dict[str, str]:
        assert self.ctx is not None
        models = self.ctx.platform_models.models() + self.ctx.own_models.models()
        elements = self.ctx.elements.platform + self.ctx.elements.own  # for the Elements row
        return {m.id: m.name for m in models} | {e.key: e.name for e in elements}

    def model_for(self, model_id: str | None) -> Any:
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
        model = self.model_for(generation.model_id)
        assert self.form is not None
        self.form.restore_state(recall.field_state(generation, field, model))
        self.statusBar().showMessage(self.tr("Recalled into the current draft"), 3000)

    def recall_all(self) -> None:
        from leodesk.ui import recall  # after the first paint

        generation = self.metadata.generation
        if generation is None:
            return
        model = self.model_for(generation.model_id)
        self.drafts.new_draft(recall.draft_state(generation, model))
        self.statusBar().showMessage(self.tr("Opened in a new draft"), 3000)

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
        if not self.geometry_restored:
            self.restore_geometry(settings)
        state = _unb64(settings.window_state)
        if state is not None:
            # After the docks are laid out (this runs on a window that is already shown).
            QTimer.singleShot(0, lambda: self.restoreState(state))
        self.panes_link.apply_details_later()
        form_state = settings.last_form
        if form_state and self.drafts is not None:
            self.drafts.restore(dict(form_state))
        typed = self.typed_early
        if typed is not None and self.form is not None:  # typed before the form was there
            self.form.prompt_section.set_prompt_text(typed[0])
            self.form.negative_prompt_edit.setPlainText(typed[1])

    def restore_geometry(self, settings: Settings) -> None:
        """The saved window size and place (the app calls it before the window is shown: no
        second layout; :meth:`restore` does it otherwise)."""
        self.geometry_restored = True
        geometry = _unb64(settings.window_geometry)
        if geometry is not None:
            self.restoreGeometry(geometry)

    def _restore_panes(self, settings: Settings) -> None:
        """The panes as saved (collapsed or open, their widths), as soon as they exist."""
        self.panes_link.restore(settings.collapsed_panes)
        sizes = (settings.splitter_sizes or {}).get("main")
        if sizes and self.splitter is not None and len(sizes) == self.splitter.count():
            self.splitter.setSizes(list(sizes))

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
        if self.links_furnished:  # (before: the settings as they were read)
            out.update(self.prefs_link.snapshot())
        if self.gallery_pane is not None:  # the thumbnail size, grouping
            out.update(self.gallery_pane.view_snapshot())
        out.update(self.panes_link.snapshot())
        if self.splitter is not None:
            out["splitter_sizes"] = {"main": tuple(self.splitter.sizes())}
        if self.form is not None and self.drafts is not None:
            out["last_form"] = self.drafts.snapshot()
            model = self.form.model()
            out["last_model_id"] = model.id if model is not None else None
        return out

    # -- status -------------------------------------------------------------------------------
    def show_account(self, state: AccountState) -> None:
        self.status.show_account(state)

    def show_connection_error(self, message: str) -> None:
        self.status.show_connection_error(message)

    def open_url(self, url: Any) -> bool:
        """Open ``url`` in the browser (replaceable in tests)."""
        return bool(QDesktopServices.openUrl(url))

    def show_insufficient_credits(self, shortfall: Any) -> None:
        """The API refused a job for lack of credits: what it needed, what is left, top up."""
        self.status.show_insufficient_credits(shortfall)

    # -- viewer -------------------------------------------------------------------------------
    @property
    def viewer(self) -> ImageViewer | None:
        return self.viewer_link.viewer

    def open_viewer(self, image_id: str) -> None:
        self.viewer_link.open_viewer(image_id)

    def open_video(self, record: Any) -> bool:
        return self.video_link.open_video(record)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closing.emit()
        super().closeEvent(event)
