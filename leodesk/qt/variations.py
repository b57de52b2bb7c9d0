"""VariationService: upscale / unzoom / remove background / universal upscaler / SVD motion.

Runs :class:`leodesk.core.variations.VariationPipeline` on the network pool and reports to the
GUI thread with the same :class:`JobView` payloads as the generation service, so the job strip
shows these jobs like generations.

Signals: job_changed(JobView), child_stored(str parent image id), cost_ready(object key,
object cost: int | None), failed(str message).
"""

from __future__ import annotations

import itertools
import logging
from typing import Any

from PySide6.QtCore import QObject, Signal

from leodesk.core.pipeline import FAILED, QUEUED, JobFailed, Progress
from leodesk.core.variations import (
    DEFAULT_MOTION_STRENGTH,
    Child,
    Kind,
    Source,
    UniversalOptions,
    VariationPipeline,
    cost_of,
)
from leodesk.qt.backend import Backend
from leodesk.qt.services import DB_WAIT, JobView, user_message
from leodesk.qt.workers import CancelToken

log = logging.getLogger("leodesk.variations")

# Local job ids for these jobs count down from here, so they never meet the library's job ids
# (which the generation service uses) in the job strip.
_FIRST_JOB_ID = -1


class _Persist:
    """Every write hops to the database thread and is awaited."""

    def __init__(self, backend: Backend) -> None:
        self._b = backend

    def _run(self, fn: Any) -> None:
        self._b.db(fn).result(timeout=DB_WAIT)

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
            lambda lib: lib.add_variation_child(
                image_id=image_id,
                parent_image_id=source.image_id,
                transform=transform,
                url=url,
            )
        )

    def add_motion_child(self, generation: Any, source: Source) -> None:
        def write(lib: Any) -> None:
            lib.upsert_generation(generation)
            for image in generation.images:
                if image.id:
                    lib.set_image_parent(image.id, source.image_id, Kind.MOTION.value)

        self._run(write)

    def image_stored(self, image_id: str, sha256: str, ext: str) -> None:
        self._run(lambda lib: lib.set_image_file(image_id, sha256, ext))


def source_of(record: Any) -> Source:
    """The job source for a library image record."""
    return Source(
        image_id=record.id,
        generation_id=record.generation_id,
        is_variation=getattr(record, "kind", "image") == "variation",
        index=getattr(record, "index", 0),
        width=getattr(record, "width", None),
        height=getattr(record, "height", None),
        prompt=getattr(record, "prompt", "") or "",
    )


def job_label(kind: Kind, prompt: str) -> str:
    text = " ".join((prompt or "").split())
    text = text if len(text) <= 50 else text[:49] + "…"
    return f"{kind.label} · {text}" if text else kind.label


class VariationService(QObject):
    job_changed = Signal(object)
    child_stored = Signal(str)
    cost_ready = Signal(object, object)
    failed = Signal(str)

    def __init__(self, backend: Backend, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._b = backend
        self._ids = itertools.count(_FIRST_JOB_ID, -1)
        self._labels: dict[int, str] = {}
        self.known_costs: dict[Kind, int] = {}  # learned from job replies (no pricing service)
        self.poll_interval = 1.0

    # -- cost first ---------------------------------------------------------------------------
    def cost_now(self, kind: Kind) -> int | None:
        """What is already known without asking the server (fixed-price kinds)."""
        return self.known_costs.get(kind)

    def query_cost(
        self, key: Any, kind: Kind, record: Any, options: UniversalOptions | None = None
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
        record: Any,
        *,
        options: UniversalOptions | None = None,
        motion_strength: int = DEFAULT_MOTION_STRENGTH,
    ) -> int:
        """Run ``kind`` on the image ``record`` in the background; returns the strip's job id."""
        job_id = next(self._ids)
        source = source_of(record)
        self._labels[job_id] = job_label(kind, source.prompt)
        self._progress(Progress(job_id, QUEUED, "Queued"))

        def job(token: CancelToken) -> Child:
            from leodesk.core.imagestore import verify_image

            pipeline = VariationPipeline(
                client=self._b.client(),
                store=self._b.store,
                persist=_Persist(self._b),
                on_progress=self._progress,
                cancelled=lambda: token.cancelled,
                verify=verify_image,
                poll_interval=self.poll_interval,
            )
            return pipeline.run(
                job_id, kind, source, options=options, motion_strength=motion_strength
            )

        def error(exc: BaseException) -> None:
            message = user_message(exc)
            if not isinstance(exc, JobFailed):
                message = f"{kind.label} failed: {message}"
                self._progress(Progress(job_id, FAILED, message))
            self.failed.emit(message)

        self._b.pools.submit(job, on_result=self._stored, on_error=error, name=kind.label)
        return job_id

    def _progress(self, p: Progress) -> None:  # on a worker thread: signals only
        label = self._labels.get(p.job_id, "")
        self.job_changed.emit(
            JobView(p.job_id, label, p.state, p.message, p.generation_id, p.done, p.total)
        )

    def _stored(self, child: Child) -> None:
        if child.cost is not None:
            self.known_costs[child.kind] = child.cost
        self.child_stored.emit(child.parent_image_id)
