"""VideoService: image to video and text to video through the app's one job queue.

Runs :class:`leodesk.core.video_job.VideoPipeline` on the network pool for jobs of kind
:data:`~leodesk.core.video_job.JOB_KIND` (the queue calls it as a
:class:`~leodesk.qt.queue.Runner`), and reports with the same :class:`JobView` payloads as the
other jobs, so the job strip, the queue panel and the notifications show videos like the rest.

Signals: job_changed(JobView), video_stored(str image id), failed(str message),
charged(str image id, int credits), insufficient_credits(CreditShortfall).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QObject, Signal

from leodesk.core.api.errors import InsufficientCreditsError
from leodesk.core.api.video import FrameRef, VideoRequest
from leodesk.core.pipeline import JobFailed
from leodesk.core.video import VideoInfo
from leodesk.core.video_job import (
    JOB_KIND,
    Made,
    VideoJob,
    VideoPipeline,
    download_video,
    job_body,
    job_from_body,
    record_video_file,
    record_video_seen,
    record_video_stored,
)
from leodesk.core.video_options import pricing_request
from leodesk.qt.backend import Backend
from leodesk.qt.errors import user_message
from leodesk.qt.job_runner import QueueRunner
from leodesk.qt.queue import JobQueue, LibraryPersist, NotEnoughCredits
from leodesk.qt.workers import CancelToken

if TYPE_CHECKING:
    from leodesk.core.api.models import Generation
    from leodesk.core.library import ImageRecord, JobRecord

log = logging.getLogger("leodesk.video")


class _Persist(LibraryPersist):
    """The queue's persistence, plus the video item's rows."""

    def video_seen(self, generation: Generation, job: VideoJob) -> None:
        self._run(lambda r: record_video_seen(r.library, generation, job))

    def video_stored(self, image_id: str, job: VideoJob, info: VideoInfo, sha256: str) -> None:
        self._run(lambda r: record_video_stored(r.library, image_id, job, info, sha256))


def start_frame(record: ImageRecord) -> FrameRef:
    """The start (or end) frame of a video made from a gallery image."""
    return FrameRef(record.id, "GENERATED")


class VideoService(QueueRunner):
    video_stored = Signal(str)
    charged = Signal(str, int)
    what = str(QT_TRANSLATE_NOOP("QueueRunner", "video job"))

    def __init__(self, backend: Backend, parent: QObject | None = None) -> None:
        super().__init__(backend, parent)
        self.poll_interval = 2.0

    def attach(self, queue: JobQueue) -> None:
        """Send video jobs through ``queue`` (registers this service as their runner)."""
        self.queue = queue
        queue.register(JOB_KIND, self)

    # -- jobs ---------------------------------------------------------------------------------
    def start(self, request: VideoRequest, source: ImageRecord | None = None) -> None:
        """Queue a video: stored in the library's queue first, then sent by the scheduler."""
        job = VideoJob(request, None if source is None else source.generation_id)
        if self.queue is None:
            raise RuntimeError("the video service has no queue")
        self.queue.submit_job(JOB_KIND, job_body(job), job.label)

    def label(self, body: str | None) -> str:
        try:
            return job_from_body(body).label
        except ValueError:
            return self.tr("Video")

    def _pipeline(self, token: CancelToken) -> VideoPipeline:
        return VideoPipeline(**self._pipeline_options(token, _Persist(self._b)))

    def send(self, rec: JobRecord, token: CancelToken) -> Made:
        job = self._read(rec, job_from_body)
        self._labels[rec.id] = job.label
        try:
            return self._pipeline(token).run(rec.id, job)
        except JobFailed as exc:
            if isinstance(exc.__cause__, InsufficientCreditsError):
                raise NotEnoughCredits(str(exc), self._price(job)) from exc.__cause__
            raise

    def resume(self, rec: JobRecord, token: CancelToken) -> Made:
        job = self._read(rec, job_from_body)
        self._labels[rec.id] = job.label
        return self._pipeline(token).resume(
            rec.id, job, remote_id=rec.generation_id, submitted_at=rec.submitted_at
        )

    def price_body(self, body: str | None) -> int | None:
        try:
            return self._price(job_from_body(body))
        except ValueError:
            return None

    def _price(self, job: VideoJob) -> int | None:
        try:
            request = pricing_request(job.request.model, job.request.resolution)
            return int(self._b.client().price(request))
        except Exception as exc:  # the message then says the price is not known
            log.info("no price for a video: %s", exc)
            return None

    def fetch(self, record: ImageRecord, then: Callable[[Path | None, str], None]) -> None:
        """Download a video item's MP4 (one that came with a sync) in the background, probe it
        and record its facts; ``then(path, "")`` on the GUI thread, or ``then(None, why)``."""
        url = record.motion_url
        if not url:
            then(None, self.tr("This video has no address to download it from."))
            return
        image_id, root = record.id, self._b.store.root

        def job(token: CancelToken) -> Path:
            path, info, sha = download_video(self._b.client(), root, image_id, url)
            self._b.db(lambda lib: record_video_file(lib, image_id, info, sha)).result(60)
            return path

        self._b.pools.submit(
            job,
            on_result=lambda path: then(path, ""),
            on_error=lambda exc: then(None, user_message(exc)),
            name="video download",
        )

    def finished(self, made: Made) -> None:
        """On the GUI thread: a video is stored."""
        if made.cost is not None:
            self.charged.emit(made.image_id, made.cost)
        self.video_stored.emit(made.image_id)


def wire(ctx: Any) -> None:
    """Video jobs in the app: sent by the generation queue, shown in the job strip, the queue
    panel and the notifications, their results in the gallery."""
    service: VideoService = ctx.videos
    service.attach(ctx.generation)
    service.job_changed.connect(ctx.jobs.update)
    service.job_changed.connect(ctx.queue.update)
    service.job_changed.connect(ctx.notifier.job_changed)

    def stored(_image_id: str) -> None:
        ctx.gallery_model.prepend_new()
        ctx.gallery_model.refresh_records()

    service.video_stored.connect(stored)
