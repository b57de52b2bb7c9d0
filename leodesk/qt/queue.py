"""The job queue: every kind of stored job (generation, variation, motion) in one order.

A job is stored QUEUED first, then sent by a scheduler that keeps to the account's
``apiConcurrencySlots`` and the submit rate (:class:`leodesk.core.queue.SendGate`), and pauses
when the API answers 429 or the library's disk is full. Queue order, groups and states live in
the library, so a restart resumes. What a job *is* belongs to the runner registered for its kind
(:class:`Runner`); the queue only orders, claims, paces and resumes.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

from leodesk.core.api.errors import RateLimitedError, WaitCancelledError
from leodesk.core.pipeline import (
    CANCELLED,
    FAILED,
    INCOMPLETE,
    QUEUED,
    JobFailed,
    LibraryRecord,
    Progress,
    is_disk_full,
)
from leodesk.core.queue import SendGate
from leodesk.qt.backend import DB_WAIT, Backend
from leodesk.qt.errors import user_message
from leodesk.qt.workers import CancelToken

if TYPE_CHECKING:
    from leodesk.core.library import JobRecord, Library

log = logging.getLogger("leodesk.queue")

SPACE_RETRY = 10.0  # seconds between tries to send while the library's disk is full

T = TypeVar("T")


# ---------------------------------------------------------------------------------------------
class LibraryPersist:
    """Pipeline persistence: the core's :class:`LibraryRecord` writes, each run on the database
    thread and awaited."""

    def __init__(self, backend: Backend) -> None:
        self._b = backend

    def _run(self, fn: Callable[[LibraryRecord], T]) -> T:
        result: T = self._b.db(lambda lib: fn(LibraryRecord(lib))).result(timeout=DB_WAIT)
        return result

    def job_submitting(self, job_id: int, submitted_at: float) -> None:
        self._run(lambda r: r.job_submitting(job_id, submitted_at))

    def job_checking(self, job_id: int) -> None:
        self._run(lambda r: r.job_checking(job_id))

    def job_accepted(self, job_id: int, generation_id: str) -> None:
        self._run(lambda r: r.job_accepted(job_id, generation_id))

    def claim_generation(self, job_id: int, generation_id: str) -> bool:
        return self._run(lambda r: r.claim_generation(job_id, generation_id))

    def generation_seen(self, generation: Any, request_json: str | None) -> None:
        self._run(lambda r: r.generation_seen(generation, request_json))

    def image_stored(self, image_id: str, sha256: str, ext: str) -> None:
        self._run(lambda r: r.image_stored(image_id, sha256, ext))

    def stored_images(self, generation_id: str) -> set[str]:
        return self._run(lambda r: r.stored_images(generation_id))

    def job_ended(self, job_id: int, state: str, message: str | None) -> None:
        self._run(lambda r: r.job_ended(job_id, state, message))


@dataclass(frozen=True)
class JobView:
    """What the job strip shows for one job."""

    job_id: int
    label: str
    state: str
    message: str = ""
    generation_id: str | None = None
    done: int = 0
    total: int = 0


@dataclass(frozen=True)
class QueueStatus:
    """What the queue panel says about the queue as a whole."""

    queued: int
    running: int
    slots: int
    paused: bool
    api_pause: float  # seconds left of a pause the API asked for (429)
    cost: int  # credits of the queued jobs whose price is known
    cost_known: bool  # every queued job's price is known
    disk_full: bool = False  # the library's disk is full: sending waits for space

    def text(self) -> str:
        parts = [
            QCoreApplication.translate("JobQueue", "{n} queued").format(n=self.queued),
            QCoreApplication.translate("JobQueue", "{running} of {slots} running").format(
                running=self.running, slots=self.slots
            ),
        ]
        if self.queued:
            queued = (
                QCoreApplication.translate("JobQueue", "{cost} credits queued")
                if self.cost_known
                else QCoreApplication.translate("JobQueue", "{cost}+ credits queued")
            )
            parts.append(queued.format(cost=self.cost))
        line = " · ".join(parts)
        if self.disk_full:
            return QCoreApplication.translate(
                "JobQueue",
                "Waiting for disk space (free some space; sending goes on by itself) · {line}",
            ).format(line=line)
        if self.api_pause > 0:
            return QCoreApplication.translate(
                "JobQueue", "Paused by the API for {seconds} s · {line}"
            ).format(seconds=max(1, round(self.api_pause)), line=line)
        if self.paused:
            return QCoreApplication.translate("JobQueue", "Paused · {line}").format(line=line)
        return line


@dataclass(frozen=True)
class CreditShortfall:
    """A job the API refused for lack of credits."""

    job_id: int
    label: str
    needed: int | None  # the pricing calculator's price of the job (None: not known)
    message: str  # what the job strip says


class NotEnoughCredits(JobFailed):
    """The submit was refused for lack of credits; ``needed`` is the job's price, if known."""

    def __init__(self, message: str, needed: int | None) -> None:
        super().__init__(message)
        self.needed = needed


class Runner(Protocol):
    """Who sends, follows and reports the jobs of one kind (see :meth:`JobQueue.register`).

    ``send``, ``resume`` and ``price_body`` run on a worker thread (send and resume return a
    result or raise; RateLimitedError from a submit puts the job back in the queue); ``label``,
    ``can_resume``, ``finished`` and ``job_failed`` run on the GUI thread."""

    def label(self, body: str | None) -> str: ...
    def can_resume(self, rec: JobRecord) -> bool: ...
    def send(self, rec: JobRecord, token: CancelToken) -> Any: ...
    def resume(self, rec: JobRecord, token: CancelToken) -> Any: ...
    def price_body(self, body: str | None) -> int | None: ...
    def finished(self, result: Any) -> None: ...
    def job_failed(self, rec: JobRecord, exc: BaseException) -> None: ...


_NOT_SENT = object()  # a claimed job that was not sent after all (cancelled, or closing)


class JobQueue(QObject):
    """The queue of stored jobs of every registered kind: order, claim, slots and rate, pause,
    the API's 429 pause, waiting for disk space, resume after a restart, Download again, and
    the price of what is queued.

    Signals: job_changed(JobView), failed(str), queue_changed(list[JobRecord] in queue order),
    status_changed(QueueStatus).
    """

    job_changed = Signal(object)
    failed = Signal(str)
    queue_changed = Signal(object)
    status_changed = Signal(object)

    def __init__(self, backend: Backend, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._b = backend
        self._labels: dict[int, str] = {}
        self._runners: dict[str, Runner] = {}  # job kind -> who runs it (see register())
        self.gate = SendGate()
        self.records: list[Any] = []  # JobRecord, queue order (the last read)
        self._costs: dict[str, int | None] = {}  # stored body -> credits (None: asking)
        self._loaded = False  # the previous run's jobs were looked at (resume_unfinished)
        self._pause_chosen = False  # paused or resumed this run (the stored flag is moot)
        self._disk_full = False  # the last job could not be taken from the queue: disk full
        self._again: set[int] = set()  # Download again asked while the job was still ending
        self._timer = QTimer(self)  # the next send, after an API pause or the rate window
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._pump)
        self._ticker = QTimer(self)  # counts an API pause down on the panel
        self._ticker.setInterval(500)
        self._ticker.timeout.connect(self._tick)

    # -- plumbing -------------------------------------------------------------------------
    def report(self, p: Progress) -> None:
        """Show a job's progress (any thread: it only emits job_changed)."""
        label = self._labels.get(p.job_id, "")
        self.job_changed.emit(
            JobView(p.job_id, label, p.state, p.message, p.generation_id, p.done, p.total)
        )

    def on_db(self, fn: Callable[[Any], Any], then: Callable[[Any], None] | None = None) -> None:
        """Run ``fn(library)`` on the database thread; ``then(result)`` on the GUI thread (an
        error is reported by ``failed``)."""
        library = self._b.library
        self._b.pools.submit(
            lambda token: fn(library),
            pool="db",
            on_result=then,
            on_error=lambda e: self.failed.emit(user_message(e)),
            name="db",
        )

    def reload(self) -> None:
        """Read the queue from the library again (then send what may be sent)."""
        self.on_db(lambda lib: lib.queue_jobs(), self._set_records)

    def _set_records(self, records: list[Any]) -> None:
        self.records = list(records)
        for rec in self.records:
            if rec.id not in self._labels:
                self._labels[rec.id] = self._label_of(rec)
        self.queue_changed.emit(self.records)
        self._price_queued()
        self._pump()

    def label(self, job_id: int) -> str:
        return self._labels.get(job_id, "")

    def _label_of(self, rec: JobRecord) -> str:
        runner = self._runners.get(rec.kind)
        return "" if runner is None else str(runner.label(rec.request_json))

    # -- kinds of job and adding them ----------------------------------------------------------
    def register(self, kind: str, runner: Runner) -> None:
        """Send, resume, price and report jobs of ``kind`` through ``runner`` (see
        :class:`Runner`). Every kind shares the queue's order, pause, slots and rate, and is
        stored the same way, so a restart resumes it."""
        self._runners[kind] = runner

    def submit_job(self, kind: str, body: str, label: str) -> None:
        """Store one job of a registered ``kind`` (QUEUED, its own group) for the scheduler."""
        self.submit_jobs(kind, [body], [label], label)

    def submit_jobs(
        self,
        kind: str,
        bodies: list[str],
        labels: list[str],
        group: str,
        then: Callable[[list[int]], None] | None = None,
    ) -> None:
        """Store jobs of a registered ``kind`` (QUEUED, in this order, under one group label)
        for the scheduler; ``labels`` are what the job strip calls each; ``then(job ids)`` once
        they are stored (the caller follows them through ``job_changed``)."""
        if kind not in self._runners:
            raise ValueError(f"no runner for jobs of kind {kind!r}")

        def write(lib: Library) -> list[int]:
            return [int(lib.add_job(kind, body, group_label=group)) for body in bodies]

        def added(ids: list[int]) -> None:
            for job_id, text in zip(ids, labels, strict=True):
                self._labels[job_id] = text
                self.report(Progress(job_id, QUEUED, self.tr("Queued")))
            if then is not None:
                then(ids)
            self.reload()

        self.on_db(write, added)

    # -- sending ------------------------------------------------------------------------------
    def _claim(self, job_id: int, token: CancelToken) -> bool:
        """On a worker, before a job is sent: take it from the queue (QUEUED -> SUBMITTING).
        False when it may not be sent: cancelled meanwhile, or the app is closing (then it
        goes back to the queue, never having been sent)."""
        if not self._b.db(lambda lib: lib.claim_job(job_id)).result(DB_WAIT):
            return False
        if token.cancelled:
            self._b.db(lambda lib: lib.requeue_job(job_id)).result(DB_WAIT)
            return False
        return True

    @contextlib.contextmanager
    def _requeued_on_429(self, job_id: int) -> Iterator[None]:
        """A submit answered 429 made nothing: the job goes back in the queue (the scheduler
        pauses sending for Retry-After). Only the submit itself raises RateLimitedError: what
        follows a sent job never does."""
        try:
            yield
        except RateLimitedError:
            self._b.db(
                lambda lib: lib.requeue_job(job_id, self.tr("Paused by the API (rate limit)"))
            ).result(DB_WAIT)
            raise

    def _run(self, rec: JobRecord, resume: bool) -> None:
        """Send (or follow again) a stored job through its kind's runner on the network pool."""
        runner = self._runners[rec.kind]
        job_id = rec.id

        def job(token: CancelToken) -> Any:
            if resume:
                return runner.resume(rec, token)
            if not self._claim(job_id, token):
                return _NOT_SENT
            with self._requeued_on_429(job_id):
                return runner.send(rec, token)

        def done(result: Any) -> None:
            self._ended(job_id)
            if result is not _NOT_SENT:
                runner.finished(result)

        def error(exc: BaseException) -> None:
            if isinstance(exc, RateLimitedError | WaitCancelledError) or is_disk_full(exc):
                self._ended(job_id, exc)
                return
            self._left_slot(job_id)
            self._disk_full = False
            runner.job_failed(rec, exc)
            self.reload()

        self._b.pools.submit(job, on_result=done, on_error=error, name=rec.kind)

    def _ended(self, job_id: int, exc: BaseException | None = None) -> None:
        """A job left its slot: it ended, or (``exc``) the API paused sending, the app is
        closing, or the library's disk is full."""
        self._left_slot(job_id)
        if isinstance(exc, RateLimitedError):
            self.gate.pause_for(exc.retry_after)
            left = max(1, round(self.gate.api_pause_left()))
            self.report(
                Progress(
                    job_id,
                    QUEUED,
                    self.tr("Paused by the API for {seconds} s").format(seconds=left),
                )
            )
            self._ticker.start()
        elif isinstance(exc, WaitCancelledError):
            return  # the app is closing: the job resumes next time
        elif exc is not None and is_disk_full(exc):
            # The job could not even be taken from the queue: nothing was sent. Sending waits
            # (it is tried again every SPACE_RETRY seconds) instead of failing job after job.
            self._disk_full = True
            self.gate.pause_for(SPACE_RETRY)
            self._timer.start(int(SPACE_RETRY * 1000))
            self.report(Progress(job_id, QUEUED, self.tr("Waiting for disk space")))
        if exc is None or not is_disk_full(exc):
            self._disk_full = False
        self.reload()

    # -- the scheduler ----------------------------------------------------------------------
    def set_slots(self, slots: int | None) -> None:
        """The account's ``apiConcurrencySlots`` (from ``/me``)."""
        if slots:
            self.gate.slots = slots
            # A job holds a network thread while it is followed (mostly asleep between polls):
            # enough threads for every slot, plus one for everything else.
            network = self._b.pools.network
            network.setMaxThreadCount(max(network.maxThreadCount(), self.gate.slots + 1))
            self._pump()

    def _capacity(self) -> int:
        # Each job holds a network thread while it is followed: leave one for everything else.
        return max(1, self._b.pools.network.maxThreadCount() - 1)

    def _pump(self) -> None:
        if not self._loaded or self._b.pools.closed:
            self._emit_status()
            return
        while len(self.gate.in_flight) < self._capacity():
            wait = self.gate.wait()
            if wait is None:
                break
            if wait > 0:
                self._timer.start(max(1, int(wait * 1000)))
                break
            rec = next(
                (
                    r
                    for r in self.records
                    if r.state.value == QUEUED
                    and r.kind in self._runners
                    and r.id not in self.gate.in_flight
                ),
                None,
            )
            if rec is None:
                break
            self.gate.sent(rec.id)
            self._run(rec, resume=False)
        self._emit_status()

    def _tick(self) -> None:
        if self.gate.api_pause_left() <= 0:
            self._ticker.stop()
        self._emit_status()

    def status(self) -> QueueStatus:
        # a job just taken may still read QUEUED in the last read of the library: it is running
        running = self.gate.in_flight
        queued = [r for r in self.records if r.state.value == QUEUED and r.id not in running]
        costs = [self._costs.get(r.request_json or "") for r in queued]
        return QueueStatus(
            queued=len(queued),
            running=len(running),
            slots=self.gate.slots,
            paused=self.gate.paused,
            api_pause=self.gate.api_pause_left(),
            cost=sum(c for c in costs if c is not None),
            cost_known=all(c is not None for c in costs),
            disk_full=self._disk_full,
        )

    def _emit_status(self) -> None:
        self.status_changed.emit(self.status())

    def _price_queued(self) -> None:
        """Ask each queued job's runner for its price, once per distinct stored body."""

        def done(result: tuple[str, int | None]) -> None:
            self._costs[result[0]] = result[1]
            self._emit_status()

        for rec in self.records:
            body = rec.request_json or ""
            runner = self._runners.get(rec.kind)
            if rec.state.value != QUEUED or body in self._costs or runner is None:
                continue
            self._costs[body] = None

            def job(token: CancelToken, body: str = body, r: Runner = runner) -> Any:
                return body, r.price_body(body)

            self._b.pools.submit(job, on_result=done, name="price")

    # -- controls -------------------------------------------------------------------------
    def pause(self) -> None:
        """Stop sending queued jobs (those already sent go on); kept across restarts."""
        self._set_paused(True)
        self._emit_status()

    def resume(self) -> None:
        self._set_paused(False)
        self._pump()

    def _set_paused(self, paused: bool) -> None:
        self.gate.paused = paused
        self._pause_chosen = True  # the stored flag, if still being read, no longer applies
        self.on_db(lambda lib: lib.set_queue_paused(paused))

    def cancel(self, job_ids: list[int] | None) -> None:
        """Cancel the given queued jobs (None: every queued job). Jobs already sent go on."""

        def cancelled(ids: list[int]) -> None:
            for job_id in ids:
                self.report(Progress(job_id, CANCELLED, self.tr("Cancelled before it was sent")))
            self.reload()

        self.on_db(lambda lib: lib.cancel_queued_jobs(job_ids), cancelled)

    def cancel_all(self) -> None:
        self.cancel(None)

    def retry(self, job_id: int) -> None:
        """A failed (or cancelled) job again: a new queued job from its stored request."""

        def write(lib: Library) -> int | None:
            rec = lib.get_job(job_id)
            if rec is None or rec.state.value not in (FAILED, CANCELLED):
                return None
            return int(lib.add_job(rec.kind, rec.request_json, group_label=rec.group_label))

        def added(new_id: int | None) -> None:
            if new_id is not None:
                self._labels[new_id] = self._labels.get(job_id, "")
                self.report(Progress(new_id, QUEUED, self.tr("Queued (retry)")))
            self.reload()

        self.on_db(write, added)

    def move_to_front(self, job_ids: list[int]) -> None:
        self.on_db(lambda lib: lib.move_jobs_to_front(job_ids), lambda _r: self.reload())

    def reorder(self, job_ids: list[int]) -> None:
        """The given jobs take the places they hold between them in this order (a drag)."""
        self.on_db(lambda lib: lib.reorder_jobs(job_ids), lambda _r: self.reload())

    def clear_finished(self) -> None:
        self.on_db(lambda lib: lib.clear_finished_jobs(), lambda _r: self.reload())

    # -- after a restart ------------------------------------------------------------------
    def resume_unfinished(self) -> None:
        """Pick up the previous run's jobs: those on the server (or possibly so) are followed
        again at once and hold their slots; queued ones wait for the scheduler. Image files a
        killed run was writing are removed (their images download again with their jobs)."""
        store = self._b.store
        self._b.pools.submit(
            lambda token: store.remove_stale_temp_files(), pool="thumbs", name="store sweep"
        )
        since = time.time() - self.gate.window

        def read(lib: Library) -> tuple[bool, list[float], list[Any]]:
            return lib.queue_paused(), lib.submitted_since(since), lib.unfinished_jobs()

        self.on_db(read, self._resume_stored)

    def _resume_stored(self, stored: tuple[bool, list[float], list[Any]]) -> None:
        paused, sent, records = stored
        if not self._pause_chosen:  # a pause the user kept: still paused, nothing is sent
            self.gate.paused = paused
        # Submits of the last minute (the previous run's too) count against the rate.
        now = time.time()
        self.gate.sent_earlier([now - t for t in sent])
        for rec in records:
            if rec.id not in self.gate.in_flight:
                self._follow_again(rec)
        self._loaded = True
        self.reload()

    def _requeue_unsent(self, rec: JobRecord) -> bool:
        """After a restart: a job never sent goes back in the queue (a claim the app closed on
        is undone). False when it was sent: it is to be followed, not queued."""
        if rec.generation_id is not None or rec.submitted_at is not None:
            return False
        job_id = rec.id
        if rec.state.value != QUEUED:
            self.on_db(lambda lib: lib.requeue_job(job_id))
        self.report(Progress(job_id, QUEUED, self.tr("Queued (resumed)")))
        return True

    def _follow_again(self, rec: JobRecord) -> None:
        """Follow a stored job that was sent (or put one never sent back in the queue): polled
        if the server's id is known, looked for if its answer was lost, its missing images
        downloaded if it is INCOMPLETE. Never sent again."""
        runner = self._runners.get(rec.kind)
        if runner is None:
            log.warning("job %s is of an unknown kind %r: left as it is", rec.id, rec.kind)
            return
        if not runner.can_resume(rec):
            return
        self._labels[rec.id] = self._label_of(rec)
        if self._requeue_unsent(rec):
            return
        self.gate.adopt(rec.id)
        self._run(rec, resume=True)

    def _left_slot(self, job_id: int) -> None:
        self.gate.ended(job_id)
        if job_id in self._again:
            self._again.discard(job_id)
            self.download_again(job_id)

    def download_again(self, job_id: int) -> None:
        """An INCOMPLETE job (made, some images not stored): download what is missing now.
        The job is read afresh (the last queue read may predate its end)."""
        self.on_db(lambda lib: [lib.get_job(job_id)], self._download_missing)

    def recheck_incomplete(self) -> None:
        """After a sync (which downloads missing images too): INCOMPLETE jobs look again, and
        those whose images are all stored now are done."""
        if self._loaded:
            self.on_db(lambda lib: lib.unfinished_jobs(), self._download_missing)

    def _download_missing(self, records: list[Any]) -> None:
        for rec in records:
            if rec is not None and rec.id in self.gate.in_flight:
                # Still finishing (its end is on its way from the worker): again once it ends.
                self._again.add(rec.id)
                continue
            if rec is None or rec.state.value != INCOMPLETE:
                continue
            self.report(
                Progress(rec.id, INCOMPLETE, self.tr("Downloading again…"), rec.generation_id)
            )
            self._follow_again(rec)
        self._emit_status()
