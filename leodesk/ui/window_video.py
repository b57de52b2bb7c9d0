"""The main window's video actions: "Make video…" on a gallery image (image to video),
"Text to video…" and "Video from a picture file…" (File menu), and opening a video item
(:meth:`VideoLink.open_video`).

The dialog (:class:`~leodesk.ui.video_dialog.VideoDialog`) asks the pricing calculator for the
cost as the model or resolution changes; "Make video" queues the job in the app's one queue
(:class:`~leodesk.qt.video_jobs.VideoService`), where it shows in the job strip like the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtGui import QAction, QKeySequence, QPixmap

if TYPE_CHECKING:
    from PySide6.QtCore import QUrl

    from leodesk.core.api.video import FrameRef, VideoRequest
    from leodesk.core.library.records import ImageRecord
    from leodesk.ui.main_window import MainWindow
    from leodesk.ui.video_dialog import VideoDialog

END_CANDIDATES = 60  # gallery images offered as an end frame
UPLOAD_SLOT = "video-start"  # the upload service's slot for a video's start picture


class VideoLink(QObject):
    """The video actions of ``window``. Tests replace :attr:`run_dialog` (show the dialog and
    say whether it was accepted) and :attr:`opener` (plays a local file: the video window)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.make_action = QAction(self.tr("Make &video…"), window)
        self.make_action.setObjectName("makeVideoAction")
        self.make_action.setShortcut(QKeySequence("Ctrl+Shift+M"))
        self.make_action.triggered.connect(lambda: self.make_video())
        self.text_action = QAction(self.tr("&Text to video…"), window)
        self.text_action.setObjectName("textToVideoAction")
        self.text_action.triggered.connect(lambda: self.text_to_video())
        self.file_action = QAction(self.tr("Video from a &picture file…"), window)
        self.file_action.setObjectName("videoFromFileAction")
        self.file_action.triggered.connect(lambda: self.video_from_file())
        self.ask_file: Callable[[], Path | None] = self._ask_file
        self.run_dialog: Callable[[VideoDialog], bool] = lambda d: bool(d.exec())
        self.opener: Callable[[QUrl, str], bool] = self._play
        self.dialog: VideoDialog | None = None
        self._uploading: ImageRecord | None = None  # the variation whose picture is uploading

    def attach(self, image_menu: Any, library_actions: Any) -> None:
        """Put "Make video…" in the Image menu and the gallery's context menu."""
        image_menu.addAction(self.make_action)
        library_actions.variations.actions["makeVideoAction"] = self.make_action
        ctx = self.window.ctx
        if ctx is not None:  # a video's charge, the balance after it, a refusal for credits
            ctx.videos.charged.connect(ctx.account.charge)
            ctx.videos.job_changed.connect(self._job_changed)
            ctx.videos.insufficient_credits.connect(self.window.show_insufficient_credits)
            ctx.videos.failed.connect(self._say)
            ctx.uploads.ready.connect(self._uploaded)
            ctx.uploads.failed.connect(self._upload_failed)

    def _job_changed(self, view: Any) -> None:
        ctx = self.window.ctx
        if ctx is not None and view.state in ("done", "failed"):
            ctx.account.refresh()

    # -- making -------------------------------------------------------------------------------
    def make_video(self, record: ImageRecord | None = None) -> VideoRequest | None:
        """Image to video from ``record`` (default: the one selected image)."""
        if record is None:
            records = self.window.library_actions.selected_records()
            record = records[0] if len(records) == 1 else None
        refusal = self._refusal(record)
        if refusal or record is None:
            self._say(refusal or self.tr("Select one image to make a video from."))
            return None
        if record.kind == "variation":
            # The API takes generated image ids only: a variation's picture is uploaded.
            self._upload_record(record)
            return None
        return self._from_record(record)

    def _upload_record(self, record: ImageRecord) -> None:
        ctx = self.window.ctx
        path = None if ctx is None else ctx.image_path(record)
        if ctx is None or path is None or not path.is_file():
            self._say(
                self.tr("This variation is not on this computer yet: sync or download it first.")
            )
            return
        self._say(self.tr("Uploading the variation's picture…"))
        self._uploading = record
        ctx.uploads.prepare_and_upload(UPLOAD_SLOT, path)

    @staticmethod
    def _refusal(record: ImageRecord | None) -> str:
        if record is None:
            return QCoreApplication.translate("VideoLink", "Select one image to make a video from.")
        if record.kind == "motion":
            return QCoreApplication.translate(
                "VideoLink", "This is a video already: pick an image."
            )
        if record.local:
            return QCoreApplication.translate(
                "VideoLink",
                "This picture was made live and is kept on this computer only: a video needs a "
                "picture the server made.",
            )
        return ""

    def text_to_video(self) -> VideoRequest | None:
        """A video from a prompt only."""
        return self._run(None, None)

    def video_from_file(self) -> None:
        """Image to video from a picture file: it is uploaded (once per picture) first, then
        the dialog opens on it."""
        ctx = self.window.ctx
        path = self.ask_file()
        if ctx is None or path is None:
            return
        self._say(self.tr("Uploading {name}…").format(name=path.name))
        self._uploading = None
        ctx.uploads.prepare_and_upload(UPLOAD_SLOT, path)

    def _uploaded(self, slot: str, uploaded: Any) -> None:
        if slot != UPLOAD_SLOT:
            return
        from leodesk.core.api.video import FrameRef

        poster = QPixmap.fromImage(uploaded.thumbnail) if not uploaded.thumbnail.isNull() else None
        start = FrameRef(uploaded.image_id, "UPLOADED")
        record, self._uploading = self._uploading, None
        prompt = record.prompt if record is not None else ""
        self._run(None, start, start_text=prompt or uploaded.source, poster=poster, prompt=prompt)

    def _upload_failed(self, slot: str, message: str) -> None:
        if slot == UPLOAD_SLOT:
            self._say(
                self.tr("The picture could not be uploaded: {message}").format(message=message)
            )

    def _ask_file(self) -> Path | None:
        from PySide6.QtWidgets import QFileDialog

        name, _ = QFileDialog.getOpenFileName(
            self.window,
            self.tr("Video from a picture"),
            "",
            self.tr("Pictures") + " (*.png *.jpg *.jpeg *.webp)",
        )
        return Path(name) if name else None

    def _from_record(self, record: ImageRecord) -> VideoRequest | None:
        from leodesk.core.api.video import FrameRef

        start = FrameRef(record.id, "GENERATED")
        text = record.prompt or record.id
        return self._run(record, start, start_text=text, poster=self._poster(record))

    def _run(
        self,
        source: ImageRecord | None,
        start: FrameRef | None,
        *,
        start_text: str = "",
        poster: QPixmap | None = None,
        prompt: str | None = None,
    ) -> VideoRequest | None:
        """Show the dialog; on "Make video" queue the request (``source``: the gallery image
        it starts from, for the lineage)."""
        from leodesk.core.video_options import pricing_request
        from leodesk.ui.video_dialog import VideoDialog  # on first use

        ctx = self.window.ctx
        if ctx is None:
            return None
        dialog = VideoDialog(
            self.window,
            start=start,
            start_text=start_text,
            prompt=prompt if prompt is not None else (source.prompt if source else ""),
            poster=poster,
            end_candidates=self._end_candidates() if start is not None else [],
        )
        self.dialog = dialog

        def ask(model: str, resolution: str) -> None:
            key = ("video", model, resolution)
            ctx.pricing.query(key, pricing_request(model, resolution or None))

        def answered(key: Any, cost: Any) -> None:
            wanted = ("video", dialog.model, str(dialog.resolution_box.currentData() or ""))
            if key == wanted:
                dialog.set_cost(cost if isinstance(cost, int) else None)

        ctx.pricing.cost_ready.connect(answered)
        dialog.cost_wanted.connect(ask)
        dialog._changed()  # ask for the first price now that someone listens
        try:
            if not self.run_dialog(dialog):
                return None
            refused = dialog.problems()
            if refused:  # the dialog's button is off then; a last check all the same
                self._say(" ".join(refused))
                return None
            if not self._within_cost_limit(dialog.cost):
                self._say(self.tr("Not sent: above your cost limit"))
                return None
            if not self.window.balance_check.confirm(dialog.cost, self.tr("This video costs")):
                self._say(self.window.balance_check.not_sent())
                return None
            request = dialog.request()
        finally:
            ctx.pricing.cost_ready.disconnect(answered)
            self.dialog = None
            dialog.deleteLater()
        ctx.videos.start(request, source)
        self._say(
            self.tr("The video is queued; it shows in the job strip and lands in the gallery.")
        )
        return request

    def _within_cost_limit(self, cost: int | None) -> bool:
        """Above the user's cost limit (or at a cost not known yet), ask first, as Generate
        does."""
        limit = self.window.confirm_cost_above
        if not limit or (cost is not None and cost <= limit):
            return True
        text = (
            self.tr(
                "This video costs {cost:,} credits, more than your limit of {limit:,.0f}."
            ).format(cost=cost, limit=limit)
            if cost is not None
            else self.tr(
                "The cost of this video is not known yet (your limit is {limit:,.0f})."
            ).format(limit=limit)
        )
        return bool(self.window.confirm_cost(text))

    def _poster(self, record: ImageRecord | None) -> QPixmap | None:
        ctx = self.window.ctx
        if record is None or ctx is None:
            return None
        path = ctx.image_path(record)
        return QPixmap(str(path)) if path is not None and path.is_file() else None

    def _end_candidates(self) -> list[ImageRecord]:
        ctx = self.window.ctx
        if ctx is None:
            return []
        model = ctx.gallery_model
        out: list[ImageRecord] = []
        for row in range(min(model.rowCount(), END_CANDIDATES)):
            rec = model.record(row)
            if rec is not None and rec.kind != "motion" and not rec.local:
                out.append(rec)
        return out

    # -- opening ------------------------------------------------------------------------------
    def video_file(self, record: ImageRecord) -> Path | None:
        """The MP4 of a video item on this computer, if it is there."""
        ctx = self.window.ctx
        if ctx is None:
            return None
        from leodesk.core.variations import video_path

        path = video_path(ctx.backend.store.root, record.id)
        return path if path.is_file() else None

    def open_video(self, record: ImageRecord) -> bool:
        """Play a video item (a video or a motion) in the app's video window. One that is not
        on this computer yet (it came with a sync) is downloaded first, the player saying so,
        and its duration then shows on the gallery's badge; a failed download is said in the
        player."""
        title = (
            self.tr("Video: {prompt}").format(prompt=record.prompt)
            if record.prompt
            else self.tr("Video")
        )
        from PySide6.QtCore import QUrl  # on first use (not at start-up)

        path = self.video_file(record)
        if self.window.ctx is not None and not record.local:
            self.window.ctx.media.check_video(record.id)  # its motion variations, if any
        if path is not None:
            return self.opener(QUrl.fromLocalFile(str(path)), title)
        ctx = self.window.ctx
        if ctx is None or not record.motion_url:
            self._say(self.tr("This video is not available on this computer or online."))
            return False
        player = self.window.viewer_link.open_video_file(None, title).player
        player.show_message(self.tr("Downloading the video…"))

        def done(path: Path | None, why: str) -> None:
            if path is None:
                player.show_message(
                    self.tr("The video could not be downloaded: {why}").format(why=why)
                )
                return
            ctx.gallery_model.refresh_records()
            self.opener(QUrl.fromLocalFile(str(path)), title)

        ctx.videos.fetch(record, done)
        return True

    def _play(self, url: QUrl, title: str) -> bool:
        """Play a local video file in the app's video window."""
        self.window.viewer_link.open_video_file(Path(url.toLocalFile()), title)
        return True

    def _say(self, text: str) -> None:
        if text:
            self.window.statusBar().showMessage(text, 8000)
        else:
            self.window.statusBar().clearMessage()
