"""The main window's compare actions: "Compare" (two to four images selected in the gallery) and
"Compare with original" (a variation, an upscale say, beside the image it was made from).

:class:`CompareLink` makes the :class:`~leodesk.ui.compare.CompareWindow` on first use and asks
the app's image loader for the full pictures (decoded off the GUI thread).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence

if TYPE_CHECKING:
    from leodesk.core.library.records import ImageRecord
    from leodesk.ui.compare import CompareWindow
    from leodesk.ui.main_window import MainWindow

SHORTCUT = "Ctrl+Shift+D"
MAX_IMAGES = 4


class CompareLink(QObject):
    """The compare actions of ``window`` (put in the Image menu and the gallery's context menu
    by :meth:`attach`)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.compare_window: CompareWindow | None = None
        self.compare_action = QAction(self.tr("Compare"), window)
        self.compare_action.setObjectName("compareAction")
        self.compare_action.setToolTip(self.tr("Compare two to four images ({0})").format(SHORTCUT))
        self.compare_action.setShortcut(QKeySequence(SHORTCUT))
        self.compare_action.triggered.connect(lambda: self.compare_selected())
        self.original_action = QAction(self.tr("Compare with original"), window)
        self.original_action.setObjectName("compareOriginalAction")
        self.original_action.setToolTip(
            self.tr("Before and after: this variation beside the image it was made from")
        )
        self.original_action.triggered.connect(lambda: self.compare_with_original())

    def attach(self, image_menu: Any, library_actions: Any) -> None:
        """Add the actions to the Image menu and the gallery's context menu (enabled for what
        is selected when the menu opens)."""
        gallery = library_actions.gallery
        self.compare_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        for action in (self.compare_action, self.original_action):
            gallery.addAction(action)  # the shortcut works where the gallery has the focus
            image_menu.addAction(action)
            library_actions.extra_actions.append(action)
        library_actions.menu_updates.append(self.update_enabled)
        self.window.metadata.compare_requested.connect(self.compare_selected)
        ctx = self.window.ctx
        if ctx is not None:
            ctx.images.loaded.connect(self._loaded)
            ctx.images.failed.connect(self._failed)

    def update_enabled(self, records: list[ImageRecord] | None) -> None:
        """Enable for ``records`` (None: enable both; triggered, they check the selection)."""
        if records is None:
            self.compare_action.setEnabled(True)
            self.original_action.setEnabled(True)
            return
        self.compare_action.setEnabled(2 <= len(records) <= MAX_IMAGES)
        self.original_action.setEnabled(len(records) == 1 and bool(records[0].parent_image_id))

    # -- opening ----------------------------------------------------------------------------
    def compare_selected(self) -> CompareWindow | None:
        records = self.window.library_actions.selected_records()
        if not 2 <= len(records) <= MAX_IMAGES:
            self._say(self.tr("Select two to four images to compare."))
            return None
        return self.open(records)

    def compare_with_original(self, record: ImageRecord | None = None) -> CompareWindow | None:
        """The selected variation (or ``record``) beside its parent, split."""
        ctx = self.window.ctx
        if record is None:
            records = self.window.library_actions.selected_records()
            record = records[0] if len(records) == 1 else None
        if ctx is None or record is None or not record.parent_image_id:
            self._say(
                self.tr("Select one upscale or other variation to compare with its original.")
            )
            return None
        parent = ctx.backend.reader.image_records([record.parent_image_id]).get(
            record.parent_image_id
        )
        if parent is None:
            self._say(self.tr("The original of this image is not in the library."))
            return None
        return self.open([parent, record], split=True)

    def open(self, records: list[ImageRecord], split: bool | None = None) -> CompareWindow | None:
        from leodesk.ui.compare import CompareItem, CompareWindow  # on first use

        ctx = self.window.ctx
        if ctx is None:
            return None
        if self.compare_window is None:
            self.compare_window = CompareWindow(self.window)
        reader = ctx.backend.reader
        items = [CompareItem(r, reader.get_generation(r.generation_id)) for r in records]
        window = self.compare_window
        window.set_items(items, self.window._model_names(), split)
        for r in records:
            ctx.images.load(r.id, ctx.image_path(r), r.url)
        window.show()
        window.raise_()
        window.activateWindow()
        return window

    # -- pictures -----------------------------------------------------------------------------
    def _loaded(self, image_id: str, image: Any) -> None:
        if self.compare_window is not None and image_id in self.compare_window.ids():
            self.compare_window.show_image(image_id, image)

    def _failed(self, image_id: str, message: str) -> None:
        if self.compare_window is not None and image_id in self.compare_window.ids():
            self.compare_window.show_error(image_id, message)

    def _say(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 6000)
