"""BlueprintService: the Blueprint catalogue (cached in the library, refreshed from the API)
and blueprint runs as a kind of job of the app's one queue (:class:`leodesk.qt.queue.Runner`).

A run is stored in the library's queue before anything is sent; the queue sends it within the
account's slots and rate, and a restart resumes it (:class:`leodesk.core.blueprints.
BlueprintPipeline`: an accepted execution is followed again, a lost answer is looked for and
never re-sent).

Signals: blueprints_ready(list[Blueprint]), versions_ready(str blueprint id,
list[BlueprintVersion]), job_changed(JobView), stored(list[str] generation ids),
failed(str message), charged(int credits), insufficient_credits(CreditShortfall).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from leodesk.core.api.errors import InsufficientCreditsError
from leodesk.core.blueprint_inputs import JOB_KIND, BlueprintJob, job_body, job_from_body
from leodesk.core.blueprints import BlueprintPipeline, RunResult
from leodesk.core.imagestore import verify_image
from leodesk.core.library import BlueprintOrigin, Library
from leodesk.core.pipeline import FAILED, JobFailed, Progress
from leodesk.qt.backend import Backend
from leodesk.qt.errors import user_message
from leodesk.qt.queue import CreditShortfall, JobQueue, JobView, LibraryPersist, NotEnoughCredits
from leodesk.qt.workers import CancelToken

if TYPE_CHECKING:
    from leodesk.core.library import JobRecord

log = logging.getLogger("leodesk.blueprints")


class _Persist(LibraryPersist):
    """The queue's persistence, plus the origin of what a run made."""

    def set_generation_origin(self, generation_id: str, origin: BlueprintOrigin) -> None:
        self._run(lambda r: r.library.set_generation_origin(generation_id, origin))


class BlueprintService(QObject):
    blueprints_ready = Signal(list)
    versions_ready = Signal(str, list)
    blueprint_ready = Signal(object)  # Blueprint: one blueprint as the API has it now
    job_changed = Signal(object)
    stored = Signal(list)
    failed = Signal(str)
    charged = Signal(int)
    insufficient_credits = Signal(object)  # CreditShortfall, as the generation queue's

    def __init__(self, backend: Backend, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._b = backend
        self.queue: JobQueue | None = None
        self._labels: dict[int, str] = {}
        self.poll_interval = 1.0
        self.reconcile_delay = 3.0
        self.tuning: dict[str, Any] = {}  # other pipeline timings (tests)

    # -- the catalogue ------------------------------------------------------------------------
    def load(self) -> None:
        """The cached catalogue now, then the API's (cached for next time)."""
        self.blueprints_ready.emit(self._b.reader.cached_blueprints())

        def job(token: CancelToken) -> list[Any]:
            found = self._b.client().list_all_blueprints()
            self._b.db(lambda lib: lib.save_blueprints(found)).result()
            return found

        self._b.pools.submit(
            job,
            on_result=self.blueprints_ready.emit,
            on_error=lambda e: self.failed.emit(
                self.tr("Blueprints could not be loaded: {why}").format(why=user_message(e))
            ),
            name="blueprints",
        )

    def load_blueprint(self, blueprint_id: str) -> None:
        """``blueprint_ready`` with the API's current record of ``blueprint_id`` (its name and
        description may have changed since the catalogue was listed)."""

        def job(token: CancelToken) -> Any:
            return self._b.client().get_blueprint(blueprint_id)

        self._b.pools.submit(
            job,
            on_result=lambda bp: None if bp is None else self.blueprint_ready.emit(bp),
            on_error=lambda e: log.info("blueprint %s not refreshed: %s", blueprint_id, e),
            name="blueprint",
        )

    def load_versions(self, blueprint_id: str) -> None:
        """The cached versions of ``blueprint_id`` now (if any), then the API's."""
        cached = self._b.reader.cached_blueprint_versions(blueprint_id)
        if cached is not None:
            self.versions_ready.emit(blueprint_id, cached)

        def job(token: CancelToken) -> list[Any]:
            found = self._b.client().list_blueprint_versions(blueprint_id)
            self._b.db(lambda lib: lib.save_blueprint_versions(blueprint_id, found)).result()
            return found

        self._b.pools.submit(
            job,
            on_result=lambda versions: self.versions_ready.emit(blueprint_id, versions),
            on_error=lambda e: self.failed.emit(
                self.tr("Versions could not be loaded: {why}").format(why=user_message(e))
            ),
            name="blueprint versions",
        )

    def origin(self, generation_id: str) -> BlueprintOrigin | None:
        """Which blueprint made ``generation_id`` (None: not a blueprint's)."""
        reader: Library = self._b.reader
        return reader.generation_origin(generation_id)

    # -- runs ---------------------------------------------------------------------------------
    def start(self, job: BlueprintJob) -> None:
        """Queue ``job``: stored first, then sent by the queue's scheduler."""
        if self.queue is None:
            raise RuntimeError("the blueprint service has no queue")
        self.queue.submit_job(JOB_KIND, job_body(job), job.label)

    def label(self, body: str | None) -> str:
        try:
            return job_from_body(body).label
        except ValueError:
            return self.tr("Blueprint")

    def can_resume(self, rec: JobRecord) -> bool:
        return True

    def price_body(self, body: str | None) -> int | None:
        try:
            return job_from_body(body).cost
        except ValueError:
            return None

    def _pipeline(self, token: CancelToken) -> BlueprintPipeline:
        return BlueprintPipeline(
            client=self._b.client(),
            store=self._b.store,
            persist=_Persist(self._b),
            on_progress=self._progress,
            cancelled=lambda: token.cancelled,
            verify=verify_image,
            poll_interval=self.poll_interval,
            reconcile_delay=self.reconcile_delay,
            **self.tuning,
        )

    def send(self, rec: JobRecord, token: CancelToken) -> RunResult:
        """On a worker thread: run the stored job ``rec`` (claimed by the queue)."""
        job = self._job_of(rec)
        try:
            return self._pipeline(token).run(rec.id, job)
        except JobFailed as exc:
            if isinstance(exc.__cause__, InsufficientCreditsError):
                raise NotEnoughCredits(str(exc), job.cost) from exc.__cause__
            raise

    def resume(self, rec: JobRecord, token: CancelToken) -> RunResult:
        """On a worker thread: follow a run the previous session sent."""
        job = self._job_of(rec)
        return self._pipeline(token).resume(
            rec.id, job, remote_id=rec.generation_id, submitted_at=rec.submitted_at
        )

    def _job_of(self, rec: JobRecord) -> BlueprintJob:
        try:
            job = job_from_body(rec.request_json)
        except ValueError as exc:
            message = self.tr("The saved blueprint run could not be read.")
            _Persist(self._b).job_ended(rec.id, FAILED, message)
            self._progress(Progress(rec.id, FAILED, message))
            raise JobFailed(message) from exc
        self._labels[rec.id] = job.label
        return job

    def finished(self, result: RunResult) -> None:
        """On the GUI thread: a run's generations are stored."""
        if result.cost is not None:
            self.charged.emit(result.cost)
        self.stored.emit(list(result.generation_ids))

    def job_failed(self, rec: JobRecord, exc: BaseException) -> None:
        message = user_message(exc)
        if not isinstance(exc, JobFailed):
            message = self.tr("{label} failed: {message}").format(
                label=self.label(rec.request_json), message=message
            )
            self._progress(Progress(rec.id, FAILED, message))
        self.failed.emit(message)
        if isinstance(exc, NotEnoughCredits):
            label = self._labels.get(rec.id) or self.label(rec.request_json)
            self.insufficient_credits.emit(CreditShortfall(rec.id, label, exc.needed, message))

    def _progress(self, p: Progress) -> None:  # any thread: signals only
        label = self._labels.get(p.job_id, "Blueprint")
        self.job_changed.emit(
            JobView(p.job_id, label, p.state, p.message, p.generation_id, p.done, p.total)
        )
