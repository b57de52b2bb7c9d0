"""Account ▸ Uploaded images…: the init images this library uploaded, with their thumbnails,
deletable (:class:`~leodesk.ui.uploaded_dialog.UploadedImagesDialog` over an
:class:`~leodesk.qt.uploaded.UploadedImagesService`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

if TYPE_CHECKING:
    from leodesk.qt.context import AppContext
    from leodesk.ui.main_window import MainWindow
    from leodesk.ui.uploaded_dialog import UploadedImagesDialog


class UploadsLink(QObject):
    """Adds ``uploadedImagesAction`` beside Refresh in the Account menu; opens the dialog."""

    def __init__(self, window: MainWindow, ctx: AppContext) -> None:
        from leodesk.qt.uploaded import UploadedImagesService  # attach() runs after the first paint

        super().__init__(window)
        self.window = window
        self.ctx = ctx
        self.service = UploadedImagesService(ctx.backend, parent=self)
        self.dialog: UploadedImagesDialog | None = None
        self.action = QAction(self.tr("&Uploaded images…"), window)
        self.action.setObjectName("uploadedImagesAction")
        self.action.setToolTip(
            self.tr("The pictures you uploaded for image to image: see or delete them")
        )
        self.action.triggered.connect(self.open)
        menus = [m for m in window.refresh_action.associatedObjects() if isinstance(m, QMenu)]
        for menu in menus[:1]:
            menu.insertAction(window.refresh_action, self.action)

    def open(self) -> UploadedImagesDialog:
        """Show the dialog (one at a time) and look the uploads up."""
        from leodesk.ui.uploaded_dialog import UploadedImagesDialog  # on first use

        if self.dialog is None:
            dialog = UploadedImagesDialog(self.ctx.model_thumbs, self.service.delete, self.window)
            self.service.listed.connect(dialog.show_uploads)
            self.service.deleted.connect(dialog.remove)
            self.service.failed.connect(dialog.show_error)
            self.dialog = dialog
        self.dialog.show()
        self.dialog.raise_()
        self.service.load()
        return self.dialog
