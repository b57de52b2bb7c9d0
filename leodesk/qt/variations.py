"""VariationService: upscale / unzoom / remove background / universal upscaler / SVD motion.

Runs :class:`leodesk.core.variations.VariationPipeline` on the network pool and reports to the
GUI thread with the same :class:`JobView` payloads as the job queue, so the job strip shows
these jobs like generations.

Signals: job_changed(JobView), child_stored(str parent image id), cost_ready(object key,
object cost: int | None), failed(str message), charged(str new image id, int credits the API
reported for a job that ended with its result stored).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QObject, Signal

from leodesk.core.api.errors import InsufficientCreditsError
from leodesk.core.library import ImageKind
from leodesk.core.pipeline import JobFailed, LibraryRecord
from leodesk.core.variations import (
    DEFAULT_MOTION_STRENGTH,
    JOB_KIND,
    Child,
    Kind,
    Source,
    UniversalOptions,
    VariationJob,
    VariationPipeline,
    cost_of,
    job_body,
    job_from_body,
)
from leodesk.core.video import VideoInfo
from leodesk.core.video_job import record_motion_probed
from leodesk.qt.backend import Backend
from leodesk.qt.job_runner import QueueRunner
from leodesk.qt.queue import LibraryPersist, NotEnoughCredits
from leodesk.qt.workers import CancelToken

if TYPE_CHECKING:
    from leodesk.core.library import ImageRecord, JobRecord

log = logging.getLogger("leodesk.variations")


class _Persist(LibraryPersist):
    """The queue's persistence (job rows, files), plus where a variation's result goes."""

    def add_variation_child(
        self,
        *,
        image_id: str,
        source: Source,
        transform: str,
        url: str | None,
        created_at: str | None,
    ) -> None:
        self._run(
            lambda r: r.library.add_variation_child(
                image_id=image_id,
                parent_image_id=source.image_id,
                transform=transform,
                url=url,
            )
        )

    def add_motion_child(self, generation: Any, source: Source) -> None:
        def write(r: LibraryRecord) -> None:
            r.library.upsert_generation(generation)
            for image in generation.images:
                if image.id:
                    r.library.set_image_parent(image.id, source.image_id, Kind.MOTION.value)

        self._run(write)

    def motion_probed(self, image_id: str, info: VideoInfo, sha256: str) -> None:
        self._run(lambda r: record_motion_probed(r.library, image_id, info, sha256))


def source_of(record: ImageRecord) -> Source:
    """The job source for a library image record."""
    return Source(
        image_id=record.id,
        generation_id=record.generation_id,
        is_variation=record.kind == ImageKind.VARIATION,
        index=record.index,
        width=record.width,
        height=record.height,
        prompt=record.prompt or "",
    )


class VariationService(QueueRunner):
    child_stored = Signal(str)
    cost_ready = Signal(object, object)
    charged = Signal(str, int)
    what = str(QT_TRANSLATE_NOOP("QueueRunner", "variation job"))

    def __init__(self, backend: Backend, parent: QObject | None = None) -> None:
        super().__init__(backend, parent)
        self.known_costs: dict[Kind, int] = {}  # learned from job replies (no pricing service)

    # -- cost first ---------------------------------------------------------------------------
    def cost_now(self, kind: Kind) -> int | None:
        """What is already known without asking the server (fixed-price kinds)."""
        return self.known_costs.get(kind)

    def query_cost(
        self, key: Any, kind: Kind, record: ImageRecord, options: UniversalOptions | None = None
    ) -> None:
        """Ask the pricing calculator; ``cost_ready(key, cost or None)`` answers."""
        source = source_of(record)
        known = dict(self.known_costs)

        def job(token: CancelToken) -> tuple[Any, int | None]:
            return key, cost_of(self._b.client().price, kind, source, options, known)

        self._b.pools.submit(
            job,
            on_result=lambda r: self.cost_ready.emit(*r),
            on_error=lambda _e: self.cost_ready.emit(key, None),
            name="variation cost",
        )

    # -- jobs ---------------------------------------------------------------------------------
    def start(
        self,
        kind: Kind,
        record: ImageRecord,
        *,
        options: UniversalOptions | None = None,
        motion_strength: int = DEFAULT_MOTION_STRENGTH,
    ) -> None:
        """Queue ``kind`` on the image ``record``: the job is stored in the library's queue
        first, then sent by the queue's scheduler (slots, rate, pause), which calls
        :meth:`send` on a worker thread."""
        job = VariationJob(kind, source_of(record), options, motion_strength)
        if self.queue is None:
            raise RuntimeError("the variation service has no queue")
        self.queue.submit_job(JOB_KIND, job_body(job), job.label)

    def label(self, body: str | None) -> str:
        try:
            return job_from_body(body).label
        except ValueError:
            return self.tr("Variation")

    def _pipeline(self, token: CancelToken) -> VariationPipeline:
        return VariationPipeline(**self._pipeline_options(token, _Persist(self._b)))

    # Called by the queue (JobQueue) for jobs of kind JOB_KIND: see leodesk.qt.queue.Runner.
    def send(self, rec: JobRecord, token: CancelToken) -> Child:
        """On a worker thread: run the stored job ``rec`` (claimed by the queue)."""
        job = self._job_of(rec)
        self._labels[rec.id] = job.label
        try:
            return self._pipeline(token).run(
                rec.id,
                job.kind,
                job.source,
                options=job.options,
                motion_strength=job.motion_strength,
            )
        except JobFailed as exc:
            if isinstance(exc.__cause__, InsufficientCreditsError):
                raise NotEnoughCredits(str(exc), self._price(job)) from exc.__cause__
            raise

    def price_body(self, body: str | None) -> int | None:
        """What the stored job ``body`` costs (on a worker; None: not known), for the queue."""
        try:
            job = job_from_body(body)
        except ValueError:
            return None
        return self._price(job)

    def _price(self, job: VariationJob) -> int | None:
        """What ``job`` costs (on a worker), for the not-enough-credits message."""
        try:
            return cost_of(
                self._b.client().price, job.kind, job.source, job.options, self.known_costs
            )
        except Exception as exc:  # the message then says the price is not known
            log.info("no price for a refused %s: %s", job.kind.label, exc)
            return None

    def resume(self, rec: JobRecord, token: CancelToken) -> Child:
        """On a worker thread: follow a job the previous run sent (see VariationPipeline)."""
        job = self._job_of(rec)
        self._labels[rec.id] = job.label
        return self._pipeline(token).resume(
            rec.id, job, remote_id=rec.generation_id, submitted_at=rec.submitted_at
        )

    def _job_of(self, rec: JobRecord) -> VariationJob:
        return self._read(rec, job_from_body)

    def finished(self, child: Child) -> None:
        """On the GUI thread: a job's child is stored."""
        self._stored(child)

    def _stored(self, child: Child) -> None:
        if child.cost is not None:
            self.known_costs[child.kind] = child.cost
            self.charged.emit(child.image_id, child.cost)
        self.child_stored.emit(child.parent_image_id)
