"""What the services that run one kind of job through the app's queue share (variations and
motion, videos): the pipeline's common settings, the job strip's reports, reading a stored job,
and saying how a job ended (see :class:`leodesk.qt.queue.Runner`).

Signals of every such service: job_changed(JobView), failed(str message),
insufficient_credits(CreditShortfall).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, Signal

from leodesk.core.imagestore import verify_image
from leodesk.core.pipeline import FAILED, JobFailed, Progress
from leodesk.qt.backend import Backend
from leodesk.qt.errors import user_message
from leodesk.qt.queue import CreditShortfall, JobQueue, JobView, LibraryPersist, NotEnoughCredits
from leodesk.qt.workers import CancelToken

if TYPE_CHECKING:
    from leodesk.core.library import JobRecord

_J = TypeVar("_J")


class QueueRunner(QObject):
    """A base for a :class:`~leodesk.qt.queue.Runner` of one job kind."""

    job_changed = Signal(object)
    failed = Signal(str)
    insufficient_credits = Signal(object)  # CreditShortfall, as the generation queue's

    #: what the job strip calls a job whose stored body cannot be read (translated where shown)
    what = str(QT_TRANSLATE_NOOP("QueueRunner", "job"))

    def __init__(self, backend: Backend, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._b = backend
        self.queue: JobQueue | None = None  # stores and sends every job
        self._labels: dict[int, str] = {}
        self.poll_interval = 1.0
        self.reconcile_delay = 3.0  # between looks for a job whose answer was lost
        self.tuning: dict[str, Any] = {}  # other pipeline timings (tests)

    def _pipeline_options(self, token: CancelToken, persist: LibraryPersist) -> dict[str, Any]:
        """The keyword arguments every pipeline of a queued job takes."""
        return {
            "client": self._b.client(),
            "store": self._b.store,
            "persist": persist,
            "on_progress": self._progress,
            "cancelled": lambda: token.cancelled,
            "verify": verify_image,
            "poll_interval": self.poll_interval,
            "claim": persist.claim_generation,  # one job per server id
            "reconcile_delay": self.reconcile_delay,
            **self.tuning,
        }

    # Called by the queue (JobQueue): see leodesk.qt.queue.Runner.
    def can_resume(self, rec: JobRecord) -> bool:
        """Every stored job is followed (one that cannot be read fails when resumed)."""
        return True

    def _read(self, rec: JobRecord, parse: Callable[[str | None], _J]) -> _J:
        """The stored job ``rec`` read with ``parse``; a job that cannot be read ends FAILED."""
        try:
            return parse(rec.request_json)
        except ValueError as exc:
            message = QCoreApplication.translate(
                "QueueRunner", "The saved {what} could not be read."
            ).format(what=QCoreApplication.translate("QueueRunner", self.what))
            LibraryPersist(self._b).job_ended(rec.id, FAILED, message)
            self._progress(Progress(rec.id, FAILED, message))
            raise JobFailed(message) from exc

    def label(self, body: str | None) -> str:  # pragma: no cover - every service has its own
        return QCoreApplication.translate("QueueRunner", self.what).capitalize()

    def job_failed(self, rec: JobRecord, exc: BaseException) -> None:
        """On the GUI thread: a job ended without a result (the pipeline said why)."""
        message = user_message(exc)
        label = self._labels.get(rec.id) or self.label(rec.request_json)
        if not isinstance(exc, JobFailed):
            message = QCoreApplication.translate("QueueRunner", "{label} failed: {message}").format(
                label=label, message=message
            )
            self._progress(Progress(rec.id, FAILED, message))
        self.failed.emit(message)
        if isinstance(exc, NotEnoughCredits):
            self.insufficient_credits.emit(CreditShortfall(rec.id, label, exc.needed, message))

    def _progress(self, p: Progress) -> None:  # on a worker thread: signals only
        label = self._labels.get(p.job_id, "")
        self.job_changed.emit(
            JobView(p.job_id, label, p.state, p.message, p.generation_id, p.done, p.total)
        )
