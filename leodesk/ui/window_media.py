"""Videos in the account: File ▸ "Upload a video to your account…" and the "Videos" page of the
Account ▸ Uploaded images dialog (:class:`~leodesk.ui.uploaded_videos.UploadedVideosPanel` over
:class:`~leodesk.qt.media.MediaService`): status, duration and size of each uploaded video,
played in the app's video window, deletable."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

if TYPE_CHECKING:
    from leodesk.qt.context import AppContext
    from leodesk.ui.main_window import MainWindow
    from leodesk.ui.uploaded_dialog import UploadedImagesDialog
    from leodesk.ui.uploaded_videos import UploadedVideosPanel


class MediaLink(QObject):
    """Adds ``uploadVideoAction`` to the File menu; puts the videos page into the uploads
    dialog whenever it opens."""

    def __init__(self, window: MainWindow, ctx: AppContext) -> None:
        super().__init__(window)
        self.window = window
        self.service = ctx.media
        self.panel: UploadedVideosPanel | None = None
        self._names: dict[str, str] = {}
        self.action = QAction(self.tr("Upload a &video to your account…"), window)
        self.action.setObjectName("uploadVideoAction")
        self.action.setToolTip(self.tr("Upload an MP4 or MOV video to your Leonardo account"))
        self.action.triggered.connect(self.upload_from_menu)
        anchor = window.video_link.file_action
        for menu in [m for m in anchor.associatedObjects() if isinstance(m, QMenu)][:1]:
            menu.insertAction(anchor, self.action)
        uploads = window.uploads_link
        uploads.action.triggered.connect(lambda: self.open(uploads.dialog))
        self.service.playable.connect(self._play)

    def open(self, dialog: UploadedImagesDialog | None = None) -> UploadedVideosPanel:
        """The videos page in the uploads dialog (opened if needed), its list looked up."""
        if dialog is None:
            dialog = self.window.uploads_link.open()
        if self.panel is None:
            from leodesk.ui.uploaded_videos import UploadedVideosPanel  # on first use

            panel = UploadedVideosPanel(self.service.upload, self.service.play, self.service.delete)
            self.service.listed.connect(panel.show_rows)
            self.service.uploaded.connect(panel.add_row)
            self.service.deleted.connect(panel.remove)
            self.service.failed.connect(panel.show_error)
            dialog.add_page(panel, self.tr("Videos"))
            self.panel = panel
        self.service.load()
        return self.panel

    def upload_from_menu(self) -> None:
        """Open the videos page and ask for a file to upload."""
        panel = self.open()
        dialog = self.window.uploads_link.dialog
        if dialog is not None:
            dialog.tabs.setCurrentWidget(panel)
        panel.choose_and_upload()

    def _play(self, media_id: str, path: object) -> None:
        title = self.tr("Uploaded video")
        panel = self.panel
        rows = [] if panel is None else [panel.row_at(i) for i in range(panel.table.rowCount())]
        for row in rows:
            if row.media_id == media_id and panel is not None:
                title = self.tr("Uploaded video: {name}").format(name=row.name)
                panel.status.setText(self.tr("Playing {name}").format(name=row.name))
        self.window.viewer_link.open_video_file(Path(str(path)), title)
