"""The main window's image viewer: opening it from the gallery, stepping through the rows,
lineage links, variations and 'branch from here'; motion results play in the app's video player
(:class:`~leodesk.ui.video_player.VideoWindow`), their MP4 downloaded into the store first when
it is not on this computer yet.

:class:`ViewerLink` makes the :class:`~leodesk.ui.viewer.ImageViewer` on first use (after the first
paint) and keeps it in step with the gallery's rows. Widgets only: the window's services load the
images and read the library.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject

if TYPE_CHECKING:
    from leodesk.core.library import ImageRecord
    from leodesk.ui.main_window import MainWindow
    from leodesk.ui.video_player import VideoWindow
    from leodesk.ui.viewer import ImageViewer


class ViewerLink(QObject):
    """The viewer of ``window`` (made on the first :meth:`open_viewer`)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.viewer: ImageViewer | None = None
        self.video_window: VideoWindow | None = None
        self._row = 0
        self._thumb_wanted: tuple[str, str] | None = None  # thumbnail key, parent image id
        self._thumbs_wired = False

    def open_viewer(self, image_id: str) -> None:
        ctx = self.window.ctx
        if ctx is None:
            return
        row = ctx.gallery_model.row_of(image_id)
        if row is None:
            return
        if self._open_motion(row):  # a video item plays in the app's video window
            return
        if self.viewer is None:
            from leodesk.ui.viewer import ImageViewer  # after the first paint

            self.viewer = ImageViewer(self.window)
            self.viewer.navigate.connect(self._navigate)
            self._wire_lineage(self.viewer)
            model = ctx.gallery_model
            self.viewer.drag_mime = lambda record: model.mime_for([record])
        self._show_row(row)
        self.viewer.show()
        self.viewer.raise_()

    def _show_row(self, row: int) -> None:
        ctx = self.window.ctx
        assert self.viewer is not None and ctx is not None
        model = ctx.gallery_model
        record = model.record(row)
        if record is None:
            return
        self._row = row
        self._show_record(record)
        if self.window.gallery is not None:
            self.window.gallery.setCurrentIndex(model.index(row))

    # -- variations, motion and lineage --------------------------------------------------------
    def _open_motion(self, row: int) -> bool:
        ctx = self.window.ctx
        assert ctx is not None
        record = ctx.gallery_model.record(row)
        if record is None or record.kind != "motion":
            return False
        return bool(self.window.open_video(record))

    def open_video_file(self, path: Path | None, title: str = "") -> VideoWindow:
        """The video window (made on first use), raised, playing ``path`` when given."""
        from leodesk.ui.video_player import VideoWindow  # FFmpeg loads with the first video

        if self.video_window is None:
            self.video_window = VideoWindow(self.window)
            self.window.closing.connect(self.video_window.close)  # its decoder thread ends
        window = self.video_window
        if path is not None:
            window.open(path, title)
        else:
            window.setWindowTitle(self.tr("{title} — leodesk").format(title=title))
        window.show()
        window.raise_()
        window.activateWindow()
        return window

    def _wire_lineage(self, viewer: Any) -> None:
        ctx = self.window.ctx
        assert ctx is not None
        actions = self.window.library_actions.variations
        viewer.variation_requested.connect(lambda kind: actions.request(kind, viewer.record))
        viewer.play_requested.connect(lambda: actions.play(viewer.record))
        viewer.open_image.connect(self.show_in_viewer)
        viewer.branch_requested.connect(self.branch_from_viewer)
        viewer.canvas_requested.connect(self.canvas_from_viewer)
        ctx.variations.child_stored.connect(self._child_stored)

    def canvas_from_viewer(self) -> None:
        """Open the viewer's image in a canvas window."""
        record = None if self.viewer is None else self.viewer.record
        if record is not None:
            self.window.canvas_link.open_gallery_image(record.id)

    def _show_lineage(self, record: ImageRecord) -> None:
        ctx = self.window.ctx
        assert self.viewer is not None and ctx is not None
        reader = ctx.backend.reader
        ancestors = reader.ancestors_of(record.id)
        self.viewer.set_lineage(ancestors, reader.children_of(record.id))
        if ancestors:
            self._want_thumb(ancestors[0])

    def _want_thumb(self, parent: ImageRecord) -> None:
        """The parent's thumbnail beside its link, from the thumbnail cache."""
        ctx = self.window.ctx
        assert ctx is not None
        key = ctx.gallery_model.thumb_key(parent)
        self._thumb_wanted = (key, parent.id)
        pixmap = ctx.thumbs.pixmap(key)
        if pixmap is not None:
            self._thumb_ready(key)
            return
        if not self._thumbs_wired:
            self._thumbs_wired = True
            ctx.thumbs.ready.connect(self._thumb_ready)
        path = ctx.image_path(parent)
        ctx.thumbs.request(key, path=path, url=None if path else parent.url)

    def _thumb_ready(self, key: str) -> None:
        ctx = self.window.ctx
        if ctx is None or self.viewer is None or self._thumb_wanted is None:
            return
        wanted_key, image_id = self._thumb_wanted
        pixmap = ctx.thumbs.pixmap(key) if key == wanted_key else None
        if pixmap is not None:
            self.viewer.set_parent_thumbnail(image_id, pixmap)

    def _child_stored(self, parent_id: str) -> None:
        record = None if self.viewer is None else self.viewer.record
        if record is not None and self.viewer is not None and self.viewer.isVisible():
            self._show_lineage(record)

    def show_in_viewer(self, image_id: str) -> None:
        """Show any library image in the viewer (a lineage link: it may be filtered out)."""
        ctx = self.window.ctx
        if ctx is None or self.viewer is None:
            return
        row = ctx.gallery_model.row_of(image_id)
        if row is not None:
            self._show_row(row)
            return
        record = ctx.backend.reader.image_records([image_id]).get(image_id)
        if record is None:
            self.window.statusBar().showMessage(self.tr("That image is not in the library."), 6000)
            return
        self._show_record(record)

    def _show_record(self, record: ImageRecord) -> None:
        """The record's details and lineage now, its picture when decoded."""
        ctx = self.window.ctx
        assert self.viewer is not None and ctx is not None
        path = ctx.image_path(record)
        self.viewer.show_record(record, path)
        generation = ctx.backend.reader.get_generation(record.generation_id)
        self.viewer.show_generation(generation, self.window._model_names())
        self._show_lineage(record)
        ctx.images.load(record.id, path, record.url)

    def branch_from_viewer(self) -> None:
        """'Branch from here': the shown image's generation in a new draft."""
        from leodesk.ui import recall  # after the first paint

        ctx = self.window.ctx
        record = None if self.viewer is None else self.viewer.record
        if record is None or ctx is None:
            return
        reader = ctx.backend.reader
        generation_id = record.generation_id
        if record.kind == "motion":
            # a motion's own generation holds no parameters: branch from the image it came from
            ancestors = reader.ancestors_of(record.id)
            if ancestors:
                generation_id = ancestors[0].generation_id
        generation = reader.get_generation(generation_id)
        if generation is None:
            return
        model = self.window.model_for(generation.model_id)
        self.window.drafts.new_draft(recall.draft_state(generation, model))
        self.window.statusBar().showMessage(self.tr("Opened in a new draft"), 3000)

    def _navigate(self, delta: int) -> None:
        ctx = self.window.ctx
        if ctx is None:
            return
        model = ctx.gallery_model
        row = self._row + delta
        if row >= model.rowCount() and model.canFetchMore():
            model.fetchMore()
        if 0 <= row < model.rowCount():
            self._show_row(row)

    def image_loaded(self, image_id: str, image: Any) -> None:
        if self.viewer is not None:
            self.viewer.show_image(image_id, image)

    def image_failed(self, image_id: str, message: str) -> None:
        if self.viewer is not None:
            self.viewer.show_error(image_id, message)
