"""LibraryActions: what can be done to the images selected in the gallery.

Favourite, rate, pick / reject, add to a collection, copy, export, delete (with undo) and
triage, each as a QAction with a shortcut, shared by the gallery's context menu and the Image
menu. The actions only ask the app's services; the gallery repaints when they answer.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMenu, QMessageBox, QWidget

from leodesk.core.library.records import ImageRecord, Pick
from leodesk.ui.triage import TriageWindow
from leodesk.ui.variation_actions import VariationActions
from leodesk.ui.widgets import add_menu

if TYPE_CHECKING:
    from leodesk.qt.context import AppContext
    from leodesk.ui.main_window import MainWindow


class LibraryActions(QObject):
    def __init__(self, window: MainWindow, ctx: AppContext) -> None:
        super().__init__(window)
        self.window = window
        self.ctx = ctx
        assert window.gallery is not None  # built by the window's attach(), which makes these
        self.gallery = window.gallery
        self.triage: TriageWindow | None = None
        self._triage_row = 0
        self.confirm = self._ask  # replaced in tests
        self.ask_text = self._ask_text
        self.ask_folder = self._ask_folder
        self.actions: dict[str, QAction] = {}
        gallery_only = Qt.ShortcutContext.WidgetWithChildrenShortcut

        def add(
            name: str,
            text: str,
            slot: Any,
            shortcut: Any = None,
            context: Qt.ShortcutContext = gallery_only,
        ) -> QAction:
            action = QAction(text, self.gallery)
            action.setObjectName(name)
            if shortcut is not None:
                action.setShortcut(QKeySequence(shortcut))
                action.setShortcutContext(context)
            action.triggered.connect(slot)
            self.gallery.addAction(action)
            self.actions[name] = action
            return action

        add("openAction", self.tr("Open"), self.open_current)
        add("editInCanvasAction", self.tr("Edit in canvas…"), self.edit_in_canvas, "Ctrl+Shift+E")
        add("favouriteAction", self.tr("Favourite"), self.toggle_favourite, "F")
        for n in range(0, 6):
            add(
                f"rate{n}Action",
                self.tr("Clear rating")
                if n == 0
                else self.tr("Rate {stars}").format(stars="★" * n),
                lambda _c=False, n=n: self.rate(n),
                str(n),
            )
        add("pickAction", self.tr("Pick"), lambda: self.pick(Pick.PICKED), "P")
        add("rejectAction", self.tr("Reject"), lambda: self.pick(Pick.REJECTED), "X")
        add("collectAction", self.tr("Add to collection…"), self.collect, "C")
        add("copyImageAction", self.tr("Copy image"), self.copy_image, "Ctrl+Shift+C")
        add("copyPromptAction", self.tr("Copy prompt"), self.copy_prompt)
        add(
            "exportAction",
            self.tr("Export…"),
            self.export,
            "Ctrl+E",
            Qt.ShortcutContext.WindowShortcut,
        )
        add("deleteAction", self.tr("Delete…"), self.delete, QKeySequence.StandardKey.Delete)
        add(
            "undoDeleteAction",
            self.tr("Undo delete"),
            ctx.deleter.undo,
            QKeySequence.StandardKey.Undo,
            Qt.ShortcutContext.WindowShortcut,
        )
        add("triageAction", self.tr("Triage…"), self.start_triage, "T")
        # Variations and motion (leodesk.ui.variation_actions)
        self.variations = VariationActions(window, ctx, self.selected_records, self)
        self.variations.build(add)
        self.gallery.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.gallery.customContextMenuRequested.connect(self._show_context_menu)
        ctx.images.loaded.connect(self._image_for_clipboard)
        self._clipboard_wanted: str | None = None
        self.extra_actions: list[QAction] = []  # other windows' actions on the selection
        # called with the selection when the context menu opens (their actions' enabled
        # state), with None when it closes (all enabled: the shortcuts check the selection)
        self.menu_updates: list[Any] = []

    # -- selection ------------------------------------------------------------------------------
    def selected_records(self) -> list[ImageRecord]:
        model = self.ctx.gallery_model
        rows = sorted({i.row() for i in self.gallery.selectionModel().selectedIndexes()})
        return [r for r in (model.record(row) for row in rows) if r is not None]

    def selected_ids(self) -> list[str]:
        return [r.id for r in self.selected_records()]

    def _show_context_menu(self, pos: Any) -> None:
        menu = self.context_menu()
        menu.exec(self.gallery.viewport().mapToGlobal(pos))
        menu.deleteLater()  # a new menu is built for every right-click
        self.variations.update_enabled(None)  # shortcuts check the selection themselves
        for update in self.menu_updates:
            update(None)

    def context_menu(self) -> QMenu:
        menu = QMenu(self.gallery)
        menu.setObjectName("galleryContextMenu")
        a = self.actions
        menu.addAction(a["openAction"])
        menu.addAction(a["editInCanvasAction"])
        menu.addSeparator()
        menu.addAction(a["favouriteAction"])
        rate = add_menu(menu, self.tr("Rate"), "rateMenu")
        for n in range(1, 6):
            rate.addAction(a[f"rate{n}Action"])
        rate.addAction(a["rate0Action"])
        menu.addAction(a["pickAction"])
        menu.addAction(a["rejectAction"])
        menu.addAction(a["collectAction"])
        menu.addActions(self.extra_actions)
        menu.addSeparator()
        menu.addAction(a["copyImageAction"])
        menu.addAction(a["copyPromptAction"])
        menu.addAction(a["exportAction"])
        menu.addAction(a["triageAction"])
        menu.addSeparator()
        variation_actions = list(self.variations.actions.values())
        for action in variation_actions:
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(a["deleteAction"])
        has = bool(self.gallery.selectionModel().selectedIndexes())
        for action in menu.actions():
            if action is not a["triageAction"] and action not in variation_actions:
                action.setEnabled(has)
        records = self.selected_records()
        self.variations.update_enabled(records)
        for update in self.menu_updates:
            update(records)
        return menu

    # -- curation -------------------------------------------------------------------------------
    def open_current(self) -> None:
        index = self.gallery.currentIndex()
        if index.isValid():
            self.window.open_viewer(self.ctx.gallery_model.image_id(index.row()))

    def edit_in_canvas(self) -> None:
        """Open the current image in a canvas window (inpaint, outpaint, sketch, live)."""
        ids = self.selected_ids()
        if ids:
            self.window.canvas_link.open_gallery_image(ids[0])

    def toggle_favourite(self) -> None:
        records = self.selected_records()
        if records:
            on = not all(r.favourite for r in records)
            self.ctx.curation.set_favourite([r.id for r in records], on)

    def rate(self, n: int) -> None:
        ids = self.selected_ids()
        if ids:
            self.ctx.curation.set_rating(ids, n)

    def pick(self, state: Pick) -> None:
        records = self.selected_records()
        if records:
            same = all(r.pick == state for r in records)
            self.ctx.curation.set_pick([r.id for r in records], None if same else state)

    def collect(self, ids: list[str] | None = None) -> None:
        ids = ids or self.selected_ids()
        if not ids:
            return
        name = self.ask_text(
            self.tr("Add to collection"),
            self.tr("Collection name (local to this computer):"),
            [c.name for c in self.window.collections],
        )
        if name:
            self.ctx.curation.add_to_collection(ids, name.strip())

    # -- copy / export ----------------------------------------------------------------------------
    def copy_prompt(self) -> None:
        records = self.selected_records()
        if records:
            QGuiApplication.clipboard().setText("\n\n".join(r.prompt or "" for r in records))

    def copy_image(self) -> None:
        records = self.selected_records()
        if not records:
            return
        rec = records[0]
        self._clipboard_wanted = rec.id
        self.ctx.images.load(rec.id, self.ctx.image_path(rec), rec.url)

    def _image_for_clipboard(self, image_id: str, image: Any) -> None:
        if image_id == self._clipboard_wanted:
            self._clipboard_wanted = None
            QGuiApplication.clipboard().setImage(image)
            self.window.statusBar().showMessage(self.tr("Image copied"), 3000)

    def export(self) -> None:
        records = self.selected_records()
        items = self.ctx.export_items(records)
        if not items:
            self.window.statusBar().showMessage(
                self.tr("Nothing to export: the selected images are not on this computer yet"), 6000
            )
            return
        folder = self.ask_folder()
        if folder:
            self.window.statusBar().showMessage(
                self.tr("Exporting {n} image(s)…").format(n=len(items))
            )
            self.ctx.exporter.export(items, Path(folder))

    # -- delete -----------------------------------------------------------------------------------
    def delete(self) -> None:
        records = self.selected_records()
        if not records:
            return
        if len(records) > 1 and not self.confirm(
            self.tr("Delete images"),
            self.tr(
                "Delete {n} images from the gallery, this computer and your Leonardo "
                "account? You can undo for a few seconds."
            ).format(n=len(records)),
        ):
            return
        favourites = sum(1 for r in records if r.favourite)
        if favourites and not self.confirm(
            self.tr("Delete favourites"),
            self.tr("{n} of them are favourites. Delete them anyway?").format(n=favourites),
        ):
            return
        self.ctx.deleter.delete([r.id for r in records])

    # -- triage -----------------------------------------------------------------------------------
    def start_triage(self) -> None:
        model = self.ctx.gallery_model
        if model.rowCount() == 0:
            return
        if self.triage is None:
            self.triage = TriageWindow(self.window)
            self.triage.navigate.connect(self._triage_move)
            self.triage.rate.connect(lambda i, n: self.ctx.curation.set_rating([i], n))
            self.triage.pick.connect(lambda i, s: self.ctx.curation.set_pick([i], s))
            self.triage.favourite.connect(lambda i, on: self.ctx.curation.set_favourite([i], on))
            self.triage.collect.connect(lambda i: self.collect([i]))
            self.triage.decided.connect(self._triage_next)
            self.ctx.images.loaded.connect(self.triage.show_image)
            self.ctx.curation.changed.connect(self._triage_refresh)
        current = self.gallery.currentIndex()
        self._triage_show(current.row() if current.isValid() else 0)
        self.triage.showFullScreen()

    def _triage_show(self, row: int) -> None:
        model = self.ctx.gallery_model
        rec = model.record(row)
        if rec is None or self.triage is None:
            return
        self._triage_row = row
        path = self.ctx.image_path(rec)
        self.triage.show_record(rec, path)
        self.triage.show_state(rec, (row, model.rowCount()))
        self.ctx.images.load(rec.id, path, rec.url)
        self.gallery.setCurrentIndex(model.index(row))

    def _triage_move(self, delta: int) -> None:
        model = self.ctx.gallery_model
        row = self._triage_row + delta
        if row >= model.rowCount() and model.canFetchMore():
            model.fetchMore()
        if 0 <= row < model.rowCount():
            self._triage_show(row)

    def _triage_next(self) -> None:
        """After a decision: the next image, or (on the last one) a word that the pass is done."""
        row = self._triage_row
        self._triage_move(1)
        rec = self.ctx.gallery_model.record(row)
        if self._triage_row == row and self.triage is not None and rec is not None:
            self.triage.show_done(rec)

    def _triage_refresh(self, ids: list[str]) -> None:
        if self.triage is None or not self.triage.isVisible():
            return
        model = self.ctx.gallery_model
        rec = model.record(self._triage_row)
        if rec is not None and rec.id in ids:
            self.triage.record = rec
            self.triage.show_state(rec, (self._triage_row, model.rowCount()))

    # -- dialogs (replaceable in tests) -----------------------------------------------------------
    def _ask(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self._parent(), title, text)
        return answer == QMessageBox.StandardButton.Yes

    def _ask_text(self, title: str, label: str, choices: list[str]) -> str | None:
        text, ok = QInputDialog.getItem(self._parent(), title, label, choices or [""], 0, True)
        return text if ok and text.strip() else None

    def _ask_folder(self) -> str | None:
        start = self.window.prefs_link.own.get("export_folder") or ""  # Preferences
        folder = QFileDialog.getExistingDirectory(
            self._parent(), self.tr("Export to folder"), start
        )
        return folder or None

    def _parent(self) -> QWidget:
        return self.triage if self.triage is not None and self.triage.isVisible() else self.window
